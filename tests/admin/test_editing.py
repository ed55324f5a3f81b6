"""Editing in the admin: a reason every time, nothing lost when two people edit at once."""

import pytest
from django.urls import reverse

from casefile.models import Actor, Citation, Event, Fact, Relationship, Source
from tests.admin.pages import (
    add_inline_row,
    change_url,
    conflict_message,
    edit,
    form_data,
    history_ids,
    logged_in,
    open_change_form,
    public,
    saved,
    text_of,
)
from tests.factories import save


def test_a_change_without_a_reason_is_refused_and_saves_nothing(fact, reporter_client):
    versions = history_ids(fact)
    response = edit(reporter_client, fact, reason="", statement="Worth 9 million.")
    assert response.status_code == 200
    assert "change_reason" in response.context["adminform"].form.errors
    assert "This field is required" in response.content.decode()
    fact.refresh_from_db()
    assert fact.statement == "The contract was worth 5 million."
    assert history_ids(fact) == versions


def test_a_saved_change_records_who_made_it_and_why(fact, reporter, reporter_client):
    versions = history_ids(fact)
    saved(edit(reporter_client, fact, reason="The ruling gives 9 million", statement="Worth 9 million."))
    fact.refresh_from_db()
    assert fact.statement == "Worth 9 million."
    assert len(history_ids(fact)) == len(versions) + 1
    latest = Fact.history.filter(id=fact.pk).order_by("-history_id").first()
    assert (latest.statement, latest.history_user, latest.history_change_reason) == (
        "Worth 9 million.", reporter, "The ruling gives 9 million")


def test_a_citation_added_inline_records_who_added_it_and_why(fact, reporter, reporter_client):
    data = open_change_form(reporter_client, fact)
    add_inline_row(data, "citations", {"source": Source.objects.get(slug="daily").pk,
                                       "stance": "qualifies", "locator": "¶7"})
    data["change_reason"] = ["Paragraph 7 gives the amount"]
    saved(reporter_client.post(change_url(fact), data))
    citation = Citation.objects.get(fact=fact, locator="¶7")
    version = citation.history.first()
    assert (version.history_user, version.history_change_reason) == (reporter, "Paragraph 7 gives the amount")
    assert [c.locator for c in public().fact("contract-value").public_citations] == ["¶3"]


def new_record_fields(model, case):
    """What a reporter types into the add form of a record that can be cited."""
    if model is Fact:
        return {"case": case.pk, "slug": "harbour-loan", "statement": "The harbour board took a loan.",
                "status": "unverified"}
    if model is Event:
        return {"case": case.pk, "slug": "board-meeting", "title": "Harbour board meeting",
                "starts_on": "2021-03-04", "starts_precision": "day"}
    return {"case": case.pk, "subject": Actor.objects.get(slug="ana-mayor").pk, "kind": "controls",
            "object": Actor.objects.get(slug="quay-builders").pk}


NEW_RECORD_KEYS = {Fact: {"slug": "harbour-loan"}, Event: {"slug": "board-meeting"},
                   Relationship: {"kind": "controls"}}


@pytest.mark.parametrize("model", [Fact, Event, Relationship], ids=lambda m: m._meta.model_name)
def test_a_new_record_is_saved_together_with_its_first_citation(
    case_file, reporter, reporter_client, model
):
    add_url = reverse(f"admin:casefile_{model._meta.model_name}_add")
    data = form_data(reporter_client.get(add_url), f"{model._meta.model_name}_form")
    data.update({name: [str(value)] for name, value in new_record_fields(model, case_file).items()})
    add_inline_row(data, "citations", {"source": Source.objects.get(slug="daily").pk,
                                       "stance": "supports", "locator": "¶3"})
    data["change_reason"] = ["From the board minutes"]
    saved(reporter_client.post(add_url, data))

    record = model.objects.get(**NEW_RECORD_KEYS[model])
    citation = record.citations.get()
    assert (citation.source.slug, citation.locator) == ("daily", "¶3")
    for version in (record.history.get(), citation.history.get()):
        assert (version.history_type, version.history_user, version.history_change_reason) == (
            "+", reporter, "From the board minutes")


def test_saving_an_untouched_form_adds_no_version(fact, reporter_client):
    versions = history_ids(fact)
    saved(edit(reporter_client, fact, reason="Nothing really"))
    assert history_ids(fact) == versions


def test_the_second_of_two_concurrent_edits_is_refused_and_loses_nothing(
    fact, reporter, other_reporter
):
    first, second = logged_in(reporter), logged_in(other_reporter)
    first_form, second_form = open_change_form(first, fact), open_change_form(second, fact)
    assert first_form["edit_token"] == second_form["edit_token"] != [""]

    first_form.update(statement=["Worth 7 million, per the ruling."], change_reason=["ruling"])
    saved(first.post(change_url(fact), first_form))

    second_form.update(statement=["Worth 8 million, per the minutes."], change_reason=["minutes"])
    versions = history_ids(fact)
    response = second.post(change_url(fact), second_form)
    assert response.status_code == 200
    page = text_of(response)
    assert "Not saved: rita changed this record" in page
    assert "Worth 8 million, per the minutes." in page
    assert "minutes" in form_data(response, "fact_form")["change_reason"]
    fact.refresh_from_db()
    assert fact.statement == "Worth 7 million, per the ruling."
    assert history_ids(fact) == versions
    latest = Fact.history.filter(id=fact.pk).order_by("-history_id").first()
    assert (latest.statement, latest.history_user) == ("Worth 7 million, per the ruling.", reporter)


def test_after_a_refused_concurrent_edit_saving_again_applies_it_on_top(fact, reporter, other_reporter):
    first, second = logged_in(reporter), logged_in(other_reporter)
    second_form = open_change_form(second, fact)
    saved(edit(first, fact, statement="Worth 7 million."))
    second_form.update(assessment=["The minutes agree."], change_reason=["minutes"])
    refused = second.post(change_url(fact), second_form)
    assert refused.status_code == 200
    shown = form_data(refused, "fact_form")
    assert (shown["statement"], shown["assessment"]) == (["Worth 7 million."], ["The minutes agree."])
    assert "Both you and" not in conflict_message(refused)
    assert "citations" not in conflict_message(refused)

    saved(second.post(change_url(fact), shown))
    versions = Fact.history.filter(id=fact.pk).order_by("history_id").values_list("statement", "assessment")
    assert list(versions)[-2:] == [("Worth 7 million.", ""), ("Worth 7 million.", "The minutes agree.")]


def test_a_refused_concurrent_edit_names_the_fields_both_people_changed_and_keeps_your_input_there(
    fact, reporter, other_reporter
):
    first, second = logged_in(reporter), logged_in(other_reporter)
    second_form = open_change_form(second, fact)
    saved(edit(first, fact, statement="Worth 7 million.", status="disputed"))
    second_form.update(statement=["Worth 8 million."], assessment=["The minutes say 8."],
                       change_reason=["minutes"])
    refused = second.post(change_url(fact), second_form)
    assert refused.status_code == 200
    assert "Both you and rita changed: statement." in conflict_message(refused)
    shown = form_data(refused, "fact_form")
    assert (shown["statement"], shown["status"], shown["assessment"]) == (
        ["Worth 8 million."], ["disputed"], ["The minutes say 8."])

    saved(second.post(change_url(fact), shown))
    fact.refresh_from_db()
    assert (fact.statement, fact.status, fact.assessment) == ("Worth 8 million.", "disputed", "The minutes say 8.")


def test_a_refused_concurrent_edit_takes_their_text_where_the_browser_only_resent_the_line_breaks(
    fact, reporter, other_reporter
):
    fact.assessment = "The ruling says 5.\nThe minutes agree."
    save(fact, reporter)
    first, second = logged_in(reporter), logged_in(other_reporter)
    second_form = open_change_form(second, fact)
    saved(edit(first, fact, assessment="The ruling says 5.\nThe minutes say 7."))
    # A browser sends every line break of a textarea as CRLF.
    second_form.update(assessment=["The ruling says 5.\r\nThe minutes agree."], status=["disputed"],
                       change_reason=["minutes"])
    refused = second.post(change_url(fact), second_form)
    assert "Both you and" not in conflict_message(refused)
    assert form_data(refused, "fact_form")["assessment"] == ["The ruling says 5.\nThe minutes say 7."]


def test_a_form_with_a_garbled_edit_token_is_refused_and_keeps_the_input(fact, reporter_client):
    for token in ("nonsense", "99999999-1-2-3", "9" * 30, "²-0-0-0", "-", ""):
        response = edit(reporter_client, fact, statement="Worth 9 million.", edit_token=token)
        assert response.status_code == 200
        assert "Not saved" in conflict_message(response)
        assert form_data(response, "fact_form")["statement"] == ["Worth 9 million."]
    fact.refresh_from_db()
    assert fact.statement == "The contract was worth 5 million."


def test_an_edit_from_a_form_opened_before_someone_added_a_citation_is_refused(
    fact, reporter, other_reporter
):
    first, second = logged_in(reporter), logged_in(other_reporter)
    second_form = open_change_form(second, fact)
    data = open_change_form(first, fact)
    add_inline_row(data, "citations", {"source": Source.objects.get(slug="daily").pk,
                                       "stance": "supports", "locator": "¶8"})
    data["change_reason"] = ["another paragraph"]
    saved(first.post(change_url(fact), data))

    second_form.update(statement=["Worth 8 million."], change_reason=["minutes"])
    response = second.post(change_url(fact), second_form)
    assert response.status_code == 200
    assert "Not saved" in text_of(response)
    assert "The citations of this record changed too" in conflict_message(response)
    fact.refresh_from_db()
    assert fact.statement == "The contract was worth 5 million."
    assert Citation.objects.filter(fact=fact, locator="¶8").exists()


def test_a_facts_form_reads_the_fact_and_its_rows_once_to_show_them(
    fact, reporter_client, django_assert_max_num_queries
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    with django_assert_max_num_queries(42):
        data = open_change_form(reporter_client, fact)
    assert data["statement"] == ["Worth 9 million."]

"""Discarding what waits on a record names whose work goes, asks to confirm, and spares others' work."""

from django.urls import reverse

from casefile import workflow
from casefile.models import Citation, Fact, Source

from .pages import (
    add_row,
    change_url,
    edit,
    form_data,
    has_form,
    messages_after,
    open_form,
    post_form,
    public,
    reject,
    saved,
    text_of,
)


def reset_url(record):
    return reverse(f"admin:casefile_{record._meta.model_name}_reset", args=[record.pk])


def statement_now(fact):
    fact.refresh_from_db()
    return fact.statement


def test_a_reporter_is_not_offered_to_discard_an_editors_waiting_change_and_cannot(
    fact, reporter_client, editor_client
):
    saved(edit(editor_client, fact, "The audit", statement="Worth 7 million, per the audit."))

    page = reporter_client.get(change_url(fact))
    assert not has_form(page, "reset-form")
    assert "this would throw away the work of edna" in text_of(page)

    response = reporter_client.post(reset_url(fact), {"confirm": "yes"})
    assert response.status_code == 302
    assert any("work of edna" in m for m in messages_after(reporter_client, response))
    assert statement_now(fact) == "Worth 7 million, per the audit."
    assert workflow.record_changes(Fact, fact.pk) != []


def test_a_reporter_is_refused_to_discard_their_own_change_made_on_top_of_an_editors(
    fact, reporter_client, editor_client
):
    saved(edit(editor_client, fact, "The audit", statement="Worth 7 million, per the audit."))
    saved(edit(reporter_client, fact, "Typo", assessment="The audit agrees."))

    assert not has_form(reporter_client.get(change_url(fact)), "reset-form")
    reporter_client.post(reset_url(fact), {"confirm": "yes"})
    fact.refresh_from_db()
    assert (fact.statement, fact.assessment) == ("Worth 7 million, per the audit.", "The audit agrees.")


def test_the_reset_form_names_every_author_whose_changes_go_and_asks_to_confirm(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, "The ruling", statement="Worth 9 million."))
    data = open_form(editor_client, change_url(fact), "fact_form")
    add_row(data, "citations", {"source": Source.objects.get(slug="daily").pk, "stance": "qualifies",
                                "locator": "¶7"})
    saved(post_form(editor_client, change_url(fact), data, "Paragraph 7"))

    page = editor_client.get(change_url(fact))
    text = text_of(page)
    assert "Yes, discard the changes of edna and rita (not only mine)" in text
    assert "Fact “Worth 9 million.”: statement, by rita" in text
    assert "Citation “Daily report ¶7 (qualifies)”: added, by edna" in text
    assert 'name="confirm" value="yes" required' in page.content.decode()

    unconfirmed = form_data(page, "reset-form")
    response = editor_client.post(reset_url(fact), unconfirmed)
    assert any("Tick the box that names them" in m for m in messages_after(editor_client, response))
    assert statement_now(fact) == "Worth 9 million."

    response = editor_client.post(reset_url(fact), {**unconfirmed, "confirm": ["yes"]})
    assert response.status_code == 302
    assert statement_now(fact) == "The contract was worth 5 million."
    assert not Citation.objects.filter(fact=fact, locator="¶7").exists()
    assert workflow.record_changes(Fact, fact.pk) == []


def test_a_discard_confirmed_before_another_change_arrived_discards_nothing(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, "The ruling", statement="Worth 9 million."))
    confirmed = {**form_data(editor_client.get(change_url(fact)), "reset-form"), "confirm": ["yes"]}
    saved(edit(reporter_client, fact, "The minutes agree", assessment="The minutes agree."))

    response = editor_client.post(reset_url(fact), confirmed)

    assert any("changed after you were shown" in m for m in messages_after(editor_client, response))
    fact.refresh_from_db()
    assert (fact.statement, fact.assessment) == ("Worth 9 million.", "The minutes agree.")


def test_a_reporter_discards_their_own_rejected_change_after_confirming(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, "The ruling", statement="Worth 9 million."))
    reject(editor_client, fact, "The ruling says 5.")

    page = reporter_client.get(change_url(fact))
    assert "Yes, discard the changes of rita." in text_of(page)
    response = reporter_client.post(reset_url(fact), {**form_data(page, "reset-form"), "confirm": ["yes"]})

    assert response.status_code == 302
    assert statement_now(fact) == "The contract was worth 5 million."
    assert public().fact("contract-value").statement == "The contract was worth 5 million."
    assert "Your last change was rejected" not in text_of(reporter_client.get(change_url(fact)))


def test_nothing_to_discard_offers_no_reset(fact, reporter_client):
    assert not has_form(reporter_client.get(change_url(fact)), "reset-form")
    draft = Fact.objects.create(case=fact.case, slug="draft", statement="A draft")
    assert not has_form(reporter_client.get(change_url(draft)), "reset-form")

"""Reporters see where their work stands: on saving, in every list, on the desk and in every email."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casefile.models import Actor, Case, Event, Fact, Source

from .pages import (
    approve,
    change_url,
    edit,
    logged_in,
    messages_after,
    reject,
    saved,
    text_of,
)
from tests.factories import approve_all, make_user, save


def test_saving_says_the_change_was_sent_for_review_and_not_that_it_was_changed_successfully(
    fact, reporter_client
):
    response = saved(edit(reporter_client, fact, statement="Worth 9 million."))
    shown = messages_after(reporter_client, response)
    assert shown == ["The fact “Worth 9 million.” was saved and sent for review. Readers see the approved "
                     "version until an editor approves the change."]
    assert not any("successfully" in message for message in shown)


def test_saving_a_form_untouched_says_nothing_was_sent_for_review(fact, reporter_client):
    response = saved(edit(reporter_client, fact))
    assert messages_after(reporter_client, response) == [
        "Nothing was changed in the fact “The contract was worth 5 million.”, so nothing was sent for review."]


def list_rows(client, model, **query):
    response = client.get(reverse(f"admin:casefile_{model._meta.model_name}_changelist"), query)
    assert response.status_code == 200
    html = response.content.decode()
    if 'id="result_list"' not in html:
        return []
    table = html.split('id="result_list"', 1)[1].split("</table>", 1)[0]
    return [text_of("<tr" + row).strip() for row in table.split("<tr")[2:]]


def test_every_record_list_shows_the_review_state_and_filters_by_it(
    case_file, reporter, reporter_client, editor_client
):
    mayor, firm = Actor.objects.get(slug="ana-mayor"), Actor.objects.get(slug="quay-builders")
    saved(edit(reporter_client, mayor, description="Mayor since 2018."))
    saved(edit(reporter_client, firm, description="A shell company."))
    reject(editor_client, firm, "No source says so.")
    save(Actor(case=case_file, kind="person", name="Ned New", slug="ned-new"), reporter)

    rows = list_rows(reporter_client, Actor)
    assert any("Ana Mayor Waiting for review readers see the approved version meanwhile" in row for row in rows)
    assert any("Quay Builders Rejected readers see the approved version" in row for row in rows)
    assert any("Ned New Waiting for review new, not yet public" in row for row in rows)

    def names(state):
        return sorted(" ".join(row.split(" ")[:2]) for row in list_rows(reporter_client, Actor, review=state))

    assert names("waiting") == ["Ana Mayor", "Ned New"]
    assert names("rejected") == ["Quay Builders"]
    assert names("published") == []
    approve(editor_client, mayor)
    assert names("published") == ["Ana Mayor"]


def test_a_fact_whose_new_citation_waits_is_listed_as_waiting(fact, reporter, reporter_client):
    from casefile.models import Citation

    save(Citation(fact=fact, source=Source.objects.get(slug="daily"), locator="¶5"), reporter)
    assert any("Waiting for review" in row for row in list_rows(reporter_client, Fact, review="waiting"))
    assert list_rows(reporter_client, Fact, review="published") == []


def desk_of(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response


def section(response, heading_id):
    html = response.content.decode()
    return text_of(html.split(f'id="{heading_id}"', 1)[1].split("</ul>", 1)[0].split("<h3", 1)[0] + "</ul>")


def test_the_desk_shows_a_reporter_their_changes_waiting_approved_and_rejected_with_the_comment(
    case_file, fact, reporter_client, editor_client
):
    mayor, firm = Actor.objects.get(slug="ana-mayor"), Actor.objects.get(slug="quay-builders")
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    saved(edit(reporter_client, mayor, description="Mayor since 2018."))
    saved(edit(reporter_client, firm, description="A shell company."))
    approve(editor_client, mayor, "Thanks")
    reject(editor_client, firm, "No source says it is a shell.")

    desk = desk_of(reporter_client)
    assert "Rejected: 1" in text_of(desk)
    assert "Quay Builders (actor): rejected by edna" in section(desk, "desk-rejected")
    assert "No source says it is a shell." in section(desk, "desk-rejected")
    assert "Worth 9 million. (fact), since" in section(desk, "desk-waiting")
    assert "Ana Mayor (actor): approved by edna" in section(desk, "desk-approved")
    html = desk.content.decode()
    for record in (fact, mayor, firm):
        assert f'href="{change_url(record)}"' in html


def test_a_rejection_leaves_the_desk_once_the_record_is_sent_again(fact, reporter_client, editor_client):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    reject(editor_client, fact, "No.")
    assert "Rejected: 1" in text_of(desk_of(reporter_client))
    saved(edit(reporter_client, fact, statement="Worth 5 million."))
    assert "Rejected: 0" in text_of(desk_of(reporter_client))


def test_the_desk_shows_an_editor_what_waits_oldest_first_with_counts_per_case(
    case_file, fact, reporter, reporter_client, editor_client, editor
):
    other = save(Case(title="River dredging", slug="river"), reporter)
    save(Actor(case=other, kind="company", name="Deep Dredgers", slug="deep"), reporter)
    approve_all(editor, other)
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    saved(edit(reporter_client, Actor.objects.get(slug="deep"), description="Dredges rivers."))
    saved(edit(reporter_client, Actor.objects.get(slug="ana-mayor"), description="The mayor."))
    Fact.history.filter(id=fact.pk, statement="Worth 9 million.").update(
        history_date=timezone.now() - datetime.timedelta(days=2))

    text = text_of(desk_of(editor_client))
    assert "Waiting for review: 3" in text
    assert "Harbour contracts: 2" in text and "River dredging: 1" in text
    oldest = text.split("Oldest first", 1)[1]
    assert oldest.index("Worth 9 million.") < oldest.index("Ana Mayor")
    assert oldest.index("Worth 9 million.") < oldest.index("Deep Dredgers")
    assert "Waiting for review" not in text_of(desk_of(reporter_client)).split("Your work")[0]


@pytest.mark.parametrize("decide", [approve, reject], ids=["approval", "rejection"])
def test_the_email_telling_a_reporter_of_a_decision_links_to_the_record(
    fact, reporter_client, editor_client, mailoutbox, django_capture_on_commit_callbacks, decide
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    with django_capture_on_commit_callbacks(execute=True):
        assert decide(editor_client, fact, "Checked against the ruling").status_code == 302
    [mail] = mailoutbox
    assert f"http://127.0.0.1:8000{change_url(fact)}" in mail.body


def test_the_email_telling_editors_of_a_change_links_to_the_record_and_its_review(
    fact, reporter_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        saved(edit(reporter_client, fact, statement="Worth 9 million."))
    [mail] = mailoutbox
    assert f"http://127.0.0.1:8000{change_url(fact)}" in mail.body
    assert "/admin/casefile/decision/review/casefile.fact:" in mail.body


def test_an_event_listed_with_its_month_date_as_readers_see_it(case_file, reporter_client):
    rows = list_rows(reporter_client, Event)
    assert any("Contract signed Published May 2020" in row for row in rows)


def test_a_reporter_with_a_new_account_sees_an_empty_desk(case_file):
    newcomer = logged_in(make_user("nora", "Reporters"))
    text = text_of(desk_of(newcomer))
    assert "None of your changes stands rejected." in text
    assert "Nothing of yours waits for review." in text


def test_the_desk_reads_what_waits_once_for_an_editor_and_for_a_reporter(
    fact, reporter_client, editor_client, django_assert_max_num_queries
):
    mayor = Actor.objects.get(slug="ana-mayor")
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    saved(edit(reporter_client, mayor, description="Mayor since 2018."))
    reject(editor_client, mayor, "Which year?")
    with django_assert_max_num_queries(30):
        assert "Waiting for review: 1" in text_of(desk_of(editor_client))
    with django_assert_max_num_queries(48):
        assert "Rejected: 1" in text_of(desk_of(reporter_client))

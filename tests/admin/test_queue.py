"""The review queue: oldest first, filtered, a page at a time, and approving several records at once."""

import datetime

from django.urls import reverse
from django.utils import timezone

from casefile import workflow
from casefile.models import Actor, Case, Decision, Fact, Source
from tests.admin.pages import (
    add_source_in_admin,
    cite,
    edit,
    form_data,
    logged_in,
    public,
    public_statement,
    queue_rows,
    saved,
    shown_messages,
)
from tests.factories import approve_all, save


def test_bulk_approval_approves_the_selected_records(fact, case_file, reporter_client, editor_client):
    actor = Actor.objects.get(slug="quay-builders")
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    saved(edit(reporter_client, actor, description="Builds quays."))
    draft = save(Fact(case=case_file, slug="left-alone", statement="Not selected"),
                 Fact.history.first().history_user)
    queue = editor_client.get(reverse("admin:casefile_review_queue"))
    data = form_data(queue, action=reverse("admin:casefile_review_bulk"))
    data["selected"] = [workflow.key_for(Fact, fact.pk), workflow.key_for(Actor, actor.pk)]
    data["comment"] = ["Both checked"]
    response = editor_client.post(reverse("admin:casefile_review_bulk"), data, follow=True)
    assert "Approved 2 record(s)." in shown_messages(response)
    snapshot = public()
    assert snapshot.fact("contract-value").statement == "Worth 9 million."
    assert snapshot.actor("quay-builders").description == "Builds quays."
    assert snapshot.fact("left-alone") is None
    assert workflow.pending_change(Fact, draft.pk) is not None


def test_bulk_approval_refuses_a_record_changed_after_the_queue_was_shown(
    fact, reporter_client, editor_client
):
    actor = Actor.objects.get(slug="quay-builders")
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    saved(edit(reporter_client, actor, description="Builds quays."))
    queue = editor_client.get(reverse("admin:casefile_review_queue"))
    saved(edit(reporter_client, fact, reason="Typo", statement="Worth 9.5 million."))

    data = form_data(queue, action=reverse("admin:casefile_review_bulk"))
    data["selected"] = [workflow.key_for(Fact, fact.pk), workflow.key_for(Actor, actor.pk)]
    response = editor_client.post(reverse("admin:casefile_review_bulk"), data, follow=True)
    messages = shown_messages(response)
    assert "Approved 1 record(s)." in messages
    assert any("changed since the queue was shown" in m for m in messages)
    assert public_statement() == "The contract was worth 5 million."
    assert public().actor("quay-builders").description == "Builds quays."


def test_approving_selected_with_nothing_ticked_asks_to_select_a_record(fact, reporter_client, editor_client):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    queue = editor_client.get(reverse("admin:casefile_review_queue"))
    data = form_data(queue, action=reverse("admin:casefile_review_bulk"))
    assert "selected" not in data
    decisions = Decision.objects.count()

    response = editor_client.post(reverse("admin:casefile_review_bulk"), data, follow=True)
    assert response.redirect_chain == [(reverse("admin:casefile_review_queue"), 302)]
    assert shown_messages(response) == ["Select at least one record to approve."]
    assert Decision.objects.count() == decisions
    assert public_statement() == "The contract was worth 5 million."


def test_the_queue_lists_the_oldest_change_first_with_how_long_it_waited(
    fact, reporter_client, editor_client
):
    actor = Actor.objects.get(slug="quay-builders")
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    saved(edit(reporter_client, actor, description="Builds quays."))
    Actor.history.filter(id=actor.pk, description="Builds quays.").update(
        history_date=timezone.now() - datetime.timedelta(days=3, hours=2))
    Fact.history.filter(id=fact.pk, statement="Worth 9 million.").update(
        history_date=timezone.now() - datetime.timedelta(hours=5))

    rows = queue_rows(editor_client.get(reverse("admin:casefile_review_queue")))
    assert len(rows) == 2
    assert "Quay Builders" in rows[0] and "3 days" in rows[0]
    assert "Worth 9 million." in rows[1] and "5 hours" in rows[1]


def test_the_queue_filters_by_case_author_and_kind(
    fact, case_file, reporter, other_reporter, editor, reporter_client, editor_client
):
    other_case = save(Case(title="River dredging", slug="river"), reporter)
    dredger = save(Actor(case=other_case, kind="company", name="Deep Dredgers", slug="deep"), reporter)
    approve_all(editor, other_case)
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    saved(edit(logged_in(other_reporter), dredger, description="Dredges rivers."))
    saved(edit(logged_in(other_reporter), Actor.objects.get(slug="ana-mayor"), description="The mayor."))

    def listed(**query):
        response = editor_client.get(reverse("admin:casefile_review_queue"), query)
        assert response.status_code == 200
        rows = queue_rows(response)
        return sorted(name for name in ("Worth 9 million.", "Deep Dredgers", "Ana Mayor")
                      if any(name in row for row in rows))

    assert listed() == ["Ana Mayor", "Deep Dredgers", "Worth 9 million."]
    assert listed(case=case_file.pk) == ["Ana Mayor", "Worth 9 million."]
    assert listed(case=other_case.pk) == ["Deep Dredgers"]
    assert listed(author=reporter.pk) == ["Worth 9 million."]
    assert listed(author=other_reporter.pk) == ["Ana Mayor", "Deep Dredgers"]
    assert listed(kind="actor") == ["Ana Mayor", "Deep Dredgers"]
    assert listed(kind="fact") == ["Worth 9 million."]
    assert listed(kind="actor", author=other_reporter.pk, case=case_file.pk) == ["Ana Mayor"]


def test_bulk_approval_of_a_fact_and_the_new_source_it_cites_publishes_both(
    fact, case_file, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    Fact.history.filter(id=fact.pk, statement="Worth 9 million.").update(
        history_date=timezone.now() - datetime.timedelta(hours=1))
    source = add_source_in_admin(reporter_client, case_file, "harbour-minutes", "Harbour board minutes")
    cite(reporter_client, fact, source, "¶2")

    queue = editor_client.get(reverse("admin:casefile_review_queue"))
    data = form_data(queue, action=reverse("admin:casefile_review_bulk"))
    data["selected"] = [workflow.key_for(Fact, fact.pk), workflow.key_for(Source, source.pk)]
    response = editor_client.post(reverse("admin:casefile_review_bulk"), data, follow=True)
    snapshot = public()
    assert snapshot.source("harbour-minutes") is not None
    assert snapshot.fact("contract-value").statement == "Worth 9 million.", shown_messages(response)


def test_a_long_review_queue_is_shown_a_page_at_a_time(fact, reporter_client, editor_client, monkeypatch):
    from casefile.admin import DecisionAdmin

    monkeypatch.setattr(DecisionAdmin, "QUEUE_PAGE_SIZE", 1)
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    saved(edit(reporter_client, Actor.objects.get(slug="ana-mayor"), description="Mayor since 2018."))
    queue = reverse("admin:casefile_review_queue")

    first = editor_client.get(queue).content.decode()
    second = editor_client.get(queue, {"page": 2}).content.decode()
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert "Worth 9 million." in first and "Worth 9 million." not in second
    assert "Ana Mayor" in second


def test_the_review_queue_takes_as_many_queries_for_250_waiting_records_as_for_25(
    case_file, reporter, editor_client
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from simple_history.utils import bulk_create_with_history

    def add_pending_facts(first, count):
        bulk_create_with_history([
            Fact(case=case_file, slug=f"pending-{n}", statement=f"Claim being checked, number {n}.")
            for n in range(first, first + count)
        ], Fact, default_user=reporter)

    def queue_page():
        with CaptureQueriesContext(connection) as captured:
            html = editor_client.get(reverse("admin:casefile_review_queue")).content.decode()
        return len(captured), html

    add_pending_facts(0, 25)
    few, html = queue_page()
    assert "Claim being checked, number 24." in html
    add_pending_facts(25, 225)
    many, html = queue_page()

    assert "250 records waiting." in html
    assert many == few

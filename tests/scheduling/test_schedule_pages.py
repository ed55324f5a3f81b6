"""The editor's steps: approve for a time from the review or the queue, see it waiting with a countdown, change it."""

import time_machine
from django.urls import reverse
from django.utils import timezone

from casefile import workflow
from casefile.models import Fact, Schedule
from tests.admin.pages import (
    edit,
    form_data,
    logged_in,
    public_statement,
    review_url,
    saved,
    shown_messages,
    text_of,
)
from tests.factories import committed, make_user
from tests.public.pages import text

from .support import approve_for_later, soon


def local_input(moment):
    """A time as the form's field takes it: in the newsroom's timezone, to the minute."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def schedule_url(schedule):
    return reverse("admin:casefile_schedule_change", args=[schedule.pk])


def test_an_editor_approves_for_later_on_the_review_page_and_the_queue_and_desk_count_down_to_it(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 8 million."))
    page = editor_client.get(review_url(fact))
    assert "Goes live at (UTC)" in text_of(page)
    data = form_data(page, having="_approve")
    goes_live_at = soon(minutes=185).replace(second=0, microsecond=0)
    data.update(comment=["For the 6:00 story"], goes_live_at=[local_input(goes_live_at)],
                _approve=["Approve all of the above"])

    with committed():
        response = editor_client.post(review_url(fact), data, follow=True)

    when = timezone.localtime(goes_live_at).strftime("%d %b %Y %H:%M UTC")
    [message] = shown_messages(response)
    assert message.startswith(f"Approved. Readers see nothing of it until {when}, when it goes public.")
    assert public_statement() == "The contract was worth 5 million."
    schedule = Schedule.objects.get()
    assert schedule.due_at == goes_live_at
    for url in (reverse("admin:casefile_review_queue"), reverse("admin:index")):
        listed = text_of(editor_client.get(url))
        assert "Approved for later: 1" in listed and when in listed
        assert "3 hours" in listed and "Worth 8 million." in listed
    assert "Approved for later" in text_of(reporter_client.get(reverse("admin:index")))


def test_a_time_already_past_on_the_review_page_is_refused_and_keeps_what_the_editor_wrote(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 8 million."))
    data = form_data(editor_client.get(review_url(fact)), having="_approve")
    data.update(comment=["For the 6:00 story"], goes_live_at=[local_input(soon(minutes=-30))],
                _approve=["Approve all of the above"])

    response = editor_client.post(review_url(fact), data)

    assert response.status_code == 200
    assert "has passed" in text_of(response)
    assert "For the 6:00 story" in response.content.decode()
    assert not Schedule.objects.exists() and workflow.record_changes(Fact, fact.pk)


def test_approving_selected_records_in_the_queue_can_set_a_time(fact, reporter_client, editor_client):
    saved(edit(reporter_client, fact, statement="Worth 8 million."))
    queue = editor_client.get(reverse("admin:casefile_review_queue"))
    data = form_data(queue, action=reverse("admin:casefile_review_bulk"))
    goes_live_at = soon(minutes=60).replace(second=0, microsecond=0)
    data.update(selected=[workflow.key_for(Fact, fact.pk)], comment=["Morning"],
                goes_live_at=[local_input(goes_live_at)])

    with committed():
        response = editor_client.post(reverse("admin:casefile_review_bulk"), data, follow=True)

    assert any("Approved 1 record(s) to go live at" in message for message in shown_messages(response))
    assert Schedule.objects.get().due_at == goes_live_at
    assert public_statement() == "The contract was worth 5 million."


def test_an_editor_moves_the_time_then_publishes_at_once_and_the_history_says_so(
    fact, reporter, reporter_client, editor, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 8 million."))
    schedule = approve_for_later(editor, soon(minutes=30), fact)
    page = editor_client.get(schedule_url(schedule))
    assert "Worth 8 million." in text_of(page)
    later = soon(minutes=240).replace(second=0, microsecond=0)

    data = form_data(page, form_id="schedule-move")
    data.update(due_at=[local_input(later)], _move=["Move the time"])
    with committed():
        moved = editor_client.post(schedule_url(schedule), data, follow=True)
    assert any("Moved: now at" in message for message in shown_messages(moved))
    schedule.refresh_from_db()
    assert schedule.due_at == later

    data = form_data(editor_client.get(schedule_url(schedule)), form_id="schedule-now")
    with committed():
        published = editor_client.post(schedule_url(schedule), {**data, "_now": ["Publish now"]}, follow=True)
    assert "Published: readers see it now." in shown_messages(published)
    assert public_statement() == "Worth 8 million."
    history = text(editor_client.get(reverse("admin:casefile_fact_history", args=[fact.pk])).content.decode())
    assert "Approved for later by edna" in history and "Time moved by edna" in history
    assert "Published at once by edna" in history


def test_withdrawing_from_the_schedule_page_needs_a_reason_and_sends_the_change_back(
    fact, reporter_client, editor, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 8 million."))
    schedule = approve_for_later(editor, soon(minutes=30), fact)
    data = form_data(editor_client.get(schedule_url(schedule)), form_id="schedule-withdraw")

    empty = editor_client.post(schedule_url(schedule), {**data, "_withdraw": ["Withdraw the approval"]})
    assert empty.status_code == 200 and "This field is required." in text_of(empty)
    data["reason"] = ["The hearing was postponed."]
    with committed():
        done = editor_client.post(schedule_url(schedule), {**data, "_withdraw": ["Withdraw"]}, follow=True)

    assert "Approval withdrawn: the change waits for review again." in shown_messages(done)
    assert [item.pk for item in workflow.review_queue() if item.model is Fact] == [fact.pk]
    assert "The hearing was postponed." in text_of(editor_client.get(reverse("admin:casefile_fact_history",
                                                                             args=[fact.pk])))


def test_a_reporter_reads_the_schedule_but_cannot_change_it(fact, reporter_client, editor, reporter):
    saved(edit(reporter_client, fact, statement="Worth 8 million."))
    schedule = approve_for_later(editor, soon(minutes=30), fact)

    page = reporter_client.get(schedule_url(schedule))
    assert page.status_code == 200 and "Waiting for its time" in text_of(page)
    assert "Publish now" not in text_of(page)
    refused = reporter_client.post(schedule_url(schedule), {"_now": ["Publish now"]})
    assert refused.status_code == 403
    assert public_statement() == "The contract was worth 5 million."
    record_page = text_of(reporter_client.get(reverse("admin:casefile_fact_change", args=[fact.pk])))
    assert "Approved for later" in record_page


def test_a_schedule_overdue_while_the_worker_is_down_says_so_on_the_desk(fact, reporter_client, editor, editor_client):
    saved(edit(reporter_client, fact, statement="Worth 8 million."))
    approve_for_later(editor, soon(minutes=5), fact)

    with time_machine.travel(soon(minutes=20), tick=False):
        desk = text_of(editor_client.get(reverse("admin:index")))

    assert "due now" in desk


def test_staff_who_may_not_read_decisions_cannot_open_an_approval_for_later(fact, reporter_client, editor):
    saved(edit(reporter_client, fact, statement="Worth 8 million, before the story runs."))
    schedule = approve_for_later(editor, soon(minutes=30), fact)
    nobody = logged_in(make_user("nina"))

    response = nobody.get(schedule_url(schedule))

    assert response.status_code == 403
    assert b"before the story runs" not in response.content
    assert b"before the story runs" not in nobody.get(reverse("admin:index")).content

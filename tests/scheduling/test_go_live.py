"""An approval for later: nothing public before its time, all of it together at its time, and an editor's say meanwhile."""

import datetime
import logging

import feedparser
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from casefile import published, workflow
from casefile.models import Citation, Decision, Event, Fact, Schedule, ScheduleEvent, Source
from casefile.workflow import scheduling
from tests.factories import approve_edit, committed, save
from tests.replies.support import allege, ask, mayor_and_fact

from .support import MARKER, approve_for_later, soon, versions_to_approve


def what_readers_read(client):
    """Every page of the small case a reader could find the marker on, as one text."""
    names = [("casefile:case_detail", []), ("casefile:case_json", []), ("casefile:corrections", []),
             ("casefile:fact_detail", ["contract-value"]), ("casefile:event_list", []), ("casefile:fact_list", [])]
    pages = [client.get(reverse(name, args=["harbour", *args])).content.decode() for name, args in names]
    pages.append(client.get(reverse("casefile:search") + "?q=hearing").content.decode())
    feed = feedparser.parse(client.get(reverse("casefile:case_feed", args=["harbour"])).content)
    pages += [f"{entry.title} {entry.summary}" for entry in feed.entries]
    return "\n".join(pages)


@pytest.fixture
def edited(case_file, reporter):
    """The case's fact edited and a new event added, both carrying the marker, waiting for review."""
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = f"The contract was worth 6 million. {MARKER}"
    save(fact, reporter)
    event = save(Event(case=case_file, slug="hearing", title=f"Court hearing {MARKER}",
                       starts_on=datetime.date(2021, 3, 2)), reporter)
    return fact, event


def test_readers_see_nothing_of_an_approval_for_later_until_its_time_then_all_of_it_together(
    edited, editor, client
):
    fact, event = edited
    goes_live_at = soon(minutes=1)
    schedule = approve_for_later(editor, goes_live_at, fact, event, public_note=f"Court ruling {MARKER}")

    with time_machine.travel(goes_live_at - datetime.timedelta(seconds=1), tick=False):
        with committed():
            assert scheduling.carry_out_due() == []
        assert MARKER not in what_readers_read(client)

    with time_machine.travel(goes_live_at + datetime.timedelta(seconds=5), tick=False):
        with committed():
            assert scheduling.carry_out_due() == [schedule]
        seen = what_readers_read(client)

    assert "The contract was worth 6 million." in seen
    assert f"Court hearing {MARKER}" in seen and f"Court ruling {MARKER}" in seen
    approvals = Decision.objects.filter(action=Decision.Action.APPROVED, object_repr__contains=MARKER)
    assert {a.decided_at for a in approvals} == {goes_live_at + datetime.timedelta(seconds=5)}
    assert len({a.batch for a in approvals}) == 1
    assert {a.decided_by for a in approvals} == {editor}


def test_the_version_approved_for_later_goes_out_and_an_edit_made_since_waits_for_review(
    edited, editor, reporter, client
):
    fact, event = edited
    goes_live_at = soon()
    approve_for_later(editor, goes_live_at, fact, event)
    fact.statement = "The contract was worth 7 million."
    save(fact, reporter)

    with time_machine.travel(goes_live_at, tick=False), committed():
        scheduling.carry_out_due()

    seen = what_readers_read(client)
    assert "The contract was worth 6 million." in seen and "7 million" not in seen
    assert [change.latest.statement for change in workflow.record_changes(Fact, fact.pk)] == [
        "The contract was worth 7 million."
    ]


def test_a_version_approved_for_later_is_not_in_the_queue_and_cannot_be_approved_again_meanwhile(edited, editor):
    fact, event = edited
    versions = versions_to_approve(fact)
    approve_for_later(editor, soon(), fact, event)

    assert [item for item in workflow.review_queue() if item.pk in (fact.pk, event.pk)] == []
    with pytest.raises(workflow.AlreadyDecided, match="approved for later by edna"):
        workflow.approve(editor, versions)
    assert workflow.record_states(Fact, [fact.pk])[fact.pk].state == workflow.ReviewState.SCHEDULED


def test_publications_overdue_after_an_outage_go_out_oldest_first_and_say_how_late(edited, editor, caplog):
    fact, event = edited
    first = approve_for_later(editor, soon(minutes=60), fact)
    second = approve_for_later(editor, soon(minutes=30), event)

    with time_machine.travel(soon(minutes=90), tick=False), committed(), caplog.at_level(logging.WARNING):
        assert scheduling.carry_out_due() == [second, first]

    notes = {event.schedule_id: event.note for event in ScheduleEvent.objects.filter(kind="published")}
    assert "Published 30 minutes late" in notes[first.pk] and "Published 60 minutes late" in notes[second.pk]
    assert "went live 60 minute(s) late" in caplog.text


def test_publishing_what_is_due_twice_publishes_it_once(edited, editor):
    fact, event = edited
    goes_live_at = soon()
    approve_for_later(editor, goes_live_at, fact, event)

    with time_machine.travel(goes_live_at, tick=False), committed():
        scheduling.carry_out_due()
        assert scheduling.carry_out_due() == []

    assert Decision.objects.filter(action=Decision.Action.APPROVED, object_repr__contains=MARKER).count() == 2


def test_a_source_removed_before_the_time_stops_the_publication_sends_it_back_and_tells_the_editor(
    case_file, reporter, editor, client
):
    source = save(Source(case=case_file, slug="court-filing", kind=Source.Kind.COURT_RULING,
                         title="Court filing", paragraph_count=4), reporter)
    approve_edit(editor, source, "")
    fact = save(Fact(case=case_file, slug="ruling", statement=f"The court ruled. {MARKER}",
                     status=Fact.Status.CONFIRMED), reporter)
    save(Citation(fact=fact, source=source, locator="¶1"), reporter)
    goes_live_at = soon()
    schedule = approve_for_later(editor, goes_live_at, fact)
    source.removal_proposed = True
    save(source, reporter)
    approve_edit(editor, source, "Filing withdrawn")

    with time_machine.travel(goes_live_at, tick=False), committed():
        scheduling.carry_out_due()

    schedule.refresh_from_db()
    assert schedule.state == Schedule.State.REFUSED
    assert "Court filing" in schedule.outcome
    assert MARKER not in what_readers_read(client)
    assert fact.pk in {item.pk for item in workflow.review_queue() if item.model is Fact}
    notices = [task.args_kwargs["args"] for task in DBTaskResult.objects.all() if task.task_path.endswith("send_notice")]
    [(body, recipients)] = [(body, recipients) for subject, body, recipients in notices
                            if subject == "[Casefile] A change you approved for later was not published"]
    assert "Court filing" in body and recipients == ["edna@example.org"]


def test_moving_the_time_later_keeps_it_back_until_the_new_time(edited, editor, client):
    fact, event = edited
    schedule = approve_for_later(editor, soon(minutes=1), fact, event)
    with committed():
        scheduling.move(editor, schedule, soon(minutes=120))

    with time_machine.travel(soon(minutes=2), tick=False), committed():
        assert scheduling.carry_out_due() == []
    assert MARKER not in what_readers_read(client)
    with time_machine.travel(soon(minutes=121), tick=False), committed():
        assert len(scheduling.carry_out_due()) == 1
    assert MARKER in what_readers_read(client)
    assert [e.kind for e in ScheduleEvent.objects.filter(schedule=schedule)] == ["scheduled", "moved", "published"]


def test_publishing_at_once_shows_readers_now_and_says_who(edited, editor, client):
    fact, event = edited
    schedule = approve_for_later(editor, soon(minutes=600), fact, event)

    with committed():
        scheduling.carry_out_now(editor, schedule)

    assert MARKER in what_readers_read(client)
    assert "Published at once by edna" in ScheduleEvent.objects.get(schedule=schedule, kind="published").note
    with pytest.raises(workflow.WorkflowError, match="no longer waiting"):
        scheduling.withdraw(editor, schedule, "Too late")


def test_withdrawing_the_approval_sends_the_change_back_to_review_and_publishes_nothing(edited, editor, client):
    fact, event = edited
    schedule = approve_for_later(editor, soon(), fact, event)

    with committed():
        scheduling.withdraw(editor, schedule, "The ruling was postponed.")
    with time_machine.travel(soon(minutes=5), tick=False), committed():
        assert scheduling.carry_out_due() == []

    assert MARKER not in what_readers_read(client)
    waiting = {(item.model, item.pk) for item in workflow.review_queue()}
    assert {(Fact, fact.pk), (Event, event.pk)} <= waiting
    reasons = [r["reason"] for r in workflow.record_changes(Fact, fact.pk)[0].reasons]
    assert any("withdrawn by edna: The ruling was postponed." in reason for reason in reasons)


def test_withdrawing_needs_a_reason_and_only_an_editor_changes_a_schedule(edited, editor, reporter):
    fact, event = edited
    schedule = approve_for_later(editor, soon(), fact, event)

    with pytest.raises(ValidationError, match="Say why"):
        scheduling.withdraw(editor, schedule, "  ")
    with pytest.raises(PermissionDenied):
        scheduling.carry_out_now(reporter, schedule)
    schedule.refresh_from_db()
    assert schedule.is_waiting


def test_a_go_live_time_already_past_is_refused_and_nothing_is_approved(edited, editor):
    fact, event = edited

    with pytest.raises(ValidationError, match="has passed"):
        workflow.approve(editor, versions_to_approve(fact), goes_live_at=soon(minutes=-1))

    assert not Decision.objects.filter(object_repr__contains=MARKER).exists()


def test_approving_for_later_needs_a_task_worker_that_can_wait(edited, editor, settings):
    fact, event = edited
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    with pytest.raises(workflow.WorkflowError, match="needs the task worker"):
        workflow.approve(editor, versions_to_approve(fact), goes_live_at=soon())


def test_the_worker_is_woken_at_the_time_set_and_again_when_it_moves(edited, editor):
    fact, event = edited
    goes_live_at = soon(minutes=10)
    schedule = approve_for_later(editor, goes_live_at, fact, event)
    with committed():
        scheduling.move(editor, schedule, goes_live_at + datetime.timedelta(hours=1))

    woken = sorted(task.run_after for task in DBTaskResult.objects.all() if task.task_path.endswith("carry_out_scheduled"))
    assert woken == [goes_live_at, goes_live_at + datetime.timedelta(hours=1)]


def test_an_allegation_whose_reply_deadline_was_moved_later_meanwhile_is_not_published(case_file, reporter, editor):
    mayor, fact = mayor_and_fact()
    fact.statement = f"The mayor took a bribe for the contract. {MARKER}"
    fact.save()
    allege(fact, mayor, reporter)
    request = ask(fact, mayor, reporter, days_left=-1)
    goes_live_at = soon(minutes=30)
    schedule = approve_for_later(editor, goes_live_at, fact)
    request.deadline = timezone.localdate() + datetime.timedelta(days=5)
    request.save()

    with time_machine.travel(goes_live_at, tick=False), committed():
        scheduling.carry_out_due()

    schedule.refresh_from_db()
    assert schedule.state == Schedule.State.REFUSED and "deadline" in schedule.outcome
    assert MARKER not in published.published_page("harbour", "fact", fact.slug).fact(fact.slug).statement


def test_a_later_version_approved_meanwhile_is_what_readers_keep_at_the_time(edited, editor, reporter, client):
    fact, event = edited
    goes_live_at = soon()
    approve_for_later(editor, goes_live_at, fact, event)
    fact.statement = "The contract was worth 7 million."
    save(fact, reporter)
    approve_edit(editor, fact, "Corrected before the story ran")

    with time_machine.travel(goes_live_at, tick=False), committed():
        scheduling.carry_out_due()

    seen = what_readers_read(client)
    assert "The contract was worth 7 million." in seen and "6 million" not in seen
    assert f"Court hearing {MARKER}" in seen

"""An approval that readers see only until a set time: at the time its records leave every public page."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from casefile import workflow
from casefile.models import Citation, Decision, Fact, Schedule, ScheduleEvent, Source
from casefile.workflow import scheduling
from tests.admin.pages import form_data, review_url, shown_messages
from tests.factories import committed, save
from tests.public.pages import case_url, text

from .support import MARKER, soon, versions_to_approve


def approve_until(editor, expires_at, *records, goes_live_at=None):
    with committed():
        workflow.approve(editor, versions_to_approve(*records), "Until the hearing", goes_live_at=goes_live_at,
                         expires_at=expires_at)
    return Schedule.objects.get(kind=Schedule.Kind.EXPIRY, state=Schedule.State.WAITING)


@pytest.fixture
def notice(case_file, reporter):
    """A new fact citing the case's source, waiting for review: a notice readers need only until a hearing."""
    fact = save(Fact(case=case_file, slug="hearing-notice", statement=f"A hearing is set for Friday. {MARKER}",
                     status=Fact.Status.CONFIRMED), reporter)
    save(Citation(fact=fact, source=Source.objects.get(slug="daily"), locator="¶5"), reporter)
    return fact


def reader_sees(client, case, slug="hearing-notice"):
    """Whether the fact's page answers, and whether the case page and the fact list show its marker."""
    page = client.get(case_url(case, "fact_detail", slug)).status_code == 200
    listed = any(MARKER in client.get(url).content.decode()
                 for url in (case_url(case), case_url(case, "fact_list")))
    return page, listed


def test_a_record_approved_until_a_time_leaves_every_public_page_at_that_time(notice, editor, client):
    expires_at = soon(minutes=60)
    schedule = approve_until(editor, expires_at, notice)
    assert reader_sees(client, notice.case) == (True, True)

    with time_machine.travel(expires_at + datetime.timedelta(seconds=2), tick=False), committed():
        assert scheduling.carry_out_due() == [schedule]

    assert reader_sees(client, notice.case) == (False, False)
    removal = Decision.objects.filter(action=Decision.Action.APPROVED, removes=True, object_id=notice.pk).get()
    assert removal.decided_by == editor and removal.decided_at == expires_at + datetime.timedelta(seconds=2)
    corrections = text(client.get(case_url(notice.case, "corrections")).content.decode())
    assert "removed" in corrections.lower()
    history = text(client.force_login(editor) or client.get(
        reverse("admin:casefile_fact_history", args=[notice.pk])).content.decode())
    assert "Taken off the public pages at" in history


def test_a_change_waiting_at_the_expiry_still_waits_after_it(notice, editor, reporter, client):
    expires_at = soon(minutes=60)
    approve_until(editor, expires_at, notice)
    notice.statement = "The hearing moved to Monday."
    save(notice, reporter)

    with time_machine.travel(expires_at, tick=False), committed():
        scheduling.carry_out_due()

    assert reader_sees(client, notice.case) == (False, False)
    [change] = workflow.record_changes(Fact, notice.pk)
    assert change.latest.statement == "The hearing moved to Monday." and not change.is_removal


def test_an_approval_for_later_with_an_end_goes_public_at_its_time_and_leaves_at_its_end(notice, editor, client):
    goes_live_at, expires_at = soon(minutes=60), soon(minutes=180)
    approve_until(editor, expires_at, notice, goes_live_at=goes_live_at)

    assert reader_sees(client, notice.case) == (False, False)
    with time_machine.travel(goes_live_at, tick=False), committed():
        scheduling.carry_out_due()
    assert reader_sees(client, notice.case) == (True, True)
    with time_machine.travel(expires_at, tick=False), committed():
        scheduling.carry_out_due()
    assert reader_sees(client, notice.case) == (False, False)


def test_an_end_before_the_go_live_time_is_refused_and_nothing_is_approved(notice, editor):
    with pytest.raises(ValidationError, match="before it goes public"):
        workflow.approve(editor, versions_to_approve(notice), goes_live_at=soon(minutes=60),
                         expires_at=soon(minutes=30))

    assert not Decision.objects.filter(object_id=notice.pk, content_type__model="fact").exists()


def test_withdrawing_an_approval_for_later_withdraws_its_end_too(notice, editor):
    approve_until(editor, soon(minutes=180), notice, goes_live_at=soon(minutes=60))
    go_live = Schedule.objects.get(kind=Schedule.Kind.GO_LIVE)

    with committed():
        scheduling.withdraw(editor, go_live, "Postponed")

    assert set(Schedule.objects.values_list("kind", "state")) == {("go live", "withdrawn"), ("expiry", "withdrawn")}


def test_withdrawing_an_expiry_keeps_the_record_public(notice, editor, client):
    expires_at = soon(minutes=60)
    schedule = approve_until(editor, expires_at, notice)

    with committed():
        scheduling.withdraw(editor, schedule, "The hearing is public record after all.")
    with time_machine.travel(expires_at, tick=False), committed():
        assert scheduling.carry_out_due() == []

    assert reader_sees(client, notice.case) == (True, True)


def test_a_source_still_cited_at_its_end_stays_public_and_the_editor_is_told(case_file, reporter, editor, client):
    source = save(Source(case=case_file, slug="court-notice", kind=Source.Kind.COURT_RULING,
                         title="Court notice", paragraph_count=2), reporter)
    expires_at = soon(minutes=60)
    schedule = approve_until(editor, expires_at, source)
    fact = Fact.objects.get(slug="contract-value")
    save(Citation(fact=fact, source=source, locator="¶1"), reporter)
    with committed():
        workflow.approve(editor, versions_to_approve(fact))

    with time_machine.travel(expires_at, tick=False), committed():
        scheduling.carry_out_due()

    schedule.refresh_from_db()
    assert schedule.state == Schedule.State.REFUSED and "contract" in schedule.outcome.lower()
    assert client.get(case_url(case_file, "source_detail", "court-notice")).status_code == 200
    subjects = [task.args_kwargs["args"][0] for task in DBTaskResult.objects.all()
                if task.task_path.endswith("send_notice")]
    assert "[Casefile] Records you approved to expire are still public" in subjects
    assert ScheduleEvent.objects.filter(schedule=schedule, kind="refused").exists()


def test_the_review_page_sets_an_end_and_says_when_it_comes(notice, editor_client):
    data = form_data(editor_client.get(review_url(notice)), having="_approve")
    expires_at = soon(minutes=120).replace(second=0, microsecond=0)
    data.update(expires_at=[expires_at.strftime("%Y-%m-%dT%H:%M")], _approve=["Approve all of the above"])

    with committed():
        response = editor_client.post(review_url(notice), data, follow=True)

    [message] = shown_messages(response)
    assert "Readers now see this version. It leaves the public pages at" in message
    assert Schedule.objects.get(kind=Schedule.Kind.EXPIRY).due_at == expires_at

"""The real task worker publishes at the time set, catches up after an outage, and two never publish one thing twice."""

import datetime
import logging
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from casefile.models import Decision, Fact, Schedule, ScheduleEvent
from casefile.workflow import scheduling
from tests.factories import save
from tests.public.pages import case_url

from .support import MARKER, approve_for_later, soon

# The worker opens and closes its own connections: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*", verbosity=0)


@pytest.fixture
def approved_for_later(case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = f"The contract was worth 6 million. {MARKER}"
    save(fact, reporter)
    goes_live_at = soon(minutes=1)
    return approve_for_later(editor, goes_live_at, fact), case_url(case_file, "fact_detail", "contract-value")


def test_the_worker_publishes_at_the_time_set_and_not_before(approved_for_later):
    schedule, page = approved_for_later

    with time_machine.travel(schedule.due_at - datetime.timedelta(seconds=2), tick=False):
        run_worker()
        assert MARKER not in Client().get(page).content.decode()
    with time_machine.travel(schedule.due_at + datetime.timedelta(seconds=1), tick=False):
        run_worker()
        assert MARKER in Client().get(page).content.decode()

    schedule.refresh_from_db()
    assert schedule.state == Schedule.State.PUBLISHED
    assert ScheduleEvent.objects.get(schedule=schedule, kind="published").note.startswith("Published at ")


def test_a_worker_stopped_across_the_time_publishes_when_it_is_back_and_logs_it_late(approved_for_later, caplog):
    schedule, page = approved_for_later

    with time_machine.travel(schedule.due_at + datetime.timedelta(minutes=45), tick=False):
        with caplog.at_level(logging.WARNING, logger="casefile.workflow.scheduling"):
            run_worker()
        assert MARKER in Client().get(page).content.decode()

    assert "went live 45 minute(s) late" in caplog.text
    assert "Published 45 minutes late" in ScheduleEvent.objects.get(schedule=schedule, kind="published").note


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite lets one "
                    "writer at a time in, which tests/scheduling/test_go_live.py covers")
def test_two_workers_at_the_same_moment_publish_a_schedule_once(approved_for_later):
    schedule, page = approved_for_later
    barrier, results = threading.Barrier(2), []

    def worker():
        try:
            barrier.wait()
            results.append(scheduling.carry_out(schedule.pk, now=schedule.due_at))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(result is not None for result in results) == [False, True]
    assert Decision.objects.filter(action=Decision.Action.APPROVED, object_repr__contains=MARKER).count() == 1
    assert ScheduleEvent.objects.filter(schedule=schedule, kind="published").count() == 1

"""The task worker stops: pages stay right, monitoring sees the queue waiting, and the backlog drains when it is back."""

import datetime

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from casefile import workflow
from casefile.health import TASKS_LATE_SECONDS
from casefile.models import Fact, KeptPage
from casefile.published.rendered import release
from tests.factories import save
from tests.public.pages import case_url


@pytest.fixture
def no_worker(settings, keeps_pages):
    """Tasks queued in the database, with no worker running them until the test starts one."""
    settings.TASKS_BACKEND = "database"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "edge", "mail"]}}


@pytest.mark.django_db(transaction=True)
def test_with_no_worker_readers_get_each_approval_monitoring_sees_the_wait_and_the_backlog_drains(
    case_file, reporter, editor, no_worker
):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 6 million."
    save(fact, reporter)
    workflow.approve_case(editor, case_file, "")
    url = case_url(case_file, "fact_detail", "contract-value")

    assert "The contract was worth 6 million." in Client().get(url).content.decode()
    ready = Client().get("/readyz").json()
    # Queued a moment ago (a second or two on a busy machine): not late.
    assert ready["tasks"] == "up"
    assert ready["tasks_waiting_seconds"] < TASKS_LATE_SECONDS

    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(minutes=5))
    ready = Client().get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["tasks"] == "late"
    assert ready.json()["tasks_waiting_seconds"] >= 300

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*", verbosity=0)

    assert not KeptPage.objects.filter(publication__case=case_file).exclude(rendered_with=release()).exists()
    assert Client().get("/readyz").json()["tasks"] == "up"
    assert "The contract was worth 6 million." in Client().get(url).content.decode()

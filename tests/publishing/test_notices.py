"""Notices leave through the task worker: a save never waits for the mail server, the worker tries again."""

import datetime
import logging
import socket
import threading

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocalMemoryBackend
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from casefile.models import Fact
from casefile.publishing.tasks import ATTEMPTS
from casefile.workflow.notify import send_notice
from tests.admin.pages import edit, error_text

from .test_pipeline import DATABASE_TASKS, run_worker, with_the_worker


@pytest.fixture
def queued_tasks(settings):
    """Tasks wait in the database for the worker, as in production."""
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def silent_mail_server(settings):
    """A mail server that accepts every connection and never says a word; the connections it took."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    taken, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                taken.append(listener.accept()[0])
            except TimeoutError:
                continue

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", listener.getsockname()[1]
    settings.EMAIL_TIMEOUT = 1
    yield taken
    stop.set()
    acceptor.join()
    for connection in taken:
        connection.close()
    listener.close()


class RefusingMailServer(LocalMemoryBackend):
    """A mail server that refuses connections until told to deliver."""

    delivering = False
    attempts = 0

    def send_messages(self, email_messages):
        type(self).attempts += 1
        if not type(self).delivering:
            raise ConnectionRefusedError(111, "Connection refused")
        return super().send_messages(email_messages)


@pytest.fixture
def refusing_mail_server(settings):
    RefusingMailServer.delivering, RefusingMailServer.attempts = False, 0
    settings.EMAIL_BACKEND = f"{__name__}.{RefusingMailServer.__name__}"
    return RefusingMailServer


def queued_notices():
    return DBTaskResult.objects.filter(task_path__endswith=".send_notice").order_by("enqueued_at")


def attempt_of(queued):
    return queued.args_kwargs["kwargs"].get("attempt", 1)


def run_as_the_worker_would(queued):
    return send_notice.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])


@with_the_worker
def test_a_save_returns_before_a_silent_mail_server_is_tried_and_the_worker_tries_it_later(
    case_file, editor, reporter_client, queued_tasks, silent_mail_server, caplog
):
    fact = Fact.objects.get(slug="contract-value")

    response = edit(reporter_client, fact, statement="Worth 9 million.")

    assert response.status_code == 302, error_text(response)
    assert Fact.objects.get(pk=fact.pk).statement == "Worth 9 million."
    assert silent_mail_server == []
    [queued] = queued_notices()
    assert queued.queue_name == "mail" and "Waiting for review" in queued.args_kwargs["args"][0]

    with caplog.at_level(logging.WARNING, logger="casefile.notify"):
        run_worker()

    assert len(silent_mail_server) == 1
    assert "attempt 1 of" in caplog.text
    first, again = queued_notices()
    assert attempt_of(again) == 2 and again.run_after > timezone.now()
    assert again.args_kwargs["args"] == first.args_kwargs["args"]


def test_a_refused_notice_is_queued_again_a_little_later_and_goes_out_when_the_server_answers(
    case_file, queued_tasks, refusing_mail_server
):
    before = timezone.now()
    send_notice.enqueue("[Casefile] Waiting for review", "Review it.", ["edna@example.org"])
    [first] = queued_notices()

    assert run_as_the_worker_would(first) is False
    [_, again] = queued_notices()
    assert attempt_of(again) == 2
    assert again.run_after >= before + datetime.timedelta(seconds=2)

    refusing_mail_server.delivering = True
    assert run_as_the_worker_would(again) is True
    assert [(m.subject, m.to) for m in mail.outbox] == [("[Casefile] Waiting for review", ["edna@example.org"])]
    assert len(queued_notices()) == 2


def test_a_notice_still_refused_at_its_last_try_is_logged_in_full_and_not_queued_again(
    case_file, queued_tasks, refusing_mail_server, caplog
):
    with caplog.at_level(logging.WARNING, logger="casefile.notify"):
        assert send_notice.call("[Casefile] Your change was approved", "THE WHOLE NOTICE", ["rita@example.org"],
                                attempt=ATTEMPTS) is False

    [failure] = [r for r in caplog.records if r.name == "casefile.notify" and r.levelno >= logging.ERROR]
    assert "THE WHOLE NOTICE" in failure.getMessage() and "rita@example.org" in failure.getMessage()
    assert not queued_notices().exists()

"""Reporters edit, editors approve and readers read, all at once, for a few seconds.

Afterwards nothing is lost and nothing leaked: every approval is one an editor
made, readers only ever saw approved text, every save that succeeded is in the
history, and no request failed.
"""

import contextlib
import re
import threading
import time
import uuid

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from casefile import workflow
from casefile.models import Actor, Decision, Fact

DURATION_SECONDS = 3
# On a slow or busy machine the run goes on until every role has done its
# part at least once, but never past this.
LONGEST_SECONDS = 30
MARKER = re.compile(r"MARK-[0-9a-f]{12}")


def new_marker():
    return f"MARK-{uuid.uuid4().hex[:12]}"


class Newsroom:
    """What every thread did, recorded for the checks afterwards."""

    def __init__(self):
        started = time.monotonic()
        self.deadline = started + DURATION_SECONDS
        self.last_chance = started + LONGEST_SECONDS
        self.saved = []
        self.approved_by_editor = set()
        self.seen_by_readers = set()
        self.responses = []
        self.errors = []
        self.record = threading.Lock()
        # An in-memory SQLite test database has a single writer and no busy
        # wait between threads, so there the threads take turns at the
        # database; on PostgreSQL they really run at the same time.
        self.database = threading.Lock() if connection.vendor == "sqlite" else None

    def running(self):
        now = time.monotonic()
        if now < self.deadline:
            return True
        with self.record:
            everyone_acted = self.saved and self.approved_by_editor and self.seen_by_readers
        return not everyone_acted and now < self.last_chance

    @contextlib.contextmanager
    def turn(self):
        if self.database is None:
            yield
        else:
            with self.database:
                yield


def worker(newsroom, work):
    def run():
        try:
            while newsroom.running():
                work()
        except Exception as error:
            with newsroom.record:
                newsroom.errors.append(repr(error))
        finally:
            connection.close()

    return threading.Thread(target=run)


def reporter_editing(newsroom, user, model, pk, field):
    def edit():
        marker = new_marker()
        with newsroom.turn(), transaction.atomic():
            record = model.objects.select_for_update().get(pk=pk)
            setattr(record, field, f"Draft {marker}")
            workflow.save_record(record, user, f"Edit {marker}")
        with newsroom.record:
            newsroom.saved.append((model, pk, marker))

    return edit


def editor_approving(newsroom, user, records):
    def review():
        for model, pk in records:
            with newsroom.turn():
                latest = workflow.latest_version(model, pk)
                try:
                    decisions = workflow.approve(user, {(model, pk): latest.history_id}, "checked")
                except workflow.StaleReview:
                    decisions = []  # a reporter saved in between; review again
            with newsroom.record:
                newsroom.approved_by_editor.update(d.history_id for d in decisions)

    return review


def reader_reading(newsroom, urls):
    client = Client()

    def read():
        for url in urls:
            with newsroom.turn():
                response = client.get(url)
            with newsroom.record:
                newsroom.responses.append((url, response.status_code))
                newsroom.seen_by_readers.update(MARKER.findall(response.content.decode()))

    return read


def approved_markers():
    markers = set()
    for model in (Fact, Actor):
        decided = Decision.objects.filter(
            content_type=workflow.content_type(model), action=Decision.Action.APPROVED
        ).values_list("history_id", flat=True)
        for row in model.history.model.objects.filter(history_id__in=list(decided)):
            markers.update(MARKER.findall(row.history_change_reason or ""))
    return markers


@pytest.mark.django_db(transaction=True)
def test_a_busy_newsroom_loses_nothing_and_shows_readers_only_approved_text(
    case_file, reporter, other_reporter, editor
):
    fact = Fact.objects.get(slug="contract-value")
    actor = Actor.objects.get(slug="ana-mayor")
    decisions_before = set(Decision.objects.values_list("id", flat=True))
    newsroom = Newsroom()
    readers = [
        reverse("casefile:case_json", args=[case_file.slug]),
        reverse("casefile:case_detail", args=[case_file.slug]),
        reverse("casefile:fact_detail", args=[case_file.slug, fact.slug]),
        reverse("casefile:actor_detail", args=[case_file.slug, actor.slug]),
    ]
    threads = [
        worker(newsroom, reporter_editing(newsroom, reporter, Fact, fact.pk, "statement")),
        worker(newsroom, reporter_editing(newsroom, other_reporter, Actor, actor.pk, "description")),
        worker(newsroom, editor_approving(newsroom, editor, [(Fact, fact.pk), (Actor, actor.pk)])),
        worker(newsroom, reader_reading(newsroom, readers)),
        worker(newsroom, reader_reading(newsroom, list(reversed(readers)))),
    ]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=LONGEST_SECONDS + 60)

    assert newsroom.errors == []
    assert not any(thread.is_alive() for thread in threads)
    assert newsroom.saved and newsroom.approved_by_editor and newsroom.responses
    assert [r for r in newsroom.responses if r[1] >= 500] == []
    assert {status for _, status in newsroom.responses} == {200}

    new_approvals = Decision.objects.exclude(id__in=decisions_before)
    assert set(new_approvals.values_list("history_id", flat=True)) == newsroom.approved_by_editor
    assert set(new_approvals.values_list("decided_by__username", flat=True)) == {editor.username}

    published = approved_markers()
    assert newsroom.seen_by_readers <= published
    assert newsroom.seen_by_readers, "readers saw none of the approved edits"

    for model, pk, marker in newsroom.saved:
        assert model.history.model.objects.filter(id=pk, history_change_reason=f"Edit {marker}").exists()

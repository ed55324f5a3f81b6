"""A newsroom at work: reporters editing, editors approving and readers reading, all at once.

The test suite runs it for a few seconds with Django's test client; `make bench`
runs it for longer against gunicorn. Each reporter's save carries a unique
marker in its text and in its change reason, so that afterwards the checks can
tell what readers saw, what editors approved and what was saved.
"""

import contextlib
import re
import threading
import time
import uuid

from django.db import connection, transaction

from casefile import workflow
from casefile.history import history_model
from casefile.models import Decision

MARKER = re.compile(r"MARK-[0-9a-f]{12}")


def new_marker():
    return f"MARK-{uuid.uuid4().hex[:12]}"


class Newsroom:
    """What every thread did, recorded for the checks afterwards.

    The run lasts `seconds`; on a slow or busy machine it goes on until every
    role has done its part at least once, but never past `longest_seconds`.
    """

    def __init__(self, seconds, longest_seconds):
        started = time.monotonic()
        self.deadline = started + seconds
        self.last_chance = started + longest_seconds
        self.longest_seconds = longest_seconds
        self.saved = []
        self.approved_by_editor = set()
        self.seen_by_readers = set()
        self.responses = []
        self.errors = []
        self.record = threading.Lock()
        self.decisions_before = set(Decision.objects.values_list("id", flat=True))
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

    def run(self, *roles):
        """Run each role in its own thread until the time is up; True if all of them ended."""
        threads = [threading.Thread(target=self._keep_doing, args=(role,)) for role in roles]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=self.longest_seconds + 60)
        return not any(thread.is_alive() for thread in threads)

    def _keep_doing(self, work):
        try:
            while self.running():
                work()
        except Exception as error:
            with self.record:
                self.errors.append(repr(error))
        finally:
            connection.close()

    def findings(self, models, editors):
        """What went wrong, by check; every list is empty when nothing did.

        `models` are the kinds of record the reporters edited, `editors` the
        people approving during the run.
        """
        new_approvals = Decision.objects.exclude(id__in=self.decisions_before).filter(
            action=Decision.Action.APPROVED
        )
        approved_versions = set(new_approvals.values_list("history_id", flat=True))
        published = approved_markers(models)
        missing = [
            marker for model, pk, marker in self.saved
            if not history_model(model).objects.filter(id=pk, history_change_reason=f"Edit {marker}").exists()
        ]
        return {
            "errors in the threads": self.errors,
            "5xx responses": [(url, status) for url, status in self.responses if status >= 500],
            "other responses than 200": [(url, status) for url, status in self.responses if status != 200],
            "approvals no editor made here": sorted(approved_versions - self.approved_by_editor),
            "approvals by someone else": sorted(
                set(new_approvals.values_list("decided_by__username", flat=True))
                - {editor.username for editor in editors}
            ),
            "unapproved text readers saw": sorted(self.seen_by_readers - published),
            "successful saves missing from history": missing,
        }


def reporter_editing(newsroom, user, model, pk, field, pause=0):
    """Save new text again and again, `pause` seconds apart."""

    def edit():
        time.sleep(pause)
        marker = new_marker()
        with newsroom.turn(), transaction.atomic():
            record = model.objects.select_for_update().get(pk=pk)
            setattr(record, field, f"Draft {marker}")
            workflow.save_record(record, user, f"Edit {marker}")
        with newsroom.record:
            newsroom.saved.append((model, pk, marker))

    return edit


def editor_approving(newsroom, user, records, pause=0):
    """Approve the newest version of each record in turn, `pause` seconds apart."""

    def review():
        for model, pk in records:
            time.sleep(pause)
            with newsroom.turn():
                latest = workflow.latest_version(model, pk)
                try:
                    approved = workflow.approve(user, {(model, pk): latest.history_id}, "checked")
                except workflow.StaleReview:
                    approved = []  # a reporter saved in between; review again
                except workflow.AlreadyDecided:
                    approved = []  # another editor approved this version first
            with newsroom.record:
                newsroom.approved_by_editor.update(change.latest.history_id for change in approved)

    return review


def reader_reading(newsroom, urls, fetch):
    """Read the pages in turn; `fetch(url)` returns the status and the text of the response."""

    def read():
        for url in urls:
            with newsroom.turn():
                status, text = fetch(url)
            with newsroom.record:
                newsroom.responses.append((url, status))
                newsroom.seen_by_readers.update(MARKER.findall(text))

    return read


def approved_markers(models):
    """The markers of every version an editor ever approved."""
    markers = set()
    for model in models:
        decided = Decision.objects.filter(
            content_type=workflow.content_type(model), action=Decision.Action.APPROVED
        ).values_list("history_id", flat=True)
        for reason in history_model(model).objects.filter(history_id__in=decided).values_list(
            "history_change_reason", flat=True
        ):
            markers.update(MARKER.findall(reason or ""))
    return markers

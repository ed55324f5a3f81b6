"""The site's dependencies stopped and started again while a newsroom works: what readers and the editor got.

`make chaos` loads the seeded case into its own PostgreSQL database
(`casefile_chaos`, emptied first) and serves it as production does: its own
gunicorn, task worker and Redis, the site reaching PostgreSQL through a
relay the run can cut (`bench.outages`). Readers read the public pages,
reporters save drafts through the ORM, and an editor approves fresh edits of
two facts through the review form, while Redis, the task worker and the
database go away in turn and come back. Per phase it prints what readers
were answered, the approvals made, how soon the worker kept their pages and
what /readyz said; then the figures that must be zero.
"""

import contextlib
import gzip
import http.client
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from psycopg import sql

from bench import outages
from bench.approvals import AdminSession, ApprovalFailed, Subject, approved_versions, fresh_edit
from bench.chaos_report import must_be_zero, report, report_processes
from bench.mixed_load import MARKER, reporter_editing
from bench.servers import PROJECT
from casefile import workflow
from casefile.models import Decision, Fact, KeptPage
from casefile.published import rendered

CASE_FIXTURE = PROJECT / "fixtures" / "fuzhou-genesis.json"
CASE = "fuzhou-genesis"
# Edited and approved by the editor through the site, in turn; no one else touches them.
APPROVED_FACTS = ["fuzhou-is-in-jiangxi", "xiao-was-fuzhou-party-secretary"]
# Saved again and again by reporters, never approved: readers must never see these drafts.
DRAFTED_FACTS = ["mining-presented-as-computing", "xiao-brought-firm-into-high-tech-zone", "dispute-began-2018"]
READ_PAGES = [
    "/",
    f"/cases/{CASE}/",
    *(f"/cases/{CASE}/facts/{slug}/" for slug in APPROVED_FACTS),
    f"/cases/{CASE}/facts/german-party-was-genesis-mining/",
    "/search/?q=Fuzhou",
    f"/cases/{CASE}/case.json",
]
READERS = 4
READER_PAUSE = 0.05
REPORTER_PAUSE = 1.0
EDITOR_PAUSE = 0.5
READYZ_PAUSE = 0.5
WATCH_PAUSE = 0.25
# Every request the run makes gives up after this: no loop waits without bound.
REQUEST_SECONDS = 15
TASKS_DRAIN_SECONDS = 20


class Timeline:
    """The phases of the run, each from the moment its change was made.

    A request is counted in the phase in which it was answered: one sent just
    before the database was cut and failed by the cut belongs to the cut.
    """

    def __init__(self, settle_seconds):
        self.settle = settle_seconds
        self.phases = []
        # The clock's time of each change, to place what the database wrote (the tasks queued) in its phase.
        self.began_at = []
        self.ended_at = None

    def begin(self, name):
        self.phases.append((name, time.perf_counter()))
        self.began_at.append(timezone.now())

    def end(self):
        self.ended_at = timezone.now()

    def phase_of(self, written_at):
        """The phase the clock's time `written_at` fell in; None before the run and after it."""
        if self.ended_at is not None and written_at >= self.ended_at:
            return None
        return next((name for (name, _), began in zip(self.phases[::-1], self.began_at[::-1]) if written_at >= began),
                    None)

    @property
    def current(self):
        return self.phases[-1][0]

    def at(self, moment):
        """The phase at `moment`, and the seconds since the change that began it (None in the first phase)."""
        for position, (name, started) in reversed(list(enumerate(self.phases))):
            if moment >= started or position == 0:
                return name, (moment - started if position else None)
        raise LookupError("The run has not begun.")

    def settling(self, since_change):
        return since_change is not None and since_change < self.settle


@dataclass
class Tracked:
    """A fact the editor approves again and again: its markers in the order saved, and its approvals."""

    subject: Subject
    markers: dict
    # (moment the approval answered, index of the marker it published)
    approved: list = field(default_factory=list)

    def latest_before(self, moment):
        """The index of the latest version approved by `moment`, and when its approval answered (None: the seed's)."""
        return max(((index, answered) for answered, index in self.approved if answered <= moment),
                   default=(0, None))

    def shown(self, text):
        return [self.markers[found] for found in MARKER.findall(text) if found in self.markers]


@dataclass
class Read:
    phase: str
    settling: bool
    url: str
    status: int | None
    warned: bool
    # What made the page stale: what it showed against what it should have, and how long after the approval.
    stale: str = ""
    stale_after: float | None = None


@dataclass
class Approval:
    phase: str
    tracked: Tracked
    index: int
    answered: float | None = None
    failure: str = ""
    versions: set = field(default_factory=set)
    kept_seconds: float | None = None


class EditorSession(AdminSession):
    """The editor's browser: AdminSession with the run's bounded wait, noting the status of every answer."""

    def __init__(self, base, user, run):
        super().__init__(base, user)
        self.run = run
        self.last_status = None

    def request(self, method, path, body=None, headers=None):
        link = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_SECONDS)
        try:
            cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            link.request(method, path, body=body, headers={"Cookie": cookie, **(headers or {})})
            response = link.getresponse()
            text = response.read().decode()
        finally:
            link.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        self.last_status = response.status
        self.run.note_answer("editor", response.status)
        return response.status, text


def fetch(port, path, compressed=False):
    """A reader's GET on a connection of its own: status, headers and text."""
    link = http.client.HTTPConnection(outages.LOOPBACK, port, timeout=REQUEST_SECONDS)
    try:
        link.request("GET", path, headers={"Accept-Encoding": "gzip"} if compressed else {})
        response = link.getresponse()
        body = response.read()
    finally:
        link.close()
    if response.getheader("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return response.status, response.headers, body.decode("utf-8", "replace")


def is_warned(headers):
    """Whether the answer says it may be out of date (`Warning: 110`), as the page cache does without its database."""
    return (headers.get("Warning") or "").startswith("110")


class Run:
    """What every thread of the load did, by phase; read by the report and the checks."""

    def __init__(self, port, tracked, settle_seconds):
        self.port = port
        self.tracked = tracked
        self.timeline = Timeline(settle_seconds)
        self.stopped = threading.Event()
        self.record = threading.Lock()
        self.reads, self.approvals, self.readyz, self.errors, self.saved = [], [], [], [], []
        self.answers = Counter()
        self.seen = set()
        self.worker_exits = []
        # (phase, what) of each approval that answered success and that readers do not get once all is back.
        self.lost = []

    def turn(self):
        # What mixed_load's roles take around their writes; PostgreSQL needs no turns.
        return contextlib.nullcontext()

    def start(self, *roles):
        self.threads = [threading.Thread(target=self._keep_doing, args=(role,), daemon=True) for role in roles]
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopped.set()
        for thread in self.threads:
            thread.join(timeout=REQUEST_SECONDS + 5)
        if any(thread.is_alive() for thread in self.threads):
            self.errors.append("a thread of the load did not end in time")

    def _keep_doing(self, work):
        try:
            while not self.stopped.is_set():
                work()
        except Exception as error:
            with self.record:
                self.errors.append(f"{self.timeline.current}: {error!r}")
        finally:
            connection.close()

    def note_answer(self, who, status):
        with self.record:
            self.answers[(who, status)] += 1

    def note_read(self, url, started, status, headers, text):
        phase, since_change = self.timeline.at(time.perf_counter())
        read = Read(phase, self.timeline.settling(since_change), url, status, status is not None and is_warned(headers))
        with self.record:
            # Judged on what the page shows of each fact: search may leave a fact out, and a leaving out is no
            # older version. Every version readers can get carries a marker, the first one approved in `seed()`.
            for tracked in self.tracked.values() if status == 200 else ():
                shown, (expected, approved_at) = tracked.shown(text), tracked.latest_before(started)
                if shown and max(shown) < expected:
                    read.stale_after = started - approved_at
                    read.stale = (f"{phase}: {url} showed {tracked.subject.label} #{max(shown)}, asked for "
                                  f"{started - approved_at:.2f} s after #{expected} was approved "
                                  f"(X-Public-Cache: {headers.get('X-Public-Cache')})")
            self.seen.update(MARKER.findall(text))
            self.reads.append(read)
        if status is not None:
            self.note_answer("readers", status)


def reader(run, pages, compressed):
    def read():
        for url in pages:
            if run.stopped.wait(READER_PAUSE):
                return
            started = time.perf_counter()
            try:
                status, headers, text = fetch(run.port, url, compressed)
            except (OSError, http.client.HTTPException):
                status, headers, text = None, None, ""
            run.note_read(url, started, status, headers, text)

    return read


def editor(run, session, author):
    """Edit each approved fact (as a reporter's save) and approve it through the review form, in turn."""

    def review():
        for tracked in run.tracked.values():
            if run.stopped.wait(EDITOR_PAUSE):
                return
            marker = fresh_edit(tracked.subject, author)
            with run.record:
                tracked.markers[marker] = index = len(tracked.markers)
            approval = Approval("", tracked, index)
            try:
                path, fields = session.open_review(tracked.subject)
                _, answered = session.approve(path, fields)
            except ApprovalFailed:
                approval.failure = f"answered {session.last_status}"
            except (OSError, http.client.HTTPException) as error:
                approval.failure = f"no answer ({type(error).__name__})"
            else:
                approval.answered, approval.versions = answered, approved_versions(fields)
            approval.phase, _ = run.timeline.at(time.perf_counter())
            with run.record:
                run.approvals.append(approval)
                if approval.answered is not None:
                    tracked.approved.append((approval.answered, index))

    return review


def readiness(run):
    def ask():
        if run.stopped.wait(READYZ_PAUSE):
            return
        phase, _ = run.timeline.at(time.perf_counter())
        try:
            status, _, text = fetch(run.port, "/readyz")
        except (OSError, http.client.HTTPException):
            summary = "no answer"
        else:
            run.note_answer("/readyz", status)
            try:
                checks = json.loads(text)
                summary = f"{status}: database {checks['database']}, cache {checks['cache']}, tasks {checks['tasks']}"
            except (ValueError, KeyError):
                summary = f"{status}, not the checks"
        with run.record:
            run.readyz.append((phase, summary))

    return ask


def keeping_watch(run, release):
    def watch():
        if not run.stopped.wait(WATCH_PAUSE):
            note_kept(run, release)

    return watch


def note_kept(run, release):
    """Note how long after each approval's answer the worker kept the fact's page with it (or a later one)."""
    content_type = ContentType.objects.get_for_model(Fact)
    for tracked in run.tracked.values():
        page = KeptPage.objects.filter(
            publication__content_type=content_type, publication__object_id=tracked.subject.pk, rendered_with=release,
            language="en-gb",
        ).values_list("page", flat=True).first()
        now = time.perf_counter()
        with run.record:
            kept = max(tracked.shown(page or ""), default=-1)
            for approval in run.approvals:
                if (approval.tracked is tracked and approval.answered is not None
                        and approval.kept_seconds is None and approval.index <= kept):
                    approval.kept_seconds = now - approval.answered


def fresh_database():
    """Drop and create the run's database: nothing of an earlier run is left in it."""
    database = connection.settings_dict
    connection.close()
    with psycopg.connect(host=database["HOST"], port=database["PORT"] or 5432, user=database["USER"],
                         password=database["PASSWORD"] or None, dbname="postgres", autocommit=True) as admin:
        name = sql.Identifier(database["NAME"])
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(name))


def seed():
    """The seeded case as `make run` loads it, each approved fact once edited and approved, every page kept."""
    call_command("migrate", verbosity=0)
    # The development accounts are made only with DEBUG on; the site runs with it off.
    with override_settings(DEBUG=True):
        call_command("create_dev_accounts", stdout=StringIO())
    call_command("load_case", str(CASE_FIXTURE), approve_as="editor", stdout=StringIO())
    User = get_user_model()
    editor_user = User.objects.get(username="editor")
    # No e-mail address: the approvals of its edits tell no one.
    author = User.objects.create_user("chaos-reporter", is_staff=True)
    tracked = {}
    for slug in APPROVED_FACTS:
        fact = Fact.objects.get(case__slug=CASE, slug=slug)
        subject = Subject(slug, Fact, fact.pk, f"/cases/{CASE}/facts/{slug}/")
        marker = fresh_edit(subject, author)
        workflow.approve(editor_user, {(Fact, fact.pk): workflow.latest_version(Fact, fact.pk).history_id}, "")
        tracked[slug] = Tracked(subject, {marker: 0})
    call_command("render_pages", stdout=StringIO())
    return editor_user, author, tracked


def site_environment(relay, redis_port):
    """Production settings, the database reached through the relay and the run's own Redis."""
    database = connection.settings_dict
    user = quote(database["USER"], safe="")
    if database["PASSWORD"]:
        user += ":" + quote(database["PASSWORD"], safe="")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": outages.LOOPBACK,
        "DATABASE_URL": f"postgres://{user}@{outages.LOOPBACK}:{relay.port}/{quote(database['NAME'], safe='')}",
        "REDIS_URL": f"redis://{outages.LOOPBACK}:{redis_port}/0",
        "TASKS_BACKEND": "database",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "4",
        "GUNICORN_LOG_LEVEL": "warning",
    }


def check_preconditions():
    if shutil.which("redis-server") is None:
        raise CommandError("redis-server is not installed (apt-get install redis-server).")
    database = connection.settings_dict
    if connection.vendor != "postgresql" or not str(database["NAME"]).endswith("chaos"):
        raise CommandError("Run against a PostgreSQL database whose name ends in 'chaos': it is dropped and made "
                           "again.")
    if database["HOST"] not in ("127.0.0.1", "localhost"):
        raise CommandError("The run's database must be on this machine's loopback address.")
    if settings.DEBUG or settings.TASKS_BACKEND != "database":
        raise CommandError("Run through `make chaos`: production settings (DEBUG=0, TASKS_BACKEND=database).")


def run_chaos(out, down_seconds, back_seconds, settle_seconds, logs=None):
    """Prepare, serve, load, stop and start each dependency, check; the list of figures that were not zero.

    The processes' logs are written to `logs`, a folder kept; by default to one removed at the end.
    """
    check_preconditions()
    started = time.perf_counter()
    fresh_database()
    editor_user, author, tracked = seed()
    out(f"Seeded {CASE} in {connection.settings_dict['NAME']} in {time.perf_counter() - started:.0f} s.")
    release = rendered.release()
    with contextlib.ExitStack() as running:
        if logs is None:
            logs = running.enter_context(tempfile.TemporaryDirectory(prefix="casefile-chaos-"))
        # Whatever ends the run, an error, Ctrl-C or a SIGTERM, what it started is stopped on the way out.
        previous = signal.signal(signal.SIGTERM, _interrupted)
        running.callback(signal.signal, signal.SIGTERM, previous)
        logs = Path(logs)
        logs.mkdir(parents=True, exist_ok=True)
        relay = outages.DatabaseRelay(connection.settings_dict["PORT"] or 5432)
        relay.restore()
        running.callback(relay.cut)
        redis = outages.redis_server(outages.free_port(), logs / "redis.log")
        running.callback(redis.stop)
        outages.start_redis(redis)
        env = site_environment(relay, redis.port)
        site = outages.gunicorn(outages.free_port(), env, logs / "gunicorn.log")
        running.callback(site.stop)
        outages.start_gunicorn(site)
        worker = outages.task_worker(env, logs / "db_worker.log")
        running.callback(worker.stop)
        worker.start()
        out(f"Serving on http://{outages.LOOPBACK}:{site.port}/ (Redis on port {redis.port}, PostgreSQL through "
            f"a relay on port {relay.port}).")
        warm_up(site.port)
        run = Run(site.port, tracked, settle_seconds)
        session = EditorSession(f"http://{outages.LOOPBACK}:{site.port}", editor_user, run)
        drafted = Fact.objects.filter(case__slug=CASE, slug__in=DRAFTED_FACTS)
        run.timeline.begin("normal")
        run.start(
            *(reader(run, READ_PAGES[n:] + READ_PAGES[:n], compressed=n % 2 == 1) for n in range(READERS)),
            *(reporter_editing(run, author, Fact, fact.pk, "statement", pause=REPORTER_PAUSE) for fact in drafted),
            editor(run, session, author),
            readiness(run),
            keeping_watch(run, release),
        )
        try:
            phases = [
                ("normal", None, back_seconds),
                ("Redis down", redis.kill, down_seconds),
                ("Redis back", lambda: outages.start_redis(redis), back_seconds),
                ("worker down", worker.kill, down_seconds),
                ("worker back", worker.start, back_seconds),
                ("database cut", relay.cut, down_seconds),
                ("database back", relay.restore, back_seconds),
            ]
            for name, change, seconds in phases:
                if change is not None:
                    change()
                    run.timeline.begin(name)
                watch_over(run, worker, relay, seconds, wanted=name != "worker down")
        finally:
            run.stop()
        run.timeline.end()
        drain_tasks(run, worker, release)
        # Past the settle time, what readers get is what they will go on getting.
        time.sleep(settle_seconds)
        run.lost = lost_approvals(run, site.port)
        report(out, run, f"Phases of {back_seconds:g} s (normal and each return) and {down_seconds:g} s (each "
                         f"outage); {READERS} readers, {len(DRAFTED_FACTS)} reporters, an editor approving through "
                         f"the review form, /readyz asked every {READYZ_PAUSE} s.")
        failures = must_be_zero(out, run)
        report_processes(out, run, logs)
    return failures


def _interrupted(signum, frame):
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def warm_up(port):
    """Every page read answers before anything is stopped, and is in the page cache."""
    for url in READ_PAGES:
        status, _, _ = fetch(port, url)
        if status != 200:
            raise CommandError(f"{url} answered {status} before anything was stopped.")


def watch_over(run, worker, relay, seconds, wanted):
    """Wait out a phase; a task worker that ended unasked is noted and started again, as a supervisor would.

    Not while the database is cut: it would end again at once.
    """
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if worker.ended_unasked():
            run.worker_exits.append((run.timeline.current, worker.exits[-1]))
        if wanted and not worker.running and not relay.is_cut:
            worker.start()
        time.sleep(0.2)


def drain_tasks(run, worker, release):
    """Give the worker a bounded while to keep the pages of every approval, as it would with no one reading."""
    deadline = time.perf_counter() + TASKS_DRAIN_SECONDS
    while time.perf_counter() < deadline:
        if not worker.running:
            worker.start()
        note_kept(run, release)
        if all(a.kept_seconds is not None for a in run.approvals if a.answered is not None):
            return
        time.sleep(0.2)


def lost_approvals(run, port):
    """Approvals that answered success but that readers do not see, or that left no decision, once all is back.

    A later approval of the same fact that answered an error may have
    committed all the same: a page showing a later version does not count.
    """
    lost = []
    succeeded = [approval for approval in run.approvals if approval.answered is not None]
    for approval in succeeded:
        if not Decision.objects.filter(history_id=max(approval.versions), action=Decision.Action.APPROVED).exists():
            lost.append((approval.phase, f"{approval.tracked.subject.label} #{approval.index}: no decision recorded"))
    for tracked in run.tracked.values():
        latest = max((a for a in succeeded if a.tracked is tracked), key=lambda a: a.index, default=None)
        if latest is None:
            continue
        for url in (tracked.subject.page, f"/cases/{CASE}/case.json"):
            status, headers, text = fetch(port, url)
            shown = max(tracked.shown(text), default=-1)
            if status != 200 or is_warned(headers) or shown < latest.index:
                lost.append((latest.phase, f"{tracked.subject.label} #{latest.index} on {url}: answered {status}, "
                                           f"shows #{shown} (X-Public-Cache: {headers.get('X-Public-Cache')})"))
    return lost

"""Build a newsroom-sized case file and the seeded case in PostgreSQL, serve them with gunicorn, measure.

Prints one table: per public page, with the page cache off and on and
through Varnish, requests per second, p50 and p99 latency, errors, the
workers' processor time and the ratio to a plain Django hello-world project
served by the same gunicorn settings (load from wrk, a separate process),
each against its target; then the editor's approval request and how soon
the task worker keeps the approved page again; the time of the admin review
queue and a fact's history page; and the mixed load, with the time from an
approval to its kept page under it and the workers' peak memory. Run
through `make bench`.
"""

import contextlib
import datetime
import os
import shutil
import statistics
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass
from io import StringIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bench import edge
from bench.approvals import (
    KEPT_WITHIN_SECONDS, AdminSession, Subject, Timings, approving_over_http, kept_by_this_release, measure_approvals,
    median_and_max,
)
from bench.mixed_load import Newsroom, editor_approving, reader_reading, reporter_editing
from bench.servers import (
    HELLO_WORLD, PROJECT, gunicorn, gunicorn_workers, peak_memory_mb, settle, task_worker, wait_for_tasks,
    workers_cpu_seconds, wrk,
)
from casefile import pagecache, workflow
from casefile.models import Actor, Case, Citation, Decision, Event, Fact, Source

SEEDED_FIXTURE = PROJECT / "fixtures" / "fuzhou-genesis.json"
LARGE = {"facts": 2000, "actors": 500, "events": 1000, "citations": 5000, "sources": 200}
FACT_VERSIONS = 10
CASES = 200
PENDING_CHANGES = 5000
BATCH = 2000


class Builder:
    """Working rows, their history rows and approvals, written with bulk_create."""

    def __init__(self, user):
        self.user = user
        self.clock = timezone.now() - datetime.timedelta(days=30)
        self.types = {}

    def tick(self):
        self.clock += datetime.timedelta(milliseconds=1)
        return self.clock

    def add(self, model, objects, versions=1, approve=True, revise=None):
        objects = model.objects.bulk_create(objects, batch_size=BATCH)
        history, approved = [], []
        fields = [f.attname for f in model._meta.concrete_fields]
        for obj in objects:
            for version in range(versions):
                values = {name: getattr(obj, name) for name in fields}
                if revise and version < versions - 1:
                    values.update(revise(obj, version))
                history.append(model.history.model(
                    **values, history_date=self.tick(), history_type="+" if version == 0 else "~",
                    history_user=self.user, history_change_reason=f"version {version + 1}",
                ))
            approved.append(history[-1])
        model.history.model.objects.bulk_create(history, batch_size=BATCH)
        if approve:
            content_type = ContentType.objects.get_for_model(model)
            batch = uuid.uuid4()
            Decision.objects.bulk_create([
                Decision(
                    case_id=row.id if model is Case else self.case_of(row),
                    content_type=content_type, object_id=row.id, history_id=row.history_id,
                    object_repr=str(row.instance)[:300], action=Decision.Action.APPROVED,
                    decided_by=self.user, decided_at=self.tick(), batch=batch,
                )
                for row in approved
            ], batch_size=BATCH)
        return objects

    def case_of(self, row):
        if hasattr(row, "case_id"):
            return row.case_id
        return self.citation_cases[row.fact_id]


def build(stdout):
    User = get_user_model()
    editor = User.objects.create_superuser("bench-editor", "bench@example.org", "bench-password-long")
    builder = Builder(editor)
    started = time.monotonic()
    with transaction.atomic():
        cases = builder.add(Case, [
            Case(title=f"Case {n:03d}: harbour contracts of town {n}", slug=f"case-{n:03d}",
                 summary="Who won which contract, and who paid whom.")
            for n in range(CASES)
        ])
        large, small = cases[0], cases[1:]
        for case, size in [(large, LARGE)] + [(c, None) for c in small]:
            size = size or {"facts": 10, "actors": 5, "events": 5, "citations": 10, "sources": 2}
            build_case(builder, case, size)
        # Reporters' work waiting for review: new facts across the other cases.
        builder.add(Fact, [
            Fact(case=small[n % len(small)], slug=f"pending-{n}", status=Fact.Status.UNVERIFIED,
                 statement=f"A claim still being checked, number {n}.")
            for n in range(PENDING_CHANGES)
        ], approve=False)
        workflow.republish()
        pagecache.advance_generation()
    # The seeded case, as `make run` loads it, through the same approval as in the newsroom.
    call_command("load_case", str(SEEDED_FIXTURE), approve_as=editor.username, stdout=StringIO())
    seeded = Case.objects.exclude(slug__startswith="case-").get()
    # Publishing keeps pages in a task after the commit; what the builder
    # published at once is kept here, as `render_pages` does after a release.
    kept_started = time.monotonic()
    call_command("render_pages", stdout=StringIO())
    pages = kept_by_this_release().count()
    stdout.write(f"kept {pages} pages in {time.monotonic() - kept_started:.0f} s")
    # Planner statistics and the visibility map for the tables just filled:
    # done now, autovacuum would otherwise do it in the middle of a row.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    stdout.write(f"built the newsroom in {time.monotonic() - started:.0f} s")
    return large, seeded, editor


def build_case(builder, case, size):
    actors = builder.add(Actor, [
        Actor(case=case, kind=Actor.Kind.PERSON, name=f"Person {n}", slug=f"person-{n}",
              description=f"An official of the port authority, number {n}.")
        for n in range(size["actors"])
    ])
    sources = builder.add(Source, [
        Source(case=case, slug=f"source-{n}", kind=Source.Kind.NEWS_REPORT,
               title=f"Report {n} on the harbour contracts", publisher="The Daily",
               paragraph_count=50)
        for n in range(size["sources"])
    ])
    builder.add(Event, [
        Event(case=case, slug=f"event-{n}", title=f"Meeting {n} of the tender board",
              starts_on=datetime.date(2015, 1, 1) + datetime.timedelta(days=n))
        for n in range(size["events"])
    ])
    facts = builder.add(Fact, [
        Fact(case=case, slug=f"fact-{n}", status=Fact.Status.CONFIRMED,
             statement=f"The tender board awarded contract {n} to a company of person {n % len(actors)}.",
             assessment="Two independent reports agree.")
        for n in range(size["facts"])
    ], versions=FACT_VERSIONS, revise=lambda fact, v: {"statement": f"{fact.statement} (draft {v + 1})"})
    builder.citation_cases = {fact.pk: case.pk for fact in facts}
    builder.add(Citation, [
        Citation(fact=facts[n % len(facts)], source=sources[n % len(sources)],
                 locator=f"¶{n % 50 + 1}", quote="awarded the contract")
        for n in range(size["citations"])
    ])


@dataclass(frozen=True)
class Endpoint:
    """A public page under load, with the least ratio to hello world it must reach in each mode.

    Modes: "off" and "on" (the site's page cache), "edge" (through Varnish,
    in front of the site with its page cache). None leaves that mode out.
    `most_worker_ms` caps the workers' processor time per request instead,
    for a page too large for a ratio to say much.
    """

    label: str
    path: str
    uncached: float | None = None
    cached: float | None = None
    most_worker_ms: float | None = None
    edge: float | None = None

    def target(self, mode):
        if mode == "off":
            return self.uncached if self.most_worker_ms is None else 0.0
        return self.cached if mode == "on" else self.edge

    def met(self, mode, ratio, worker_ms):
        if mode == "off" and self.most_worker_ms is not None:
            return worker_ms < self.most_worker_ms
        return ratio >= self.target(mode)

    def describe_target(self, mode):
        if mode == "off" and self.most_worker_ms is not None:
            return f"under {self.most_worker_ms:.0f} worker ms"
        return f"at least {self.target(mode):.2f}"


MODES = {"-": "-", "off": "off", "on": "on", "edge": "Varnish"}
# Kept pages served by the view (page cache off) must do no worse than in
# the run that set these figures.
KEPT_CASE_PAGE, KEPT_FACT_PAGE, KEPT_CASE_JSON = 0.41, 0.35, 0.35
CACHED = 0.80
THROUGH_VARNISH = 3.0


def bench_endpoints(large, seeded):
    seeded_fact = (
        Fact.objects.filter(case=seeded, status=Fact.Status.DISPUTED).order_by("slug").values_list("slug", flat=True)
        .first()
    )
    today = datetime.date.today()
    month_ago = today - datetime.timedelta(days=30)
    return [
        Endpoint("seeded disputed fact page", f"/cases/{seeded.slug}/facts/{seeded_fact}/", KEPT_FACT_PAGE, CACHED,
                 edge=THROUGH_VARNISH),
        Endpoint("seeded case page", f"/cases/{seeded.slug}/", KEPT_CASE_PAGE, CACHED, edge=THROUGH_VARNISH),
        Endpoint("seeded case.json", f"/cases/{seeded.slug}/case.json", KEPT_CASE_JSON),
        Endpoint("2,000-fact case page", f"/cases/{large.slug}/", KEPT_CASE_PAGE, CACHED),
        Endpoint("2,000-fact case.json", f"/cases/{large.slug}/case.json", most_worker_ms=150),
        Endpoint("a fact page of the 2,000-fact case", f"/cases/{large.slug}/facts/fact-1/", KEPT_FACT_PAGE, CACHED),
        # The whole case compared: the seeded case since before its first publication, the large one a month apart.
        Endpoint("seeded case's changes since publication",
                 f"/cases/{seeded.slug}/changes/?from=2000-01-01&to={today.isoformat()}", most_worker_ms=300),
        Endpoint("2,000-fact case's changes over a month",
                 f"/cases/{large.slug}/changes/?from={month_ago.isoformat()}&to={today.isoformat()}",
                 most_worker_ms=1000),
    ]


# The editor's approval request: how many of each subject, and the most
# processor time one may cost a worker.
APPROVALS = 10
APPROVAL_WORKER_MS = 150
# From an approval's answer to the page kept again, under the mixed load.
KEPT_AGAIN_SECONDS = 2.0


def approval_subjects(large, seeded):
    """A confirmed fact of each case, edited and approved again and again; none the mixed load's others touch."""
    seeded_fact = Fact.objects.filter(case=seeded, status=Fact.Status.CONFIRMED).order_by("slug").first()
    large_fact = Fact.objects.get(case=large, slug="fact-10")
    return [
        Subject("one fact of the seeded case", Fact, seeded_fact.pk,
                f"/cases/{seeded.slug}/facts/{seeded_fact.slug}/"),
        Subject("one fact of the 2,000-fact case", Fact, large_fact.pk, f"/cases/{large.slug}/facts/{large_fact.slug}/"),
    ]


READERS = 8
EDITORS = 2
REPORTER_PAUSE_SECONDS = 2
EDITOR_PAUSE_SECONDS = 0.5
REPORTED_FACTS = ["fact-1", "fact-2", "fact-3", "fact-4"]


def percentile(ordered, share):
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * share / 100))]


def mixed_load(base, large, editor, subjects, seconds):
    """Reporters and editors work through the workflow while readers read from gunicorn.

    Beside them an editor approves the subjects through the site, in turn,
    and waits for each page to be kept again.
    """
    User = get_user_model()
    # No e-mail addresses: the approvals tell no one.
    reporters = [
        User.objects.create_user(f"bench-reporter-{n}", password=None, is_staff=True)
        for n in range(len(REPORTED_FACTS) + 1)
    ]
    second_editor = User.objects.create_superuser("bench-editor-2", "", password=None)
    facts = [Fact.objects.get(case=large, slug=slug) for slug in REPORTED_FACTS]
    actor = Actor.objects.get(case=large, slug="person-1")
    records = [(Fact, fact.pk) for fact in facts] + [(Actor, actor.pk)]
    pages = [
        *(f"/cases/{large.slug}/facts/{slug}/" for slug in REPORTED_FACTS),
        f"/cases/{large.slug}/actors/person-1/",
        f"/cases/{large.slug}/",
        "/cases/case-001/",
        "/search/?q=tender",
        *(subject.page for subject in subjects),
    ]
    newsroom = Newsroom(seconds=seconds, longest_seconds=seconds * 3)
    newsroom.latencies = []
    newsroom.served_from = {url: Counter() for url in pages}
    timings = {subject.label: Timings() for subject in subjects}

    def fetch(url):
        started = time.perf_counter()
        served_from = None
        try:
            with urllib.request.urlopen(base + url, timeout=60) as response:
                status, text = response.status, response.read().decode()
                served_from = response.headers.get("X-Public-Cache")
        except urllib.error.HTTPError as error:
            status, text = error.code, ""
        with newsroom.record:
            newsroom.latencies.append((time.perf_counter() - started) * 1000)
            newsroom.served_from[url][served_from] += 1
        return status, text

    # A reporter saves every few seconds, not as fast as the machine allows.
    roles = [
        reporter_editing(newsroom, reporter, Fact, fact.pk, "statement", pause=REPORTER_PAUSE_SECONDS)
        for reporter, fact in zip(reporters, facts)
    ]
    roles.append(reporter_editing(newsroom, reporters[-1], Actor, actor.pk, "description",
                                  pause=REPORTER_PAUSE_SECONDS))
    roles += [editor_approving(newsroom, user, records, pause=EDITOR_PAUSE_SECONDS)
              for user in (editor, second_editor)[:EDITORS]]
    roles.append(approving_over_http(newsroom, AdminSession(base, editor), subjects, timings,
                                     pause=EDITOR_PAUSE_SECONDS))
    roles += [reader_reading(newsroom, pages[n % len(pages):] + pages[:n % len(pages)], fetch)
              for n in range(READERS)]
    if not newsroom.run(*roles):
        raise CommandError("The mixed load did not end in time.")
    findings = newsroom.findings([Fact, Actor], [editor, second_editor])
    return newsroom, findings, seconds, timings


class Command(BaseCommand):
    help = "Build a synthetic newsroom in PostgreSQL and print load figures (needs wrk; Varnish for the edge rows)."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=int, default=4, help="wrk run per endpoint and round")
        parser.add_argument("--rounds", type=int, default=3, help="times every endpoint is measured")
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--approvals", type=int, default=APPROVALS,
                            help="approvals timed of each subject, one at a time")
        parser.add_argument("--mixed-seconds", type=int, default=60,
                            help="how long reporters, editors and readers work at once (0: not at all)")

    def handle(self, seconds, rounds, connections, port, approvals, mixed_seconds, **options):
        name = settings.DATABASES["default"]["NAME"]
        if connection.vendor != "postgresql" or not str(name).endswith("bench"):
            raise CommandError("Run against a PostgreSQL database whose name ends in 'bench'; it is emptied.")
        if shutil.which("wrk") is None:
            raise CommandError("wrk is not installed (apt-get install wrk).")
        call_command("flush", interactive=False, verbosity=0)
        large, seeded, editor = build(self.stdout)
        self.time_admin(editor, large)
        self.missed, self.not_measured = [], []
        self.serve_and_load(large, seeded, editor, seconds, connections, port, approvals, mixed_seconds, rounds)
        if self.not_measured:
            self.stdout.write("\nNot measured: " + "; ".join(self.not_measured) + ".")
        if self.missed:
            self.stdout.write("\nTargets missed: " + "; ".join(self.missed) + ".")
        else:
            self.stdout.write("\nEvery target measured was met.")

    def time_admin(self, editor, large):
        client = Client()
        client.force_login(editor)
        fact = Fact.objects.get(case=large, slug="fact-0")
        pages = {
            "admin review queue (5,000 pending)": reverse("admin:casefile_review_queue"),
            "admin history of a fact (10 versions)": reverse("admin:casefile_fact_history", args=[fact.pk]),
        }
        self.admin_rows = []
        for label, url in pages.items():
            times = []
            for _ in range(5):
                started = time.perf_counter()
                response = client.get(url, secure=True)
                times.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")
            self.admin_rows.append((label, statistics.median(times), max(times)))

    def serve_and_load(self, large, seeded, editor, seconds, connections, port, approvals, mixed_seconds, rounds):
        endpoints = bench_endpoints(large, seeded)
        subjects = approval_subjects(large, seeded)
        with contextlib.ExitStack() as running:
            # Varnish first, at a port known in advance: the site and the task
            # worker are told where to send their purges when they start.
            edge_url = self.start_varnish(running, port + 3, backend_port=port + 1)
            edge_settings = {"EDGE_PURGE_URL": edge_url + "/"} if edge_url else {}
            worker = running.enter_context(task_worker(**edge_settings))
            # What the build queued (its publications announce themselves)
            # finds every page kept already; let the worker say so before
            # anything is measured.
            wait_for_tasks(worker)
            # Three servers side by side with the same gunicorn settings: the
            # hello-world project, the site, and the site with the page cache
            # off so that every request reaches the view; and Varnish, when it
            # runs, in front of the site. Each round measures hello world
            # again and every row against it, so a row is compared with the
            # machine as it was at that moment; the report gives the median
            # of the rounds and the spread of the ratio.
            measured = {}
            with (
                gunicorn(port, app=HELLO_WORLD) as hello,
                gunicorn(port + 1, **edge_settings) as cached,
                gunicorn(port + 2, PUBLIC_PAGE_CACHE_SECONDS="0") as uncached,
            ):
                servers = {"off": uncached, "on": cached}
                if edge_url:
                    refusal = edge.refusal_to_keep(edge_url, [e.path for e in endpoints if e.edge is not None])
                    if refusal:
                        self.leave_out_edge(refusal)
                    else:
                        # Varnish in front of the site: the site's workers are the ones to watch.
                        servers["edge"] = (edge_url, cached[1])
                for _ in range(rounds):
                    baseline = self.load(hello, "/", "-", seconds, connections)
                    measured.setdefault(("Django hello world", "-"), []).append((*baseline, 1.0))
                    for endpoint in endpoints:
                        for mode, server in servers.items():
                            if endpoint.target(mode) is None:
                                continue
                            figures = self.load(server, endpoint.path, mode, seconds, connections)
                            measured.setdefault((endpoint, mode), []).append((*figures, figures[0] / baseline[0]))
                approved = measure_approvals(cached, editor, subjects, approvals)
                wait_for_tasks(worker)
            rows = [(endpoint, mode, *self.median_of_rounds(runs)) for (endpoint, mode), runs in measured.items()]
            self.report(rows, connections, seconds, rounds, gunicorn_workers(port), bool(edge_settings))
            if approvals:
                self.report_approvals(approved)
            if mixed_seconds:
                # Readers in a newsroom are served with the cache, as in production.
                with gunicorn(port + 1) as (base, server):
                    mixed = mixed_load(base, large, editor, subjects, mixed_seconds)
                    memory = peak_memory_mb(server.pid)
                self.stdout.write(f"\nWorkers' peak memory (VmHWM) on the server that ran the mixed load: "
                                  f"{', '.join(f'{m:.0f} MB' for m in memory)}")
                self.report_mixed_load(*mixed)
            self.report_tasks()

    def start_varnish(self, running, port, backend_port):
        """Varnish's address, running until the bench ends; None, with the reason printed, if it cannot run."""
        try:
            return running.enter_context(edge.varnish(port, backend_port))
        except edge.Unavailable as reason:
            self.leave_out_edge(str(reason))
            return None

    def leave_out_edge(self, reason):
        self.stdout.write(f"Through Varnish: not measured. {reason}.")
        self.not_measured.append(f"the rows through Varnish ({reason})")

    @staticmethod
    def median_of_rounds(runs):
        """Medians of the rounds (requests a second, latencies, worker time, ratio); all errors; the ratio's range."""
        rps, p50, p99, errors, cpu, ratio = zip(*runs)
        return (statistics.median(rps), statistics.median(p50), statistics.median(p99), sum(errors),
                statistics.median(cpu), statistics.median(ratio), min(ratio), max(ratio))

    def load(self, server, path, mode, seconds, connections):
        """wrk's figures for one address, and the workers' processor time per request, in ms."""
        base, process = server
        with urllib.request.urlopen(base + path, timeout=60) as response:
            response.read()
            # Figures of a server with the cache in the wrong state would be mislabelled.
            if mode in ("off", "on") and ("X-Public-Cache" in response.headers) != (mode == "on"):
                raise CommandError(f"{path} on the server with the cache {mode} answered with the cache in the other state.")
        settle(process.pid)
        cpu_before = workers_cpu_seconds(process.pid)
        rps, p50, p99, failures, requests = wrk(base + path, seconds, connections)
        cpu_ms = (workers_cpu_seconds(process.pid) - cpu_before) * 1000 / max(1, requests)
        return rps, p50, p99, failures, cpu_ms

    def report_approvals(self, approved):
        out = self.stdout.write
        out("\nThe editor's approval: the review page's form posted through the site with the page cache "
            "(logged in, one connection a request, the redirect to the queue not followed), each of a fresh "
            "edit, one at a time on idle workers. Wall: from sending the POST to its answer. Worker ms: the "
            "gunicorn workers' processor time for it (the first approval a worker serves is shown apart as well: it "
            "pays for what a worker does once). Kept again: from the answer to the fact's page kept by "
            "the task worker with the new text (nothing else running).\n")
        out("| approval | approvals | wall ms p50 | wall ms max | worker ms p50 | worker ms max "
            "| worker ms, first approval a worker served | kept again s p50 | kept again s max | target | met |")
        out("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
        for label, timings in approved.items():
            wall, slowest = median_and_max(timings.wall_ms)
            worker, costliest = median_and_max(timings.worker_ms)
            kept, latest = median_and_max(timings.kept_seconds)
            first = ", ".join(f"{ms:.0f}" for ms in timings.first_in_worker_ms) or "-"
            met = costliest <= APPROVAL_WORKER_MS
            if not met:
                self.missed.append(f"the approval request, {label}")
            out(f"| {label} | {len(timings.wall_ms)} | {wall:.0f} | {slowest:.0f} | {worker:.0f} | {costliest:.0f} "
                f"| {first} | {kept:.2f} | {latest:.2f}{self.not_kept(timings)} "
                f"| at most {APPROVAL_WORKER_MS} worker ms each | {'yes' if met else 'no'} |")

    @staticmethod
    def not_kept(timings):
        return f" ({timings.not_kept} not kept within {KEPT_WITHIN_SECONDS} s)" if timings.not_kept else ""

    def report_mixed_load(self, newsroom, findings, seconds, timings):
        out = self.stdout.write
        latencies = sorted(newsroom.latencies)
        out(f"\nMixed load for {seconds} s over HTTP: {READERS} readers, {len(REPORTED_FACTS) + 1} reporters, "
            f"{EDITORS} editors at once, and an editor approving through the site.")
        out(f"- saves: {len(newsroom.saved)}; approvals: {len(newsroom.approved_by_editor)}; "
            f"pages read: {len(newsroom.responses)} "
            f"(p50 {percentile(latencies, 50):.0f} ms, p99 {percentile(latencies, 99):.0f} ms); "
            f"approved edits readers saw: {len(newsroom.seen_by_readers)}")
        out("- share of requests served from the page cache, per page:")
        for url, served in newsroom.served_from.items():
            out(f"  - {url}: {served['hit'] / max(1, sum(served.values())):.0%} of {sum(served.values())}")
        for check, found in findings.items():
            out(f"- {check}: {len(found)}" + (f" (for example {found[:3]})" if found else ""))
        out("\nFrom the answer to an approval made through the site during the mixed load to the fact's page kept "
            "again by the task worker, with the new text (polled from the bench).\n")
        out("| approval to kept page, under the mixed load | approvals | p50 s | max s | target | met |")
        out("| --- | ---: | ---: | ---: | --- | --- |")
        for label, found in timings.items():
            kept, latest = median_and_max(found.kept_seconds)
            met = not found.not_kept and bool(found.kept_seconds) and latest <= KEPT_AGAIN_SECONDS
            if not met:
                self.missed.append(f"approval to kept page under the mixed load, {label}")
            out(f"| {label} | {len(found.kept_seconds) + found.not_kept} | {kept:.2f} | {latest:.2f}"
                f"{self.not_kept(found)} | at most {KEPT_AGAIN_SECONDS:.0f} s | {'yes' if met else 'no'} |")
        if any(findings.values()):
            raise CommandError("The mixed load lost or leaked something; see above.")

    def report_tasks(self):
        """What the task worker did over the run: a failed task leaves pages rendered for each reader."""
        results = DBTaskResult.objects.values_list("task_path", "status")
        counts = Counter((path.rpartition(".")[2], status) for path, status in results)
        self.stdout.write("\nTask worker over the run: " + ", ".join(
            f"{task} {status.lower()}: {count}" for (task, status), count in sorted(counts.items())
        ))

    def report(self, rows, connections, seconds, rounds, workers, purging):
        out = self.stdout.write
        out(f"\nMachine: {os.cpu_count()} cores; gunicorn {workers}; wrk 2 threads, "
            f"{connections} connections, {seconds} s per row, {rounds} rounds; PostgreSQL on the same "
            f"machine; cache: {'Redis' if os.environ.get('REDIS_URL') else 'local memory'}; task worker: "
            f"db_worker{', purging Varnish' if purging else ''}.")
        out("Each figure is the median of the rounds. Ratio: the page's requests a second over those of a "
            "plain Django hello-world project (Django's default middleware) served by the same gunicorn "
            "settings, measured again in each round.")
        out("Worker ms: the gunicorn workers' processor time per request (PostgreSQL's and Redis's not "
            "counted). Varnish: through varnishd with deploy/varnish/casefile.vcl, in front of the site "
            "with its page cache.\n")
        out("| page | page cache | req/s | p50 ms | p99 ms | errors | worker ms | ratio to hello world "
            "| range of rounds | target | met |")
        out("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
        for endpoint, mode, rps, p50, p99, errors, cpu, ratio, lowest, highest in rows:
            if mode == "-":
                label, spread, target, met = endpoint, "", "", ""
            else:
                label, spread = endpoint.label, f"{lowest:.2f} to {highest:.2f}"
                target = endpoint.describe_target(mode)
                met = "yes" if endpoint.met(mode, ratio, cpu) and not errors else "no"
                if met == "no":
                    self.missed.append(f"{endpoint.label}, {MODES[mode]}")
            out(f"| {label} | {MODES[mode]} | {rps:.0f} | {p50:.1f} | {p99:.1f} | {errors} | {cpu:.2f} | "
                f"{ratio:.2f} | {spread} | {target} | {met} |")
        out("\n| admin page | median ms | slowest of 5 ms |")
        out("| --- | ---: | ---: |")
        for label, median, slowest in self.admin_rows:
            out(f"| {label} | {median:.0f} | {slowest:.0f} |")

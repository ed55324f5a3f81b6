"""Build a newsroom-sized case file and the seeded case in PostgreSQL, serve them with gunicorn, measure.

Prints one table: per public page, with the page cache off and on, requests
per second, p50 and p99 latency, errors, the workers' processor time and the
ratio to a plain Django hello-world project served by the same gunicorn
settings (load from wrk, a separate process), each against its target; then
the time of the admin review queue and a fact's history page, and the mixed
load with the workers' peak memory. Run through `make bench`.
"""

import contextlib
import datetime
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casefile import pagecache, workflow
from bench.mixed_load import Newsroom, editor_approving, reader_reading, reporter_editing
from casefile.models import Actor, Case, Citation, Decision, Event, Fact, Source

PROJECT = Path(settings.BASE_DIR)
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
    """A public page under load, with the least ratio to hello world it must reach, page cache off and on.

    None leaves that mode out. `most_worker_ms` caps the workers' processor
    time per request instead, for a page too large for a ratio to say much.
    """

    label: str
    path: str
    uncached: float | None = None
    cached: float | None = None
    most_worker_ms: float | None = None

    def target(self, mode):
        if mode == "off":
            return self.uncached if self.most_worker_ms is None else 0.0
        return self.cached

    def met(self, mode, ratio, worker_ms):
        if mode == "off" and self.most_worker_ms is not None:
            return worker_ms < self.most_worker_ms
        return ratio >= self.target(mode)

    def describe_target(self, mode):
        if mode == "off" and self.most_worker_ms is not None:
            return f"under {self.most_worker_ms:.0f} worker ms"
        return f"at least {self.target(mode):.2f}"


def bench_endpoints(large, seeded):
    seeded_fact = (
        Fact.objects.filter(case=seeded, status=Fact.Status.DISPUTED).order_by("slug").values_list("slug", flat=True)
        .first()
    )
    return [
        Endpoint("seeded disputed fact page", f"/cases/{seeded.slug}/facts/{seeded_fact}/", 0.25, 0.80),
        Endpoint("seeded case page", f"/cases/{seeded.slug}/", 0.12, 0.80),
        Endpoint("seeded case.json", f"/cases/{seeded.slug}/case.json", 0.12),
        Endpoint("2,000-fact case page", f"/cases/{large.slug}/", 0.05, 0.80),
        Endpoint("2,000-fact case.json", f"/cases/{large.slug}/case.json", most_worker_ms=150),
        Endpoint("a fact page of the 2,000-fact case", f"/cases/{large.slug}/facts/fact-1/", 0.25, 0.80),
    ]


SITE = "newsroom.wsgi"
HELLO_WORLD = "bench.hello.wsgi"
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null"]


def server_environment(port, app=SITE, **overrides):
    # Sync workers, as in the figures the README quotes: the same for every server.
    env = {**os.environ, "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "1",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_LOG_LEVEL": "error",
           "SECURE_SSL_REDIRECT": "0", **overrides}
    env["DJANGO_SETTINGS_MODULE"] = "bench.hello.settings" if app == HELLO_WORLD else "bench.settings"
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    return env


def gunicorn_workers(port):
    """The workers of the bench's gunicorn, as gunicorn resolves its settings."""
    output = subprocess.run(GUNICORN + ["--print-config", SITE], cwd=PROJECT, env=server_environment(port),
                            capture_output=True, text=True, check=True).stdout
    config = dict(re.findall(r"^(\w+)\s+= (.*)$", output, re.M))
    workers = f"{config['workers']} {config['worker_class']} workers"
    if config["worker_class"] == "gthread":
        workers += f" of {config['threads']} threads"
    return workers


@contextlib.contextmanager
def gunicorn(port, app=SITE, **overrides):
    """A gunicorn serving `app`, ready for requests; stopped on the way out.

    Yields its address and its process.
    """
    server = subprocess.Popen(GUNICORN + [app], cwd=PROJECT, env=server_environment(port, app, **overrides))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(base + ("/" if app == HELLO_WORLD else "/bench/baseline/"), timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    raise CommandError("gunicorn did not start; see its errors above.") from None
                time.sleep(0.5)
        else:
            raise CommandError("gunicorn did not answer in time.")
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=30)


def wrk(url, seconds, connections):
    # Browsers ask for compressed pages, and so does the load. Each request
    # comes on a connection of its own, as a proxy in front of gunicorn sends
    # them by default (nginx does): sixteen kept-alive connections from one
    # client can all land on one of the two workers, which then serves at
    # half the speed while the other idles, whatever the page.
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency",
               "-H", "Accept-Encoding: gzip", "-H", "Connection: close"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.M))
    failures = sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|timeout|read|write|connect) (\d+)", output))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    return rps, milliseconds(latency["50"]), milliseconds(latency["99"]), failures, requests


def settle(master_pid, longest_seconds=60):
    """Wait until the server has worked off what the last run left.

    wrk stops sending at the end of its run, but slow pages it asked for may
    still be rendering; the next row must not pay for them. The server's own
    workers are watched, not the whole machine, which others may share.
    """
    deadline = time.monotonic() + longest_seconds
    while time.monotonic() < deadline:
        before = workers_cpu_seconds(master_pid)
        time.sleep(0.3)
        if workers_cpu_seconds(master_pid) - before < 0.01:
            return


def milliseconds(text):
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def workers_of(master_pid):
    return Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()


def _stat_fields(pid):
    # The fields after the command name: utime and stime are the 12th and 13th
    # of them, cutime and cstime (children waited for) the 14th and 15th.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def workers_cpu_seconds(master_pid):
    """Processor time the gunicorn workers have used so far, all their threads, user and system.

    A worker replaced after its `max_requests` counts too: the master has
    collected its time when it ended.
    """
    master = _stat_fields(master_pid)
    ticks = int(master[13]) + int(master[14])
    for pid in workers_of(master_pid):
        fields = _stat_fields(pid)
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def peak_memory_mb(master_pid):
    peaks = []
    for pid in workers_of(master_pid):
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024)
    return peaks


READERS = 8
EDITORS = 2
REPORTER_PAUSE_SECONDS = 2
EDITOR_PAUSE_SECONDS = 0.5
REPORTED_FACTS = ["fact-1", "fact-2", "fact-3", "fact-4"]


def percentile(ordered, share):
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * share / 100))]


def mixed_load(base, large, editor, seconds):
    """Reporters and editors work through the workflow while readers read from gunicorn."""
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
    ]
    newsroom = Newsroom(seconds=seconds, longest_seconds=seconds * 3)
    newsroom.latencies = []
    newsroom.served_from = {url: Counter() for url in pages}

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
    roles += [reader_reading(newsroom, pages[n % len(pages):] + pages[:n % len(pages)], fetch)
              for n in range(READERS)]
    if not newsroom.run(*roles):
        raise CommandError("The mixed load did not end in time.")
    findings = newsroom.findings([Fact, Actor], [editor, second_editor])
    return newsroom, findings, seconds


class Command(BaseCommand):
    help = "Build a synthetic newsroom in PostgreSQL and print load figures (needs wrk)."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=int, default=4, help="wrk run per endpoint and round")
        parser.add_argument("--rounds", type=int, default=3, help="times every endpoint is measured")
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--mixed-seconds", type=int, default=60,
                            help="how long reporters, editors and readers work at once (0: not at all)")

    def handle(self, seconds, rounds, connections, port, mixed_seconds, **options):
        name = settings.DATABASES["default"]["NAME"]
        if connection.vendor != "postgresql" or not str(name).endswith("bench"):
            raise CommandError("Run against a PostgreSQL database whose name ends in 'bench'; it is emptied.")
        if shutil.which("wrk") is None:
            raise CommandError("wrk is not installed (apt-get install wrk).")
        call_command("flush", interactive=False, verbosity=0)
        large, seeded, editor = build(self.stdout)
        self.time_admin(editor, large)
        self.serve_and_load(large, seeded, editor, seconds, connections, port, mixed_seconds, rounds)
        if self.missed:
            self.stdout.write("\nTargets missed: " + "; ".join(self.missed) + ".")
        else:
            self.stdout.write("\nEvery target met.")

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

    def serve_and_load(self, large, seeded, editor, seconds, connections, port, mixed_seconds, rounds):
        endpoints = bench_endpoints(large, seeded)
        # Three servers side by side with the same gunicorn settings: the
        # hello-world project, the site, and the site with the page cache off
        # so that every request renders its page. Each round measures hello
        # world again and every row against it, so a row is compared with the
        # machine as it was at that moment; the report gives the median of the
        # rounds and the spread of the ratio.
        measured = {}
        with (
            gunicorn(port, app=HELLO_WORLD) as hello,
            gunicorn(port + 1) as cached,
            gunicorn(port + 2, PUBLIC_PAGE_CACHE_SECONDS="0") as uncached,
        ):
            for _ in range(rounds):
                baseline = self.load(hello, "/", "-", seconds, connections)
                measured.setdefault(("Django hello world", "-"), []).append((*baseline, 1.0))
                for endpoint in endpoints:
                    for server, mode in ((uncached, "off"), (cached, "on")):
                        if endpoint.target(mode) is None:
                            continue
                        figures = self.load(server, endpoint.path, mode, seconds, connections)
                        measured.setdefault((endpoint, mode), []).append((*figures, figures[0] / baseline[0]))
        rows = [(endpoint, mode, *self.median_of_rounds(runs)) for (endpoint, mode), runs in measured.items()]
        self.report(rows, connections, seconds, rounds, gunicorn_workers(port))
        if mixed_seconds:
            # Readers in a newsroom are served with the cache, as in production.
            with gunicorn(port + 1) as (base, server):
                mixed = mixed_load(base, large, editor, mixed_seconds)
                memory = peak_memory_mb(server.pid)
            self.stdout.write(f"\nWorkers' peak memory (VmHWM) on the server that ran the mixed load: "
                              f"{', '.join(f'{m:.0f} MB' for m in memory)}")
            self.report_mixed_load(*mixed)

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
            if mode != "-" and ("X-Public-Cache" in response.headers) != (mode == "on"):
                raise CommandError(f"{path} on the server with the cache {mode} answered with the cache in the other state.")
        settle(process.pid)
        cpu_before = workers_cpu_seconds(process.pid)
        rps, p50, p99, failures, requests = wrk(base + path, seconds, connections)
        cpu_ms = (workers_cpu_seconds(process.pid) - cpu_before) * 1000 / max(1, requests)
        return rps, p50, p99, failures, cpu_ms

    def report_mixed_load(self, newsroom, findings, seconds):
        out = self.stdout.write
        latencies = sorted(newsroom.latencies)
        out(f"\nMixed load for {seconds} s over HTTP: {READERS} readers, {len(REPORTED_FACTS) + 1} reporters, "
            f"{EDITORS} editors at once.")
        out(f"- saves: {len(newsroom.saved)}; approvals: {len(newsroom.approved_by_editor)}; "
            f"pages read: {len(newsroom.responses)} "
            f"(p50 {percentile(latencies, 50):.0f} ms, p99 {percentile(latencies, 99):.0f} ms); "
            f"approved edits readers saw: {len(newsroom.seen_by_readers)}")
        out("- share of requests served from the page cache, per page:")
        for url, served in newsroom.served_from.items():
            out(f"  - {url}: {served['hit'] / max(1, sum(served.values())):.0%} of {sum(served.values())}")
        for check, found in findings.items():
            out(f"- {check}: {len(found)}" + (f" (for example {found[:3]})" if found else ""))
        if any(findings.values()):
            raise CommandError("The mixed load lost or leaked something; see above.")

    def report(self, rows, connections, seconds, rounds, workers):
        out = self.stdout.write
        out(f"\nMachine: {os.cpu_count()} cores; gunicorn {workers}; wrk 2 threads, "
            f"{connections} connections, {seconds} s per row, {rounds} rounds; PostgreSQL on the same "
            f"machine; cache: {'Redis' if os.environ.get('REDIS_URL') else 'local memory'}.")
        out("Each figure is the median of the rounds. Ratio: the page's requests a second over those of a "
            "plain Django hello-world project (Django's default middleware) served by the same gunicorn "
            "settings, measured again in each round.")
        out("Worker ms: the gunicorn workers' processor time per request (PostgreSQL's and Redis's not "
            "counted).\n")
        out("| page | page cache | req/s | p50 ms | p99 ms | errors | worker ms | ratio to hello world "
            "| range of rounds | target | met |")
        out("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
        self.missed = []
        for endpoint, mode, rps, p50, p99, errors, cpu, ratio, lowest, highest in rows:
            if mode == "-":
                label, spread, target, met = endpoint, "", "", ""
            else:
                label, spread = endpoint.label, f"{lowest:.2f} to {highest:.2f}"
                target = endpoint.describe_target(mode)
                met = "yes" if endpoint.met(mode, ratio, cpu) and not errors else "no"
                if met == "no":
                    self.missed.append(f"{endpoint.label}, page cache {mode}")
            out(f"| {label} | {mode} | {rps:.0f} | {p50:.1f} | {p99:.1f} | {errors} | {cpu:.2f} | "
                f"{ratio:.2f} | {spread} | {target} | {met} |")
        out("\n| admin page | median ms | slowest of 5 ms |")
        out("| --- | ---: | ---: |")
        for label, median, slowest in self.admin_rows:
            out(f"| {label} | {median:.0f} | {slowest:.0f} |")

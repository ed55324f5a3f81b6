"""The processes `make bench` runs beside itself: gunicorn, the task worker and wrk, and what /proc says of them."""

import contextlib
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django_tasks_db.models import DBTaskResult

PROJECT = Path(settings.BASE_DIR)
SITE = "newsroom.wsgi"
HELLO_WORLD = "bench.hello.wsgi"
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null"]
# As docs/production.md runs it beside gunicorn; without a line per task in
# the report (a task that fails is logged by the app, and counted at the end).
DB_WORKER = [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.2", "--no-reload",
             "--verbosity", "0"]


def site_environment(**overrides):
    """The site's production settings as the bench runs them, with the bench's pages."""
    env = {**os.environ, "SECURE_SSL_REDIRECT": "0", **overrides, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    return env


def server_environment(port, app=SITE, **overrides):
    # Sync workers, as in the figures the README quotes: the same for every server.
    env = site_environment(WEB_CONCURRENCY="2", GUNICORN_THREADS="1", GUNICORN_BIND=f"127.0.0.1:{port}",
                           GUNICORN_LOG_LEVEL="error", **overrides)
    if app == HELLO_WORLD:
        env["DJANGO_SETTINGS_MODULE"] = "bench.hello.settings"
    return env


def gunicorn_workers(port):
    """The workers of the bench's gunicorn, as gunicorn resolves its settings."""
    output = subprocess.run(GUNICORN + ["--print-config", SITE], cwd=PROJECT, env=server_environment(port),
                            capture_output=True, text=True, check=True).stdout
    config = dict(re.findall(r"^(\w+)\s+= (.*)$", output, re.MULTILINE))
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


@contextlib.contextmanager
def task_worker(**overrides):
    """`manage.py db_worker` beside the servers, as in production; stopped on the way out.

    With DEBUG off, publishing's tasks are rows in PostgreSQL: without a
    worker no approved page would be kept again, and every reader of it
    would get it rendered for them.
    """
    worker = subprocess.Popen(DB_WORKER, cwd=PROJECT, env=site_environment(**overrides))
    try:
        yield worker
    finally:
        # It finishes the task in hand first.
        stop(worker, timeout=60)


def stop(process, timeout):
    """Ask a process to stop, and kill it if it has not within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for_tasks(worker, longest_seconds=600):
    """Wait until the worker has run every task due, so that a row does not share the machine with it."""
    deadline = time.monotonic() + longest_seconds
    while DBTaskResult.objects.ready().exists() or DBTaskResult.objects.running().exists():
        if worker.poll() is not None:
            raise CommandError("The task worker stopped; see its errors above.")
        if time.monotonic() > deadline:
            raise CommandError(f"The task worker did not run the queued tasks in {longest_seconds} s.")
        time.sleep(0.2)


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
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.MULTILINE))
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


def workers_cpu_ns(master_pid):
    """Processor time each gunicorn worker has used so far, in nanoseconds, all its threads: {pid: ns}.

    From the scheduler's own count: /proc's ticks of 10 ms are too coarse
    for a single request.
    """
    used = {}
    for pid in workers_of(master_pid):
        used[pid] = 0
        for thread in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError):
                used[pid] += int((thread / "schedstat").read_text().split()[0])
    return used


def peak_memory_mb(master_pid):
    peaks = []
    for pid in workers_of(master_pid):
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024)
    return peaks

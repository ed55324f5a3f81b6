"""What `make chaos` stops and starts again: its own Redis, the task worker, and a relay to PostgreSQL it can cut.

The machine's PostgreSQL is shared, so it is never stopped: the site reaches
its database through `DatabaseRelay`, a TCP relay in the chaos process, and
cutting the relay is what an unreachable database looks like to the site
(connections dropped, new ones refused).
"""

import contextlib
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import redis
from django.core.management.base import CommandError

from bench.servers import GUNICORN, PROJECT, SITE, stop

LOOPBACK = "127.0.0.1"
STARTING_SECONDS = 30
STOPPING_SECONDS = 30


def free_port():
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


class DatabaseRelay:
    """Relays connections from a loopback port to PostgreSQL until cut; `restore()` relays again."""

    def __init__(self, target_port):
        self.target = (LOOPBACK, target_port)
        self.port = free_port()
        self.listener = None
        self.links = set()
        self.lock = threading.Lock()

    def restore(self):
        listener = socket.create_server((LOOPBACK, self.port))
        # A short wait, so that the accepting thread sees a cut soon.
        listener.settimeout(0.2)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self):
        """Refuse new connections and drop every open one, as a database gone away does."""
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.close()
        with self.lock:
            links, self.links = self.links, set()
        for link in links:
            self._close(link)

    @property
    def is_cut(self):
        return self.listener is None

    def _accept(self, listener):
        while listener is self.listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            link = (client, upstream)
            with self.lock:
                if listener is not self.listener:
                    self._close(link)
                    return
                self.links.add(link)
            for source, sink in (link, link[::-1]):
                threading.Thread(target=self._pump, args=(source, sink, link), daemon=True).start()

    def _pump(self, source, sink, link):
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with self.lock:
            self.links.discard(link)
        self._close(link)

    @staticmethod
    def _close(link):
        for end in link:
            # shutdown() wakes the thread blocked in recv() on it; close() alone would not.
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()


class Service:
    """A process the run starts, and may kill and start again; `exits` holds the codes it ended with unasked."""

    def __init__(self, name, command, env, log_path, port=None):
        self.name, self.command, self.env, self.port = name, command, env, port
        self.log_path = log_path
        # One log across restarts, closed by stop().
        self.log = open(log_path, "ab")
        self.process = None
        self.exits = []

    def start(self):
        self.process = subprocess.Popen(self.command, cwd=PROJECT, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return self

    def kill(self):
        """Stop it at once, as a crash or an OOM kill does: no chance to finish what it holds."""
        if self.running:
            self.process.kill()
            self.process.wait()
        self.process = None

    def stop(self):
        if self.running:
            stop(self.process, timeout=STOPPING_SECONDS)
        self.log.close()

    def did_not_start(self):
        self.log.flush()
        last = self.log_path.read_text(errors="replace").strip().splitlines()[-10:]
        return CommandError(f"{self.name} did not start. The end of its log:\n" + "\n".join(last))

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def ended_unasked(self):
        """Whether it ended by itself since the last look; noted in `exits` with its exit code."""
        if self.process is None or self.process.poll() is None:
            return False
        self.exits.append(self.process.returncode)
        self.process = None
        return True


def redis_server(port, log_path):
    """Its own Redis on a loopback port, keeping nothing on disk: a restart comes back empty."""
    command = ["redis-server", "--bind", LOOPBACK, "--port", str(port), "--save", "", "--appendonly", "no",
               "--daemonize", "no", "--loglevel", "warning"]
    return Service("redis-server", command, None, log_path, port)


def start_redis(service):
    service.start()
    client = redis.Redis(host=LOOPBACK, port=service.port, socket_timeout=1)
    deadline = time.monotonic() + STARTING_SECONDS
    while True:
        try:
            client.ping()
            return service
        except redis.RedisError:
            if not service.running or time.monotonic() > deadline:
                raise service.did_not_start() from None
            time.sleep(0.1)
        finally:
            client.close()


def gunicorn(port, env, log_path):
    return Service("gunicorn", GUNICORN + [SITE], {**env, "GUNICORN_BIND": f"{LOOPBACK}:{port}"}, log_path, port)


def start_gunicorn(service):
    service.start()
    deadline = time.monotonic() + STARTING_SECONDS
    while True:
        try:
            urllib.request.urlopen(f"http://{LOOPBACK}:{service.port}/healthz", timeout=2).read()
            return service
        except OSError:
            if not service.running or time.monotonic() > deadline:
                raise service.did_not_start() from None
            time.sleep(0.2)


def task_worker(env, log_path):
    # As docs/production.md runs it; its log says each task it runs and why it stopped.
    command = [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.2", "--no-reload"]
    return Service("db_worker", command, env, log_path)

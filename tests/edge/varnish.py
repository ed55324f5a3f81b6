"""Varnish with the site's VCL (deploy/varnish/casefile.vcl), in front of an origin, for tests.

`varnish(host, port)` starts `varnishd` on a free loopback port in front of
the origin at host:port, with its own working directory, waits until it
answers and returns it (`.url` is its address). It starts in about half a
second, most of it compiling the VCL, so it keeps running for the worker's
later tests in front of the same origin, each of which finds it as it
started: no page kept, the origin's health read by its probe. Each
pytest-xdist worker gets its own instances. Without varnishd or the xkey vmod (Debian: `apt-get install
varnish varnish-modules`), the test is skipped.
"""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from glob import glob
from pathlib import Path
from urllib.parse import urlsplit

import pytest

VCL = Path(__file__).resolve().parents[2] / "deploy" / "varnish" / "casefile.vcl"
VMOD_DIRECTORIES = [
    "/usr/lib/*/varnish/vmods", "/usr/lib/varnish/vmods", "/usr/lib64/varnish/vmods",
    "/usr/local/lib/varnish/vmods", "/usr/local/lib/*/varnish/vmods",
]
STARTUP_SECONDS = 20


def varnishd_or_skip():
    """The varnishd binary, or a skip saying what to install."""
    varnishd = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin:/usr/local/sbin")
    if varnishd is None:
        pytest.skip("varnishd is not installed (Debian: apt-get install varnish varnish-modules)")
    if not any(glob(f"{directory}/libvmod_xkey.so") for directory in VMOD_DIRECTORIES):
        pytest.skip("Varnish's xkey vmod is not installed (Debian: apt-get install varnish-modules)")
    return varnishd


def render_vcl(origin_host, origin_port, admin_path="admin/", purgers=None):
    """The site's VCL with the backend at origin_host:origin_port, the admin under /admin_path
    and, if given, the addresses allowed to purge instead of the loopback ones."""
    vcl = VCL.read_text()
    for pattern, value in [
        (r'(backend casefile \{\s*\.host = )"[^"]*"', f'"{origin_host}"'),
        (r'(backend casefile \{\s*\.host = "[^"]*";\s*\.port = )"[^"]*"', f'"{origin_port}"'),
        (r'(req\.url ~ )"\^/admin/"', '"^/' + re.escape(admin_path) + '"'),
        *([(r"(acl purgers \{)[^}]*", "".join(f"\n    {acl_entry(address)};" for address in purgers) + "\n")]
          if purgers is not None else []),
    ]:
        vcl, found = re.subn(pattern, lambda match: match.group(1) + value, vcl)
        assert found == 1, f"the VCL no longer has {pattern}"
    return vcl


def acl_entry(address):
    """`192.0.2.0/24` as VCL writes it in an ACL: `"192.0.2.0"/24`."""
    host, _, mask = address.partition("/")
    return f'"{host}"/{mask}' if mask else f'"{host}"'


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(url, method="GET", headers=None):
    """(status, headers, body) of one request, with no cookie jar, redirect or retry in the way."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        path = parts.path or "/"
        connection.request(method, path + (f"?{parts.query}" if parts.query else ""), headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


class Varnish:
    """One running varnishd."""

    def __init__(self, varnishd, workdir, origin_host, origin_port, admin_path="admin/", purgers=None):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        vcl = workdir / "casefile.vcl"
        vcl.write_text(render_vcl(socket.gethostbyname(origin_host), origin_port, admin_path, purgers))
        self.log = (workdir / "varnishd.log").open("w")
        self.process = subprocess.Popen(
            [
                varnishd, "-F", "-n", str(workdir / "instance"), "-f", str(vcl),
                "-a", f"127.0.0.1:{self.port}", "-T", "127.0.0.1:0", "-j", "none",
                "-s", "malloc,32m",
                # A handful of threads and a small log: tests send a few requests at a time.
                "-p", "thread_pools=1", "-p", "thread_pool_min=10", "-p", "vsl_space=1M",
            ],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def answers(self):
        """Wait until it answers; False if it stopped or did not answer in time."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                # Answered by Varnish itself (refused, or no key to purge), whatever the origin does.
                request(self.url + "/", "PURGE")
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)
                continue
            return True
        self.stop()
        return False

    def admin(self, *command):
        """Run a varnishadm command against this instance, as an operator would."""
        subprocess.run(
            [shutil.which("varnishadm") or "varnishadm", "-n", str(self.workdir / "instance"), *command],
            check=True, capture_output=True, timeout=10,
        )

    def forget_everything(self):
        """Drop every kept page, as a fresh instance would have none."""
        self.admin("ban", "obj.status != 0")

    def as_started(self):
        """Put it back as it started, for another test: no page kept, the origin's health read by its probe."""
        self.forget_everything()
        self.admin("backend.set_health", "casefile", "auto")
        return self

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="session")
def running_varnishes():
    """This worker's running instances, by what they were started with; stopped at the end of the session."""
    running = {}
    yield running
    for instance in running.values():
        instance.stop()


@pytest.fixture
def varnish(running_varnishes, tmp_path_factory):
    """Varnish in front of an origin: `varnish(host, port)` returns it running; `.url` is its address.

    `admin_path` is the site's ADMIN_PATH; `purgers`, addresses allowed to
    purge in place of the loopback ones.
    """
    varnishd = varnishd_or_skip()

    def start(origin_host, origin_port, admin_path="admin/", purgers=None):
        started_with = (origin_host, origin_port, admin_path, tuple(purgers or ()))
        running = running_varnishes.pop(started_with, None)
        if running is not None:
            if running.process.poll() is None:
                running_varnishes[started_with] = running
                return running.as_started()
            running.stop()  # It died: its log is closed and another is started.
        # Another process may take the free port before varnishd binds it: then try another.
        for _ in range(3):
            instance = Varnish(
                varnishd, tmp_path_factory.mktemp("varnish"), origin_host, origin_port, admin_path, purgers
            )
            if instance.answers():
                running_varnishes[started_with] = instance
                return instance
        raise RuntimeError(f"varnishd did not start:\n{(instance.workdir / 'varnishd.log').read_text()}")

    return start

"""Varnish with the shipped VCL (deploy/varnish/casefile.vcl) in front of the bench's site, for the edge rows.

Without varnishd or its xkey vmod (Debian: `apt-get install varnish
varnish-modules`), or with a VCL the bench cannot point at its site, the
rows are left out and the report says why.
"""

import contextlib
import http.client
import re
import shutil
import subprocess
import tempfile
import time
from glob import glob
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from bench.servers import PROJECT, stop

VCL = PROJECT / "deploy" / "varnish" / "casefile.vcl"
VMOD_DIRECTORIES = [
    "/usr/lib/*/varnish/vmods", "/usr/lib/varnish/vmods", "/usr/lib64/varnish/vmods",
    "/usr/local/lib/varnish/vmods", "/usr/local/lib/*/varnish/vmods",
]
STARTUP_SECONDS = 20


class Unavailable(Exception):
    """Why the bench cannot measure through Varnish."""


def varnishd():
    """The varnishd binary; Unavailable if it or the xkey vmod the VCL imports is missing."""
    # Debian puts it in sbin, often not on a user's PATH.
    binary = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin:/usr/local/sbin")
    if binary is None:
        raise Unavailable("varnishd is not installed (Debian: apt-get install varnish varnish-modules)")
    if not any(glob(f"{directory}/libvmod_xkey.so") for directory in VMOD_DIRECTORIES):
        raise Unavailable("Varnish's xkey vmod is not installed (Debian: apt-get install varnish-modules)")
    return binary


def vcl_for(backend_port):
    """The shipped VCL with its backend at the bench's site and the admin where the site has it."""
    vcl = VCL.read_text()
    replacements = [
        (r'(backend casefile \{\s*\.host = )"[^"]*"', '"127.0.0.1"'),
        (r'(backend casefile \{\s*\.host = "[^"]*";\s*\.port = )"[^"]*"', f'"{backend_port}"'),
    ]
    if settings.ADMIN_PATH != "admin/":
        replacements.append((r'(req\.url ~ )"\^/admin/"', '"^/' + re.escape(settings.ADMIN_PATH) + '"'))
    for pattern, value in replacements:
        vcl, found = re.subn(pattern, lambda match, value=value: match.group(1) + value, vcl)
        if found != 1:
            raise Unavailable(f"{VCL.relative_to(PROJECT)} no longer has the place the bench fills in ({pattern})")
    return vcl


def request(url, method="GET", headers=None):
    """(status, headers) of one request on a connection of its own."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, parts.path or "/", headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status, response.headers
    finally:
        connection.close()


@contextlib.contextmanager
def varnish(port, backend_port):
    """varnishd on 127.0.0.1:`port` in front of the site at `backend_port`, answering; stopped on the way out.

    Yields its address. Raises Unavailable, before yielding, if it cannot
    run or does not start.
    """
    binary = varnishd()
    vcl_text = vcl_for(backend_port)
    with tempfile.TemporaryDirectory(prefix="bench-varnish-") as workdir:
        workdir = Path(workdir)
        vcl = workdir / "casefile.vcl"
        vcl.write_text(vcl_text)
        with (workdir / "varnishd.log").open("w") as log:
            process = subprocess.Popen(
                [binary, "-F", "-n", str(workdir / "instance"), "-f", str(vcl), "-a", f"127.0.0.1:{port}",
                 "-T", "127.0.0.1:0", "-j", "none", "-s", "malloc,256m"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
            url = f"http://127.0.0.1:{port}"
            try:
                if not _answers(url, process):
                    raise Unavailable("varnishd did not start: " + (workdir / "varnishd.log").read_text().strip())
                yield url
            finally:
                stop(process, timeout=10)


# The probe's window: two good answers two seconds apart, and a margin.
HEALTHY_SECONDS = 10


def _answers(url, process):
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            # Answered by Varnish itself (a purge naming no key), whatever the site does.
            request(url + "/", "PURGE")
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)
            continue
        return True
    return False


def refusal_to_keep(url, paths):
    """Why Varnish does not serve these pages from what it keeps, or None when it does.

    A page Varnish passes to the site would be measured as the site's rate
    under the edge's label.
    """
    # Varnish sends nothing to a site its health probe of /readyz has not
    # yet found up (it may have probed while the site was starting).
    deadline = time.monotonic() + HEALTHY_SECONDS
    while request(url + paths[0])[0] == 503 and time.monotonic() < deadline:
        time.sleep(0.5)
    for path in paths:
        for _ in range(2):
            status, headers = request(url + path, headers={"Accept-Encoding": "gzip"})
        if status != 200 or headers.get("X-Edge") != "hit":
            return (f"Varnish did not keep {path} (status {status}, X-Edge: {headers.get('X-Edge')}, "
                    f"Cache-Control: {headers.get('Cache-Control')})")
    return None

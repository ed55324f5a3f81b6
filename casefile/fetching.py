"""Fetching a source's web page for the newsroom's copy, as a WARC record, safely.

The server fetches on a person's word, so it refuses what no server should
fetch for a user: addresses other than the public internet's (loopback,
private, link-local and the like, unless CAPTURE_FETCH_ALLOWED_NETWORKS opens
them), a redirect to one, schemes other than http and https, a body larger
than CAPTURE_MAX_BYTES, a server too slow to answer or to send, and a body
sent compressed: the page is asked for as it is and kept as sent, never
unpacked, so what is read of it is no larger than what came. The name is
resolved once and the connection made to the address checked, so a name
that resolves elsewhere the second time cannot lead the fetch astray.
"""

import base64
import hashlib
import ipaddress
import socket
import tempfile
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

REDIRECTS = {301, 302, 303, 307, 308}
CHUNK = 64 * 1024
USER_AGENT = "Casefile (a newsroom keeping a copy of a source it cites)"


class FetchRefused(Exception):
    """A fetch refused or failed, with a message for the person who asked for it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class Fetched:
    """A page fetched: the document's bytes in `body`, and the WARC file that holds it in `warc`."""

    url: str
    status: int
    reason: str
    headers: list
    body: tempfile.SpooledTemporaryFile
    size: int
    sha256: str
    warc: tempfile.SpooledTemporaryFile = field(default=None)

    def close(self):
        self.body.close()
        if self.warc is not None:
            self.warc.close()


def fetch(url):
    """Fetch `url`, following redirects that stay within the rules; FetchRefused otherwise."""
    deadline = time.monotonic() + settings.CAPTURE_FETCH_TOTAL_SECONDS
    for _ in range(settings.CAPTURE_FETCH_MAX_REDIRECTS + 1):
        response, pool = _request(url, deadline)
        try:
            if response.status in REDIRECTS and response.headers.get("Location"):
                url = urljoin(url, response.headers["Location"])
                continue
            if response.status >= 300:
                raise FetchRefused(
                    f"Not fetched: the server answered {response.status} {response.reason or ''}".rstrip() + "."
                )
            _refuse_compressed(response)
            fetched = _read(url, response, deadline)
        finally:
            response.release_conn()
            pool.close()
        fetched.warc = _warc(fetched)
        return fetched
    raise FetchRefused(f"Not fetched: more than {settings.CAPTURE_FETCH_MAX_REDIRECTS} redirects.")


def _request(url, deadline):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchRefused(f"Not fetched: only http and https addresses are fetched, not “{parts.scheme}:”.")
    host = parts.hostname
    if not host:
        raise FetchRefused("Not fetched: the address names no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchRefused("Not fetched: the address has a malformed port.") from None
    address = vetted_address(host, port)
    timeout = urllib3.Timeout(
        connect=settings.CAPTURE_FETCH_CONNECT_SECONDS,
        read=min(settings.CAPTURE_FETCH_READ_SECONDS, max(deadline - time.monotonic(), 0.01)),
    )
    options = {"timeout": timeout, "retries": False, "maxsize": 1}
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address, port, server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED", **options
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **options)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {
        "Host": parts.netloc.rpartition("@")[2],
        "User-Agent": USER_AGENT,
        # The copy is kept as sent: no compression to undo before hashing it.
        "Accept-Encoding": "identity",
        "Accept": "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9,*/*;q=0.1",
    }
    try:
        response = pool.urlopen(
            "GET", target, headers=headers, redirect=False, preload_content=False,
            decode_content=False, assert_same_host=False,
        )
    except urllib3.exceptions.TimeoutError:
        pool.close()
        raise FetchRefused(f"Not fetched: {host} did not answer in time.") from None
    except urllib3.exceptions.HTTPError as error:
        pool.close()
        raise FetchRefused(f"Not fetched: {host} could not be reached ({_reason(error)}).") from None
    return response, pool


def vetted_address(host, port):
    """The address to connect to for `host`, if every address it resolves to may be fetched."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchRefused(f"Not fetched: the name {host} cannot be resolved.") from None
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        address = getattr(address, "ipv4_mapped", None) or address
        if not all(may_fetch(reached) for reached in [address, *embedded_ipv4(address)]):
            raise FetchRefused(
                f"Not fetched: {host} is at {address}, an address that is not on the public internet "
                "(loopback, private, link-local or reserved). Casefile fetches only public pages."
            )
        if not allowed_network(address) and port not in WEB_PORTS:
            raise FetchRefused(f"Not fetched: only the web's ports (80 and 443) are fetched, not {port}.")
        addresses.append(address)
    if not addresses:
        raise FetchRefused(f"Not fetched: the name {host} cannot be resolved.")
    return str(addresses[0])


WEB_PORTS = (80, 443)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def embedded_ipv4(address):
    """The IPv4 addresses an IPv6 address leads to: through 6to4, Teredo, NAT64 or the old compatible form."""
    if address.version != 6:
        return []
    found = [address.sixtofour] if address.sixtofour else []
    if address.teredo:
        found.append(address.teredo[1])
    if address in NAT64 or address in IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def allowed_network(address):
    return any(address in network for network in settings.CAPTURE_FETCH_ALLOWED_NETWORKS)


def may_fetch(address):
    if allowed_network(address):
        return True
    return address.is_global and not address.is_multicast


def _refuse_compressed(response):
    """Refuse a body the server compressed though asked not to: a few kilobytes may unpack to gigabytes."""
    encodings = [
        encoding.strip().lower() for encoding in response.headers.get("Content-Encoding", "").split(",")
        if encoding.strip().lower() not in ("", "identity")
    ]
    if encodings:
        raise FetchRefused(
            f"Not fetched: the server sent the page compressed ({', '.join(encodings)}) though asked to send it "
            "as it is. Casefile keeps pages as sent and does not unpack them: save the page and upload it instead."
        )


def _read(url, response, deadline):
    limit = settings.CAPTURE_MAX_BYTES
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchRefused(f"Not fetched: the page is {int(declared):,} bytes, more than the {limit:,} bytes taken in.")
    body = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
    digest, size = hashlib.sha256(), 0
    try:
        while True:
            if time.monotonic() > deadline:
                raise FetchRefused(
                    f"Not fetched: the server sent too slowly (over {settings.CAPTURE_FETCH_TOTAL_SECONDS:g} s)."
                )
            # At most what one read of the socket gives, so the deadline is
            # looked at between reads however slowly the server trickles.
            chunk = response.read1(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise FetchRefused(f"Not fetched: the page is larger than the {limit:,} bytes taken in.")
            digest.update(chunk)
            body.write(chunk)
    except urllib3.exceptions.TimeoutError:
        body.close()
        raise FetchRefused("Not fetched: the server stopped sending before the page was complete.") from None
    except urllib3.exceptions.HTTPError as error:
        body.close()
        raise FetchRefused(f"Not fetched: the connection failed ({_reason(error)}).") from None
    except FetchRefused:
        body.close()
        raise
    body.seek(0)
    return Fetched(
        url=url, status=response.status, reason=response.reason or "",
        headers=[[name, value] for name, value in response.headers.iteritems()],
        body=body, size=size, sha256=digest.hexdigest(),
    )


def _warc(fetched):
    """The response as a gzipped WARC record, with the SHA-256 of its payload."""
    headers = [
        (name, value) for name, value in fetched.headers
        # The body is kept whole, no longer in the chunks it came in.
        if name.lower() != "transfer-encoding"
    ]
    payload_digest = "sha256:" + base64.b32encode(bytes.fromhex(fetched.sha256)).decode()
    warc = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
    writer = WARCWriter(warc, gzip=True, warc_version="1.1")
    record = writer.create_warc_record(
        fetched.url, "response", payload=fetched.body, length=fetched.size,
        http_headers=StatusAndHeaders(f"{fetched.status} {fetched.reason}".strip(), headers, protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Payload-Digest": payload_digest},
    )
    writer.write_record(record)
    warc.seek(0)
    fetched.body.seek(0)
    return warc


def _reason(error):
    reason = getattr(error, "reason", None) or error
    return str(reason).split(": ", 1)[-1][:200]

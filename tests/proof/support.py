"""What the proof-chain tests share: documents they make, a local web server, a captures folder."""

import contextlib
import errno
import hashlib
import http.server
import os
import threading
import time

from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from casefile.models import Fact, Source
from casefile.workflow import captures as capturing

# The Daily report of the small case, as the paper published it: ¶3 holds the quote "5 million".
DAILY = [
    "Harbour contracts awarded",
    "The city signed with Quay Builders in May, the council confirmed.",
    "The contract was worth 5 million euros, the paper learned.",
    "Ana Mayor declined to comment.",
]
# The same report after the paper changed it: ¶3 no longer says 5 million, ¶4 now does.
DAILY_CHANGED = [
    "Harbour contracts awarded",
    "The city signed with Quay Builders in May, the council confirmed.",
    "The contract was worth 7 million euros, the paper learned.",
    "An earlier version said 5 million euros.",
]


def text_document(paragraphs):
    return ("\n\n".join(paragraphs) + "\n").encode()


def html_document(paragraphs, title="Daily report"):
    body = "".join(f"<p>{text}</p>\n" for text in paragraphs)
    return (f"<!DOCTYPE html><html><head><title>{title}</title><script>var hidden = 1;</script></head>"
            f"<body>\n{body}</body></html>").encode()


def pdf_document(paragraphs):
    """A one-page PDF with each paragraph far enough below the last to be a text box of its own."""
    def escaped(text):
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "\n".join(
        f"BT /F1 11 Tf 72 {740 - 60 * n} Td ({escaped(text)}) Tj ET" for n, text in enumerate(paragraphs)
    ).encode("latin-1")
    return pdf_file([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ])


def pdf_file(objects):
    """A PDF file of `objects`, numbered from 1, with its cross-reference table."""
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def upload(source, data, user, name="daily.txt"):
    """A copy uploaded: it waits for an editor."""
    return capturing.capture_upload(source, SimpleUploadedFile(name, data), user)


def confirmed_upload(source, data, user, editor, name="daily.txt"):
    """A copy uploaded, then confirmed by an editor: readers are told of it."""
    return capturing.confirm_capture(upload(source, data, user, name), editor)


def daily(case):
    return Source.objects.get(case=case, slug="daily")


def contract_fact():
    return Fact.objects.get(slug="contract-value")


class Page:
    """What the local server answers at one path."""

    def __init__(self, body=b"", status=200, headers=(), delay=0.0, trickle=None, declared_length=True):
        self.body, self.status, self.headers = body, status, list(headers)
        self.delay, self.trickle, self.declared_length = delay, trickle, declared_length


class LocalServer:
    """An http.server in a thread, on the loopback address, answering the pages it is given."""

    def __init__(self, host="127.0.0.1"):
        self.pages, self.requests = {}, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                page = server.pages.get(self.path, Page(b"not here", status=404))
                time.sleep(page.delay)
                self.send_response(page.status)
                for name, value in page.headers:
                    self.send_header(name, value)
                if page.declared_length:
                    self.send_header("Content-Length", str(len(page.body)))
                else:
                    self.send_header("Connection", "close")
                self.end_headers()
                try:
                    if page.trickle:
                        for byte in page.body:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(page.trickle)
                    else:
                        self.wfile.write(page.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                if not page.declared_length:
                    self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        # Its shutdown waits for the loop to look again: every 0.02 s, not 0.5.
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def url(self, path):
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@contextlib.contextmanager
def serving(pages, host="127.0.0.1"):
    with LocalServer(host) as server:
        server.pages.update(pages)
        yield server


class FullDiskStorage(FileSystemStorage):
    """A folder on a disk with room for the first bytes of a file only: writing more fails as a full disk does."""

    room = 64

    def _save(self, name, content):
        return super()._save(name, _FillingTheDisk(content, self.room))


class _FillingTheDisk(File):
    def __init__(self, content, room):
        super().__init__(content.file, content.name)
        self.room = room

    def chunks(self, chunk_size=None):
        self.seek(0)
        yield self.read(self.room)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

"""A small hostile document is refused in seconds, without filling a worker's memory, and nothing is kept.

A PDF's compressed stream may unpack to gigabytes, or to millions of text
operations that take minutes to lay out; HTML may nest past any reader's
stack, or come compressed from a server. The bombs are built here, small
when packed.
"""

import contextlib
import functools
import multiprocessing
import os
import resource
import signal
import threading
import time
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casefile.models import Capture
from casefile.workflow import WorkflowError
from casefile.workflow import captures as capturing

from .support import DAILY, Page, daily, html_document, pdf_file, serving, upload

pytestmark = pytest.mark.usefixtures("captures_folder")

# The text operation a hostile PDF of 229 KB repeats 4,194,304 times in its one page.
TEXT_OPERATION = b"BT /F1 12 Tf (A) Tj ET\n"


def deflated(unit, repeats):
    """`unit` repeated, compressed a megabyte at a time so the bomb never sits unpacked in this process."""
    per_megabyte = max(1, (1 << 20) // len(unit))
    compressor, out = zlib.compressobj(9), []
    for _ in range(repeats // per_megabyte):
        out.append(compressor.compress(unit * per_megabyte))
    out.append(compressor.compress(unit * (repeats % per_megabyte)))
    out.append(compressor.flush())
    return b"".join(out)


def pdf_of_pages(contents, compressed=False):
    """A PDF with one page for each content stream, Flate-compressed (already) or not."""
    pages = len(contents)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * n) for n in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for n, content in enumerate(contents):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % (5 + 2 * n)
        )
        flate = b" /Filter /FlateDecode" if compressed else b""
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(content), flate) + content + b"\nendstream")
    return pdf_file(objects)


@functools.cache
def pdf_bomb(repeats=4_194_304, unit=TEXT_OPERATION):
    """One page whose compressed content unpacks to `unit` repeated: by default, 4 million text operations."""
    return pdf_of_pages([deflated(unit, repeats)], compressed=True)


def text_operations(count):
    return b"".join(b"BT /F1 11 Tf 72 %d Td (line %d) Tj ET\n" % (700 - n % 600, n) for n in range(count))


@contextlib.contextmanager
def refused_within(seconds, megabytes=64):
    """The block is refused within `seconds`, and the peak memory of this process grows by less than `megabytes`."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(WorkflowError) as refusal:
        yield refusal
    assert time.monotonic() - started < seconds
    # ru_maxrss counts kilobytes on Linux.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < megabytes * 1024


def nothing_kept(captures_folder):
    return not Capture.objects.exists() and not (captures_folder.exists() and any(captures_folder.rglob("*.*")))


def test_a_229_kb_pdf_of_4_million_text_operations_is_refused_by_the_default_limits_within_seconds(
        case_file, reporter, captures_folder):
    bomb = pdf_bomb()
    assert len(bomb) < 250_000

    with refused_within(seconds=10) as refusal:
        upload(daily(case_file), bomb, reporter, name="report.pdf")

    assert "Not kept: This PDF's compressed content unpacks to more than 64.0 MB" in str(refusal.value)
    assert nothing_kept(captures_folder)


def test_a_pdf_unpacking_past_the_limit_is_refused_before_it_is_read(case_file, reporter, settings, captures_folder):
    settings.CAPTURE_READ_MAX_UNPACKED_BYTES = 1024 * 1024

    bomb = pdf_bomb(repeats=300_000)

    with refused_within(seconds=10) as refusal:
        upload(daily(case_file), bomb, reporter, name="report.pdf")

    assert "unpacks to more than 1.0 MB, more than Casefile reads" in str(refusal.value)
    assert nothing_kept(captures_folder)


def test_a_pdf_drawing_its_text_in_more_operations_than_the_limit_is_refused(
        case_file, reporter, settings, captures_folder):
    settings.CAPTURE_READ_MAX_TEXT_OPERATIONS = 100

    with refused_within(seconds=10) as refusal:
        upload(daily(case_file), pdf_of_pages([text_operations(101)]), reporter, name="report.pdf")

    assert "draws its text in more than 100 operations" in str(refusal.value)
    assert nothing_kept(captures_folder)
    capture = upload(daily(case_file), pdf_of_pages([text_operations(50)] * 2), reporter, name="report.pdf")
    assert "line 49" in capture.paragraphs[0]


def test_a_pdf_of_more_pages_than_the_limit_is_refused(case_file, reporter, settings, captures_folder):
    settings.CAPTURE_READ_MAX_PAGES = 2

    with refused_within(seconds=10) as refusal:
        upload(daily(case_file), pdf_of_pages([b"BT /F1 11 Tf 72 700 Td (page) Tj ET"] * 3), reporter)

    assert "has more than 2 pages" in str(refusal.value)
    assert nothing_kept(captures_folder)
    capture = upload(daily(case_file), pdf_of_pages([b"BT /F1 11 Tf 72 700 Td (page) Tj ET"] * 2), reporter)
    assert capture.paragraphs == ["page", "page"]


def test_reading_that_takes_longer_than_allowed_is_stopped(case_file, reporter, settings, captures_folder):
    settings.CAPTURE_READ_SECONDS = 1
    settings.CAPTURE_READ_MAX_TEXT_OPERATIONS = 10**9

    bomb = pdf_bomb(repeats=1_000_000)

    with refused_within(seconds=10) as refusal:
        upload(daily(case_file), bomb, reporter, name="report.pdf")

    assert "Reading the text of this PDF took over 1 s, the longest Casefile gives it" in str(refusal.value)
    assert nothing_kept(captures_folder)


def killing_each_reader(stopped):
    """Kill every reading process this one starts, as the kernel's out-of-memory killer would, until `stopped`."""
    while not stopped.is_set():
        for reader in multiprocessing.active_children():
            os.kill(reader.pid, signal.SIGKILL)
        time.sleep(0.01)


def test_a_reader_killed_from_outside_is_told_as_stopped_unexpectedly_and_logged(
        case_file, reporter, settings, captures_folder, caplog):
    settings.CAPTURE_READ_SECONDS = 30
    settings.CAPTURE_READ_MAX_TEXT_OPERATIONS = 10**9
    stopped = threading.Event()
    killer = threading.Thread(target=killing_each_reader, args=(stopped,))
    killer.start()
    try:
        with refused_within(seconds=10) as refusal:
            upload(daily(case_file), pdf_bomb(repeats=1_000_000), reporter, name="report.pdf")
    finally:
        stopped.set()
        killer.join()

    assert "This PDF cannot be read: its reader stopped unexpectedly." in str(refusal.value)
    assert f"Reading a application/pdf ended with status {-signal.SIGKILL}" in caplog.text
    assert nothing_kept(captures_folder)
    assert upload(daily(case_file), pdf_of_pages([b"BT /F1 11 Tf 72 700 Td (again) Tj ET"]), reporter).paragraphs == [
        "again"
    ]


def test_reading_that_needs_more_memory_than_allowed_is_stopped(case_file, reporter, settings, captures_folder):
    settings.CAPTURE_READ_MAX_MEMORY_BYTES = 128 * 1024 * 1024
    settings.CAPTURE_READ_MAX_UNPACKED_BYTES = 10**12

    bomb = pdf_bomb(repeats=192 << 20, unit=b" ")

    with refused_within(seconds=10) as refusal:
        upload(daily(case_file), bomb, reporter, name="report.pdf")

    assert "needed more than 128 MB of memory, the most Casefile gives it" in str(refusal.value)
    assert nothing_kept(captures_folder)


def test_html_nesting_deeper_than_the_limit_is_refused_rather_than_cut_short(
        case_file, reporter, settings, captures_folder):
    deep = b"<html><body>" + b"<div>" * 100_000 + b"The contract was worth 5 million euros."

    with refused_within(seconds=10) as refusal:
        upload(daily(case_file), deep, reporter, name="daily.html")

    assert "nests its elements more than 512 deep" in str(refusal.value)
    settings.CAPTURE_READ_MAX_HTML_DEPTH = 10
    with pytest.raises(WorkflowError, match="more than 10 deep"):
        upload(daily(case_file), b"<html><body>" + b"<div>" * 9 + b"Deep", reporter, name="daily.html")
    assert nothing_kept(captures_folder)
    capture = upload(daily(case_file), b"<html><body>" + b"<div>" * 8 + b"Deep", reporter, name="daily.html")
    assert capture.paragraphs == ["Deep"]


def test_html_needing_more_memory_than_allowed_is_stopped(case_file, reporter, settings, captures_folder):
    settings.CAPTURE_READ_MAX_MEMORY_BYTES = 160 * 1024 * 1024

    wide = b"<html><body>" + b"<p>A</p>" * 2_000_000

    with refused_within(seconds=10) as refusal:
        upload(daily(case_file), wide, reporter, name="daily.html")

    assert "Reading the text of this HTML needed more than 160 MB of memory" in str(refusal.value)
    assert nothing_kept(captures_folder)


def test_a_refused_bomb_is_told_on_the_upload_form(case_file, reporter_client, settings, captures_folder):
    settings.CAPTURE_READ_MAX_UNPACKED_BYTES = 1024 * 1024
    take = reverse("admin:casefile_source_take_copy", args=[daily(case_file).pk])

    response = reporter_client.post(
        take, {"file": SimpleUploadedFile("report.pdf", pdf_bomb(repeats=300_000)), "_upload": "1"}
    )

    assert response.status_code == 200
    assert "unpacks to more than 1.0 MB, more than Casefile reads" in response.content.decode()
    assert nothing_kept(captures_folder)


def point_at(source, url):
    source.url = url
    source.save()
    return source


@pytest.mark.usefixtures("local_fetching")
def test_a_fetched_pdf_bomb_is_refused_like_an_uploaded_one(case_file, reporter, settings, captures_folder):
    settings.CAPTURE_READ_MAX_UNPACKED_BYTES = 1024 * 1024
    with serving({"/report.pdf": Page(pdf_bomb(repeats=300_000))}) as server:
        source = point_at(daily(case_file), server.url("/report.pdf"))

        with refused_within(seconds=10) as refusal:
            capturing.capture_page(source, reporter)

    assert "unpacks to more than 1.0 MB" in str(refusal.value)
    assert nothing_kept(captures_folder)


@pytest.mark.usefixtures("local_fetching")
def test_a_page_sent_compressed_is_refused_without_being_unpacked(case_file, reporter, captures_folder):
    compressor = zlib.compressobj(9, wbits=31)
    bomb = compressor.compress(b"<html><body>") + b"".join(
        compressor.compress(b"<div>" * 200_000) for _ in range(10)
    ) + compressor.flush()
    with serving({"/daily": Page(bomb, headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip")]),
                  "/plain": Page(html_document(DAILY), headers=[("Content-Encoding", "identity")])}) as server:
        source = point_at(daily(case_file), server.url("/daily"))

        with refused_within(seconds=10) as refusal:
            capturing.capture_page(source, reporter)

        assert "the server sent the page compressed (gzip)" in str(refusal.value)
        assert nothing_kept(captures_folder)
        capture = capturing.capture_page(point_at(source, server.url("/plain")), reporter)
    assert capture.paragraphs == DAILY

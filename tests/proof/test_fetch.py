"""A source's web page fetched from its address and kept as a WARC record."""

import gzip

import pytest
from django.urls import reverse
from warcio.archiveiterator import ArchiveIterator

from casefile.models import Capture
from casefile.workflow import captures as capturing

from .support import (
    DAILY, Page, daily, html_document, serving, sha256,
)

pytestmark = pytest.mark.usefixtures("captures_folder", "local_fetching")


def point_at(source, url, reporter):
    source.url = url
    source.save()
    return source


def test_a_fetched_page_is_kept_as_a_warc_record_with_its_response_headers(case_file, reporter, captures_folder):
    page = html_document(DAILY)
    with serving({"/daily": Page(page, headers=[("Content-Type", "text/html; charset=utf-8"),
                                                ("X-Edition", "morning")])}) as server:
        source = point_at(daily(case_file), server.url("/daily"), reporter)
        capture = capturing.capture_page(source, reporter)

    assert capture.method == Capture.Method.FETCH
    assert capture.url == server.url("/daily")
    assert capture.http_status == 200
    assert ["X-Edition", "morning"] in capture.http_headers
    assert capture.size == len(page) and capture.sha256 == sha256(page)
    assert capture.content_type == "text/html"
    assert capture.paragraphs == DAILY
    stored = (captures_folder / capture.stored_as).read_bytes()
    assert capture.stored_as.endswith(".warc.gz") and capture.stored_sha256 == sha256(stored)
    gzip.decompress(stored)
    with open(captures_folder / capture.stored_as, "rb") as warc:
        responses = [
            (r.rec_headers.get_header("WARC-Target-URI"), r.http_headers.get_header("X-Edition"),
             r.content_stream().read())
            for r in ArchiveIterator(warc) if r.rec_type == "response"
        ]
    assert responses == [(server.url("/daily"), "morning", page)]


def test_the_document_itself_is_what_readers_can_hash(case_file, reporter):
    page = html_document(DAILY)
    with serving({"/daily": Page(page)}) as server:
        capture = capturing.capture_page(point_at(daily(case_file), server.url("/daily"), reporter), reporter)

    assert b"".join(capture.document_chunks()) == page


def test_a_redirect_to_a_public_page_is_followed_and_the_final_address_kept(case_file, reporter):
    with serving({"/old": Page(status=301, headers=[("Location", "/new")]),
                  "/new": Page(html_document(DAILY))}) as server:
        capture = capturing.capture_page(point_at(daily(case_file), server.url("/old"), reporter), reporter)

    assert capture.url == server.url("/new")
    assert [path for path, _ in server.requests] == ["/old", "/new"]


def test_a_page_answered_with_an_error_is_not_kept(case_file, reporter):
    with serving({}) as server:
        source = point_at(daily(case_file), server.url("/gone"), reporter)
        with pytest.raises(capturing.CaptureRefused, match="answered 404"):
            capturing.capture_page(source, reporter)
    assert not Capture.objects.exists()


def test_a_reporter_fetches_a_copy_from_the_admin(case_file, reporter, reporter_client):
    with serving({"/daily": Page(html_document(DAILY))}) as server:
        source = point_at(daily(case_file), server.url("/daily"), reporter)
        response = reporter_client.post(reverse("admin:casefile_source_take_copy", args=[source.pk]), {"_fetch": "1"})

    capture = Capture.objects.get()
    assert response.status_code == 302 and capture.method == Capture.Method.FETCH

"""Copies are for staff, as attachments; readers get a file only where an editor shared the source."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from casefile.models import SharedSource
from casefile.workflow import captures as capturing

from .support import DAILY, confirmed_upload, daily, html_document, sha256

pytestmark = pytest.mark.usefixtures("captures_folder")


@pytest.fixture
def capture(case_file, reporter, editor):
    return confirmed_upload(daily(case_file), html_document(DAILY), reporter, editor, name="daily.html")


def body(response):
    return b"".join(response.streaming_content)


def public_copy_url(capture):
    return reverse("casefile:shared_copy", args=["harbour", "daily", capture.pk])


def test_staff_download_the_stored_file_as_an_attachment_that_is_never_sniffed(capture, reporter_client):
    response = reporter_client.get(reverse("admin:casefile_capture_download", args=[capture.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"
    assert sha256(body(response)) == capture.sha256


def test_readers_and_strangers_cannot_download_a_copy_from_the_admin(capture, django_user_model):
    url = reverse("admin:casefile_capture_download", args=[capture.pk])
    assert Client().get(url).status_code == 302
    staff = django_user_model.objects.create_user("sam", password="x" * 20, is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get(url).status_code == 403


def test_readers_get_no_file_of_a_source_not_shared(capture):
    response = Client().get(public_copy_url(capture))

    assert response.status_code == 404
    assert "Download this copy" not in Client().get("/cases/harbour/sources/daily/").content.decode()


def test_the_files_live_outside_the_public_static_and_media_addresses(capture, captures_folder):
    assert (captures_folder / capture.stored_as).exists()
    for prefix in (settings.STATIC_URL, settings.MEDIA_URL or "/media/"):
        address = "/" + prefix.strip("/") + "/" + capture.stored_as
        assert Client().get(address).status_code == 404


def test_an_editor_shares_a_sources_copies_and_readers_download_the_document(capture, editor_client, case_file):
    source = daily(case_file)
    editor_client.post(reverse("admin:casefile_source_share_copies", args=[source.pk]), {"share": "1"})

    page = Client().get("/cases/harbour/sources/daily/").content.decode()
    assert "Download this copy" in page and public_copy_url(capture) in page
    response = Client().get(public_copy_url(capture))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert sha256(body(response)) == capture.sha256

    editor_client.post(reverse("admin:casefile_source_share_copies", args=[source.pk]), {"share": "0"})
    assert Client().get(public_copy_url(capture)).status_code == 404


def test_a_reporter_cannot_share_copies(capture, reporter_client, case_file):
    reporter_client.post(reverse("admin:casefile_source_share_copies", args=[daily(case_file).pk]), {"share": "1"})

    assert not SharedSource.objects.exists()
    assert Client().get(public_copy_url(capture)).status_code == 404


def test_a_shared_copy_answers_get_and_head_with_its_hash_as_etag_and_nothing_else(capture, editor, case_file):
    capturing.share_copies(daily(case_file), editor)
    browser = Client(enforce_csrf_checks=True)

    got, head = browser.get(public_copy_url(capture)), browser.head(public_copy_url(capture))

    assert got.status_code == head.status_code == 200
    assert got["ETag"] == head["ETag"] == f'"{capture.sha256}"'
    assert b"".join(head.streaming_content) == b""
    for method in ("post", "put", "delete"):
        assert getattr(browser, method)(public_copy_url(capture)).status_code == 405


def test_readers_get_no_shared_copy_whose_fixity_check_failed(capture, editor, case_file, captures_folder):
    capturing.share_copies(daily(case_file), editor)
    stored = captures_folder / capture.stored_as
    stored.write_bytes(stored.read_bytes().replace(b"Harbour", b"Harb0ur"))

    capturing.verify_capture(capture)

    assert Client().get(public_copy_url(capture)).status_code == 404


def test_readers_are_not_offered_the_download_of_a_copy_whose_fixity_check_failed(capture, editor, case_file,
                                                                                 captures_folder):
    capturing.share_copies(daily(case_file), editor)
    assert public_copy_url(capture) in Client().get("/cases/harbour/sources/daily/").content.decode()
    stored = captures_folder / capture.stored_as
    stored.write_bytes(stored.read_bytes().replace(b"Harbour", b"Harb0ur"))

    capturing.verify_capture(capture)

    page = Client().get("/cases/harbour/sources/daily/").content.decode()
    assert "no longer matches the file we keep" in page
    assert "Download this copy" not in page and public_copy_url(capture) not in page
    assert Client().get(public_copy_url(capture)).status_code == 404

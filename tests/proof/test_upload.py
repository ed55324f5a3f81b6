"""A file uploaded in the admin becomes the newsroom's copy of a source."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casefile.models import Capture
from casefile.workflow import WorkflowError
from casefile.workflow import captures as capturing

from .support import (
    DAILY, daily, html_document, pdf_document, sha256, text_document, upload,
)

pytestmark = pytest.mark.usefixtures("captures_folder")


def test_an_uploaded_text_keeps_who_when_how_its_size_its_hash_and_its_paragraphs(case_file, reporter, captures_folder):
    data = text_document(DAILY)

    capture = upload(daily(case_file), data, reporter, name="daily.txt")

    capture.refresh_from_db()
    assert capture.captured_by == reporter
    assert capture.captured_at is not None
    assert capture.method == Capture.Method.UPLOAD
    assert capture.file_name == "daily.txt"
    assert capture.size == len(data)
    assert capture.sha256 == sha256(data) == capture.stored_sha256
    assert capture.content_type == "text/plain"
    assert capture.paragraphs == DAILY
    assert capture.comparison == Capture.Comparison.FIRST
    assert (captures_folder / capture.stored_as).read_bytes() == data


def test_html_is_read_block_by_block_without_its_scripts(case_file, reporter):
    capture = upload(daily(case_file), html_document(DAILY), reporter, name="daily.html")

    assert capture.content_type == "text/html"
    assert capture.paragraphs == DAILY


def test_a_pdf_is_read_text_box_by_text_box(case_file, reporter):
    capture = upload(daily(case_file), pdf_document(DAILY), reporter, name="daily.pdf")

    assert capture.content_type == "application/pdf"
    assert capture.paragraphs == DAILY


def test_the_type_is_read_from_the_content_not_the_name(case_file, reporter):
    capture = upload(daily(case_file), pdf_document(DAILY), reporter, name="notes.txt")
    assert capture.content_type == "application/pdf"

    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    with pytest.raises(WorkflowError, match="not PDF, HTML or plain text"):
        upload(daily(case_file), png, reporter, name="daily.pdf")
    assert Capture.objects.count() == 1


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_stored(case_file, reporter, settings, captures_folder):
    settings.CAPTURE_MAX_BYTES = 100

    with pytest.raises(WorkflowError, match="more than the 100 bytes"):
        upload(daily(case_file), text_document(DAILY), reporter)

    assert not Capture.objects.exists()
    assert not captures_folder.exists() or not any(captures_folder.rglob("*.*"))


def test_a_reporter_uploads_a_copy_from_the_sources_admin_page(case_file, reporter_client):
    source = daily(case_file)
    page = reporter_client.get(reverse("admin:casefile_source_change", args=[source.pk]))
    take = reverse("admin:casefile_source_take_copy", args=[source.pk])
    assert take in page.content.decode()

    response = reporter_client.post(take, {"file": SimpleUploadedFile("daily.txt", text_document(DAILY)),
                                           "_upload": "1"})

    capture = Capture.objects.get()
    assert response.status_code == 302 and response["Location"] == capture.get_admin_url()
    assert capture.sha256 == sha256(text_document(DAILY))
    shown = reporter_client.get(capture.get_admin_url()).content.decode()
    assert capture.sha256 in shown and "The contract was worth 5 million euros" in shown


def test_a_refused_upload_is_told_on_the_form(case_file, reporter_client):
    source = daily(case_file)
    take = reverse("admin:casefile_source_take_copy", args=[source.pk])

    response = reporter_client.post(take, {"file": SimpleUploadedFile("x.pdf", b"\x00\x01binary"), "_upload": "1"})

    assert response.status_code == 200
    assert "not PDF, HTML or plain text" in response.content.decode()
    assert not Capture.objects.exists()


def test_no_one_changes_or_deletes_a_copy_in_the_admin(case_file, reporter, editor_client):
    capture = upload(daily(case_file), text_document(DAILY), reporter)
    change = reverse("admin:casefile_capture_change", args=[capture.pk])

    editor_client.post(change, {"sha256": "0" * 64, "captured_by": ""})
    deleted = editor_client.post(reverse("admin:casefile_capture_delete", args=[capture.pk]), {"post": "yes"})

    assert deleted.status_code == 403
    capture.refresh_from_db()
    assert capture.sha256 == sha256(text_document(DAILY))


def test_only_staff_who_may_take_copies_do(case_file, django_user_model):
    stranger = django_user_model.objects.create_user("walter", password="x" * 20)
    with pytest.raises(Exception, match="Only reporters and editors"):
        capturing.capture_upload(daily(case_file), SimpleUploadedFile("a.txt", b"text"), stranger)


def test_control_characters_deep_in_a_text_are_left_out_of_its_paragraphs(case_file, reporter):
    text = ("Harbour contracts. " * 100 + "\nThe mayor\x00 signed\x07 it.\n").encode()

    capture = upload(daily(case_file), text, reporter)

    assert capture.paragraphs[1] == "The mayor signed it."
    assert Capture.objects.get(pk=capture.pk).paragraphs == capture.paragraphs


def test_a_full_disk_refuses_the_upload_with_a_message_and_leaves_no_file_and_no_record(
        case_file, reporter_client, settings, captures_folder):
    settings.STORAGES = {
        **settings.STORAGES,
        "captures": {"BACKEND": "tests.proof.support.FullDiskStorage", "OPTIONS": {"location": str(captures_folder)}},
    }
    take = reverse("admin:casefile_source_take_copy", args=[daily(case_file).pk])

    response = reporter_client.post(take, {"file": SimpleUploadedFile("daily.txt", text_document(DAILY)),
                                           "_upload": "1"})

    assert response.status_code == 200
    assert "Not kept: the storage of our copies is full." in response.content.decode()
    assert not Capture.objects.exists()
    assert [path for path in captures_folder.rglob("*") if path.is_file()] == []

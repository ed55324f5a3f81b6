"""`manage.py verify_captures` recomputes every stored copy's SHA-256 and catches a changed byte."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from casefile.models import Capture, Citation
from casefile.workflow import captures as capturing
from tests.factories import save

from .support import (
    DAILY, Page, confirmed_upload, contract_fact, daily, html_document, serving, text_document, upload,
)

pytestmark = pytest.mark.usefixtures("captures_folder")


def verify():
    out = io.StringIO()
    try:
        call_command("verify_captures", stdout=out)
    except CommandError as failure:
        return out.getvalue(), str(failure)
    return out.getvalue(), None


def flip_a_byte(path, at=-5):
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_every_copy_is_verified_and_the_time_recorded(case_file, reporter):
    capture = upload(daily(case_file), text_document(DAILY), reporter)

    printed, failure = verify()

    assert failure is None
    assert "Checked 1 copy" in printed and "1 verified, 0 altered" in printed
    capture.refresh_from_db()
    assert capture.verified_at is not None and capture.last_check_passed is True


def test_a_changed_byte_is_caught_printed_and_fails_the_command(case_file, reporter, captures_folder, editor_client):
    intact = upload(daily(case_file), text_document(DAILY), reporter)
    altered = upload(daily(case_file), text_document(DAILY), reporter)
    flip_a_byte(captures_folder / altered.stored_as)

    printed, failure = verify()

    assert failure == "1 stored copy no longer match."
    assert f"ALTERED copy #{altered.pk} of “Daily report”" in printed
    assert f"#{intact.pk}" not in printed
    altered.refresh_from_db()
    intact.refresh_from_db()
    assert altered.is_altered and altered.verified_at is None and altered.sha256 in altered.mismatch
    assert not intact.is_altered
    listing = editor_client.get(reverse("admin:casefile_capture_changelist")).content.decode()
    assert "ALTERED" in listing and "verified" in listing


def test_a_changed_byte_in_a_fetched_copy_is_caught(case_file, reporter, captures_folder, local_fetching):
    with serving({"/daily": Page(html_document(DAILY))}) as server:
        source = daily(case_file)
        source.url = server.url("/daily")
        source.save()
        capture = capturing.capture_page(source, reporter)
    flip_a_byte(captures_folder / capture.stored_as, at=len((captures_folder / capture.stored_as).read_bytes()) // 2)

    printed, failure = verify()

    assert failure and f"ALTERED copy #{capture.pk}" in printed


def test_a_missing_file_is_reported(case_file, reporter, captures_folder):
    capture = upload(daily(case_file), text_document(DAILY), reporter)
    (captures_folder / capture.stored_as).unlink()

    printed, failure = verify()

    assert failure and "cannot be read" in printed


def test_a_file_put_back_from_a_backup_is_verified_again(case_file, reporter, captures_folder):
    capture = upload(daily(case_file), text_document(DAILY), reporter)
    path = captures_folder / capture.stored_as
    flip_a_byte(path)
    verify()
    flip_a_byte(path)

    _, failure = verify()

    assert failure is None
    capture.refresh_from_db()
    assert capture.last_check_passed is True and capture.mismatch == ""


def test_a_citation_resting_on_an_altered_copy_is_flagged_in_the_review_queue(case_file, reporter, editor,
                                                                               captures_folder, editor_client):
    capture = confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    flip_a_byte(captures_folder / capture.stored_as)
    verify()
    citation = Citation.objects.get(fact=contract_fact())
    citation.note = "Checked against our copy."
    save(citation, reporter)

    queue = editor_client.get(reverse("admin:casefile_review_queue")).content.decode()

    assert "Citation ¶3 rests on an altered copy" in queue
    assert Capture.objects.get().is_altered

"""Readers are told what was verified: our copy's date, SHA-256 and last check, or that we hold none."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from casefile.models import Capture, Citation

from tests.factories import approve_all, save

from .support import (
    DAILY, DAILY_CHANGED, confirmed_upload, contract_fact, daily, sha256, text_document, upload,
)

pytestmark = pytest.mark.usefixtures("captures_folder")
SOURCE_PAGE = "/cases/harbour/sources/daily/"
FACT_PAGE = "/cases/harbour/facts/contract-value/"


def read(path):
    response = Client().get(path)
    assert response.status_code == 200
    return response.content.decode()


def day(moment):
    return f"{timezone.localtime(moment):%-d %B %Y}"


def test_without_a_copy_readers_are_told_we_hold_none(case_file):
    assert "We hold no copy of this source." in read(SOURCE_PAGE)
    assert "We hold no copy of this source." in read(FACT_PAGE)


def test_the_source_page_and_each_citation_give_the_copys_date_hash_and_last_verification(case_file, reporter, editor):
    data = text_document(DAILY)
    capture = confirmed_upload(daily(case_file), data, reporter, editor)
    call_command("verify_captures", stdout=io.StringIO())
    capture.refresh_from_db()

    line = (f'Our copy: captured on <time datetime="{capture.captured_at:%Y-%m-%dT%H:%M:%S%z}">'
            f"{day(capture.captured_at)}</time>, SHA-256 <code class=\"sha256\">{sha256(data)}</code>, "
            f"last verified on <time datetime=\"{capture.verified_at:%Y-%m-%dT%H:%M:%S%z}\">"
            f"{day(capture.verified_at)}</time>.")
    assert line in read(SOURCE_PAGE)
    assert line in read(FACT_PAGE)
    assert "The file itself stays with the newsroom." in read(SOURCE_PAGE)


def test_a_new_copy_reaches_cached_pages_at_once(case_file, reporter, editor):
    assert "We hold no copy" in read(SOURCE_PAGE)
    assert "We hold no copy" in read(SOURCE_PAGE)

    confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)

    page = read(SOURCE_PAGE)
    assert "We hold no copy" not in page and sha256(text_document(DAILY)) in page


def test_a_verification_that_changes_the_line_reaches_cached_pages(case_file, reporter, editor):
    confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    assert "not verified since" in read(FACT_PAGE)

    call_command("verify_captures", stdout=io.StringIO())

    assert "last verified on" in read(FACT_PAGE)


def test_an_orphaned_citation_tells_readers_the_source_changed_since(case_file, reporter, editor):
    first = confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    second = confirmed_upload(daily(case_file), text_document(DAILY_CHANGED), reporter, editor)

    page = read(FACT_PAGE)

    assert f"SHA-256 <code class=\"sha256\">{first.sha256}</code>" in page
    assert f"The source has changed since: this passage is not in our copy of {day(second.captured_at)}." in page


def test_the_source_page_lists_every_copy_and_whether_it_changed(case_file, reporter, editor):
    confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    confirmed_upload(daily(case_file), text_document(DAILY_CHANGED), reporter, editor)

    page = read(SOURCE_PAGE)

    assert "the first copy of this source" in page and "changed since the copy before" in page


def test_a_new_version_of_a_citation_is_told_of_its_own_anchor(case_file, reporter, editor):
    confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    citation = Citation.objects.get(fact=contract_fact())
    citation.quote = "worth 5 million euros"
    save(citation, reporter)
    approve_all(editor, case_file)

    page = read(FACT_PAGE)
    assert "<q><bdi>worth 5 million euros</bdi></q>" in page and "Our copy: captured on" in page


def test_the_seeded_case_holds_no_copies(seeded_case):
    assert not Capture.objects.exists()
    source = seeded_case.sources.first()
    assert "We hold no copy of this source." in read(source.get_absolute_url())

"""Readers are told what was verified: our copy's date, SHA-256 and last check, or that we hold none."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from casefile.models import Capture, Citation, QuoteAnchor
from casefile.workflow import anchoring
from tests.factories import approve_all, save

from .support import (
    DAILY, DAILY_CHANGED, confirmed_upload, contract_fact, daily, sha256, text_document,
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


def as_read(html):
    """The page's text as it reads, tags dropped where they stand."""
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def moment(captured_at):
    """A copy's day and time as a line gives them when another copy of the same day is named beside it."""
    return f"{timezone.localtime(captured_at):%-d %B %Y, %H:%M %Z}"


def test_without_a_copy_readers_are_told_we_hold_none(case_file):
    assert "We hold no copy of this source." in read(SOURCE_PAGE)
    assert "We hold no copy of this source." in read(FACT_PAGE)


def test_the_source_page_and_each_citation_give_the_copys_date_hash_and_last_verification(case_file, reporter, editor):
    data = text_document(DAILY)
    capture = confirmed_upload(daily(case_file), data, reporter, editor)
    call_command("verify_captures", stdout=io.StringIO())
    capture.refresh_from_db()

    line = (f'Our copy: captured on <time datetime="{capture.captured_at:%Y-%m-%dT%H:%M:%S%z}">'
            f"{day(capture.captured_at)}</time>, SHA-256 <code class=\"sha256\">{sha256(data)[:12]}</code>…, "
            f"last verified on <time datetime=\"{capture.verified_at:%Y-%m-%dT%H:%M:%S%z}\">"
            f"{day(capture.verified_at)}</time>.")
    in_full = ('<details class="copy-details"><summary>details</summary><span class="copy-hash">'
               f'SHA-256 of our copy, in full: <code class="sha256">{sha256(data)}</code>.')
    for page in (read(SOURCE_PAGE), read(FACT_PAGE)):
        assert line + " " + in_full in page
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

    shown = as_read(read(FACT_PAGE))

    assert (f"This passage stands in our earlier copy of the source: captured on {moment(first.captured_at)}, "
            f"SHA-256 {first.sha256[:12]}…") in shown
    assert (f"The source changed afterwards, and our newer copy, captured on {moment(second.captured_at)}, "
            "no longer holds it: an editor is checking this citation.") in shown
    assert first.sha256 in shown and second.sha256 not in shown


def test_a_passage_kept_on_an_earlier_copy_of_the_same_day_tells_the_two_copies_apart(case_file, reporter, editor):
    first = confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    second = confirmed_upload(daily(case_file), text_document(DAILY_CHANGED), reporter, editor)
    orphan = QuoteAnchor.objects.get(citation__fact=contract_fact(), is_current=True)
    anchoring.keep_on_earlier_copy(orphan, editor, "The paper stood by 5 million on the day we cited it.")

    shown = as_read(read(FACT_PAGE))

    assert day(first.captured_at) == day(second.captured_at)
    assert (f"This passage stands in our earlier copy of the source: captured on {moment(first.captured_at)}, "
            f"SHA-256 {first.sha256[:12]}…") in shown
    assert (f"The source changed afterwards, and our newer copy, captured on {moment(second.captured_at)}, "
            "no longer holds it: an editor checked the citation and keeps it on the earlier copy.") in shown


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

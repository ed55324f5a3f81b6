"""A new copy of a source changes nothing readers see until an editor, having seen what it changes, confirms it."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from casefile.models import Capture, Citation, Fact, KeptPage, Publication, QuoteAnchor
from casefile.workflow import WorkflowError
from casefile.workflow import captures as capturing
from tests.factories import approve_all, committed, save

from .support import (
    DAILY, DAILY_CHANGED, confirmed_upload, contract_fact, daily, html_document, text_document, upload,
)

pytestmark = pytest.mark.usefixtures("captures_folder")
SOURCE_PAGE = "/cases/harbour/sources/daily/"
FACT_PAGE = "/cases/harbour/facts/contract-value/"
ANNOTATIONS = "/cases/harbour/annotations.jsonld"
# The Daily report with other words around the quote: "5 million" still stands in ¶3.
DAILY_REWORDED = [
    "Harbour contracts awarded",
    "The city signed with Quay Builders in May, the council confirmed.",
    "Records show a deal worth 5 million dollars, a spokesman said.",
    "Ana Mayor declined to comment.",
]
# A report whose ¶3 holds no "5 million": the quote is not found in it.
DAILY_WITHOUT_THE_QUOTE = [
    "Harbour contracts awarded",
    "The city signed with Quay Builders in May, the council confirmed.",
    "The value of the contract was not disclosed.",
    "Ana Mayor declined to comment.",
]


def read(path):
    response = Client().get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def quote_selector():
    """The fact's quote selector in annotations.jsonld, as a reader's tool reads it."""
    items = json.loads(read(ANNOTATIONS))["first"]["items"]
    fact = next(item for item in items if item["body"]["value"].startswith("The contract"))
    selector = fact["target"]["selector"]
    return selector[0] if isinstance(selector, list) else selector


def download_url(capture):
    return reverse("casefile:shared_copy", args=["harbour", "daily", capture.pk])


def review_url(capture):
    return reverse("admin:casefile_capture_review", args=[capture.pk])


def test_a_reporters_new_copy_leaves_the_quote_selectors_as_they_were_until_an_editor_confirms_it(
        case_file, reporter, editor):
    confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    before = quote_selector()

    waiting = upload(daily(case_file), text_document(DAILY_REWORDED), reporter)

    assert quote_selector() == before
    assert "spokesman" not in json.dumps(quote_selector())

    capturing.confirm_capture(waiting, editor)

    selector = quote_selector()
    assert selector["exact"] == "5 million"
    assert selector["prefix"].endswith("Records show a deal worth ") and selector["suffix"].startswith(" dollars")


def test_a_first_copy_without_the_quote_tells_readers_nothing_until_an_editor_confirms_it(case_file, reporter, editor):
    waiting = upload(daily(case_file), text_document(DAILY_WITHOUT_THE_QUOTE), reporter)

    page = read(FACT_PAGE)
    assert "We hold no copy of this source." in page and "Not found in our copy" not in page
    assert waiting.sha256 not in read(SOURCE_PAGE)
    assert not QuoteAnchor.objects.exists()

    capturing.confirm_capture(waiting, editor)

    assert "Not found in our copy" in read(FACT_PAGE)
    assert waiting.sha256 in read(SOURCE_PAGE)


def test_a_changed_copy_orphans_no_citation_readers_see_until_an_editor_confirms_it(case_file, reporter, editor):
    first = confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    second = upload(daily(case_file), text_document(DAILY_CHANGED), reporter)

    page = read(FACT_PAGE)
    assert "Our copy: captured on" in page and first.sha256 in page
    assert "The source changed afterwards" not in page
    assert QuoteAnchor.objects.get(citation__fact=contract_fact(), is_current=True).capture == first

    capturing.confirm_capture(second, editor)

    page = read(FACT_PAGE)
    assert "This passage stands in our earlier copy of the source" in page and first.sha256 in page
    assert f"our newer copy, captured on <time datetime=\"{second.captured_at:%Y-%m-%dT%H:%M:%S%z}\">" in page
    assert "no longer holds it: an editor is checking this citation." in page


def test_a_copy_of_a_shared_source_is_downloadable_only_once_an_editor_confirmed_it(case_file, reporter, editor):
    first = confirmed_upload(daily(case_file), html_document(DAILY), reporter, editor, name="daily.html")
    capturing.share_copies(daily(case_file), editor)
    second = upload(daily(case_file), html_document(DAILY_CHANGED), reporter, name="daily.html")

    assert Client().get(download_url(first)).status_code == 200
    assert Client().get(download_url(second)).status_code == 404
    page = read(SOURCE_PAGE)
    assert download_url(first) in page and download_url(second) not in page

    capturing.confirm_capture(second, editor)

    assert Client().get(download_url(second)).status_code == 200
    assert download_url(second) in read(SOURCE_PAGE)


def test_the_editor_sees_what_confirming_a_copy_changes_for_readers(case_file, reporter, editor, editor_client):
    confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    capturing.share_copies(daily(case_file), editor)
    second = upload(daily(case_file), text_document(DAILY_CHANGED), reporter)

    page = editor_client.get(review_url(second)).content.decode()

    assert "Waiting for an editor" in page
    assert "Readers are told of it as our copy of this source" in page
    assert "Readers may download it" in page
    assert "1 orphaned" in page and "1 found with other words around it" in page
    # The orphan, with what its paragraph now says and where the same words stand.
    assert "The contract was worth 7 million euros, the paper learned." in page
    assert "The same words stand in ¶4." in page
    # The text against the copy readers see now.
    assert "<del>5</del>" in page and "<ins>7</ins>" in page
    assert 'name="_confirm"' in page


def test_the_editor_confirms_a_copy_on_its_review_page(case_file, reporter, editor, editor_client):
    confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    second = upload(daily(case_file), text_document(DAILY_CHANGED), reporter)

    response = editor_client.post(review_url(second), {"_confirm": "1"}, follow=True)

    second.refresh_from_db()
    assert (second.review, second.reviewed_by) == (Capture.Review.CONFIRMED, editor)
    assert "Confirmed: readers are told of this copy. 1 citation(s) are orphaned" in response.content.decode()
    assert second.sha256 in read(SOURCE_PAGE)


def test_a_reporter_sees_the_review_page_but_cannot_confirm(case_file, reporter, reporter_client):
    waiting = upload(daily(case_file), text_document(DAILY), reporter)

    page = reporter_client.get(review_url(waiting)).content.decode()
    reporter_client.post(review_url(waiting), {"_confirm": "1"})

    assert "Readers are told of it as our copy" in page and 'name="_confirm"' not in page
    assert Capture.objects.get().review == Capture.Review.WAITING
    with pytest.raises(PermissionDenied):
        capturing.confirm_capture(waiting, reporter)
    assert waiting.sha256 not in read(SOURCE_PAGE)


def test_a_declined_copy_never_reaches_readers_and_cannot_be_confirmed_after(case_file, reporter, editor, editor_client):
    waiting = upload(daily(case_file), text_document(DAILY), reporter)

    editor_client.post(review_url(waiting), {"_decline": "1", "note": "The wrong file: another paper's report."})

    waiting.refresh_from_db()
    assert waiting.review == Capture.Review.DECLINED and waiting.review_note.startswith("The wrong file")
    with pytest.raises(WorkflowError, match="already declined"):
        capturing.confirm_capture(waiting, editor)
    assert "We hold no copy of this source." in read(SOURCE_PAGE)


def test_declining_a_copy_needs_a_reason(case_file, reporter, editor):
    waiting = upload(daily(case_file), text_document(DAILY), reporter)

    with pytest.raises(Exception, match="Say why"):
        capturing.decline_capture(waiting, editor, "  ")
    waiting.refresh_from_db()
    assert waiting.is_waiting


def test_readers_compare_a_copy_with_the_one_before_that_they_were_told_of(case_file, reporter, editor):
    confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    wrong = upload(daily(case_file), text_document(DAILY_CHANGED), reporter)
    capturing.decline_capture(wrong, editor, "Not the paper's report.")
    confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)

    page = read(SOURCE_PAGE)

    assert "identical to the copy before" in page and "changed since the copy before" not in page


def test_an_approval_anchors_in_the_copy_readers_see_not_one_waiting(case_file, reporter, editor):
    first = confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    upload(daily(case_file), text_document(DAILY_CHANGED), reporter)
    citation = Citation.objects.get(fact=contract_fact())
    citation.quote = "worth 5 million euros"
    save(citation, reporter)

    approve_all(editor, case_file)

    anchor = QuoteAnchor.objects.get(citation=citation, is_current=True)
    assert (anchor.state, anchor.capture) == (QuoteAnchor.State.ANCHORED, first)


def test_an_altered_copy_cannot_be_confirmed(case_file, reporter, editor, captures_folder):
    waiting = upload(daily(case_file), text_document(DAILY), reporter)
    stored = captures_folder / waiting.stored_as
    stored.write_bytes(stored.read_bytes().replace(b"Harbour", b"Harb0ur"))
    capturing.verify_capture(waiting)

    with pytest.raises(WorkflowError, match="no longer matches its SHA-256"):
        capturing.confirm_capture(waiting, editor)
    assert Capture.objects.get().is_waiting


def test_the_editors_desk_and_the_review_queue_count_the_copies_waiting(case_file, reporter, editor_client):
    upload(daily(case_file), text_document(DAILY), reporter)

    waiting_list = reverse("admin:casefile_capture_changelist") + "?review__exact=waiting"
    for address in (reverse("admin:index"), reverse("admin:casefile_review_queue")):
        page = editor_client.get(address).content.decode()
        assert "waiting for an editor: 1</a>" in page and waiting_list.replace("&", "&amp;") in page
    assert "Daily report" in editor_client.get(waiting_list).content.decode()


def test_a_confirmation_renders_the_kept_pages_again_and_an_upload_does_not(case_file, reporter, editor, keeps_pages):
    fact_page = KeptPage.objects.get(
        publication__in=Publication.objects.of_kind(Fact).filter(slug="contract-value"), language="en-gb"
    )
    with committed():
        waiting = upload(daily(case_file), text_document(DAILY), reporter)
    fact_page.refresh_from_db()
    assert "We hold no copy of this source." in fact_page.page

    with committed():
        capturing.confirm_capture(waiting, editor)

    fact_page.refresh_from_db()
    assert waiting.sha256 in fact_page.page

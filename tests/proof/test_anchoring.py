"""Quotes anchored to the newsroom's copy when they are approved."""

import pytest
from django.urls import reverse

from casefile import workflow
from casefile.models import Citation, Decision, QuoteAnchor
from casefile.workflow.anchoring import QuoteNotInCopy
from tests.factories import approve_all, save

from .support import DAILY, confirmed_upload, contract_fact, daily, text_document

pytestmark = pytest.mark.usefixtures("captures_folder")


def quoted_citation():
    return Citation.objects.get(fact=contract_fact())


def test_the_first_copy_anchors_the_citations_already_public(case_file, reporter, editor):
    capture = confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)

    anchor = QuoteAnchor.objects.get(citation=quoted_citation(), is_current=True)
    assert (anchor.state, anchor.capture, anchor.paragraph) == (QuoteAnchor.State.ANCHORED, capture, 3)
    assert (anchor.prefix, anchor.exact, anchor.suffix) == (
        "firmed.\n\nThe contract was worth ", "5 million", " euros, the paper learned.\n\nAna ",
    )
    assert capture.text[anchor.start:anchor.end] == "5 million"
    # A citation without a quote rests on its whole paragraph.
    unquoted = QuoteAnchor.objects.get(citation__event__isnull=False, is_current=True)
    assert unquoted.exact == DAILY[1]


def test_approval_anchors_a_new_quote_with_its_text_quote_selector(case_file, reporter, editor):
    capture = confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    citation = quoted_citation()
    citation.quote = "worth 5   million euros"
    save(citation, reporter)

    approve_all(editor, case_file)

    anchor = QuoteAnchor.objects.get(citation=citation, is_current=True)
    assert anchor.capture == capture and anchor.state == QuoteAnchor.State.ANCHORED
    assert anchor.exact == "worth 5 million euros"
    assert anchor.prefix.endswith("The contract was ") and anchor.suffix.startswith(", the paper learned.")
    assert anchor.citation_version == citation.history.latest().history_id
    assert QuoteAnchor.objects.filter(citation=citation).count() == 2


def test_approval_is_refused_when_the_quote_is_not_in_the_cited_paragraph_and_shows_it(case_file, reporter, editor):
    confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    citation = quoted_citation()
    citation.quote = "worth 9 million"
    save(citation, reporter)
    decisions = Decision.objects.count()

    with pytest.raises(QuoteNotInCopy) as refusal:
        approve_all(editor, case_file)

    assert "“worth 9 million”" in refusal.value.message
    assert "¶3 reads: “The contract was worth 5 million euros, the paper learned.”" in refusal.value.message
    assert Decision.objects.count() == decisions
    assert QuoteAnchor.objects.get(citation=citation, is_current=True).exact == "5 million"


def test_a_paragraph_beyond_the_copy_is_refused(case_file, reporter, editor):
    confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    citation = quoted_citation()
    citation.locator = "¶9"
    save(citation, reporter)

    with pytest.raises(QuoteNotInCopy, match="has 4 paragraphs"):
        approve_all(editor, case_file)


def test_the_editor_reads_the_refusal_on_the_review_page(case_file, reporter, editor_client, editor):
    confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    citation = quoted_citation()
    citation.quote = "worth 9 million"
    save(citation, reporter)
    fact = contract_fact()
    key = workflow.key_for(type(fact), fact.pk)
    review = reverse("admin:casefile_review", args=[key])
    versions = [f"{change.key}@{change.latest.history_id}" for change in workflow.record_changes(type(fact), fact.pk)]

    response = editor_client.post(review, {"version": versions, "comment": "", "_approve": "1"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Not approved" in page and "The contract was worth 5 million euros, the paper learned." in page


def test_citations_of_a_source_without_a_copy_are_approved_as_before(case_file, reporter, editor):
    citation = quoted_citation()
    citation.quote = "words no copy can check"
    save(citation, reporter)

    approve_all(editor, case_file)

    assert not QuoteAnchor.objects.exists()

"""A quote stands in its copy when the two differ only in typography, and its anchor keeps the copy's characters."""

import pytest

from casefile.models import Citation, QuoteAnchor
from casefile.workflow.anchoring import QuoteNotInCopy
from tests.factories import approve_all, save

from .support import DAILY, confirmed_upload, contract_fact, daily, text_document

pytestmark = pytest.mark.usefixtures("captures_folder")
ANCHORED = QuoteAnchor.State.ANCHORED

# The Daily report as a typesetter printed it: curly quotation marks, guillemets,
# dashes, an ellipsis, a non-breaking space and a zero-width space inside a word.
TYPESET = [
    DAILY[0],
    "The city signed with Quay Builders in May — the council confirmed.",
    "The contract was worth 5\u00a0mil\u200blion euros – “a record”, the paper’s sources said… «Final», they added.",
    DAILY[3],
]


def quoted_citation():
    return Citation.objects.get(fact=contract_fact())


def current(citation):
    return QuoteAnchor.objects.get(citation=citation, is_current=True)


@pytest.mark.parametrize("quote, exact", [
    ("the paper's sources", "the paper’s sources"),
    ('"a record"', "“a record”"),
    ('"Final"', "«Final»"),
    ("euros - \"a record\"", "euros – “a record”"),
    ("sources said...", "sources said…"),
    ("worth 5 million euros", "worth 5 mil\u200blion euros"),
    ("worth 5\u00a0million", "worth 5 mil\u200blion"),
    ("THE CONTRACT WAS WORTH", "The contract was worth"),
    ("sources said... \u00abfinal\u00bb", "sources said… «Final»"),
])
def test_a_quote_anchors_in_a_copy_that_prints_it_in_other_typography(case_file, reporter, editor, quote, exact):
    capture = confirmed_upload(daily(case_file), text_document(TYPESET), reporter, editor)
    citation = quoted_citation()
    citation.quote = quote
    save(citation, reporter)

    approve_all(editor, case_file)

    anchor = current(citation)
    assert (anchor.state, anchor.capture, anchor.paragraph) == (ANCHORED, capture, 3)
    # The anchor keeps the copy's own characters, where they stand in the copy, not the quote's.
    assert anchor.exact == exact
    assert capture.text[anchor.start:anchor.end] == exact
    assert capture.text[:anchor.start].endswith(anchor.prefix)
    assert capture.text[anchor.end:].startswith(anchor.suffix)


def test_the_citations_already_public_anchor_in_a_first_copy_printed_in_other_typography(case_file, reporter, editor):
    capture = confirmed_upload(daily(case_file), text_document(TYPESET), reporter, editor)

    anchor = current(quoted_citation())
    assert (anchor.state, anchor.capture, anchor.exact) == (ANCHORED, capture, "5 mil\u200blion")
    assert not QuoteAnchor.objects.filter(is_current=True, state=QuoteAnchor.State.ORPHANED).exists()


def test_a_new_copy_that_changes_only_the_typography_orphans_no_citation(case_file, reporter, editor):
    confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    citation = quoted_citation()
    citation.quote = "May, the council confirmed"
    citation.locator = "¶2"
    save(citation, reporter)
    approve_all(editor, case_file)
    retyped = [DAILY[0], "THE CITY SIGNED WITH QUAY BUILDERS IN MAY, THE COUNCIL CONFIRMED\u2026", *DAILY[2:]]

    second = confirmed_upload(daily(case_file), text_document(retyped), reporter, editor, name="retyped.txt")

    anchor = current(citation)
    assert (anchor.state, anchor.capture, anchor.paragraph) == (ANCHORED, second, 2)
    assert anchor.exact == "MAY, THE COUNCIL CONFIRMED"
    assert anchor.suffix.startswith("\u2026")


def test_a_refused_quote_points_to_the_paragraph_that_holds_it_in_other_typography(case_file, reporter, editor):
    confirmed_upload(daily(case_file), text_document(TYPESET), reporter, editor)
    citation = quoted_citation()
    citation.quote = "the paper's sources said..."
    citation.locator = "¶2"
    save(citation, reporter)

    with pytest.raises(QuoteNotInCopy) as refusal:
        approve_all(editor, case_file)

    assert "The same words stand in ¶3." in refusal.value.message


def test_three_full_stops_do_not_take_part_of_an_ellipsis(case_file, reporter, editor):
    confirmed_upload(daily(case_file), text_document(TYPESET), reporter, editor)
    citation = quoted_citation()
    citation.quote = "sources said.."
    save(citation, reporter)

    with pytest.raises(QuoteNotInCopy):
        approve_all(editor, case_file)

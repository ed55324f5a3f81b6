"""After a new copy, citations are anchored again; one whose quote is gone is orphaned for a person to resolve."""

import pytest
from django.urls import reverse

from casefile.models import Citation, QuoteAnchor
from casefile.workflow import anchoring
from casefile.workflow.anchoring import QuoteNotInCopy
from tests.factories import approve_all, save

from .support import DAILY, DAILY_CHANGED, confirmed_upload, contract_fact, daily, text_document

pytestmark = pytest.mark.usefixtures("captures_folder")
ORPHANED, KEPT = QuoteAnchor.State.ORPHANED, QuoteAnchor.State.KEPT


@pytest.fixture
def changed_source(case_file, reporter, editor):
    """The Daily report captured, then captured again after the paper changed ¶3."""
    first = confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)
    second = confirmed_upload(daily(case_file), text_document(DAILY_CHANGED), reporter, editor)
    return first, second


def current(citation):
    return QuoteAnchor.objects.get(citation=citation, is_current=True)


def quoted_citation():
    return Citation.objects.get(fact=contract_fact())


def test_a_quote_no_longer_in_its_paragraph_is_orphaned_and_not_moved_to_the_paragraph_that_now_holds_it(changed_source):
    first, second = changed_source

    anchor = current(quoted_citation())
    assert anchor.state == ORPHANED
    assert anchor.capture == second and anchor.last_found_in == first
    assert anchor.paragraph == 3 and anchor.start is None
    # ¶4 of the new copy holds the words, but only a person may point the citation there.
    assert "5 million" in second.paragraphs[3]


def test_a_citation_still_found_is_anchored_in_the_new_copy(changed_source):
    _, second = changed_source
    unquoted = QuoteAnchor.objects.get(citation__event__isnull=False, is_current=True)
    assert unquoted.state == QuoteAnchor.State.ANCHORED and unquoted.capture == second


def test_editors_find_the_orphans_listed_with_what_the_paragraph_now_says(changed_source, editor_client):
    page = editor_client.get(reverse("admin:casefile_capture_orphans")).content.decode()

    assert "Orphaned citations" in page
    assert "5 million" in page
    assert "The contract was worth 7 million euros, the paper learned." in page
    assert "The same words stand in ¶4" in page


def test_the_orphans_page_names_the_record_each_citation_belongs_to(changed_source, editor_client,
                                                                    django_assert_max_num_queries):
    fact = contract_fact()

    with django_assert_max_num_queries(7):
        page = editor_client.get(reverse("admin:casefile_capture_orphans")).content.decode()

    row = page[page.index('<tbody>'):page.index('</tbody>')]
    assert (f'Fact of <bdi>Harbour contracts</bdi>: <a href="{fact.get_admin_url()}">'
            "<bdi>The contract was worth 5 million.</bdi></a>") in row


def test_an_orphaned_citation_cannot_be_approved_again_unchanged(changed_source, case_file, reporter, editor):
    citation = quoted_citation()
    citation.note = "Checked again."
    save(citation, reporter)

    with pytest.raises(QuoteNotInCopy, match="orphaned since that copy"):
        approve_all(editor, case_file)
    assert current(citation).state == ORPHANED


def test_a_reporter_resolves_it_by_citing_the_paragraph_of_the_new_copy(changed_source, case_file, reporter, editor):
    _, second = changed_source
    citation = quoted_citation()
    citation.locator = "¶4"
    save(citation, reporter)

    approve_all(editor, case_file)

    anchor = current(citation)
    assert (anchor.state, anchor.capture, anchor.paragraph) == (QuoteAnchor.State.ANCHORED, second, 4)
    assert not anchoring.orphaned_anchors().exists()


def test_an_editor_keeps_it_on_the_earlier_copy_with_a_reason(changed_source, case_file, reporter, editor_client, editor):
    first, _ = changed_source
    orphan = current(quoted_citation())

    editor_client.post(reverse("admin:casefile_capture_orphans"),
                       {"anchor": orphan.pk, "note": "The paper stood by 5 million on the day we cited it."})

    kept = current(quoted_citation())
    assert (kept.state, kept.capture, kept.decided_by) == (KEPT, first, editor)
    assert kept.exact == "5 million" and kept.start is not None
    assert not anchoring.orphaned_anchors().exists()
    # Resolved, it may be approved again.
    citation = quoted_citation()
    citation.note = "Quoted as first published."
    save(citation, reporter)
    approve_all(editor, case_file)
    assert current(citation).state == KEPT


def test_a_reporter_cannot_keep_an_orphan_on_the_earlier_copy(changed_source, reporter_client):
    orphan = current(quoted_citation())

    reporter_client.post(reverse("admin:casefile_capture_orphans"), {"anchor": orphan.pk, "note": "I say so."})

    assert current(quoted_citation()).state == ORPHANED


def test_keeping_needs_a_reason(changed_source, editor):
    with pytest.raises(Exception, match="Say why"):
        anchoring.keep_on_earlier_copy(current(quoted_citation()), editor, "  ")
    assert current(quoted_citation()).state == ORPHANED

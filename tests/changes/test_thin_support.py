"""The review warns, without refusing, of a confirmed or disputed claim left on one source, or on sources that
all relay the same original."""

from django.urls import reverse

from casefile import published, workflow
from casefile.models import Citation, Fact, Source
from casefile.workflow.support import thin_support
from tests.admin.pages import approve_on_review_page, queue_rows, review_url
from tests.factories import approve_edit, save
from tests.public.pages import text

SINGLE = "would rest on a single source, “Daily report”"


def relays_of_one_wire(case, reporter, editor):
    """Two papers that both reached us through the same wire story, approved."""
    wire = save(Source(case=case, slug="wire", kind=Source.Kind.NEWS_REPORT, title="Wire story"), reporter)
    approve_edit(editor, wire, "")
    papers = []
    for slug, title in (("paper-a", "Paper A"), ("paper-b", "Paper B")):
        paper = save(Source(case=case, slug=slug, kind=Source.Kind.NEWS_REPORT, title=title, relayed_via=wire),
                     reporter)
        approve_edit(editor, paper, "")
        papers.append(paper)
    return papers


def test_the_review_of_a_confirmed_fact_on_one_source_warns_and_still_approves(
    case_file, reporter, editor_client
):
    fact = Fact.objects.get(slug="contract-value")
    fact.assessment = "Checked with the registry."
    save(fact, reporter)
    shown = text(editor_client.get(review_url(fact)).content.decode())
    assert "Worth a second look before approving" in shown
    assert SINGLE in shown
    approve_on_review_page(editor_client, fact, "One source is enough here.")
    assert published.published_case("harbour").fact("contract-value").assessment == "Checked with the registry."


def test_the_queue_row_warns_of_sources_that_all_relay_the_same_original(
    case_file, reporter, editor, editor_client
):
    paper_a, paper_b = relays_of_one_wire(case_file, reporter, editor)
    fact = save(Fact(case=case_file, slug="contract-late", statement="The contract was signed late.",
                     status=Fact.Status.CONFIRMED), reporter)
    save(Citation(fact=fact, source=paper_a, locator="¶1"), reporter)
    save(Citation(fact=fact, source=paper_b, locator="¶1"), reporter)
    rows = queue_rows(editor_client.get(reverse("admin:casefile_review_queue")))
    row = next(row for row in rows if "The contract was signed late." in row)
    assert ("Thin support (approval allowed): <bdi>Fact “The contract was signed late.” (confirmed) would rest on 2 "
            "sources that all relay the same original, “Wire story”: in effect, on one source.</bdi>") in row


def test_an_independent_second_source_or_an_unverified_status_leaves_nothing_to_warn_of(
    case_file, reporter, editor
):
    paper_a, _ = relays_of_one_wire(case_file, reporter, editor)
    fact = Fact.objects.get(slug="contract-value")
    save(Citation(fact=fact, source=paper_a, locator="¶2"), reporter)
    changes = {(change.model, change.pk): change for change in workflow.review_bundle(Fact, fact.pk)}
    assert thin_support(changes) == []
    fact.status = Fact.Status.UNVERIFIED
    save(fact, reporter)
    changes = {(change.model, change.pk): change for change in workflow.review_bundle(Fact, fact.pk)}
    assert thin_support(changes) == []

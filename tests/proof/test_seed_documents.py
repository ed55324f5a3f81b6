"""The seeded case against the two documents it is built from: every quote stands in them as printed.

The documents are kept beside the project, in ../shared/seeds (or where
CASEFILE_SEED_DOCUMENTS points), not in it: where they are missing, these
tests are skipped.
"""

import json
import os
from pathlib import Path

import pytest

from casefile.models import Citation, QuoteAnchor, Source
from tests.factories import SEED_FIXTURE

from .support import confirmed_upload

PROJECT = Path(__file__).resolve().parents[2]
SEEDS = Path(os.environ.get("CASEFILE_SEED_DOCUMENTS") or PROJECT.parent / "shared" / "seeds")
# Each source of the seeded case that has a document, and its file.
DOCUMENTS = {
    "commentary-fuzhou-mining": "000_b1a3cb3c67e4a2f4.txt",
    "technode-roundup-2021-11": "003_452807a57d07432a.txt",
}

pytestmark = pytest.mark.skipif(
    not all((SEEDS / name).is_file() for name in DOCUMENTS.values()),
    reason=f"The seed documents are not in {SEEDS}; set CASEFILE_SEED_DOCUMENTS to their folder to run these tests.",
)


def paragraphs(slug):
    """The paragraphs of a seed document as its citations number them: its non-empty lines, from ¶1."""
    text = (SEEDS / DOCUMENTS[slug]).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


def fixture_citations():
    """Every citation of the seeded case's fixture, with where it stands in the fixture."""
    return list(_citations_in(json.loads(Path(SEED_FIXTURE).read_text(encoding="utf-8")), "fixture"))


def _citations_in(node, where):
    if isinstance(node, dict):
        if "locator" in node and "source" in node:
            yield where, node
        for key, value in node.items():
            yield from _citations_in(value, f"{where}/{node.get('slug', key)}" if key == "citations" else
                                     f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _citations_in(value, f"{where}[{index}]")


def test_every_quote_of_the_seeded_case_is_character_exact_in_its_cited_paragraph():
    documents = {slug: paragraphs(slug) for slug in DOCUMENTS}
    cited, not_exact = 0, []
    for where, citation in fixture_citations():
        assert citation["source"] in documents, f"{where} cites {citation['source']}, which has no seed document"
        number = int(citation["locator"].removeprefix("¶"))
        held = documents[citation["source"]]
        assert 1 <= number <= len(held), f"{where} cites {citation['locator']} of a {len(held)}-paragraph document"
        cited += 1
        if citation.get("quote") and citation["quote"] not in held[number - 1]:
            not_exact.append(f"{where} {citation['locator']}: {citation['quote']!r}")
    assert cited > 0
    assert not_exact == []


@pytest.mark.usefixtures("captures_folder")
def test_the_seed_documents_as_copies_anchor_every_citation_of_the_seeded_case(seeded_case, reporter, editor):
    for slug, name in DOCUMENTS.items():
        source = Source.objects.get(case=seeded_case, slug=slug)
        confirmed_upload(source, (SEEDS / name).read_bytes(), reporter, editor, name=name)

    citations = Citation.objects.filter(source__case=seeded_case)
    anchors = QuoteAnchor.objects.filter(citation__in=citations, is_current=True)
    orphans = [f"{anchor.citation.source.slug} ¶{anchor.paragraph}: {anchor.exact!r}"
               for anchor in anchors.filter(state=QuoteAnchor.State.ORPHANED).select_related("citation__source")]
    assert orphans == []
    assert citations.count() == len(fixture_citations())
    assert anchors.filter(state=QuoteAnchor.State.ANCHORED).count() == citations.count()

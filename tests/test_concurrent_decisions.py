"""Two editors deciding at the same moment: one of them is refused, and told why.

Each editor works in a thread of their own, on a connection of their own, as
two requests to the site would. The first to pass its checks is held there a
moment, so that without a lock the second would pass its checks too.
"""

import threading

import pytest
from django.db import connection, connections

from casefile import pagecache, published, workflow
from casefile.models import Citation, Decision, Fact, Source

from .factories import build_case_file, make_user, save

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks are PostgreSQL's; SQLite lets one writer at a time in (tests/security)",
    ),
]


def at_once(*decisions, hold=1.0):
    """Run each decision in its own thread; the first to start writing waits for the others.

    Returns what each returned or raised.
    """
    outcomes = [None] * len(decisions)
    writing = threading.Barrier(len(decisions), timeout=hold)
    real_advance = pagecache.advance_generation

    def advance_once_all_are_writing(*args, **kwargs):
        try:
            writing.wait()
        except threading.BrokenBarrierError:
            pass  # another one is waiting for a lock this one holds
        return real_advance(*args, **kwargs)

    def run(index, decide):
        try:
            outcomes[index] = decide()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test reads
            outcomes[index] = error
        finally:
            connections.close_all()

    pagecache.advance_generation = advance_once_all_are_writing
    try:
        threads = [threading.Thread(target=run, args=(n, decide)) for n, decide in enumerate(decisions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        pagecache.advance_generation = real_advance
    return outcomes


@pytest.fixture
def people(transactional_db):
    return (
        make_user("rita", workflow.REPORTERS),
        make_user("edna", workflow.EDITORS),
        make_user("emil", workflow.EDITORS),
    )


def versions_of(*records):
    return {(type(r), r.pk): workflow.latest_version(type(r), r.pk).history_id for r in records}


def test_two_editors_approving_the_same_version_at_once_are_told_who_approved_it_first(people):
    reporter, edna, emil = people
    case = build_case_file(reporter, edna)
    fact = Fact.objects.get(case=case, slug="contract-value")
    fact.statement = "The contract was worth 5.2 million."
    save(fact, reporter)
    seen = versions_of(fact)

    outcomes = at_once(
        lambda: workflow.approve(edna, seen, "Edna checked the ruling"),
        lambda: workflow.approve(emil, seen, "Emil checked the ledger"),
    )

    refusals = [o for o in outcomes if isinstance(o, workflow.AlreadyDecided)]
    assert len(refusals) == 1, outcomes
    winner = "edna" if refusals[0] is outcomes[1] else "emil"
    assert f"approved by {winner}" in refusals[0].message
    assert "Your comment was not recorded" in refusals[0].message
    assert Decision.objects.filter(history_id=seen[(Fact, fact.pk)], content_type__model="fact").count() == 1


def test_a_source_removed_while_a_new_citation_of_it_is_approved_leaves_one_of_the_two_refused(people):
    reporter, edna, emil = people
    case = build_case_file(reporter, edna)
    fact = Fact.objects.get(case=case, slug="contract-value")
    ruling = save(Source(case=case, slug="ruling", kind=Source.Kind.COURT_RULING, title="The ruling"), reporter)
    workflow.approve(edna, versions_of(ruling), "A new source")
    workflow.propose_removal(ruling, reporter, "Not the ruling we thought")
    citation = save(Citation(fact=fact, source=ruling, locator="¶2"), reporter)
    removal, new_citation = versions_of(ruling), versions_of(citation)

    outcomes = at_once(
        lambda: workflow.approve(edna, removal, "Taken down"),
        lambda: workflow.approve(emil, new_citation, "Cited"),
    )

    refused = [o for o in outcomes if isinstance(o, workflow.WorkflowError)]
    assert len(refused) == 1, outcomes
    public_citations = published.public_rows(Citation).filter(source_id=ruling.pk)
    ruling_is_public = published.public_rows(Source).filter(id=ruling.pk).exists()
    assert not (public_citations.exists() and not ruling_is_public)


def test_two_editors_approving_overlapping_records_in_opposite_orders_wait_for_each_other(people):
    reporter, edna, emil = people
    case = build_case_file(reporter, edna)
    fact = Fact.objects.get(case=case, slug="contract-value")
    ruling = save(Source(case=case, slug="ruling", kind=Source.Kind.COURT_RULING, title="The ruling"), reporter)
    workflow.approve(edna, versions_of(ruling), "A new source")
    citation = save(Citation(fact=fact, source=ruling, locator="¶2"), reporter)
    workflow.propose_removal(ruling, reporter, "Not the ruling we thought")
    # The citation first in one review, the source first in the other.
    citation_first = {**versions_of(citation), **versions_of(ruling)}
    source_first = {**versions_of(ruling), **versions_of(citation)}

    outcomes = at_once(
        lambda: workflow.approve(edna, versions_of(citation), "Cited"),
        lambda: workflow.approve(emil, source_first, "Taken down with its citation"),
        lambda: workflow.approve(edna, citation_first, "Taken down with its citation"),
    )

    assert not [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, workflow.WorkflowError)], outcomes

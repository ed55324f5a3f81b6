"""A claim's status agrees with its citations: facts, events and relationships alike."""

import pytest
from django.core.exceptions import ValidationError

from casefile import workflow
from casefile.models import Citation, ClaimStatus, Event, Fact, Relationship, Source, claim_status_problem

from .admin.pages import approve_on_review_page, edit, saved, shown_messages
from .factories import approve_edit, save

SUPPORTS, CONTRADICTS, QUALIFIES = Citation.Stance.SUPPORTS, Citation.Stance.CONTRADICTS, Citation.Stance.QUALIFIES


@pytest.mark.parametrize("status, stances, fine", [
    (ClaimStatus.DISPUTED, [SUPPORTS, CONTRADICTS], True),
    (ClaimStatus.DISPUTED, [SUPPORTS, SUPPORTS], False),
    (ClaimStatus.DISPUTED, [SUPPORTS, QUALIFIES], False),
    (ClaimStatus.CONFIRMED, [SUPPORTS, QUALIFIES], True),
    (ClaimStatus.CONFIRMED, [SUPPORTS, CONTRADICTS], False),
    (ClaimStatus.CONFIRMED, [QUALIFIES], False),
    (ClaimStatus.CONFIRMED, [], False),
    (ClaimStatus.UNVERIFIED, [SUPPORTS, QUALIFIES], True),
    (ClaimStatus.UNVERIFIED, [CONTRADICTS], True),
    (ClaimStatus.UNVERIFIED, [], True),
    (ClaimStatus.UNVERIFIED, [SUPPORTS, CONTRADICTS], False),
])
def test_a_status_is_borne_out_only_by_citations_on_the_sides_it_names(status, stances, fine):
    assert (claim_status_problem(status, stances) is None) is fine


def test_a_citation_that_qualifies_counts_on_neither_side():
    assert claim_status_problem(ClaimStatus.DISPUTED, [SUPPORTS, QUALIFIES, QUALIFIES]) is not None
    assert claim_status_problem(ClaimStatus.UNVERIFIED, [CONTRADICTS, QUALIFIES]) is None


def test_events_and_relationships_share_the_facts_statuses():
    assert Event.Status is Fact.Status is Relationship.Status is ClaimStatus
    assert [choice for choice, _ in Event._meta.get_field("status").choices] == [
        "confirmed", "disputed", "unverified", "false"]


def test_a_status_the_database_does_not_know_is_refused_with_the_choices(case_file):
    event = Event.objects.get(slug="contract-signed")
    event.status = "likely"
    with pytest.raises(ValidationError) as refused:
        event.full_clean()
    assert "status" in refused.value.message_dict


def test_an_approval_of_a_disputed_fact_with_one_side_is_refused_saying_what_is_missing(
    case_file, reporter, editor
):
    fact = Fact.objects.get(slug="contract-value")
    fact.status = Fact.Status.DISPUTED
    save(fact, reporter)
    with pytest.raises(workflow.UnfoundedClaim) as refused:
        approve_edit(editor, fact, "")
    assert "A disputed fact cites at least one source that supports it and one that contradicts it" in (
        refused.value.message)
    assert "1 supporting and 0 contradicting" in refused.value.message
    fact.refresh_from_db()
    assert workflow.approved_version(Fact, fact.pk).status == Fact.Status.CONFIRMED


def test_a_disputed_fact_with_a_source_on_each_side_is_approved(case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.status = Fact.Status.DISPUTED
    save(fact, reporter)
    save(Citation(fact=fact, source=Source.objects.get(slug="daily"), locator="¶7",
                  stance=CONTRADICTS), reporter)
    workflow.approve(editor, {(change.model, change.pk): change.latest.history_id
                              for change in workflow.record_changes(Fact, fact.pk)}, "")
    assert workflow.approved_version(Fact, fact.pk).status == Fact.Status.DISPUTED


def test_a_contradicting_citation_alone_cannot_be_approved_under_a_confirmed_fact(case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    citation = save(Citation(fact=fact, source=Source.objects.get(slug="daily"), locator="¶8",
                             stance=CONTRADICTS), reporter)
    with pytest.raises(workflow.UnfoundedClaim) as refused:
        approve_edit(editor, citation, "")
    assert "A confirmed fact cites at least one supporting source and none contradicting it" in (
        refused.value.message)


def test_a_confirmed_event_with_a_contradicting_source_is_refused_and_approved_once_marked_disputed(
    case_file, reporter, editor
):
    event = Event.objects.get(slug="contract-signed")
    event.status = Event.Status.CONFIRMED
    save(event, reporter)
    save(Citation(event=event, source=Source.objects.get(slug="daily"), locator="¶5",
                  stance=CONTRADICTS), reporter)
    versions = {(c.model, c.pk): c.latest.history_id for c in workflow.record_changes(Event, event.pk)}
    with pytest.raises(workflow.UnfoundedClaim) as refused:
        workflow.approve(editor, versions, "")
    assert "A confirmed event" in refused.value.message and "Contract signed" in refused.value.message

    event.status = Event.Status.DISPUTED
    save(event, reporter)
    versions = {(c.model, c.pk): c.latest.history_id for c in workflow.record_changes(Event, event.pk)}
    workflow.approve(editor, versions, "")
    assert workflow.approved_version(Event, event.pk).status == Event.Status.DISPUTED


def test_an_unverified_relationship_resting_on_both_sides_is_refused(disputed_case, reporter, editor):
    relationship = Relationship.objects.get(case=disputed_case)
    assert relationship.status == Relationship.Status.UNVERIFIED
    citation = save(Citation(relationship=relationship, source=Source.objects.get(slug="daily"),
                             locator="¶6", stance=CONTRADICTS), reporter)
    with pytest.raises(workflow.UnfoundedClaim) as refused:
        approve_edit(editor, citation, "")
    assert "An unverified relationship rests on one side only" in refused.value.message

    citation.stance = QUALIFIES
    save(citation, reporter)
    approve_edit(editor, citation, "")
    assert workflow.approved_version(Citation, citation.pk).stance == QUALIFIES


def test_a_fact_saved_with_a_status_its_citations_do_not_bear_out_is_saved_with_a_warning(reporter_client, fact):
    response = saved(edit(reporter_client, fact, status="disputed"))
    messages = shown_messages(reporter_client.get(response.url))
    assert any("an editor cannot approve it as it stands: A disputed fact cites at least one source" in message
               for message in messages)


def test_the_review_page_says_why_an_approval_was_refused(reporter_client, editor_client, fact):
    saved(edit(reporter_client, fact, status="disputed"))
    refused = approve_on_review_page(editor_client, fact)
    assert refused.status_code == 200
    assert any(message.startswith("Not approved: Fact “The contract was worth 5 million.”: A disputed fact")
               for message in shown_messages(refused))
    assert workflow.approved_version(Fact, fact.pk).status == Fact.Status.CONFIRMED

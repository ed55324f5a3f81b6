import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from casefile import published, workflow
from casefile.models import Actor, Citation, Decision, Event, Fact, FactActor, Publication, Source
from tests.conftest import save


def public_fact(slug, case_slug="harbour", as_of=None):
    snapshot = published.published_case(case_slug, as_of=as_of)
    return snapshot.fact(slug) if snapshot else None


def bundle_versions(model, pk):
    return {(c.model, c.pk): c.latest.history_id for c in workflow.review_bundle(model, pk)}


def test_a_reporters_edit_is_invisible_to_the_public_until_approved(case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 9 million."
    save(fact, reporter)
    assert public_fact("contract-value").statement == "The contract was worth 5 million."

    workflow.approve(editor, bundle_versions(Fact, fact.pk), "checked against the ruling")
    assert public_fact("contract-value").statement == "The contract was worth 9 million."


def test_a_record_never_approved_does_not_exist_for_the_public(case_file, reporter):
    save(Fact(case=case_file, slug="rumour", statement="A rumour", status="unverified"), reporter)
    assert public_fact("rumour") is None
    assert Fact.objects.filter(slug="rumour").exists()


def test_an_unapproved_case_is_not_public(reporter):
    from casefile.models import Case

    save(Case(title="Secret case", slug="secret"), reporter)
    assert published.published_case("secret") is None
    assert [case.slug for case in published.public_cases()] == []


def test_reporters_cannot_approve(case_file, reporter):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "Changed"
    save(fact, reporter)
    with pytest.raises(PermissionDenied):
        workflow.approve(reporter, bundle_versions(Fact, fact.pk))
    assert not Decision.objects.filter(decided_by=reporter).exists()


def test_approval_of_a_version_that_changed_since_review_is_refused(case_file, reporter, other_reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "Reviewed text"
    save(fact, reporter)
    reviewed = bundle_versions(Fact, fact.pk)
    fact.statement = "Text changed after the editor opened the review"
    save(fact, other_reporter)

    with pytest.raises(workflow.StaleReview) as refusal:
        workflow.approve(editor, reviewed)
    assert "changed after you opened the review" in refusal.value.message
    assert public_fact("contract-value").statement == "The contract was worth 5 million."
    assert "changed after" in workflow.review_bundle(Fact, fact.pk)[0].latest.statement


def test_approving_a_version_already_decided_on_says_who_decided_and_keeps_their_comment(
    case_file, reporter, editor
):
    from .factories import make_user

    second = make_user("emil", workflow.EDITORS)
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 5.2 million."
    save(fact, reporter)
    seen = {(Fact, fact.pk): workflow.latest_version(Fact, fact.pk).history_id}
    workflow.approve(editor, seen, "Checked against the ruling")

    with pytest.raises(workflow.AlreadyDecided, match="approved by edna at .*Your comment was not recorded"):
        workflow.approve(second, seen, "Checked against the ledger")
    with pytest.raises(workflow.AlreadyDecided, match="approved by edna"):
        workflow.reject(second, seen, "Not convinced")
    assert [d.comment for d in Decision.objects.filter(object_id=fact.pk, content_type__model="fact")][0] == (
        "Checked against the ruling"
    )


def test_a_fact_is_approved_together_with_its_citations(case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    source = Source.objects.get(slug="daily")
    fact.statement = "Worth 5 million, the ruling says"
    save(fact, reporter)
    save(Citation(fact=fact, source=source, locator="¶7", stance="qualifies"), reporter)

    bundle = workflow.review_bundle(Fact, fact.pk)
    assert {c.model for c in bundle} == {Fact, Citation}
    workflow.approve(editor, {(c.model, c.pk): c.latest.history_id for c in bundle})
    public = public_fact("contract-value")
    assert sorted(c.locator for c in public.public_citations) == ["¶3", "¶7"]


def test_approving_a_fact_without_its_new_citation_is_refused(case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    source = Source.objects.get(slug="daily")
    fact.statement = "New text"
    save(fact, reporter)
    save(Citation(fact=fact, source=source, locator="¶7"), reporter)
    only_the_fact = {(Fact, fact.pk): fact.history.first().history_id}
    with pytest.raises(workflow.StaleReview) as refusal:
        workflow.approve(editor, only_the_fact)
    assert "not part of your review" in refusal.value.message


def test_a_fact_citing_a_new_source_is_approved_together_with_it(case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    ruling = save(Source(case=case_file, slug="ruling", kind="court ruling", title="The ruling"), reporter)
    save(Citation(fact=fact, source=ruling, locator="¶1"), reporter)

    bundle = workflow.review_bundle(Fact, fact.pk)
    assert (Source, ruling.pk) in {(c.model, c.pk) for c in bundle}
    workflow.approve(editor, {(c.model, c.pk): c.latest.history_id for c in bundle})
    snapshot = published.published_case("harbour")
    assert snapshot.source("ruling") is not None
    assert "ruling" in [c.source.slug for c in snapshot.fact("contract-value").public_citations]


def test_approving_a_fact_without_its_new_source_is_refused_naming_the_source(case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    ruling = save(Source(case=case_file, slug="ruling", kind="court ruling", title="The appeal ruling"), reporter)
    citation = save(Citation(fact=fact, source=ruling, locator="¶1"), reporter)
    with pytest.raises(workflow.UnapprovedReference) as refusal:
        workflow.approve(editor, {(Citation, citation.pk): citation.history.first().history_id})
    assert "The appeal ruling" in refusal.value.message
    assert published.published_case("harbour").source("ruling") is None


def test_reject_needs_a_comment(case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "Unsupported claim"
    save(fact, reporter)
    with pytest.raises(ValidationError):
        workflow.reject(editor, bundle_versions(Fact, fact.pk), "   ")
    assert not Decision.objects.filter(action="rejected").exists()


def test_reject_keeps_the_public_version_and_reset_restores_it(case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "Unsupported claim"
    save(fact, reporter)
    workflow.reject(editor, bundle_versions(Fact, fact.pk), "No source says this.")

    assert public_fact("contract-value").statement == "The contract was worth 5 million."
    assert workflow.latest_rejection(fact).comment == "No source says this."
    assert workflow.review_queue() == []

    versions_before = fact.history.count()
    workflow.reset_to_approved(fact, reporter)
    fact.refresh_from_db()
    assert fact.statement == "The contract was worth 5 million."
    assert fact.history.count() == versions_before + 1
    assert fact.history.filter(statement="Unsupported claim").exists()
    assert workflow.review_queue() == []


def test_reset_deletes_children_added_since_approval(case_file, reporter):
    fact = Fact.objects.get(slug="contract-value")
    firm = Actor.objects.get(slug="quay-builders")
    link = save(FactActor(fact=fact, actor=firm), reporter)
    workflow.reset_to_approved(fact, reporter)
    assert not FactActor.objects.filter(pk=link.pk).exists()
    assert FactActor.history.filter(id=link.pk, history_type="-").exists()


def test_removal_is_a_proposed_change_until_an_editor_approves_it(case_file, reporter, editor):
    actor = Actor.objects.get(slug="ana-mayor")
    workflow.propose_removal(actor, reporter, "Not part of this story")
    assert published.published_case("harbour").actor("ana-mayor") is not None

    workflow.approve(editor, bundle_versions(Actor, actor.pk))
    snapshot = published.published_case("harbour")
    assert snapshot.actor("ana-mayor") is None
    assert all(a.slug != "ana-mayor" for a in snapshot.fact("contract-value").public_actors)


def latest_versions(*records):
    return {(type(r), r.pk): workflow.latest_version(type(r), r.pk).history_id for r in records}


def test_removing_a_source_that_published_citations_rest_on_is_refused_naming_them(
    case_file, reporter, editor
):
    daily = Source.objects.get(slug="daily")
    workflow.propose_removal(daily, reporter, "Unreliable")
    with pytest.raises(workflow.EvidenceLeftBehind) as refusal:
        workflow.approve(editor, latest_versions(daily))
    assert "the citation ¶3 of fact “The contract was worth 5 million.”" in refusal.value.message
    assert "the citation ¶2 of event “Contract signed" in refusal.value.message
    snapshot = published.published_case("harbour")
    assert snapshot.source("daily") is not None
    assert [c.locator for c in snapshot.fact("contract-value").public_citations] == ["¶3"]


def test_removing_a_source_that_a_published_source_was_relayed_through_is_refused(
    disputed_case, reporter, editor
):
    daily = Source.objects.get(slug="daily")
    workflow.propose_removal(daily, reporter, "Unreliable")
    for citation in Citation.objects.filter(source=daily):
        workflow.propose_removal(citation, reporter, "Its source goes")
    with pytest.raises(workflow.EvidenceLeftBehind) as refusal:
        workflow.approve(editor, latest_versions(daily, *Citation.objects.filter(source=daily)))
    assert refusal.value.records == ["source “Forum post about the tender”, which reached us through it"]
    assert published.published_case("harbour").source("forum-post").public_relayed_via.slug == "daily"


def test_a_source_leaves_together_with_the_citations_removed_or_moved_off_it_in_the_same_approval(
    case_file, reporter, editor
):
    daily = Source.objects.get(slug="daily")
    registry = save(Source(case=case_file, slug="registry", kind=Source.Kind.OFFICIAL_ANNOUNCEMENT,
                           title="Company registry extract"), reporter)
    on_fact = Citation.objects.get(source=daily, fact__slug="contract-value")
    on_fact.source = registry
    save(on_fact, reporter, "The registry says the same")
    on_event = Citation.objects.get(source=daily, event__slug="contract-signed")
    workflow.propose_removal(on_event, reporter, "Its source goes")
    workflow.propose_removal(daily, reporter, "Unreliable")

    workflow.approve(editor, latest_versions(daily, registry, on_fact, on_event))

    snapshot = published.published_case("harbour")
    assert snapshot.source("daily") is None
    assert [c.source.slug for c in snapshot.fact("contract-value").public_citations] == ["registry"]
    assert snapshot.event("contract-signed").public_citations == []


def test_a_reporter_cannot_delete_a_published_record_but_may_delete_a_draft(case_file, reporter, editor):
    actor = Actor.objects.get(slug="ana-mayor")
    with pytest.raises(PermissionDenied):
        workflow.delete_record(actor, reporter, "oops")
    draft = save(Actor(case=case_file, kind="person", name="Draft", slug="draft"), reporter)
    workflow.delete_record(draft, reporter, "created by mistake")
    assert not Actor.objects.filter(slug="draft").exists()


def test_an_editor_deleting_a_published_record_takes_it_off_the_public_pages(case_file, editor):
    event = Event.objects.get(slug="contract-signed")
    workflow.delete_record(event, editor, "Duplicate of another event")
    assert published.published_case("harbour").event("contract-signed") is None


def test_the_page_as_published_on_a_date_shows_the_versions_approved_then(case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    Decision.objects.update(decided_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc))
    fact.statement = "The contract was worth 9 million."
    save(fact, reporter)
    workflow.approve(editor, bundle_versions(Fact, fact.pk))

    assert public_fact("contract-value", as_of=datetime.date(2019, 12, 31)) is None
    assert public_fact("contract-value", as_of=datetime.date(2020, 1, 1)).statement == "The contract was worth 5 million."
    assert public_fact("contract-value").statement == "The contract was worth 9 million."


def test_every_decision_records_who_when_which_version_and_comment(case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "Changed"
    save(fact, reporter)
    version = fact.history.first().history_id
    workflow.approve(editor, bundle_versions(Fact, fact.pk), "confirmed by phone")
    decision = Decision.objects.get(history_id=version, object_id=fact.pk, content_type__model="fact")
    assert decision.decided_by == editor
    assert decision.comment == "confirmed by phone"
    assert decision.action == "approved"
    assert decision.changed_fields == ["statement"]


def test_a_save_from_an_outdated_form_is_refused(case_file, reporter, other_reporter):
    fact = Fact.objects.get(slug="contract-value")
    token = workflow.edit_token(fact)
    fact.statement = "First edit"
    save(fact, reporter)
    with pytest.raises(workflow.EditConflict) as conflict:
        workflow.check_edit_token(fact, token)
    assert "rita" in conflict.value.message
    assert workflow.check_edit_token(fact, workflow.edit_token(fact))


def test_the_review_queue_lists_changes_oldest_first_and_filters_them(case_file, reporter, other_reporter):
    fact = Fact.objects.get(slug="contract-value")
    actor = Actor.objects.get(slug="ana-mayor")
    fact.statement = "first"
    save(fact, reporter)
    actor.description = "second"
    save(actor, other_reporter)

    queue = workflow.review_queue()
    assert [item.record for item in queue] == [fact, actor]
    assert [item.record for item in workflow.review_queue(author=other_reporter)] == [actor]
    assert [item.record for item in workflow.review_queue(kind="fact")] == [fact]
    assert workflow.review_queue(case=case_file.pk + 1000) == []


def test_the_review_queue_compares_with_the_latest_approval_and_waits_since_the_first_edit_after_it(
    case_file, reporter, editor
):
    fact = Fact.objects.get(slug="contract-value")
    approved_first = fact.statement
    fact.statement = "The contract was worth 6 million."
    save(fact, reporter)
    workflow.approve(editor, bundle_versions(Fact, fact.pk))

    fact.statement = "A first draft."
    save(fact, reporter)
    Fact.history.filter(id=fact.pk, statement="A first draft.").update(
        history_date=timezone.now() - datetime.timedelta(days=2))
    fact.statement = approved_first
    save(fact, reporter)
    [item] = workflow.review_queue()
    # Back to an earlier approved text is still a change: readers see the latest approval.
    assert item.record == fact
    assert timezone.now() - item.waiting_since > datetime.timedelta(days=1)

    fact.statement = "The contract was worth 6 million."
    save(fact, reporter)
    assert workflow.review_queue() == []


def latest_approvals_in_the_log():
    """The latest approval of each record, worked out from the decisions alone."""
    latest = {}
    # Only the columns every version of the table has: the migration tests read it on older schemas.
    for content_type_id, object_id, pk in Decision.objects.filter(action=Decision.Action.APPROVED).order_by(
        "decided_at", "id"
    ).values_list("content_type_id", "object_id", "id"):
        latest[(content_type_id, object_id)] = pk
    return set(latest.values())


def publications():
    return set(Publication.objects.values_list("content_type_id", "object_id", "history_id", "approval_id", "case_id"))


def test_each_public_record_is_published_under_its_latest_approval_through_the_workflow(
    case_file, reporter, editor
):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 6 million."
    save(fact, reporter)
    workflow.approve(editor, bundle_versions(Fact, fact.pk))
    fact.statement = "A draft the editor turns down."
    save(fact, reporter)
    workflow.reject(editor, bundle_versions(Fact, fact.pk), "Not what the ruling says")
    actor = Actor.objects.get(slug="ana-mayor")
    workflow.propose_removal(actor, reporter, "Not part of this story")
    workflow.approve(editor, bundle_versions(Actor, actor.pk))
    workflow.delete_record(Event.objects.get(slug="contract-signed"), editor, "Duplicate")

    now = publications()
    assert {approval for *_, approval, _ in now} == latest_approvals_in_the_log() - set(
        Decision.objects.filter(removes=True).values_list("id", flat=True)
    )
    assert not Publication.objects.filter(object_id=actor.pk, content_type__model="actor").exists()
    assert published.published_case("harbour").fact("contract-value").statement == "The contract was worth 6 million."
    workflow.republish()
    assert publications() == now


def test_publications_lost_are_rebuilt_from_the_log(case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 6 million."
    save(fact, reporter)
    workflow.approve(editor, bundle_versions(Fact, fact.pk))
    now = publications()
    Publication.objects.all().delete()
    assert published.published_case("harbour") is None

    workflow.republish(case_file)

    assert publications() == now
    assert published.published_case("harbour").fact("contract-value").statement == "The contract was worth 6 million."


def test_a_record_moved_to_another_case_leaves_the_first_now_and_as_of_today(case_file, reporter, editor):
    from casefile.models import Case

    other = save(Case(title="Port contracts", slug="port"), reporter)
    workflow.approve(editor, bundle_versions(Case, other.pk))
    witness = save(Actor(case=case_file, kind="person", name="Moved Witness", slug="witness"), reporter)
    workflow.approve(editor, bundle_versions(Actor, witness.pk))
    witness.case = other
    save(witness, reporter, "Belongs to the port story")
    workflow.approve(editor, bundle_versions(Actor, witness.pk))
    today = timezone.now().date()

    for as_of in (None, today):
        assert published.published_case("harbour", as_of).actor("witness") is None, as_of
        assert published.published_case("port", as_of).actor("witness") is not None, as_of
        assert published.published_page("harbour", "actor", "witness", as_of).actor("witness") is None, as_of
    now = publications()
    workflow.republish(case_file)
    assert publications() == now


def test_a_whole_case_of_more_than_a_thousand_records_is_approved_in_one_go(reporter, editor):
    """As an import approves a case: every record must reach the public pages, none refused."""
    from simple_history.utils import bulk_create_with_history

    from casefile.models import Case

    case = save(Case(title="Port ledgers", slug="ledgers"), reporter)
    bulk_create_with_history(
        [Actor(case=case, kind="person", name=f"Clerk {n}", slug=f"clerk-{n}") for n in range(1100)],
        Actor, default_user=reporter,
    )

    approved = workflow.approve_case(editor, case, "Imported ledgers")

    assert len(approved) == 1101
    assert len(published.published_case("ledgers").actors) == 1100


def test_the_queue_gives_each_change_the_version_of_its_own_kind_when_numbers_coincide(case_file, reporter):
    actor = save(Actor(case=case_file, kind=Actor.Kind.PERSON, name="Tom Clerk", slug="tom-clerk"), reporter)
    fact = Fact.objects.get(slug="contract-value")
    citation = save(Citation(fact=fact, source=Source.objects.get(slug="daily"), locator="¶7"), reporter)
    # Each kind numbers its versions on its own; make the two numbers the same.
    number = max(Actor.history.latest().history_id, Citation.history.latest().history_id) + 100
    Actor.history.filter(history_id=Actor.history.latest().history_id).update(history_id=number)
    Citation.history.filter(history_id=Citation.history.latest().history_id).update(history_id=number)

    items = workflow.load_records(workflow.review_queue())

    rows = {change["model"]: change["row"] for item in items for change in item.changes}
    assert rows[Actor].instance == actor
    assert rows[Citation].instance == citation


def test_deleting_several_records_deletes_none_when_one_of_them_is_refused(case_file, reporter):
    draft = save(Fact(case=case_file, slug="draft", statement="Never published."), reporter)
    published_fact = Fact.objects.get(slug="contract-value")
    both = [draft.pk, published_fact.pk]

    with pytest.raises(PermissionDenied):
        workflow.delete_records([draft, published_fact], reporter, "Tidying up")

    assert Fact.objects.filter(pk__in=both).count() == 2

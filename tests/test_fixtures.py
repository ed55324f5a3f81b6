"""The seeded Fuzhou case: integrity of what the fixture says and of how it loads."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from casefile import published, workflow
from casefile.models import (
    Actor,
    Citation,
    Decision,
    Event,
    EventParticipant,
    Fact,
    FactActor,
    OpenQuestion,
    Relationship,
    ReplyOverride,
    ReplyRequest,
    Source,
)
from tests.conftest import SEED_FIXTURE

pytestmark = pytest.mark.skipif(not SEED_FIXTURE.exists(), reason="case fixture not present")

COMMENTARY_PARAGRAPHS = 84
ROUNDUP_PARAGRAPHS = 9


def history_counts():
    return {
        model.__name__: model.history.count()
        for model in workflow.TRACKED
    }


def test_the_seeded_case_has_the_records_the_documents_support(seeded_case):
    assert Event.objects.for_case(seeded_case).count() >= 15
    assert Fact.objects.for_case(seeded_case).count() >= 30
    assert Actor.objects.for_case(seeded_case).count() >= 10
    assert Relationship.objects.for_case(seeded_case).exists()


def test_both_documents_are_sources_with_their_paragraph_counts(seeded_case):
    counts = sorted(
        Source.objects.for_case(seeded_case).exclude(paragraph_count=None)
        .values_list("paragraph_count", flat=True)
    )
    assert counts == [ROUNDUP_PARAGRAPHS, COMMENTARY_PARAGRAPHS]


def test_the_commentary_has_no_guessed_publisher_author_or_date(seeded_case):
    commentary = Source.objects.get(case=seeded_case, paragraph_count=COMMENTARY_PARAGRAPHS)
    assert commentary.publisher == ""
    assert commentary.author == ""
    assert commentary.published_on is None
    assert commentary.published_display == "unknown"


def test_every_relayed_outlet_is_linked_to_the_roundup_that_relays_it(seeded_case):
    roundup = Source.objects.get(case=seeded_case, paragraph_count=ROUNDUP_PARAGRAPHS)
    relayed = Source.objects.filter(relayed_via=roundup)
    titles = " ".join(relayed.values_list("title", flat=True)) + " ".join(
        relayed.values_list("publisher", flat=True)
    )
    for outlet in ["The Block", "The Paper", "Cointelegraph", "China Star Market"]:
        assert outlet in titles


def test_chuangshiji_technology_is_not_made_a_name_of_fuzhou_genesis_but_asked_about(seeded_case):
    genesis = next(a for a in Actor.objects.for_case(seeded_case) if a.is_known_as("Fuzhou Genesis"))
    assert not genesis.is_known_as("Chuangshiji Technology") and not genesis.is_known_as("Chuangshiji")
    assert "Chuangshiji Technology" in genesis.description and "our reading" in genesis.description
    question = OpenQuestion.objects.get(case=seeded_case, slug="is-chuangshiji-technology-fuzhou-genesis")
    assert question.is_open
    assert "lin-qingxing-owned-fuzhou-genesis" in {concern.record.slug for concern in question.concerns.all()
                                                   if concern.fact_id}


def test_every_fact_event_and_relationship_cites_at_least_one_source(seeded_case):
    for fact in Fact.objects.for_case(seeded_case):
        assert fact.citations.exists(), fact.slug
    for event in Event.objects.for_case(seeded_case):
        assert event.citations.exists(), event.slug
    for relationship in Relationship.objects.for_case(seeded_case):
        assert relationship.citations.exists(), str(relationship)


def test_every_citation_names_an_existing_paragraph_and_quotes_briefly(seeded_case):
    citations = Citation.objects.filter(source__case=seeded_case).select_related("source")
    assert citations.count() > 30
    for citation in citations:
        citation.full_clean()
        limit = citation.source.paragraph_count
        assert limit is not None, f"{citation} cites a source we do not hold"
        assert 1 <= citation.paragraph <= limit, str(citation)
        assert len(citation.quote.split()) <= 25


def test_every_disputed_fact_shows_sources_on_both_sides(seeded_case):
    disputed = Fact.objects.for_case(seeded_case).filter(status=Fact.Status.DISPUTED)
    # Where the documents disagree as written; where they can both hold, the fact is unverified.
    assert set(disputed.values_list("slug", flat=True)) == {"german-party-was-genesis-mining",
                                                           "xiao-set-up-the-mining-firms"}
    for fact in disputed:
        stances = set(fact.citations.values_list("stance", flat=True))
        assert {"supports", "contradicts"} <= stances, fact.slug
        assert fact.assessment, fact.slug


def test_an_unverified_fact_rests_on_one_document_the_other_at_most_qualifying_it(seeded_case):
    unverified = Fact.objects.for_case(seeded_case).filter(status=Fact.Status.UNVERIFIED)
    assert unverified.exists()
    for fact in unverified:
        documents = {c.source_id for c in fact.citations.exclude(stance=Citation.Stance.QUALIFIES)}
        assert len(documents) == 1, fact.slug


def test_every_fact_event_and_relationship_of_the_seeded_case_passes_the_rules_of_its_status(seeded_case):
    for model in (Fact, Event, Relationship):
        for claim in model.objects.for_case(seeded_case):
            assert claim.status_problem() is None, f"{claim}: {claim.status_problem()}"


def test_the_seeded_case_marks_what_only_one_document_says_of_events_and_ties_as_unverified(seeded_case):
    police = Relationship.objects.get(case=seeded_case, subject__slug="police", object__slug="lin-qingxing")
    deal = Relationship.objects.get(case=seeded_case, subject__slug="xiao-yi", kind="contracted with",
                                    object__slug="gm-foundation")
    assert police.status == deal.status == Relationship.Status.UNVERIFIED
    assert Event.objects.get(case=seeded_case, slug="gm-foundation-lawsuit-2019").status == "unverified"
    assert Event.objects.get(case=seeded_case, slug="xiao-expelled-2021-11-13").status == "confirmed"


def test_dates_the_documents_do_not_give_are_marked_as_inferred(seeded_case):
    inferred = {event.slug: event.date_display for event in Event.objects.for_case(seeded_case)
                if event.date_inferred}
    assert inferred["showcase-projects-falter"] == "2018 (inferred)"
    assert inferred["court-ruling-for-genesis-mining"] == "June 2021 (inferred)"
    assert "xiao-expelled-2021-11-13" not in inferred


def test_what_the_documents_tell_without_a_date_is_on_the_timeline_as_date_unknown(seeded_case):
    undated = {event.slug: event.date_display for event in Event.objects.for_case(seeded_case)
               if event.starts_on is None}
    assert undated == dict.fromkeys(
        ["xiao-sentenced-to-life", "xiao-and-lin-profit-sharing-agreement", "bitcoin-found-in-lin-accounts"],
        "date unknown",
    )
    assert list(Event.objects.for_case(seeded_case))[-len(undated):] == list(
        Event.objects.for_case(seeded_case).filter(starts_on=None))


def test_every_allegation_of_the_seeded_case_was_put_to_whom_it_concerns_or_overridden(seeded_case):
    data = json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
    marked = {(kind, entry[kind], actor) for entry in data["allegations"] for kind in ("fact", "event")
              if kind in entry for actor in entry["against"]}
    alleged = {("fact", slug, actor) for slug, actor in FactActor.objects.filter(
        fact__case=seeded_case, alleged=True).values_list("fact__slug", "actor__slug")} | {
        ("event", slug, actor) for slug, actor in EventParticipant.objects.filter(
            event__case=seeded_case, alleged=True).values_list("event__slug", "actor__slug")}
    answered = {("fact", slug, actor) for slug, actor in ReplyOverride.objects.filter(
        case=seeded_case, fact__isnull=False).values_list("fact__slug", "actor__slug")} | {
        ("event", slug, actor) for slug, actor in ReplyOverride.objects.filter(
            case=seeded_case, event__isnull=False).values_list("event__slug", "actor__slug")}
    for request in ReplyRequest.objects.filter(case=seeded_case).prefetch_related("facts", "events"):
        answered |= {("fact", fact.slug, request.actor.slug) for fact in request.facts.all()}
        answered |= {("event", event.slug, request.actor.slug) for event in request.events.all()}

    assert alleged == marked
    assert {actor for _, _, actor in alleged} >= {"xiao-yi", "lin-qingxing"}
    assert alleged - answered == set()


def test_the_seeded_case_asks_the_open_questions_the_documents_leave(seeded_case):
    questions = {question.slug: question for question in OpenQuestion.objects.for_case(seeded_case)}
    assert {"what-the-ccdi-announcement-says", "what-was-said-at-the-ndrc-conference", "what-the-courts-decided",
            "what-the-block-reported", "does-the-commentary-rest-on-reporting", "who-signed-the-2017-deal",
            "is-chuangshiji-technology-fuzhou-genesis", "what-action-was-taken-against-lin"} <= set(questions)
    assert all(question.is_open and question.settled_by for question in questions.values())
    ccdi = questions["what-the-ccdi-announcement-says"]
    assert {concern.record.slug for concern in ccdi.concerns.all() if concern.source_id} == {
        "ccdi-announcement-2021-11-13"}


def test_the_name_genesis_alone_is_left_to_genesis_mining(seeded_case):
    assert not Actor.objects.get(case=seeded_case, slug="fuzhou-genesis").is_known_as("Genesis")


def test_every_imported_record_has_a_first_version_attributed_to_the_import(seeded_case):
    for model in workflow.TRACKED:
        for record in model.objects.all():
            first = record.history.order_by("history_id").first()
            assert first is not None
            assert first.history_user is None
            assert first.history_change_reason == f"Imported from {SEED_FIXTURE.name}"


def test_the_seeded_case_is_published_whole(seeded_case):
    snapshot = published.published_case(seeded_case.slug)
    assert len(snapshot.facts) == Fact.objects.for_case(seeded_case).count()
    assert len(snapshot.events) == Event.objects.for_case(seeded_case).count()
    assert workflow.review_queue() == []


def test_loading_the_case_twice_changes_nothing(seeded_case, editor):
    before = history_counts(), Decision.objects.count()
    output = io.StringIO()
    call_command("load_case", str(SEED_FIXTURE), approve_as=editor.username, stdout=output)
    assert (history_counts(), Decision.objects.count()) == before
    assert "0 records saved" in output.getvalue()


def test_the_seeded_case_loads_and_is_approved_in_a_few_hundred_queries_and_a_few_per_page_kept(editor, keeps_pages):
    from django.db import connection
    from django.conf import settings
    from django.test.utils import CaptureQueriesContext

    from casefile.models import Actor, Event, KeptPage, Source
    from tests.factories import committed

    with CaptureQueriesContext(connection) as captured, committed():
        call_command("load_case", str(SEED_FIXTURE), approve_as=editor.username, stdout=io.StringIO())

    pages = KeptPage.objects.filter(
        publication__content_type__model__in=["actor", "event", "fact", "source"]
    ).exclude(page="")
    # One page per record in each language.
    assert pages.count() == len(settings.LANGUAGES) * sum(model.objects.count() for model in (Actor, Event, Fact, Source))
    # Each page is kept in a transaction of its own, holding its row while it renders; the translations'
    # approval keeps again the pages that show what it translated.
    assert len(captured) <= 800 + 13 * pages.count()

    assert workflow.review_queue() == []
    assert len(published.published_case("fuzhou-genesis").facts) == Fact.objects.count() >= 30


def test_loading_the_case_again_reads_each_kind_of_record_once(seeded_case, editor, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        call_command("load_case", str(SEED_FIXTURE), approve_as=editor.username, stdout=io.StringIO())


def test_an_edited_fixture_saves_a_new_version_of_only_what_changed(seeded_case, editor, tmp_path):
    data = json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
    data["facts"][0]["assessment"] = "Reassessed after a second reading."
    data["actors"].append({"slug": "new-witness", "kind": "person", "name": "A new witness"})
    edited = tmp_path / SEED_FIXTURE.name
    edited.write_text(json.dumps(data), encoding="utf-8")
    before = history_counts()

    output = io.StringIO()
    call_command("load_case", str(edited), stdout=output)

    assert "2 records saved" in output.getvalue()
    after = history_counts()
    assert after["Fact"] == before["Fact"] + 1 and after["Actor"] == before["Actor"] + 1
    assert {key: count for key, count in after.items() if key not in ("Fact", "Actor")} == {
        key: count for key, count in before.items() if key not in ("Fact", "Actor")
    }
    assert Fact.objects.get(slug=data["facts"][0]["slug"]).assessment == "Reassessed after a second reading."
    assert [change.kind for change in workflow.record_changes(Actor, Actor.objects.get(slug="new-witness").pk)] == [
        "actor"
    ]


def test_a_record_renamed_in_the_fixture_stays_one_record_and_its_old_address_leads_to_it(
    seeded_case, editor, client, tmp_path
):
    data = json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
    entry = data["facts"][0]
    fact = Fact.objects.get(case=seeded_case, slug=entry["slug"])
    old_address = fact.get_absolute_url()
    entry["former_slugs"] = [*entry.get("former_slugs", []), entry["slug"]]
    entry["slug"] = "the-fuzhou-of-jiangxi"
    translated = data["translations"]["facts"]
    translated["the-fuzhou-of-jiangxi"] = translated.pop(entry["former_slugs"][-1])
    versions = fact.history.count()
    renamed = tmp_path / SEED_FIXTURE.name
    renamed.write_text(json.dumps(data), encoding="utf-8")

    output = io.StringIO()
    call_command("load_case", str(renamed), approve_as=editor.username, stdout=output)

    assert "1 records saved" in output.getvalue()
    fact.refresh_from_db()
    assert fact.slug == "the-fuzhou-of-jiangxi"
    assert fact.history.count() == versions + 1
    response = client.get(old_address)
    assert response.status_code == 302
    assert response["Location"] == fact.get_absolute_url()


def test_what_a_fixture_withdraws_or_no_longer_links_leaves_the_case_once_approved(
    seeded_case, editor, client, tmp_path
):
    data = json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
    withdrawn = Fact.objects.get(case=seeded_case, slug="qin-background")
    data["facts"] = [entry for entry in data["facts"] if entry["slug"] != withdrawn.slug]
    data["withdrawn"] = {**data.get("withdrawn", {}), "facts": [withdrawn.slug]}
    [mining] = [entry for entry in data["facts"] if entry["slug"] == "large-mining-operation-in-fuzhou"]
    mining["actors"].remove("fuzhou-genesis")
    [trip] = [entry for entry in data["events"] if entry["slug"] == "germany-delegation-2017"]
    trip["participants"] = [{"actor": "xiao-yi", "role": "leader of the delegation"}]
    edited = tmp_path / SEED_FIXTURE.name
    edited.write_text(json.dumps(data), encoding="utf-8")

    call_command("load_case", str(edited), approve_as=editor.username, stdout=io.StringIO())

    assert client.get(withdrawn.get_absolute_url()).status_code == 404
    assert not Fact.objects.filter(pk=withdrawn.pk, removal_proposed=False).exists()
    assert "fuzhou-genesis" not in set(FactActor.objects.filter(
        fact__slug="large-mining-operation-in-fuzhou", removal_proposed=False).values_list("actor__slug", flat=True))
    assert list(EventParticipant.objects.filter(event__slug="germany-delegation-2017", removal_proposed=False)
                .values_list("role", flat=True)) == ["leader of the delegation"]
    assert workflow.review_queue() == []


def test_a_fixture_that_withdraws_a_record_it_also_keeps_is_refused(seeded_case, editor, tmp_path):
    data = json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
    data["withdrawn"] = {"facts": [data["facts"][0]["slug"]]}
    both = tmp_path / "both.json"
    both.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(CommandError, match="both withdrawn and kept"):
        call_command("load_case", str(both), approve_as=editor.username, stdout=io.StringIO())
    assert Fact.objects.get(slug=data["facts"][0]["slug"]).removal_proposed is False


def test_a_fixture_whose_sources_relay_each_other_in_a_loop_is_refused(editor, tmp_path):
    data = json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
    first, second = data["sources"][0], data["sources"][1]
    first["relayed_via"], second["relayed_via"] = second["slug"], first["slug"]
    looped = tmp_path / "looped.json"
    looped.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(CommandError, match="relay each other in a loop"):
        call_command("load_case", str(looped), stdout=io.StringIO())
    assert not Source.objects.exists()


def test_the_fixture_only_names_records_it_defines():
    data = json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
    actors = {a["slug"] for a in data["actors"]}
    sources = {s["slug"] for s in data["sources"]}
    events = {e["slug"] for e in data["events"]}
    for fact in data["facts"]:
        assert set(fact.get("actors", [])) <= actors
        assert set(fact.get("events", [])) <= events
        assert {c["source"] for c in fact["citations"]} <= sources


def test_a_blank_date_in_a_fixture_reads_as_unknown(editor, tmp_path):
    data = json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
    data["sources"][0]["published_on"] = "  "
    blank = tmp_path / "blank.json"
    blank.write_text(json.dumps(data), encoding="utf-8")

    call_command("load_case", str(blank), stdout=io.StringIO())

    assert Source.objects.get(slug=data["sources"][0]["slug"]).published_on is None

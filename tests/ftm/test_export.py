"""A case out as FollowTheMoney entities: what readers see, valid in the model and in the ftm tools."""

import datetime
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from followthemoney.exc import InvalidData

from casefile import workflow
from casefile.ftm.export import entity_id
from casefile.models import Actor, Case, Decision, Event, Fact, Relationship, Source

from ..factories import save
from .validation import entities_of, validated

FTM = Path(sys.executable).with_name("ftm")


def entities(client, case="fuzhou-genesis", query=""):
    response = client.get(f"/cases/{case}/entities.ftm{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-ndjson")
    return entities_of(response.content.decode())


def named(found, schema, name):
    return next(e for e in found if e["schema"] == schema and name in e["properties"].get("name", []))


def test_every_entity_of_the_seeded_case_validates_against_the_model(client, seeded_case):
    found = entities(client)
    for data in found:
        validated(data)
    assert {e["schema"] for e in found} >= {
        "Person", "Company", "PublicBody", "Organization", "Directorship", "Membership", "Ownership",
        "UnknownLink", "Event", "Article", "Document", "Note", "Documentation",
    }


def test_the_validation_refuses_a_property_the_schema_lacks_or_a_value_its_type_refuses():
    with pytest.raises(InvalidData):
        validated({"id": "a", "schema": "Person", "properties": {"name": ["A"], "tonnage": ["3"]}})
    with pytest.raises(InvalidData):
        validated({"id": "a", "schema": "Person", "properties": {"birthDate": ["in the spring"]}})


def test_the_seeded_case_passes_ftm_validate_unchanged(client, seeded_case, tmp_path):
    exported = tmp_path / "case.ftm"
    exported.write_bytes(client.get("/cases/fuzhou-genesis/entities.ftm").content)
    found = entities_of(exported.read_text(encoding="utf-8"))
    # One run of the ftm tool: it takes two seconds to load its model.
    run = subprocess.run([str(FTM), "validate", "-i", str(exported), "-o", str(tmp_path / "valid.ftm")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    again = {e["id"]: e for e in entities_of((tmp_path / "valid.ftm").read_text(encoding="utf-8"))}
    assert len(again) == len(found)
    for data in found:
        assert {k: sorted(v) for k, v in again[data["id"]]["properties"].items()} == {
            k: sorted(v) for k, v in data["properties"].items()}


def test_actors_come_by_kind_with_aliases_description_and_their_public_page(client, seeded_case):
    found = entities(client)
    xiao = Actor.objects.get(case=seeded_case, slug="xiao-yi")
    person = next(e for e in found if e["id"] == entity_id(seeded_case, "actor", xiao.pk))
    assert person["schema"] == "Person"
    assert person["properties"]["name"] == [xiao.name]
    assert set(person["properties"]["alias"]) == set(xiao.alias_list)
    assert person["properties"]["sourceUrl"] == ["http://testserver/cases/fuzhou-genesis/actors/xiao-yi/"]
    assert named(found, "Company", "Fuzhou Genesis")
    assert named(found, "PublicBody", "Chinese courts")


def test_an_actor_named_in_two_scripts_carries_both_names_and_all_aliases_in_either_language(
    client, case_file, reporter, editor
):
    from ..factories import approve_edit

    mayor = Actor.objects.get(slug="ana-mayor")
    mayor.aliases, mayor.name_zh_hans, mayor.aliases_zh_hans = "The Mayor", "安娜·梅耶", "市长"
    save(mayor, reporter)
    approve_edit(editor, mayor, "")
    for prefix in ("", "/zh-hans"):
        response = client.get(f"{prefix}/cases/{case_file.slug}/entities.ftm")
        [person] = [e for e in entities_of(response.content.decode()) if e["id"] == entity_id(case_file, "actor", mayor.pk)]
        assert sorted(person["properties"]["name"]) == sorted(["Ana Mayor", "安娜·梅耶"])
        assert sorted(person["properties"]["alias"]) == sorted(["The Mayor", "市长"])


def test_ties_take_the_interval_schema_of_their_kind_with_dates_summary_status_and_proof(client, seeded_case):
    found = entities(client)
    xiao = entity_id(seeded_case, "actor", Actor.objects.get(case=seeded_case, slug="xiao-yi").pk)
    committee = entity_id(seeded_case, "actor", Actor.objects.get(case=seeded_case, slug="fuzhou-party-committee").pk)
    office = next(e for e in found if e["schema"] == "Directorship" and e["properties"]["director"] == [xiao]
                  and e["properties"]["organization"] == [committee])
    assert office["properties"]["role"] == ["held office in"]
    assert office["properties"]["status"] == ["confirmed"]
    assert office["properties"]["summary"][0].startswith("Secretary of the committee")
    sources = {e["id"] for e in found if e["schema"] in ("Article", "Document")}
    assert office["properties"]["proof"] and set(office["properties"]["proof"]) <= sources
    assert any(e["schema"] == "UnknownLink" and e["properties"].get("role") == ["sued"] for e in found)


def test_partial_dates_are_written_as_ftm_date_prefixes(client, disputed_case, reporter, editor):
    tie = Relationship.objects.get(case=disputed_case)
    tie.ends_on, tie.ends_precision = datetime.date(2019, 3, 1), "month"
    save(tie, reporter)
    workflow.approve_case(editor, disputed_case, "Dated.")
    found = entities(client, "harbour")
    interval = next(e for e in found if e["id"] == entity_id(disputed_case, "relationship", tie.pk))
    assert (interval["properties"]["startDate"], interval["properties"]["endDate"]) == (["2018"], ["2019-03"])
    assert interval["properties"]["role"] == ["business partner of"]
    tender = next(e for e in found if e["schema"] == "Event" and e["properties"]["name"] == ["Tender opened"])
    assert tender["properties"]["date"] == ["2019"]


def test_events_name_their_participants_and_place(client, seeded_case):
    found = entities(client)
    event = Event.objects.get(case=seeded_case, slug="xiao-appointed-fuzhou-secretary")
    entity = next(e for e in found if e["id"] == entity_id(seeded_case, "event", event.pk))
    assert entity["properties"]["startDate"] == ["2015"]
    assert entity["properties"]["location"] == ["Fuzhou, Jiangxi"]
    assert set(entity["properties"]["involved"]) == {
        entity_id(seeded_case, "actor", pk) for pk in event.participants.values_list("pk", flat=True)}
    assert "Xiao Yi: appointee" in entity["properties"]["notes"]


def test_sources_are_documents_with_their_details_and_the_source_they_came_through(client, seeded_case):
    found = entities(client)
    roundup = Source.objects.get(case=seeded_case, slug="technode-roundup-2021-11")
    article = next(e for e in found if e["id"] == entity_id(seeded_case, "source", roundup.pk))
    assert article["schema"] == "Article"
    assert article["properties"]["title"] == [roundup.title]
    assert article["properties"]["publisher"] == [roundup.publisher]
    assert article["properties"]["date"] == ["2021-11"] or article["properties"]["date"][0].startswith("2021")
    assert article["properties"]["language"] == ["eng"]
    relays = [e for e in found if e["schema"] == "UnknownLink" and e["properties"].get("role") == ["relayed via"]]
    relayed = Source.objects.filter(case=seeded_case, relayed_via=roundup).count()
    assert sum(e["properties"]["object"] == [article["id"]] for e in relays) == relayed > 0


def test_facts_and_open_questions_are_notes_on_what_they_concern_with_status_and_sources(client, seeded_case):
    found = entities(client)
    fact = Fact.objects.filter(case=seeded_case, status="disputed").first()
    note = next(e for e in found if e["id"] == entity_id(seeded_case, "fact", fact.pk))
    assert note["schema"] == "Note"
    assert note["properties"]["description"] == [fact.statement]
    assert note["properties"]["summary"] == ["Status: Disputed"]
    assert set(note["properties"]["entity"]) == {
        entity_id(seeded_case, "actor", pk) for pk in fact.actors.values_list("pk", flat=True)
    } | {entity_id(seeded_case, "event", pk) for pk in fact.events.values_list("pk", flat=True)}
    cited = [e for e in found if e["schema"] == "Documentation" and e["properties"]["entity"] == [note["id"]]]
    assert {e["properties"]["role"][0].split()[0] for e in cited} == {"supports", "contradicts"}
    assert set(note["properties"]["proof"]) == {e["properties"]["document"][0] for e in cited}
    questions = [e for e in found if e["schema"] == "Note" and "open question" in e["properties"]["keywords"]]
    assert questions and all(e["properties"].get("entity") for e in questions)


def test_the_export_holds_only_approved_versions_and_reads_as_of_a_day(client, case_file, reporter, editor):
    for decision in Decision.objects.all():
        decision.decided_at -= datetime.timedelta(days=10)
        decision.save(update_fields=["decided_at"])
    actor = Actor.objects.get(case=case_file, slug="ana-mayor")
    actor.name = "Ana Mayor-Ruiz"
    save(actor, reporter)
    Actor.objects.create(case=case_file, kind="person", name="Not Yet Approved", slug="not-yet")
    names = {n for e in entities(client, "harbour") for n in e["properties"].get("name", [])}
    assert "Ana Mayor" in names and "Ana Mayor-Ruiz" not in names and "Not Yet Approved" not in names
    workflow.approve(editor, {(Actor, actor.pk): workflow.latest_version(Actor, actor.pk).history_id}, "ok")
    as_of = (datetime.date.today() - datetime.timedelta(days=5)).isoformat()
    then = {n for e in entities(client, "harbour", f"?as_of={as_of}") for n in e["properties"].get("name", [])}
    now = {n for e in entities(client, "harbour") for n in e["properties"].get("name", [])}
    assert "Ana Mayor" in then and "Ana Mayor-Ruiz" in now


def test_ids_are_the_same_in_every_export(client, case_file):
    assert [e["id"] for e in entities(client, "harbour")] == [e["id"] for e in entities(client, "harbour")]


def test_staff_export_the_approved_or_the_working_versions(case_file, reporter, tmp_path):
    actor = Actor.objects.get(case=case_file, slug="ana-mayor")
    actor.name = "Ana Mayor-Ruiz"
    save(actor, reporter)
    approved, working = tmp_path / "approved.ftm", tmp_path / "working.ftm"
    call_command("export_case", "harbour", str(approved), format="ftm")
    call_command("export_case", "harbour", str(working), format="ftm", working=True)
    for path, name in ((approved, "Ana Mayor"), (working, "Ana Mayor-Ruiz")):
        found = entities_of(path.read_text(encoding="utf-8"))
        for data in found:
            validated(data)
        assert name in {n for e in found for n in e["properties"].get("name", [])}


@pytest.mark.parametrize("address", ["entities.ftm", "entities.gexf"])
def test_the_files_read_the_case_in_as_few_queries_as_case_json_does(client, seeded_case, address, settings,
                                                                    django_assert_max_num_queries):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    with django_assert_max_num_queries(6):
        assert client.get(f"/cases/fuzhou-genesis/{address}").status_code == 200


def test_staff_are_told_in_one_line_when_there_is_nothing_public_to_export(case_file, tmp_path):
    Case.objects.create(title="Not yet public", slug="not-yet-public")
    with pytest.raises(CommandError, match="Readers see nothing of 'not-yet-public' yet: add --working"):
        call_command("export_case", "not-yet-public", str(tmp_path / "out.ftm"), format="ftm")
    with pytest.raises(CommandError, match="--working goes with --format ftm"):
        call_command("export_case", "harbour", str(tmp_path / "out.json"), working=True)

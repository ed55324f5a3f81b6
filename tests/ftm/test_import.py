"""An FtM file brought into a case as drafts: working versions an editor reviews, nothing public before."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from casefile.models import Actor, Case, Event, EventParticipant, Relationship, Source
from casefile.workflow import latest_version

SMALL_FILE = """\
{"id": "p1", "schema": "Person", "properties": {"name": ["ANA MAYOR"], "birthDate": ["1970"]}}
{"id": "p2", "schema": "Person", "properties": {"name": ["Bruno Clerk"], "description": ["A clerk."]}}
{"id": "c1", "schema": "Company", "properties": {"name": ["Pier Holdings Ltd"], "jurisdiction": ["es"]}}
{"id": "d1", "schema": "Directorship", "properties": {"director": ["p2"], "organization": ["c1"], \
"startDate": ["2018-03"], "role": ["Director"]}}
{"id": "e1", "schema": "Event", "properties": {"name": ["Pier Holdings founded"], "date": ["2017"], \
"location": ["Harbour"], "involved": ["c1"], "organizer": ["p2"]}}
{"id": "a1", "schema": "Article", "properties": {"title": ["Pier Holdings wins harbour deal"], \
"publisher": ["The Daily"], "publishedAt": ["2020-05-02"], "sourceUrl": ["https://daily.example.org/pier"], \
"language": ["eng"]}}
{"id": "s1", "schema": "Sanction", "properties": {"entity": ["c1"], "authority": ["Harbour office"]}}
"""


@pytest.fixture
def small_file(tmp_path):
    path = tmp_path / "aleph-export.ftm"
    path.write_text(SMALL_FILE, encoding="utf-8")
    return path


def run(*args):
    out = []

    class Out:
        def write(self, text):
            out.append(text)

        def flush(self):
            pass

    call_command("import_ftm", *map(str, args), stdout=Out())
    return "".join(out)


def test_an_ftm_file_becomes_working_versions_by_the_importer_with_the_reason(case_file, reporter, small_file):
    said = run("harbour", small_file, "--user", reporter.username)
    clerk = Actor.objects.get(case=case_file, name="Bruno Clerk")
    firm = Actor.objects.get(case=case_file, name="Pier Holdings Ltd")
    assert firm.kind == "company" and clerk.description == "A clerk."
    tie = Relationship.objects.get(case=case_file, subject=clerk)
    assert (tie.object, tie.kind, tie.starts_on.isoformat(), tie.starts_precision) == (
        firm, "held office in", "2018-03-01", "month")
    event = Event.objects.get(case=case_file, title="Pier Holdings founded")
    assert (event.starts_on.year, event.starts_precision, event.location) == (2017, "year", "Harbour")
    assert set(EventParticipant.objects.filter(event=event).values_list("actor__name", "role")) == {
        ("Pier Holdings Ltd", "involved"), ("Bruno Clerk", "organizer")}
    source = Source.objects.get(case=case_file, title="Pier Holdings wins harbour deal")
    assert (source.kind, source.url, source.language) == ("news report", "https://daily.example.org/pier", "English")
    for record in (clerk, firm, tie, event, source):
        version = latest_version(type(record), record.pk)
        assert version.history_user == reporter
        assert version.history_change_reason == "imported from aleph-export.ftm"
    assert "waiting for review" in said


def test_the_import_lists_what_it_skips_and_the_actors_the_case_may_have_already(case_file, reporter, small_file):
    said = run("harbour", small_file, "--user", reporter.username)
    assert "Sanction (1)" in said
    assert "Person.birthDate (1)" in said and "Company.jurisdiction (1)" in said
    assert "“ANA MAYOR” has the name or an alias of “Ana Mayor”" in said
    # Never merged on the way in: the draft stands apart until someone merges it.
    assert Actor.objects.filter(case=case_file, name="ANA MAYOR").exists()
    assert Actor.objects.get(case=case_file, slug="ana-mayor").name == "Ana Mayor"


@pytest.mark.parametrize("content, said", [
    (b"\xff\xfe not text", "is not UTF-8 text"),
    (b'{"id": "p1", "schema": "Person", "properties": {"name": ["A"]}}\n{not json\n', "line 2, is not JSON"),
    (b'{"id": "p1", "schema": "Spaceship", "properties": {}}\n', "'Spaceship' is no schema of FollowTheMoney"),
    (b'["p1"]\n', "line 1, is no FtM entity"),
    (b'{"id": "s1", "schema": "Sanction", "properties": {}}\n', "holds no person, company"),
    (b'{"id": "p1", "schema": "Person", "properties": {"name": ["' + b"x" * 300 + b'"]}}\n',
     "Entity p1 cannot be saved as actor: name:"),
])
def test_a_bad_file_is_refused_in_one_line_and_nothing_is_written(case_file, reporter, tmp_path, content, said):
    path = tmp_path / "bad.ftm"
    path.write_bytes(content)
    actors = Actor.objects.count()
    with pytest.raises(CommandError) as refusal:
        run("harbour", path, "--user", reporter.username)
    message = str(refusal.value)
    assert said in message and "\n" not in message and "Nothing was written." in message
    assert Actor.objects.count() == actors


def test_a_missing_file_unknown_case_or_person_who_may_not_add_records_is_refused_in_one_line(
    case_file, reporter, lawyer, small_file
):
    for args, said in [
        (("harbour", Path(small_file).with_name("missing.ftm"), "--user", reporter.username), "cannot be read"),
        (("nowhere", small_file, "--user", reporter.username), "No case with the slug 'nowhere'"),
        (("harbour", small_file, "--user", "nobody"), "No active staff member"),
        (("harbour", small_file, "--user", lawyer.username), "may not add actors"),
    ]:
        with pytest.raises(CommandError, match=said):
            run(*args)


def test_a_dry_run_says_what_it_would_import_and_writes_nothing(case_file, reporter, small_file):
    actors = Actor.objects.count()
    said = run("harbour", small_file, "--user", reporter.username, "--dry-run")
    assert "3 actors, 1 relationships, 1 events and 1 sources" in said and "nothing was written" in said
    assert Actor.objects.count() == actors


def test_the_seeded_cases_own_export_comes_back_as_the_same_actors_ties_events_sources_and_relays(
    client, seeded_case, editor, tmp_path
):
    path = tmp_path / "fuzhou.ftm"
    path.write_bytes(client.get("/cases/fuzhou-genesis/entities.ftm").content)
    copy = Case.objects.create(title="A copy", slug="a-copy")
    said = run("a-copy", path, "--user", editor.username)
    assert "Not imported, of schemata Casefile does not keep: Documentation" in said
    for model in (Actor, Relationship, Event, Source):
        assert model.objects.filter(case=copy).count() == model.objects.filter(case=seeded_case).count()
    assert sorted(Relationship.objects.filter(case=copy).values_list("kind", "subject__name", "object__name")) == \
        sorted(Relationship.objects.filter(case=seeded_case).values_list("kind", "subject__name", "object__name"))
    assert sorted(Source.objects.filter(case=copy, relayed_via__isnull=False).values_list("title", "relayed_via__title")) \
        == sorted(Source.objects.filter(case=seeded_case, relayed_via__isnull=False)
                  .values_list("title", "relayed_via__title"))

"""Export a case and restore it into an empty database: nothing lost, nothing changed."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from casefile import workflow
from casefile.models import Case, Citation, Decision, Event, Fact, Source
from tests.conftest import approve_all, save


def history_of_case():
    """Every version of every record: who, when, why, what, in order."""
    versions = {}
    for model in workflow.TRACKED:
        versions[model.__name__] = [
            (row.history_id, row.id, row.history_type, row.history_date,
             row.history_user.username if row.history_user else None, row.history_change_reason)
            for row in model.history.model.objects.order_by("history_id")
        ]
    return versions


def decisions():
    return [
        (d.id, d.content_type.model, d.object_id, d.history_id, d.action, d.decided_at,
         d.decided_by.username if d.decided_by else None, d.comment)
        for d in Decision.objects.order_by("id")
    ]


def public_json(client, slug):
    response = client.get(reverse("casefile:case_json", args=[slug]))
    assert response.status_code == 200
    return response.json()


def empty_the_database():
    """What a fresh database holds: no case file, no people."""
    Decision.objects.all().delete()
    Source.objects.update(relayed_via=None)
    for model in reversed(workflow.TRACKED):
        model.objects.all().delete()
    for model in workflow.TRACKED:
        model.history.model.objects.all().delete()
    get_user_model().objects.all().delete()


@pytest.fixture
def worked_on_case(case_file, reporter, editor):
    """The published case after a correction, a rejection and an edit still in review."""
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 5.2 million."
    save(fact, reporter, "The ministry corrected the figure")
    workflow.approve(editor, {(Fact, fact.pk): workflow.latest_version(Fact, fact.pk).history_id},
                     "Corrected after the ministry's statement")
    event = Event.objects.get(slug="contract-signed")
    event.location = "Somewhere"
    save(event, reporter, "Guessing the place")
    workflow.reject(editor, {(Event, event.pk): workflow.latest_version(Event, event.pk).history_id},
                    "We do not know the place")
    fact.statement = "UNAPPROVED DRAFT: the contract was worth 6 million."
    save(fact, reporter, "Draft from a new source")
    return case_file


def test_a_restored_case_shows_readers_the_same_pages_and_keeps_its_history(
    client, worked_on_case, tmp_path
):
    backup = tmp_path / "harbour.json"
    call_command("export_case", "harbour", str(backup), stdout=open("/dev/null", "w"))
    page_before = public_json(client, "harbour")
    search_before = client.get("/search/?q=contract").content
    history_before, decisions_before = history_of_case(), decisions()
    citations_before = Citation.history.model.objects.count()

    empty_the_database()
    assert Case.objects.count() == 0 and Fact.history.model.objects.count() == 0
    call_command("import_case", str(backup), stdout=open("/dev/null", "w"))

    assert public_json(client, "harbour") == page_before
    assert client.get("/search/?q=contract").content == search_before
    assert b"contract-value" in search_before
    assert history_of_case() == history_before
    assert decisions() == decisions_before
    assert Citation.history.model.objects.count() == citations_before > 0
    assert "UNAPPROVED" not in json.dumps(page_before)
    assert Fact.objects.get(slug="contract-value").statement.startswith("UNAPPROVED DRAFT")


def test_an_export_leaves_out_which_approval_is_current_and_the_import_works_it_out(
    client, worked_on_case, tmp_path
):
    backup = tmp_path / "harbour.json"
    call_command("export_case", "harbour", str(backup), stdout=open("/dev/null", "w"))
    page_before = public_json(client, "harbour")
    assert all("is_current" not in decision["fields"] for decision in json.loads(backup.read_text())["decisions"])

    empty_the_database()
    call_command("import_case", str(backup), stdout=open("/dev/null", "w"))

    assert public_json(client, "harbour") == page_before


def test_a_restored_case_goes_on_being_edited_and_reviewed(client, worked_on_case, tmp_path):
    backup = tmp_path / "harbour.json"
    call_command("export_case", "harbour", str(backup), stdout=open("/dev/null", "w"))
    empty_the_database()
    call_command("import_case", str(backup), stdout=open("/dev/null", "w"))
    editor = get_user_model().objects.get(username="edna")
    editor.is_active = True
    editor.save()
    editor.groups.add(Group.objects.get(name=workflow.EDITORS))

    pending = [str(item.record) for item in workflow.review_queue()]
    approve_all(editor, Case.objects.get(slug="harbour"))
    fact = Fact.objects.create(case=Case.objects.get(slug="harbour"), slug="new", statement="New.")

    assert pending == ["UNAPPROVED DRAFT: the contract was worth 6 million."]
    assert "UNAPPROVED DRAFT" in json.dumps(public_json(client, "harbour"))
    assert fact.pk > max(Fact.history.model.objects.exclude(id=fact.pk).values_list("id", flat=True))


def test_people_missing_from_the_new_database_are_restored_unable_to_log_in(worked_on_case, tmp_path):
    backup = tmp_path / "harbour.json"
    call_command("export_case", "harbour", str(backup), stdout=open("/dev/null", "w"))
    empty_the_database()
    call_command("import_case", str(backup), stdout=open("/dev/null", "w"))

    editor = get_user_model().objects.get(username="edna")
    assert not editor.is_active
    assert not editor.has_usable_password()
    assert not editor.groups.exists()


def test_a_case_is_not_imported_over_itself(worked_on_case, tmp_path):
    backup = tmp_path / "harbour.json"
    call_command("export_case", "harbour", str(backup), stdout=open("/dev/null", "w"))
    versions = Fact.history.model.objects.count()

    with pytest.raises(CommandError, match="already in this database"):
        call_command("import_case", str(backup))
    assert Fact.history.model.objects.count() == versions


def test_an_import_refuses_to_overwrite_other_records_with_the_same_ids(worked_on_case, tmp_path):
    backup = tmp_path / "harbour.json"
    call_command("export_case", "harbour", str(backup), stdout=open("/dev/null", "w"))
    Case.objects.filter(slug="harbour").update(slug="renamed")

    with pytest.raises(CommandError, match="already holds records under the ids"):
        call_command("import_case", str(backup))
    assert not Case.objects.filter(slug="harbour").exists()


def test_exporting_an_unknown_case_says_so(db, tmp_path):
    with pytest.raises(CommandError, match="No case with the slug"):
        call_command("export_case", "nothing-here", str(tmp_path / "out.json"))

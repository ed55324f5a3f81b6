"""import_case writes only the one case its file declares, says so first, and explains every refusal."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casefile import workflow
from casefile.history import history_model
from casefile.management.commands.export_case import EXPORT_FORMAT, EXPORT_VERSION
from casefile.models import Actor, Case, Decision, Event, Fact, PublicationGeneration, Source
from tests.conftest import save

# Ids far above any a test database hands out, so the small case never collides.
CASE_ID, FACT_ID = 900_000, 900_001
WHEN = "2024-03-01T10:00:00+00:00"


def version(kind, pk, fields, user="nina"):
    return {
        "model": f"casefile.historical{kind}",
        "pk": pk,
        "fields": {"id": pk, **fields, "history_date": WHEN, "history_change_reason": "written",
                   "history_type": "+", "history_user": [user]},
    }


def approval(pk, kind, object_id, history_id, label, decided_at=WHEN):
    return {
        "model": "casefile.decision",
        "pk": pk,
        "fields": {"case": CASE_ID, "content_type": ["casefile", kind], "object_id": object_id,
                   "history_id": history_id, "object_repr": label, "action": "approved", "removes": False,
                   "changed_fields": [], "decided_by": ["ed"], "decided_at": decided_at,
                   "comment": "approved", "batch": "3f1b2c4d-0000-4000-8000-000000000001"},
    }


def small_export():
    """A valid export of a case of its own: the case and one fact, each written by nina and approved by ed."""
    case = {"removal_proposed": False, "title": "Leaked tender", "slug": "leak", "summary": "Who leaked it."}
    fact = {"removal_proposed": False, "case": CASE_ID, "slug": "leak-date", "status": "unverified",
            "statement": "The tender leaked in March.", "assessment": ""}
    return {
        "format": EXPORT_FORMAT, "version": EXPORT_VERSION, "case": "leak", "exported_at": WHEN,
        "users": [
            {"username": "ed", "first_name": "Ed", "last_name": "", "email": "ed@example.org", "groups": ["Editors"]},
            {"username": "nina", "first_name": "Nina", "last_name": "", "email": "nina@example.org",
             "groups": ["Reporters"]},
        ],
        "records": [
            {"model": "casefile.case", "pk": CASE_ID, "fields": case},
            {"model": "casefile.fact", "pk": FACT_ID, "fields": fact},
        ],
        "history": [version("case", CASE_ID, case), version("fact", FACT_ID, fact)],
        "decisions": [
            approval(CASE_ID, "case", CASE_ID, CASE_ID, "Leaked tender"),
            approval(CASE_ID + 1, "fact", FACT_ID, FACT_ID, "The tender leaked in March."),
        ],
    }


def write(tmp_path, data):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def run_import(path, *options):
    output = io.StringIO()
    call_command("import_case", str(path), *options, stdout=output)
    return output.getvalue()


def refusal(path):
    """The one-line message an import of `path` is refused with."""
    with pytest.raises(CommandError) as refused:
        run_import(path)
    message = str(refused.value)
    assert "\n" not in message
    return message


def page(client, name, *args):
    response = client.get(reverse(f"casefile:{name}", args=args))
    assert response.status_code == 200
    return response.content.decode()


def logs_in(username, password):
    client = Client()
    client.post(reverse("admin:login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


def nothing_of_the_small_case_written():
    return (
        not Case.objects.filter(pk=CASE_ID).exists()
        and not history_model(Case).objects.filter(id=CASE_ID).exists()
        and not Decision.objects.filter(pk=CASE_ID).exists()
        and not get_user_model().objects.filter(username__in=["ed", "nina"]).exists()
    )


def test_a_small_export_of_a_case_of_its_own_is_imported_and_published(client, case_file, tmp_path):
    run_import(write(tmp_path, small_export()))

    assert "The tender leaked in March." in page(client, "case_detail", "leak")
    assert "The tender leaked in March." not in page(client, "case_detail", "harbour")


def test_a_user_account_slipped_into_the_records_is_refused_and_nothing_is_written(db, tmp_path):
    data = small_export()
    data["records"].append({"model": "auth.user", "pk": 900_100, "fields": {
        "username": "mallory", "password": make_password("a-known-password"),
        "is_superuser": True, "is_staff": True, "is_active": True,
    }})

    message = refusal(write(tmp_path, data))

    assert message.startswith("records[2] (auth.user): not a kind of row an export's records hold")
    assert not get_user_model().objects.filter(username="mallory").exists()
    assert not logs_in("mallory", "a-known-password")
    assert nothing_of_the_small_case_written()


def test_a_fact_of_another_case_is_refused_and_that_case_keeps_its_page(client, case_file, tmp_path):
    data = small_export()
    planted = {"removal_proposed": False, "case": case_file.pk, "slug": "planted", "status": "confirmed",
               "statement": "The mayor confessed everything.", "assessment": ""}
    data["records"].append({"model": "casefile.fact", "pk": FACT_ID + 1, "fields": planted})
    data["history"].append(version("fact", FACT_ID + 1, planted))
    published_now = approval(CASE_ID + 2, "fact", FACT_ID + 1, FACT_ID + 1, "Planted")
    published_now["fields"].update(case=case_file.pk, is_current=True)
    data["decisions"].append(published_now)

    message = refusal(write(tmp_path, data))

    assert message == (
        f"records[2] (casefile.fact): case is case {case_file.pk}, not the case the file declares (case {CASE_ID})."
    )
    assert "confessed" not in page(client, "case_detail", "harbour")
    assert not Fact.objects.filter(slug="planted").exists()
    assert nothing_of_the_small_case_written()


def test_a_decision_on_a_record_the_file_does_not_hold_is_refused(client, case_file, reporter, tmp_path):
    fact = Fact.objects.get(case=case_file, slug="contract-value")
    fact.statement = "DRAFT: the contract was worth 9 million."
    save(fact, reporter, "Not checked yet")
    draft = workflow.latest_version(Fact, fact.pk).history_id
    data = small_export()
    data["decisions"].append(approval(CASE_ID + 2, "fact", fact.pk, draft, "Draft",
                                      decided_at=timezone.now().isoformat()))
    decisions = Decision.objects.count()

    message = refusal(write(tmp_path, data))

    assert message == (
        f"decisions[2] (casefile.decision): decides on fact {fact.pk}, which is not a record of the file."
    )
    fact_page = page(client, "fact_detail", "harbour", "contract-value")
    assert "worth 5 million" in fact_page and "DRAFT" not in fact_page
    assert Decision.objects.count() == decisions
    assert nothing_of_the_small_case_written()


def test_people_the_file_names_are_created_inactive_without_password_flags_or_groups(db, tmp_path):
    data = small_export()
    data["users"][0].update(is_superuser=True, is_staff=True, is_active=True,
                            password=make_password("a-known-password"), groups=["Editors"])

    output = run_import(write(tmp_path, data))

    ed = get_user_model().objects.get(username="ed")
    assert (ed.is_active, ed.is_staff, ed.is_superuser) == (False, False, False)
    assert not ed.has_usable_password()
    assert not ed.groups.exists()
    assert not logs_in("ed", "a-known-password")
    assert Decision.objects.get(pk=CASE_ID).decided_by == ed
    assert "not applied from the file's people: groups, is_active, is_staff, is_superuser, password" in output


def test_people_the_import_creates_get_no_email_address_unless_asked(db, tmp_path):
    path = write(tmp_path, small_export())

    run_import(path)

    assert set(get_user_model().objects.filter(username__in=["ed", "nina"]).values_list("email", flat=True)) == {""}


def test_people_the_import_creates_keep_the_file_s_email_address_when_asked(db, tmp_path):
    path = write(tmp_path, small_export())

    output = run_import(path, "--keep-emails")

    assert get_user_model().objects.get(username="nina").email == "nina@example.org"
    assert "with the file's email addresses: ed, nina" in output


def account(user):
    user = get_user_model().objects.get(pk=user.pk)
    return (user.first_name, user.email, user.password, user.is_active, user.is_staff, user.is_superuser,
            sorted(user.groups.values_list("name", flat=True)))


def test_someone_already_in_the_database_is_matched_by_username_and_left_unchanged(editor, tmp_path):
    before = account(editor)
    data = small_export()
    data["users"][0].update(username="edna", first_name="Someone else", email="other@example.org",
                            is_superuser=True, groups=["Editors", "Legal"])
    for decision in data["decisions"]:
        decision["fields"]["decided_by"] = ["edna"]

    output = run_import(write(tmp_path, data))

    assert account(editor) == before
    assert {d.decided_by for d in Decision.objects.filter(case_id=CASE_ID)} == {editor}
    assert "people already here, matched by username and left unchanged: edna" in output


def row_counts():
    return [model.objects.count() for model in (
        Case, Fact, history_model(Case), history_model(Fact), Decision, get_user_model(), PublicationGeneration,
    )]


def test_a_dry_run_writes_nothing_and_says_what_an_import_would_write(db, tmp_path):
    path = write(tmp_path, small_export())
    counts = row_counts()

    output = run_import(path, "--dry-run")

    assert output.splitlines() == [
        "Case 'leak' (Leaked tender):",
        "  records by kind: case 1, fact 1",
        "  versions by kind of record: case 1, fact 1",
        "  decisions: 2 approved",
        "  people to create, inactive, with no password and no groups, with no email address: ed, nina",
        "  people already here, matched by username and left unchanged: none",
        "  not applied from the file's people: groups",
        "Dry run: nothing was written.",
    ]
    assert row_counts() == counts
    assert "Dry run" not in run_import(path)
    assert Case.objects.filter(slug="leak").exists()


def top_level_list(data):
    return json.dumps([data]).encode()


def case_left_out(data):
    del data["case"]
    return json.dumps(data).encode()


def written_in_latin_1(data):
    data["records"][0]["fields"]["title"] = "Café contracts"
    return json.dumps(data, ensure_ascii=False).encode("latin-1")


def link_to_an_actor_the_file_lacks(data):
    data["records"].append({"model": "casefile.factactor", "pk": 900_300,
                            "fields": {"removal_proposed": False, "fact": FACT_ID, "actor": 424242}})
    return json.dumps(data).encode()


def field_the_model_lacks(data):
    data["records"][1]["fields"]["colour"] = "red"
    return json.dumps(data).encode()


def date_written_the_local_way(data):
    data["decisions"][1]["fields"]["decided_at"] = "31/03/2024"
    return json.dumps(data).encode()


def rejection_without_a_comment(data):
    data["decisions"][1]["fields"].update(action="rejected", comment="")
    return json.dumps(data).encode()


@pytest.mark.parametrize("spoil, expected", [
    (top_level_list, "{path} holds a JSON list where a case export holds an object "
                     '("format", "version", "case", "users", "records", "history", "decisions").'),
    (case_left_out, '{path} declares no case: the key "case" is missing.'),
    (written_in_latin_1, "{path} is not UTF-8 text: the byte 0xe9 at position {position} is not UTF-8."),
    (link_to_an_actor_the_file_lacks,
     "records[2] (casefile.factactor): actor 424242 is not among the file's actors."),
    (field_the_model_lacks, "records[1] (casefile.fact): unknown field 'colour'."),
    (date_written_the_local_way, "decisions[1] (casefile.decision): decided_at: “31/03/2024” value has an invalid "
                                 "format. It must be in YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format."),
    (rejection_without_a_comment,
     "decisions[1] (casefile.decision): A rejection needs a comment for the reporter."),
])
def test_a_malformed_file_is_refused_with_one_line_saying_what_is_wrong_and_where(db, tmp_path, spoil, expected):
    path = tmp_path / "case.json"
    content = spoil(small_export())
    path.write_bytes(content)

    message = refusal(path)

    assert message == expected.format(path=path, position=content.find("é".encode("latin-1")))
    assert nothing_of_the_small_case_written()


def test_a_version_naming_someone_the_file_does_not_list_is_refused(db, tmp_path):
    data = small_export()
    data["history"][1]["fields"]["history_user"] = ["ghost"]

    message = refusal(write(tmp_path, data))

    assert message == (
        "history[1] (casefile.historicalfact): history_user names 'ghost', who is not among the file's users."
    )
    assert nothing_of_the_small_case_written()


def empty_the_database():
    """What a fresh database holds: no case file, no people."""
    from casefile.models import LegalReview, ReplyOverride, ReplyRequest

    for model in (LegalReview, ReplyOverride, ReplyRequest):
        model.objects.all().delete()
    Decision.objects.all().delete()
    for model in reversed(workflow.TRACKED):
        if model is Source:
            # A source another one was relayed through goes after it.
            while Source.objects.exists():
                Source.objects.filter(relays__isnull=True).delete()
        else:
            model.objects.all().delete()
    for model in workflow.TRACKED:
        history_model(model).objects.all().delete()
    get_user_model().objects.all().delete()


def public_pages(client, case):
    """Every public page of the case as a reader gets it."""
    pages = {name: page(client, name, case.slug) for name in (
        "case_detail", "case_json", "corrections", "actor_list", "event_list", "fact_list", "source_list",
    )}
    for model, name in ((Actor, "actor_detail"), (Event, "event_detail"), (Fact, "fact_detail"),
                        (Source, "source_detail")):
        for slug in model.objects.filter(case=case).values_list("slug", flat=True):
            pages[f"{name} {slug}"] = page(client, name, case.slug, slug)
    pages["search"] = client.get("/search/?q=contract").content.decode()
    return pages


def test_an_exported_case_imported_into_an_empty_database_shows_readers_the_same_pages(
    client, disputed_case, reporter, editor, tmp_path
):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 5.2 million."
    save(fact, reporter, "The ministry corrected the figure")
    workflow.approve(editor, {(Fact, fact.pk): workflow.latest_version(Fact, fact.pk).history_id}, "Corrected")
    fact.statement = "UNAPPROVED DRAFT: 6 million."
    save(fact, reporter, "Draft")
    backup = tmp_path / "harbour.json"
    call_command("export_case", "harbour", str(backup), stdout=io.StringIO())
    before = public_pages(client, disputed_case)

    empty_the_database()
    run_import(backup)

    assert public_pages(client, Case.objects.get(slug="harbour")) == before
    assert "5.2 million" in before["fact_detail contract-value"]
    assert "UNAPPROVED" not in json.dumps(before)


def test_a_dry_run_of_a_refused_file_gives_the_same_refusal(db, tmp_path):
    data = small_export()
    data["history"][1]["fields"]["history_user"] = ["ghost"]

    with pytest.raises(CommandError, match="names 'ghost', who is not among the file's users"):
        run_import(write(tmp_path, data), "--dry-run")


def test_the_seeded_case_of_real_reporting_comes_back_from_an_export_unchanged(client, seeded_case, tmp_path):
    backup = tmp_path / "fuzhou-genesis.json"
    call_command("export_case", seeded_case.slug, str(backup), stdout=io.StringIO())
    before = page(client, "case_json", seeded_case.slug)

    empty_the_database()
    run_import(backup)

    assert page(client, "case_json", seeded_case.slug) == before

"""An export leaves the identities of confidential sources out unless asked, then carries them encrypted under a
passphrase; an import restores them only with that passphrase."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from casefile.models import Case, IdentityLogEntry, Source, SourceIdentity
from tests.factories import add_confidential_source
from tests.imports.test_import_case import empty_the_database, run_import

MARKER = "Hx4-identity-in-transit"
PASSPHRASE = "harbour lanterns at dawn"


@pytest.fixture
def exported(case_file, reporter, editor, tmp_path):
    add_confidential_source(case_file, reporter, editor, MARKER)
    path = tmp_path / "harbour.json"
    output = io.StringIO()
    call_command("export_case", "harbour", str(path), "--with-identities", PASSPHRASE, stdout=output)
    assert "1 identities of confidential sources, encrypted" in output.getvalue()
    empty_the_database()
    IdentityLogEntry.objects.all().delete()
    return path


def refused(path, *options):
    with pytest.raises(CommandError) as refusal:
        run_import(path, *options)
    assert "\n" not in str(refusal.value)
    assert not Case.objects.exists()
    return str(refusal.value)


def test_an_export_without_the_option_says_it_left_identities_out(case_file, reporter, editor, tmp_path):
    add_confidential_source(case_file, reporter, editor, MARKER)
    path = tmp_path / "harbour.json"
    output = io.StringIO()
    call_command("export_case", "harbour", str(path), stdout=output)
    assert "identities of confidential sources left out" in output.getvalue()
    assert "identities" not in json.loads(path.read_text())
    assert MARKER not in path.read_text()


def test_identities_travel_encrypted_and_come_back_with_the_passphrase(exported):
    assert MARKER not in exported.read_text()
    said = run_import(exported, "--with-identities", PASSPHRASE)
    assert "Identities of confidential sources: 1 restored." in said
    identity = SourceIdentity.objects.get(source__slug="municipal-official")
    assert identity.name == f"name {MARKER}" and identity.notes == f"notes {MARKER}"
    assert identity.added_by.username == "rita"
    assert list(IdentityLogEntry.objects.values_list("action", flat=True)) == ["restored"]


def test_an_import_without_the_passphrase_is_refused_in_one_line_and_writes_nothing(exported):
    assert "--with-identities PASSPHRASE" in refused(exported)


def test_a_wrong_passphrase_is_refused_in_one_line_and_writes_nothing(exported):
    assert "the passphrase does not open" in refused(exported, "--with-identities", "not the passphrase")


def test_the_case_can_be_restored_without_its_identities_when_asked(exported):
    run_import(exported, "--without-identities")
    assert Source.objects.filter(slug="municipal-official").exists()
    assert not SourceIdentity.objects.exists()


def test_a_passphrase_too_short_to_protect_them_is_refused(case_file, tmp_path):
    with pytest.raises(CommandError, match="at least 12 characters"):
        call_command("export_case", "harbour", str(tmp_path / "x.json"), "--with-identities", "short",
                     stdout=io.StringIO())

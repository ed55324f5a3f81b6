"""A file holding text no database can store is refused at the dry run, in one line, as the import itself is."""

import json

import pytest
from django.core.management import CommandError

from .test_import_case import nothing_of_the_small_case_written, run_import, small_export, write


def with_statement(statement):
    data = small_export()
    data["records"][1]["fields"]["statement"] = statement
    return data


def refused(path, *options):
    with pytest.raises(CommandError) as refusal:
        run_import(path, *options)
    return str(refusal.value)


def test_a_nul_character_in_a_statement_is_refused_by_the_dry_run_and_the_import_alike(db, tmp_path):
    path = write(tmp_path, with_statement("The tender leaked\x00 in March."))
    expected = ("records[1] (casefile.fact): statement: contains a NUL character (\\x00) at position 17, "
                "which no text can hold; remove it from the file.")

    assert refused(path, "--dry-run") == expected
    assert refused(path) == expected
    assert nothing_of_the_small_case_written()


def test_a_nul_character_in_a_version_or_a_decision_is_refused_too(db, tmp_path):
    data = small_export()
    data["history"][1]["fields"]["history_change_reason"] = "pasted\x00"
    path = write(tmp_path, data)

    assert refused(path, "--dry-run").startswith("history[1] (casefile.historicalfact): history_change_reason: "
                                                 "contains a NUL character")

    data = small_export()
    data["decisions"][1]["fields"]["changed_fields"] = ["statement\x00"]
    assert refused(write(tmp_path, data), "--dry-run").startswith(
        "decisions[1] (casefile.decision): changed_fields: contains a NUL character")
    assert nothing_of_the_small_case_written()


def test_half_of_a_character_is_refused_before_anything_is_written(db, tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(with_statement("The tender leaked in March.")).replace(
        "leaked in March", "leaked in March \\ud800"), encoding="utf-8")

    message = refused(path)

    assert message == ("records[1] (casefile.fact): statement: contains half of a character ('\\ud800', an "
                       "unpaired surrogate) at position 27, which no text can hold; correct it in the file.")
    assert nothing_of_the_small_case_written()


def test_a_refusal_quoting_the_file_shows_its_control_characters_escaped(db, tmp_path):
    data = small_export()
    data["records"][1]["model"] = "casefile.fa\x01ct"

    message = refused(write(tmp_path, data))

    assert message.startswith("records[1] (casefile.fa\\x01ct): not a kind of row")

"""With DEBUG off, pages name the static files collectstatic fingerprints; until it has run, the error says so."""

import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from casefile.static_files import CollectedStaticFilesStorage

PROJECT = Path(__file__).resolve().parent.parent


def test_before_collectstatic_a_page_naming_a_static_file_says_what_to_do(settings, tmp_path):
    storage = CollectedStaticFilesStorage(location=tmp_path)

    with pytest.raises(ValueError) as missing:
        storage.url("casefile/casefile.css")

    assert "Run `python manage.py collectstatic --no-input`." in str(missing.value)


def test_after_collectstatic_a_page_names_the_fingerprinted_file(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "casefile.static_files.CollectedStaticFilesStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)

    url = CollectedStaticFilesStorage(location=tmp_path).url("casefile/casefile.css")

    assert url.startswith("/static/casefile/casefile.") and url.endswith(".css")
    assert url != "/static/casefile/casefile.css"


def test_make_seed_collects_the_static_files_before_loading_the_case():
    planned = subprocess.run(["make", "-n", "seed"], cwd=PROJECT, capture_output=True, text=True, timeout=60)

    commands = planned.stdout.splitlines()
    collect = next(i for i, line in enumerate(commands) if "manage.py collectstatic" in line)
    load = next(i for i, line in enumerate(commands) if "manage.py load_case" in line)
    assert collect < load

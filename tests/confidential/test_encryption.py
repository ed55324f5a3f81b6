"""Identities are encrypted at rest under keys from the environment, which rotate; production needs one."""

import io
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from casefile.encryption import development_key
from casefile.models import SourceIdentity
from tests.factories import add_confidential_source

MARKER = "Rk2-at-rest"


@pytest.fixture
def identity(case_file, reporter, editor):
    source, _ = add_confidential_source(case_file, reporter, editor, MARKER)
    return SourceIdentity.objects.get(source=source)


def stored_name(identity):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name FROM {SourceIdentity._meta.db_table} WHERE id = %s", [identity.pk])
        return cursor.fetchone()[0]


def test_a_database_column_holds_only_ciphertext_that_the_key_opens(identity):
    token = stored_name(identity)
    assert MARKER not in token
    assert Fernet(settings.CASEFILE_IDENTITY_KEYS[0]).decrypt(token.encode()).decode() == f"name {MARKER}"


def test_rotation_encrypts_every_identity_under_the_new_key_so_the_old_one_can_go(identity, settings):
    old, new = settings.CASEFILE_IDENTITY_KEYS[0], Fernet.generate_key().decode()
    settings.CASEFILE_IDENTITY_KEYS = [new, old]
    output = io.StringIO()
    call_command("rotate_identity_keys", stdout=output)
    assert "1 identity encrypted under the newest key" in output.getvalue()
    settings.CASEFILE_IDENTITY_KEYS = [new]
    assert SourceIdentity.objects.get(pk=identity.pk).name == f"name {MARKER}"
    assert Fernet(new).decrypt(stored_name(identity).encode()).decode() == f"name {MARKER}"


def test_an_identity_whose_key_is_missing_is_said_to_be_unreadable_not_a_server_error(identity, reporter, settings):
    settings.CASEFILE_IDENTITY_KEYS = [Fernet.generate_key().decode()]
    client = Client()
    client.force_login(reporter)
    response = client.get(reverse("admin:casefile_source_identity", args=[identity.source_id]))
    assert response.status_code == 200
    assert "the key it was encrypted with is missing" in response.content.decode()


def test_development_derives_its_key_from_the_secret_key():
    assert "CASEFILE_IDENTITY_KEYS" not in os.environ
    assert settings.CASEFILE_IDENTITY_KEYS == [development_key(settings.SECRET_KEY)]


def settings_error(**environment):
    env = {key: value for key, value in os.environ.items() if key != "CASEFILE_IDENTITY_KEYS"}
    env.update(DEBUG="0", SECRET_KEY="s" * 60, ALLOWED_HOSTS="casefile.example.org", **environment)
    done = subprocess.run([sys.executable, "-c", "import newsroom.settings"], env=env, capture_output=True,
                          text=True, cwd=settings.BASE_DIR)
    return done.returncode, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""


def test_production_refuses_to_start_without_a_key_or_with_one_that_is_not_a_key():
    code, error = settings_error()
    assert code != 0 and "set CASEFILE_IDENTITY_KEYS" in error
    code, error = settings_error(CASEFILE_IDENTITY_KEYS="not-a-key")
    assert code != 0 and "key 1 is not a Fernet key" in error

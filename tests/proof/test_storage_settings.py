"""Copies live in the file system in development and in an S3-compatible store when configured."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ_STORAGE = (
    "import django, json; django.setup(); from django.conf import settings; "
    "from django.core.files.storage import storages; s = storages['captures']; "
    "print(json.dumps([type(s).__module__ + '.' + type(s).__name__, getattr(s, 'bucket_name', None), "
    "getattr(s, 'endpoint_url', None), str(getattr(s, 'location', '')), settings.STATIC_ROOT.as_posix()]))"
)


def storage_with(**env):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("CAPTURE_", "AWS_"))}
    environment.update(DJANGO_SETTINGS_MODULE="newsroom.settings", **env)
    result = subprocess.run([sys.executable, "-c", READ_STORAGE], cwd=ROOT, env=environment,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_development_keeps_copies_in_a_folder_outside_the_static_files():
    backend, _, _, location, static_root = storage_with()
    assert backend == "django.core.files.storage.filesystem.FileSystemStorage"
    assert location == str(ROOT / "captures")
    assert not location.startswith(static_root)


def test_a_bucket_puts_copies_in_an_s3_compatible_store_through_django_storages():
    backend, bucket, endpoint, location, _ = storage_with(
        CAPTURE_S3_BUCKET="newsroom-copies", CAPTURE_S3_ENDPOINT_URL="https://s3.example.org",
        AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
    )
    assert backend == "storages.backends.s3.S3Storage"
    assert (bucket, endpoint, location) == ("newsroom-copies", "https://s3.example.org", "captures")

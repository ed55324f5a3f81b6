"""Fixtures of the proof-chain tests: a folder of copies of the test's own, and a local server to fetch."""

import ipaddress

import pytest


@pytest.fixture
def captures_folder(settings, tmp_path):
    """Copies are stored in a folder of the test's own."""
    folder = tmp_path / "captures"
    settings.STORAGES = {
        **settings.STORAGES,
        "captures": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(folder)}},
    }
    return folder


@pytest.fixture
def local_fetching(settings):
    """The test's own server on the loopback address may be fetched, and fetches give up quickly."""
    settings.CAPTURE_FETCH_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    settings.CAPTURE_FETCH_READ_SECONDS = 1
    settings.CAPTURE_FETCH_TOTAL_SECONDS = 3
    return settings

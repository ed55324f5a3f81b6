"""Login lockout behind the load balancer: failures count per username and client address.

The balancer connects from its own address and names the client in
X-Forwarded-For; only a request from a trusted proxy (TRUSTED_PROXIES) is
believed about that.
"""

import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

PROJECT = Path(__file__).resolve().parents[2]
BALANCERS = "10.0.0.0/24"
BALANCER = "10.0.0.5"
OTHER_BALANCER = "10.0.0.6"
STRANGER = "203.0.113.7"
EDITORS_OWN_ADDRESS = "198.51.100.9"


@pytest.fixture
def behind_the_balancer(settings):
    settings.TRUSTED_PROXIES = [ipaddress.ip_network(BALANCERS)]


def connecting_from(address, forwarded_for=None):
    """A browser whose requests come from `address`, each saying `forwarded_for` if given."""
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return Client(REMOTE_ADDR=address, **headers)


def log_in(client, username, password="a-long-test-password", **headers):
    return client.post(reverse("admin:login"), {"username": username, "password": password}, **headers)


def fail_to_log_in_until_locked(client, username, **headers):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, username, password="wrong-password", **headers)


def is_locked_out(response):
    return response.status_code in {403, 429}


def test_failures_from_one_address_behind_the_balancer_do_not_lock_the_editor_out_elsewhere(
    behind_the_balancer, editor
):
    stranger = connecting_from(BALANCER, forwarded_for=STRANGER)
    fail_to_log_in_until_locked(stranger, editor.username)

    at_the_desk = log_in(connecting_from(OTHER_BALANCER, forwarded_for=EDITORS_OWN_ADDRESS), editor.username)

    assert at_the_desk.status_code == 302
    assert at_the_desk.wsgi_request.session["_auth_user_id"] == str(editor.pk)
    assert is_locked_out(log_in(stranger, editor.username))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}


def test_a_client_behind_the_balancer_cannot_escape_the_lockout_through_its_own_forwarded_header(
    behind_the_balancer, editor
):
    stranger = connecting_from(BALANCER)

    # The balancer appends the address it saw to whatever the client sent.
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(stranger, editor.username, password="wrong-password",
               HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}, {STRANGER}")
    response = log_in(stranger, editor.username, HTTP_X_FORWARDED_FOR=f"{EDITORS_OWN_ADDRESS}, {STRANGER}")

    assert is_locked_out(response)
    assert "_auth_user_id" not in stranger.session


def test_a_request_not_from_a_trusted_proxy_is_known_by_its_own_address_whatever_it_forwards(
    behind_the_balancer, editor
):
    stranger = connecting_from(STRANGER)

    # Naming the balancer as the last hop proves nothing either.
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(stranger, editor.username, password="wrong-password",
               HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}, {BALANCER}")
    response = log_in(stranger, editor.username, HTTP_X_FORWARDED_FOR=EDITORS_OWN_ADDRESS)

    assert is_locked_out(response)
    assert "_auth_user_id" not in stranger.session
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}


def test_the_client_is_found_behind_several_trusted_proxies(settings, editor):
    content_delivery_network = "172.16.0.0/12"
    settings.TRUSTED_PROXIES = [ipaddress.ip_network(BALANCERS), ipaddress.ip_network(content_delivery_network)]
    stranger = connecting_from(BALANCER, forwarded_for=f"192.0.2.1, {STRANGER}, 172.16.4.2")

    fail_to_log_in_until_locked(stranger, editor.username)

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}


def test_without_trusted_proxies_no_forwarded_header_is_believed(editor):
    stranger = Client()

    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(stranger, editor.username, password="wrong-password", HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}")

    assert is_locked_out(log_in(stranger, editor.username, HTTP_X_FORWARDED_FOR=EDITORS_OWN_ADDRESS))


def start_django(**env):
    """Set Django up in a fresh interpreter with `env`; the finished process."""
    environment = {
        key: value for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "TRUSTED_PROXIES", "FORWARDED_ALLOW_IPS"}
    }
    environment.update(DJANGO_SETTINGS_MODULE="newsroom.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=PROJECT, env=environment, capture_output=True, text=True, timeout=60,
    )


def test_the_site_refuses_to_start_with_a_trusted_proxy_that_is_no_address():
    result = start_django(TRUSTED_PROXIES="10.0.0.5, balancer.internal")

    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'balancer.internal' is not an IP address or network" in result.stderr


def test_the_site_refuses_to_start_with_the_former_name_of_trusted_proxies():
    result = start_django(FORWARDED_ALLOW_IPS="10.0.0.5")

    assert result.returncode != 0
    assert "FORWARDED_ALLOW_IPS is now called TRUSTED_PROXIES" in result.stderr


def test_the_site_starts_with_trusted_addresses_and_networks_of_either_ip_version():
    result = start_django(TRUSTED_PROXIES="10.0.0.5, 10.1.0.0/16, ::1, fd00::/8")

    assert result.returncode == 0, result.stderr

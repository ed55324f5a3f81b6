"""Production hardening: settings, login lockout, CSRF, headers and the admin."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from casefile import workflow
from casefile.models import Fact

PROJECT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "casefile.example.org",
    "CASEFILE_IDENTITY_KEYS": Fernet.generate_key().decode(),
}


def run_django(code, **env):
    """Run `code` after django.setup() in a fresh interpreter with `env`."""
    environment = {
        key: value for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "ADMIN_PATH", "CASEFILE_IDENTITY_KEYS"}
    }
    environment.update(DJANGO_SETTINGS_MODULE="newsroom.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=PROJECT, env=environment, capture_output=True, text=True, timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_django("", DEBUG="0", ALLOWED_HOSTS="casefile.example.org")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_with_a_short_secret_key():
    result = run_django("", DEBUG="0", SECRET_KEY="short", ALLOWED_HOSTS="casefile.example.org")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_django("", DEBUG="0", SECRET_KEY=PRODUCTION["SECRET_KEY"])

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ALLOWED_HOSTS" in result.stderr


def deployed_environment():
    """This environment as a deployment has it: without what the browser tests set for their own process."""
    return {name: value for name, value in os.environ.items() if name != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def test_the_deployment_check_finds_nothing_to_warn_about():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT, env={**deployed_environment(), **PRODUCTION}, capture_output=True, text=True, timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_production_cookies_are_secure_and_https_is_enforced():
    result = run_django(
        "from django.conf import settings as s\n"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.DEBUG)",
        **PRODUCTION,
    )

    assert result.stdout.split() == ["True", "True", "True", "True", "False"], result.stderr


def test_the_admin_lives_at_the_configured_path():
    result = run_django(
        "from django.urls import reverse, resolve, Resolver404\n"
        "print(reverse('admin:index'))\n"
        "try:\n    resolve('/admin/')\nexcept Resolver404:\n    print('no admin at /admin/')",
        ADMIN_PATH="/newsdesk-4b7e/",
    )

    assert result.stdout.splitlines() == ["/newsdesk-4b7e/", "no admin at /admin/"], result.stderr


def test_weak_passwords_are_refused():
    for weak in ["password", "12345678", "short"]:
        with pytest.raises(ValidationError):
            validate_password(weak)


def bad_login(client, username):
    return client.post(reverse("admin:login"), {"username": username, "password": "wrong-password"})


def test_repeated_bad_logins_lock_the_account_even_against_the_right_password(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        bad_login(client, editor.username)

    response = client.post(
        reverse("admin:login"), {"username": editor.username, "password": "a-long-test-password"}
    )

    assert response.status_code in {403, 429}
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_few_bad_logins_do_not_lock_anyone_out(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        bad_login(client, editor.username)

    response = client.post(
        reverse("admin:login"), {"username": editor.username, "password": "a-long-test-password"}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(editor.pk)


def test_the_login_form_refuses_a_post_without_its_csrf_token(editor):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        reverse("admin:login"), {"username": editor.username, "password": "a-long-test-password"}
    )

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_an_admin_form_refuses_a_post_without_its_csrf_token(case_file, reporter):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reporter)
    fact = Fact.objects.get(slug="contract-value")

    response = client.post(
        reverse("admin:casefile_fact_change", args=[fact.pk]),
        {"statement": "Forged from another site.", "change_reason": "forged"},
    )

    assert response.status_code == 403
    assert Fact.objects.get(pk=fact.pk).statement == "The contract was worth 5 million."


def test_every_form_page_carries_a_csrf_token(client, case_file, reporter):
    client.force_login(reporter)
    fact = Fact.objects.get(slug="contract-value")

    for url in [reverse("admin:casefile_fact_add"), reverse("admin:casefile_fact_change", args=[fact.pk])]:
        assert b'name="csrfmiddlewaretoken"' in client.get(url).content
    client.logout()
    assert b'name="csrfmiddlewaretoken"' in client.get(reverse("admin:login")).content


@pytest.mark.parametrize("page", [
    "case page", "case json", "case feed", "admin login", "missing page", "style sheet", "vendored script",
])
def test_every_page_carries_the_security_headers(client, case_file, page, settings):
    # Static files as WhiteNoise serves them, here from the apps' folders.
    settings.WHITENOISE_USE_FINDERS = True
    url = {
        "case page": reverse("casefile:case_detail", args=[case_file.slug]),
        "case json": reverse("casefile:case_json", args=[case_file.slug]),
        "case feed": reverse("casefile:case_feed", args=[case_file.slug]),
        "admin login": reverse("admin:login"),
        "missing page": "/cases/no-such-case/",
        "style sheet": "/static/casefile/casefile.css",
        "vendored script": "/static/casefile/vendor/cytoscape/cytoscape.min.js",
    }[page]

    response = client.get(url)

    if page in ("style sheet", "vendored script"):
        assert response.status_code == 200 and "max-age" in response["Cache-Control"]
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def admin_urls(case_file):
    """Every admin page of every registered model, and the review pages."""
    fact = Fact.objects.get(slug="contract-value")
    urls = [
        reverse("admin:index"),
        reverse("admin:casefile_review_queue"),
        reverse("admin:casefile_review", args=[workflow.key_for(Fact, fact.pk)]),
        reverse("admin:casefile_review_bulk"),
    ]
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        urls.append(reverse("admin:%s_%s_changelist" % info))
        urls.append(reverse("admin:%s_%s_add" % info))
        some = model._default_manager.order_by("pk").first()
        object_id = some.pk if some is not None else 1
        for view in ["change", "history", "delete"]:
            urls.append(reverse(f"admin:%s_%s_{view}" % info, args=[object_id]))
        if hasattr(model_admin, "reset_view"):
            urls.append(reverse("admin:%s_%s_reset" % info, args=[object_id]))
    return urls


def test_every_admin_and_history_url_refuses_anonymous_visitors(client, case_file):
    urls = admin_urls(case_file)
    login = reverse("admin:login")

    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(login), url
            assert b"contract" not in response.content, url
    assert sum("/history/" in url for url in urls) == len(admin.site._registry)


@pytest.mark.parametrize("elsewhere", ["https://elsewhere.example/", "//elsewhere.example/desk", "javascript:alert(1)"])
def test_a_login_asked_to_return_to_another_site_lands_on_the_desk(client, editor, elsewhere):
    login = reverse("admin:login") + "?" + urlencode({"next": elsewhere})

    response = client.post(login, {"username": editor.username, "password": "a-long-test-password",
                                   "next": elsewhere})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert client.get(response["Location"]).status_code == 200

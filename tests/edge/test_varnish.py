"""Readers through the edge cache: Varnish with the site's VCL in front of the running site.

Pages are kept at the edge and purged by surrogate key when an approval
commits; staff and the admin always reach the site.
"""

import time
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client

from casefile import workflow
from casefile.models import Actor, Event, Fact
from casefile.workflow import scheduling
from tests.factories import approve_edit, save
from tests.scheduling.support import DATABASE_TASKS, MARKER, approve_for_later, soon

from .varnish import request

pytestmark = [pytest.mark.edge, pytest.mark.django_db(transaction=True)]

FACT_PAGE = "/cases/harbour/facts/contract-value/"
CASE_PAGE = "/cases/harbour/"
# How soon after an approval commits readers at the edge see it.
PURGE_SECONDS = 1.0


@pytest.fixture
def edge(live_server, varnish, settings):
    """Varnish in front of the live site, which purges it as production's would, right after each commit."""
    origin = urlsplit(live_server.url)
    instance = varnish(origin.hostname, origin.port, admin_path=django_settings.ADMIN_PATH)
    settings.EDGE_PURGE_URL = instance.url + "/"
    settings.TASKS = {
        "default": {**settings.TASKS["default"], "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    return instance


def read(edge, path, **headers):
    """(status, headers, text) of a request through the edge."""
    status, answer, body = request(edge.url + path, headers=headers)
    return status, answer, body.decode()


def shows_within(edge, path, expected, seconds=PURGE_SECONDS):
    """Whether `expected` (a text, or a status) is what the edge answers for `path` within `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        status, _, text = read(edge, path)
        if expected == status or isinstance(expected, str) and status == 200 and expected in text:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def kept_at_the_edge(edge, path):
    """Read `path` until the edge answers it from what it keeps; its text."""
    read(edge, path)
    status, headers, text = read(edge, path)
    assert (status, headers["X-Edge"]) == (200, "hit"), path
    return text


def session_cookie(user):
    client = Client()
    client.force_login(user)
    return f"{django_settings.SESSION_COOKIE_NAME}={client.cookies[django_settings.SESSION_COOKIE_NAME].value}"


def test_a_public_page_is_served_from_the_edge_the_second_time(edge, case_file):
    first_status, first, first_text = read(edge, FACT_PAGE)
    second_status, second, second_text = read(edge, FACT_PAGE)

    assert (first_status, first["X-Edge"]) == (200, "miss")
    assert (second_status, second["X-Edge"]) == (200, "hit")
    # A hit names the request that fetched the page besides its own.
    assert len(second["X-Varnish"].split()) == 2
    assert second_text == first_text
    assert "The contract was worth 5 million." in second_text


def test_readers_share_a_kept_page_whatever_cookies_they_bring(edge, case_file):
    kept_at_the_edge(edge, FACT_PAGE)

    _, headers, _ = read(edge, FACT_PAGE, Cookie="csrftoken=from-the-login-page; _ga=GA1.1")
    assert headers["X-Edge"] == "hit"


def test_the_edge_keeps_its_keys_to_itself_and_tells_browsers_to_check_again(edge, case_file):
    _, headers, _ = read(edge, FACT_PAGE)

    assert "Surrogate-Key" not in headers
    assert "xkey" not in headers
    assert headers["Cache-Control"] == "no-cache"


def test_an_approved_edit_reaches_readers_at_the_edge_within_a_second(edge, case_file, editor):
    kept_at_the_edge(edge, FACT_PAGE)
    kept_at_the_edge(edge, CASE_PAGE)

    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million."
    save(fact, editor)
    approve_edit(editor, fact, "checked against the ledger")

    assert shows_within(edge, FACT_PAGE, "The contract was worth 7 million.")
    assert shows_within(edge, CASE_PAGE, "The contract was worth 7 million.")


def test_a_reporters_unapproved_edit_never_reaches_readers_at_the_edge(edge, case_file, reporter):
    kept_at_the_edge(edge, FACT_PAGE)

    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 9 million."
    save(fact, reporter)
    _, kept, kept_text = read(edge, FACT_PAGE)
    edge.forget_everything()
    _, fetched, fetched_text = read(edge, FACT_PAGE)

    assert (kept["X-Edge"], fetched["X-Edge"]) == ("hit", "miss")
    for text in (kept_text, fetched_text):
        assert "The contract was worth 5 million." in text
        assert "9 million" not in text


def test_a_record_whose_removal_is_approved_is_gone_from_the_edge_within_a_second(edge, case_file, reporter, editor):
    actor_page = "/cases/harbour/actors/quay-builders/"
    kept_at_the_edge(edge, actor_page)
    assert "Quay Builders" in kept_at_the_edge(edge, CASE_PAGE)

    actor = Actor.objects.get(slug="quay-builders")
    workflow.propose_removal(actor, reporter, "Not part of this story.")
    approve_edit(editor, actor, "agreed")

    assert shows_within(edge, actor_page, 404)
    assert "Quay Builders" not in read(edge, CASE_PAGE)[2]


def test_a_record_an_editor_deletes_is_gone_from_the_edge_within_a_second(edge, case_file, editor):
    event_page = "/cases/harbour/events/contract-signed/"
    kept_at_the_edge(edge, event_page)

    workflow.delete_record(Event.objects.get(slug="contract-signed"), editor, "Duplicate of another event.")

    assert shows_within(edge, event_page, 404)


def test_a_logged_in_editor_is_never_served_a_kept_page_and_their_pages_are_never_kept(edge, case_file, editor):
    kept_at_the_edge(edge, FACT_PAGE)
    cookie = session_cookie(editor)

    for path in (FACT_PAGE, "/cases/harbour/events/contract-signed/", "/" + django_settings.ADMIN_PATH):
        status, headers, _ = read(edge, path, Cookie=cookie)
        assert (status, headers["X-Edge"]) == (200, "pass"), path
        assert "public" not in headers.get("Cache-Control", ""), path
        assert len(headers["X-Varnish"].split()) == 1, path
    # The editor's visit left nothing behind for readers.
    assert read(edge, "/cases/harbour/events/contract-signed/")[1]["X-Edge"] == "miss"


def test_the_admin_is_never_kept_even_for_a_visitor_without_a_session(edge, case_file):
    login = "/" + django_settings.ADMIN_PATH + "login/"
    read(edge, login)

    assert read(edge, login)[1]["X-Edge"] == "pass"


def test_the_sites_purge_answers_with_how_many_pages_it_dropped(edge, case_file):
    kept_at_the_edge(edge, FACT_PAGE)
    fact = Fact.objects.get(slug="contract-value")

    status, _, body = request(edge.url + "/", "PURGE", {"Surrogate-Key": f"fact-{fact.pk} no-such-key"})

    assert (status, body) == (200, b"Purged 1\n")
    assert read(edge, FACT_PAGE)[1]["X-Edge"] == "miss"


def test_a_purge_without_keys_is_refused(varnish):
    edge = varnish("127.0.0.1", 9)

    assert request(edge.url + "/", "PURGE")[0] == 400


def test_a_purge_from_an_address_not_allowed_to_purge_is_refused(varnish):
    edge = varnish("127.0.0.1", 9, purgers=["192.0.2.0/24"])

    assert request(edge.url + "/", "PURGE", {"Surrogate-Key": "listings"})[0] == 403


def test_the_sitemap_at_the_edge_lists_a_newly_approved_record_within_a_second(edge, case_file, reporter, editor):
    address = "/cases/harbour/facts/second-contract/"
    assert address not in kept_at_the_edge(edge, "/sitemap.xml")

    fact = save(Fact(case=case_file, slug="second-contract", statement="A second contract followed."), reporter)
    approve_edit(editor, fact, "checked")

    assert shows_within(edge, "/sitemap.xml", address)


def test_readers_keep_getting_the_page_the_edge_holds_while_the_site_is_down(edge, case_file, settings):
    settings.EDGE_MAX_AGE = 1
    kept = kept_at_the_edge(edge, FACT_PAGE)
    # As the health probe finds it when the site cannot reach its database.
    edge.admin("backend.set_health", "casefile", "sick")
    time.sleep(1.2)

    status, headers, text = read(edge, FACT_PAGE)
    assert (status, headers["X-Edge"]) == (200, "stale")
    assert text == kept


def test_a_page_the_edge_does_not_hold_while_the_site_is_down_says_to_come_back(edge, case_file):
    edge.admin("backend.set_health", "casefile", "sick")

    status, headers, text = read(edge, CASE_PAGE)
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert "back shortly" in text


def test_an_approval_for_later_reaches_the_edge_at_its_time_and_not_before(edge, case_file, reporter, editor, settings):
    purged_at_once = settings.TASKS
    kept_at_the_edge(edge, FACT_PAGE)
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = f"The contract was worth 6 million. {MARKER}"
    save(fact, reporter)
    settings.TASKS = DATABASE_TASKS
    schedule = approve_for_later(editor, soon(minutes=1), fact)

    assert MARKER not in kept_at_the_edge(edge, FACT_PAGE)
    settings.TASKS = purged_at_once
    with time_machine.travel(schedule.due_at, tick=False):
        scheduling.carry_out_due()

    assert shows_within(edge, FACT_PAGE, MARKER)

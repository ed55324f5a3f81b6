"""Redis stops: readers keep every page, editors keep approving, and nothing out of date is served after."""

import logging
import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache import cache
from django.test import Client

from casefile import workflow
from casefile.models import Fact
from newsroom.cache import CircuitBreaker
from tests.factories import committed, save
from tests.public.pages import case_url

PAGES = ["/", "/cases/harbour/", "/cases/harbour/facts/contract-value/", "/search/?q=contract"]


def redis_cache(port):
    return {"default": {
        "BACKEND": "newsroom.cache.ReusedClientRedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_refusing(settings):
    """A cache pointed at an address where no Redis answers: every connection is refused."""
    settings.CACHES = redis_cache(free_port())


@pytest.fixture
def own_redis(settings):
    """A redis-server of the test's own, which the test can pause as a stalled or cut-off Redis would be."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.02)
    settings.CACHES = redis_cache(port)
    yield port
    process.terminate()
    process.wait(timeout=5)


def pause(port, milliseconds):
    """Redis stops answering for a while and keeps what it holds, as behind a broken link."""
    subprocess.run(
        [shutil.which("redis-cli") or "redis-cli", "-p", str(port), "client", "pause", str(milliseconds)],
        check=True, capture_output=True,
    )


def test_every_public_page_answers_while_redis_refuses_connections(case_file, redis_refusing):
    reader = Client()
    for url in PAGES:
        response = reader.get(url)
        assert response.status_code == 200, url
    assert "The contract was worth 5 million." in reader.get(PAGES[2]).content.decode()


def test_redis_refusing_connections_is_logged_once_and_not_asked_again_for_every_request(
    case_file, redis_refusing, caplog, monkeypatch
):
    reader = Client()
    refusals = []
    noted = cache.breaker.failed
    monkeypatch.setattr(cache.breaker, "failed", lambda error: (refusals.append(error), noted(error)))
    with caplog.at_level(logging.ERROR, logger="newsroom.cache"):
        started = time.monotonic()
        for _ in range(20):
            assert reader.get(PAGES[1]).status_code == 200
        elapsed = time.monotonic() - started

    assert [record.message for record in caplog.records].count(caplog.records[0].message) == 1
    assert "shared cache is unavailable" in caplog.records[0].message
    # Twenty requests waited on one refused connection, not twenty: Redis is
    # asked again once the breaker has been open for its while, however
    # slowly a busy machine served the twenty.
    assert cache.breaker.failed_within(CircuitBreaker.OPEN_SECONDS)
    assert 1 <= len(refusals) <= 1 + elapsed // CircuitBreaker.OPEN_SECONDS


def test_an_approval_made_while_redis_is_down_succeeds_and_readers_see_it(case_file, reporter, editor, redis_refusing):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 9 million."
    save(fact, reporter)

    with committed():
        approved = workflow.approve_case(editor, case_file, "Checked against the registry.")

    assert approved
    assert "The contract was worth 9 million." in Client().get(PAGES[2]).content.decode()


def test_a_page_cached_before_an_approval_made_while_redis_stalled_is_not_served_once_it_answers(
    case_file, reporter, editor, own_redis
):
    reader = Client()
    url = case_url(case_file, "fact_detail", "contract-value")
    reader.get(url)
    assert reader.get(url)["X-Public-Cache"] == "hit"

    pause(own_redis, 600)
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 9 million."
    save(fact, reporter)
    with committed():
        assert workflow.approve_case(editor, case_file, "")
    during = reader.get(url)
    time.sleep(0.7)
    after = reader.get(url)

    for response in (during, after):
        assert response.status_code == 200
        assert "The contract was worth 9 million." in response.content.decode()


def test_an_approval_made_while_redis_is_down_still_queues_its_pages_to_be_kept(
    case_file, reporter, editor, redis_refusing, keeps_pages, settings
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "edge", "mail"]}}
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 9 million."
    save(fact, reporter)
    with committed():
        workflow.approve_case(editor, case_file, "")

    assert DBTaskResult.objects.filter(task_path__endswith="keep_pages").exists()

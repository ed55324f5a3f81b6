"""The database stops answering: readers get the last page kept or a page asking them to come back, never a bare 500."""

import contextlib

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import Client

from casefile import pagecache
from casefile.models import Fact
from tests.public.pages import case_url


@contextlib.contextmanager
def database_down():
    """Every query fails as it does when PostgreSQL has stopped or the network to it is cut."""

    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    with connection.execute_wrapper(refuse):
        yield


@pytest.fixture
def reader():
    # What a browser gets: the error page, not the exception.
    return Client(raise_request_exception=False)


def test_a_page_in_the_cache_is_served_as_possibly_out_of_date(case_file, reader):
    url = case_url(case_file, "fact_detail", "contract-value")
    reader.get(url)
    assert reader.get(url)["X-Public-Cache"] == "hit"
    # The cache's two-second copy of the generation numbers has expired: they must be read from the database.
    cache.delete_many([pagecache.generation_key(scope) for scope in pagecache.page_scopes(case_file.slug)])
    with database_down():
        response = reader.get(url)

    assert response.status_code == 200
    assert "The contract was worth 5 million." in response.content.decode()
    assert response["Warning"] == '110 - "Response is Stale"'
    assert int(response["Age"]) >= 0
    assert response["Cache-Control"] == "no-store"


def test_a_page_not_in_the_cache_asks_the_reader_to_come_back_in_the_sites_own_design(case_file, reader):
    with database_down():
        response = reader.get(case_url(case_file, "fact_detail", "contract-value"))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "back shortly" in page
    assert "Casefile Newsroom · Case files" in page


def test_an_editor_saving_while_the_database_is_down_is_told_nothing_was_saved(case_file, editor):
    staff = Client(raise_request_exception=False)
    staff.force_login(editor)
    fact = Fact.objects.get(slug="contract-value")
    with database_down():
        response = staff.post(f"/admin/casefile/fact/{fact.pk}/change/", {"statement": "Half a save."})

    assert response.status_code == 503
    assert "Nothing was saved." in response.content.decode()
    fact.refresh_from_db()
    assert fact.statement == "The contract was worth 5 million."


def test_health_says_the_process_lives_and_the_instance_is_not_ready_without_its_database(case_file, reader):
    with database_down():
        alive = reader.get("/healthz")
        ready = reader.get("/readyz")

    assert alive.status_code == 200
    assert ready.status_code == 503
    assert ready.json()["database"] == "down"
    assert ready["Cache-Control"] == "no-store"


def test_health_reports_each_part_up_when_all_is_well(case_file, reader):
    ready = reader.get("/readyz")

    assert ready.status_code == 200
    assert ready.json() == {"database": "up", "cache": "local", "tasks": "immediate", "tasks_waiting_seconds": 0}

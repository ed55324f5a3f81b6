"""What readers see now is read from the Publication rows that approvals write."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casefile import published, workflow
from casefile.models import Actor, Fact, Publication

from .factories import grow, save

CASE_PAGES = [
    "/cases/harbour/", "/cases/harbour/case.json", "/cases/harbour/actors/", "/cases/harbour/timeline/",
    "/cases/harbour/facts/?status=disputed", "/cases/harbour/sources/",
]
RECORD_PAGES = [
    "/cases/harbour/facts/mayor-owns-shares/",
    "/cases/harbour/actors/ana-mayor/",
    "/cases/harbour/events/tender-opened/",
    "/cases/harbour/sources/registry/",
    "/cases/harbour/sources/forum-post/",
]
MAX_QUERIES_PER_PAGE = 6
# A record's page also reads its approved versions (an actor's, those of its ties too), and a source's
# page the other citations of the claims it supports, to say which rest on it alone.
MAX_QUERIES_PER_RECORD_PAGE = 10


def read(client, url):
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return [query["sql"] for query in captured]


@pytest.mark.parametrize("facts", [10, 500])
def test_the_case_and_record_pages_take_a_handful_of_queries_whatever_the_size_of_the_case(
    client, disputed_case, reporter, editor, facts, settings
):
    # What rendering a page costs, without the page cache's own read of its generations.
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    grow(disputed_case, reporter, editor, facts)
    for url in CASE_PAGES[2:]:
        assert len(read(client, url)) <= MAX_QUERIES_PER_PAGE, url
    # Pages that are kept look for their kept copy first; none is kept here.
    for url in CASE_PAGES[:2]:
        assert len(read(client, url)) <= MAX_QUERIES_PER_PAGE + 1, url
    for url in RECORD_PAGES:
        assert len(read(client, url)) <= MAX_QUERIES_PER_RECORD_PAGE, url


@pytest.mark.parametrize("url", CASE_PAGES)
def test_a_case_page_of_today_reads_no_version_history(client, disputed_case, url):
    assert not [sql for sql in read(client, url) if "casefile_historical" in sql]


@pytest.mark.parametrize("url", RECORD_PAGES)
def test_a_record_page_of_today_reads_its_approved_versions_in_one_query_a_kind(client, disputed_case, url):
    history_reads = [sql for sql in read(client, url) if "casefile_historical" in sql]
    # An actor's page reads its own versions and those of its ties.
    assert len(history_reads) == (2 if "/actors/" in url else 1)


def test_a_publication_holds_the_approved_version_not_the_working_one(case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "A draft no editor has seen."
    save(fact, reporter)
    publication = Publication.objects.of_kind(Fact).get(object_id=fact.pk)

    assert publication.record(Fact).statement == "The contract was worth 5 million."
    assert publication.history_id == workflow.approved_version(Fact, fact.pk).history_id

    workflow.approve_case(editor, case_file, "Checked")
    publication.refresh_from_db()
    assert publication.record(Fact).statement == "A draft no editor has seen."
    assert publication.first_published_at < publication.published_at


def test_a_removed_record_is_no_longer_published_and_its_page_is_gone(client, case_file, reporter, editor):
    actor = Actor.objects.get(slug="quay-builders")
    workflow.propose_removal(actor, reporter, "Not part of the story")
    assert published.is_public(actor)

    workflow.approve_case(editor, case_file, "Taken down")

    assert not published.is_public(actor)
    assert not Publication.objects.of_kind(Actor).filter(object_id=actor.pk).exists()
    assert client.get("/cases/harbour/actors/quay-builders/").status_code == 404


def test_the_form_of_a_record_whose_removal_was_approved_says_readers_no_longer_see_it(
    case_file, reporter, editor, editor_client
):
    actor = Actor.objects.get(slug="quay-builders")
    workflow.propose_removal(actor, reporter, "Not part of the story")
    workflow.approve_case(editor, case_file, "Taken down")

    page = editor_client.get(actor.get_admin_url()).content.decode()

    assert "Readers do not see this record: its removal was approved." in page
    assert "readers see the approved version" not in page.lower()

"""The pages of the seeded case, as loaded from fixtures/fuzhou-genesis.json."""

import pytest

from casefile import published
from tests.public.pages import (
    MAX_QUERIES_PER_PAGE,
    case_url,
    every_record_page,
    page,
    pages_read_from_the_whole_case,
)


@pytest.fixture
def seeded(seeded_case):
    """The seeded case, asked for by name: built once per worker and shared (tests/conftest.py)."""
    return seeded_case


def test_the_seeded_case_page_sets_each_disputed_fact_against_its_sources(client, seeded):
    snapshot = published.published_case(seeded.slug)
    html = page(client, seeded.get_absolute_url())
    disputed = html[html.index('id="disputed"'):]
    assert snapshot.disputed_facts
    for fact in snapshot.disputed_facts:
        assert f'href="{fact.get_absolute_url()}"' in disputed
        for citation in fact.public_citations:
            assert f'href="{citation.source.get_absolute_url()}"' in disputed


def test_the_seeded_case_pages_take_few_queries(client, seeded, django_assert_max_num_queries):
    snapshot = published.published_case(seeded.slug)
    urls = [seeded.get_absolute_url(), case_url(seeded, "corrections"), case_url(seeded, "case_json")] + [
        record.get_absolute_url()
        for records in (snapshot.actors, snapshot.events, snapshot.facts, snapshot.sources)
        for record in list(records.values())[:3]
    ]
    for url in urls:
        with django_assert_max_num_queries(MAX_QUERIES_PER_PAGE):
            assert client.get(url).status_code == 200, url


def test_every_seeded_record_page_matches_the_whole_case(client, seeded, reached_pages, monkeypatch):
    urls = every_record_page(published.published_case(seeded.slug))

    narrow = {url: reached_pages[url][1].decode() if url in reached_pages else page(client, url) for url in urls}
    whole = pages_read_from_the_whole_case(client, urls, monkeypatch)

    assert len(urls) > 90
    assert [url for url in urls if narrow[url] != whole[url]] == []


def test_the_import_note_for_the_newsroom_reaches_no_reader(client, seeded, reached_pages):
    snapshot = published.published_case(seeded.slug)
    urls = [seeded.get_absolute_url(), case_url(seeded, "corrections"), case_url(seeded, "case_json"),
            *every_record_page(snapshot)]
    read = {url: body.decode() for url, (_, body) in reached_pages.items()}
    read.update({url: page(client, url) for url in urls if url not in read})
    assert [url for url, body in read.items() if "Approved on import" in body] == []

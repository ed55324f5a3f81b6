"""What the site tells an edge cache in front of it: which pages it may keep, and the keys that purge them."""

import pytest
from django.test import Client
from django.utils import timezone

from casefile import workflow
from casefile.models import Fact, Source
from casefile.publishing import edge
from tests.factories import committed, save
from tests.public.pages import case_url


@pytest.fixture
def with_edge(settings):
    settings.EDGE_PURGE_URL = "http://127.0.0.1:9/"
    settings.EDGE_MAX_AGE = 3600
    settings.EDGE_STALE_SECONDS = 30


def keys(response):
    return set(response["Surrogate-Key"].split())


def test_without_an_edge_public_pages_are_checked_on_every_visit_and_carry_no_keys(client, case_file):
    response = client.get(case_url(case_file, "fact_detail", "contract-value"))

    assert response["Cache-Control"] == "no-cache"
    assert "Surrogate-Key" not in response


def test_a_record_page_may_be_kept_by_the_edge_and_names_the_records_it_shows(client, case_file, with_edge):
    fact = Fact.objects.get(slug="contract-value")
    daily = Source.objects.get(slug="daily")

    response = client.get(case_url(case_file, "fact_detail", "contract-value"))

    assert response["Cache-Control"] == "public, max-age=0, s-maxage=3600, stale-while-revalidate=30"
    assert {f"fact-{fact.pk}", f"source-{daily.pk}", "case:harbour:pages"} <= keys(response)
    assert "case:harbour" not in keys(response)


def test_pages_that_show_the_whole_case_are_purged_by_any_change_in_it(client, case_file, with_edge):
    for address in [(), ("case_json",), ("case_entities",), ("case_graph",), ("fact_list",), ("corrections",)]:
        assert keys(client.get(case_url(case_file, *address))) == {"case:harbour", "lang:en-gb"}
    today = timezone.now().date().isoformat()
    assert keys(client.get(case_url(case_file, "fact_detail", "contract-value") + f"?as_of={today}")) == {
        "case:harbour", "lang:en-gb"
    }


def test_pages_that_read_every_case_are_purged_by_any_change(client, case_file, with_edge):
    for url in ["/", "/search/?q=contract", "/feed.atom"]:
        assert keys(client.get(url)) == {"listings", "lang:en-gb"}


def test_a_page_in_chinese_is_purged_with_its_english_page_and_alone_by_its_language(client, case_file, with_edge):
    english = keys(client.get(case_url(case_file, "fact_detail", "contract-value")))
    chinese = keys(client.get("/zh-hans" + case_url(case_file, "fact_detail", "contract-value")))

    assert english - {"lang:en-gb"} == chinese - {"lang:zh-hans"}
    assert "lang:zh-hans" in chinese and "lang:en-gb" not in chinese
    assert keys(client.get("/zh-hans/")) == {"listings", "lang:zh-hans"}


def test_a_kept_page_carries_the_keys_it_was_rendered_with(case_file, with_edge, keeps_pages):
    url = case_url(case_file, "fact_detail", "contract-value")
    kept = Client().get(url)

    assert kept["Surrogate-Key"]
    assert "case:harbour:pages" in keys(kept)
    assert f"fact-{Fact.objects.get(slug='contract-value').pk}" in keys(kept)


def test_staff_and_pages_not_found_are_never_offered_to_the_edge(editor_client, client, case_file, with_edge):
    staff_view = editor_client.get(case_url(case_file, "fact_detail", "contract-value"))
    missing = client.get("/cases/harbour/facts/no-such-fact/")

    for response in (staff_view, missing):
        assert "public" not in response.get("Cache-Control", "")
        assert "Surrogate-Key" not in response


def test_an_approval_purges_the_keys_of_the_records_it_changed_and_of_the_pages_that_list_them(
    case_file, reporter, editor, settings
):
    heard = []
    settings.EDGE_PURGE_URL = "http://127.0.0.1:9/"

    def listen(change, **kwargs):
        heard.append(edge.keys_of_change(change))

    from casefile.signals import published

    published.connect(listen)
    try:
        fact = Fact.objects.get(slug="contract-value")
        fact.statement = "The contract was worth 6 million."
        save(fact, reporter)
        with committed():
            workflow.approve_case(editor, case_file, "")
    finally:
        published.disconnect(listen)

    [purged] = heard
    assert {f"fact-{fact.pk}", "case:harbour", "listings"} <= set(purged)
    # The case itself did not change: record pages showing other records stay at the edge.
    assert "case:harbour:pages" not in purged

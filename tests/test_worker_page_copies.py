"""Each worker holds the bodies of the cached pages it served last, served only while they are current."""

import time

from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from casefile.models import Fact
from casefile.pagecache import PublicPageCacheMiddleware, WorkerCopies
from tests.conftest import approve_all, save


def case_page_url(case):
    return reverse("casefile:case_detail", args=[case.slug])


def keys_asked_of_the_shared_cache(monkeypatch):
    """The keys of each read of the shared cache from now on."""
    asked = []
    get, get_many = cache.get, cache.get_many

    def recording_get(key, *args, **kwargs):
        asked.append([key])
        return get(key, *args, **kwargs)

    def recording_get_many(keys, *args, **kwargs):
        asked.append(list(keys))
        return get_many(keys, *args, **kwargs)

    monkeypatch.setattr(cache, "get", recording_get)
    monkeypatch.setattr(cache, "get_many", recording_get_many)
    return asked


def approve_a_new_contract_value(case, reporter, editor):
    """An edit approved through the shared database and cache only, as on another server."""
    fact = Fact.objects.get(case=case, slug="contract-value")
    fact.statement = "The contract was worth 7 million."
    save(fact, reporter)
    approve_all(editor, case)


def test_a_worker_serves_the_body_it_holds_and_reads_only_the_page_description_and_generations(
    client, case_file, monkeypatch
):
    url = case_page_url(case_file)
    first = client.get(url)
    key, _ = PublicPageCacheMiddleware(lambda request: None).cache_key(RequestFactory().get(url))
    asked = keys_asked_of_the_shared_cache(monkeypatch)

    second = client.get(url)

    assert second["X-Public-Cache"] == "hit"
    assert second.content == first.content
    assert key in asked[0]
    assert not [keys for keys in asked if f"{key}:body" in keys]


def test_a_worker_serves_no_page_the_shared_cache_has_lost(client, case_file):
    url = case_page_url(case_file)
    client.get(url)
    cache.clear()

    assert client.get(url)["X-Public-Cache"] == "miss"


def test_a_copy_held_by_a_worker_gives_way_to_an_approval_made_elsewhere(client, case_file, reporter, editor):
    url = case_page_url(case_file)
    client.get(url)
    approve_a_new_contract_value(case_file, reporter, editor)

    response = client.get(url)

    assert response["X-Public-Cache"] == "miss"
    assert "The contract was worth 7 million." in response.content.decode()


def test_a_worker_with_an_old_copy_serves_the_page_another_worker_rendered_since(
    client, case_file, reporter, editor
):
    url = case_page_url(case_file)
    client.get(url)
    approve_a_new_contract_value(case_file, reporter, editor)
    rendered_by_the_other = Client().get(url)

    response = client.get(url)

    assert rendered_by_the_other["X-Public-Cache"] == "miss"
    assert response["X-Public-Cache"] == "hit"
    assert response.content == rendered_by_the_other.content


def test_a_worker_keeps_no_copy_longer_than_the_shared_cache_keeps_the_page(
    client, case_file, settings, monkeypatch
):
    url = case_page_url(case_file)
    client.get(url)
    later = time.time() + settings.PUBLIC_PAGE_CACHE_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)

    assert client.get(url)["X-Public-Cache"] == "miss"


def test_the_copies_a_worker_holds_stay_within_their_bytes_the_least_recently_served_going_first():
    copies = WorkerCopies(max_bytes=300)
    for key in ("case", "fact", "actor"):
        copies.keep(key, f'"{key}"', b"x" * 100)
    copies.get("case", '"case"')

    copies.keep("source", '"source"', b"x" * 100)

    assert copies.get("fact", '"fact"') is None
    assert [key for key in ("case", "actor", "source") if copies.get(key, f'"{key}"')] == ["case", "actor", "source"]
    assert copies.size == 300


def test_a_copy_is_served_only_for_the_etag_it_was_kept_with():
    copies = WorkerCopies(max_bytes=300)
    copies.keep("case", '"before"', b"the page before the approval")

    assert copies.get("case", '"after"') is None
    assert copies.get("case", '"before"') == b"the page before the approval"


def test_a_page_larger_than_all_the_copies_may_hold_is_not_held():
    copies = WorkerCopies(max_bytes=300)
    copies.keep("case", '"case"', b"x" * 100)

    copies.keep("huge", '"huge"', b"x" * 301)

    assert copies.get("huge", '"huge"') is None
    assert copies.get("case", '"case"') is not None


def test_a_page_description_found_with_the_body_of_another_render_is_rendered_again(client, case_file):
    url = case_page_url(case_file)
    key, _ = PublicPageCacheMiddleware(lambda request: None).cache_key(RequestFactory().get(url))
    Client().get(url)
    # Another request's render wrote its body between this page's two keys.
    cache.set(f"{key}:body", ('"another render"', b"the body of another render"))

    response = client.get(url)

    assert response["X-Public-Cache"] == "miss"
    assert b"the body of another render" not in response.content

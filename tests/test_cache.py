"""Cached public pages: fast for readers, never stale after an approval."""

import threading

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from casefile import pagecache
from casefile.models import Actor, Case, Fact
from casefile.pagecache import PublicPageCacheMiddleware
from tests.factories import approve_all, committed, save


def case_json_url(case):
    return reverse("casefile:case_json", args=[case.slug])


def statements(response):
    return [fact["statement"] for fact in response.json()["facts"]]


def test_a_second_anonymous_request_is_served_from_the_cache(client, case_file):
    first = client.get(case_json_url(case_file))
    second = client.get(case_json_url(case_file))

    assert first.status_code == second.status_code == 200
    assert first["X-Public-Cache"] == "miss"
    assert second["X-Public-Cache"] == "hit"
    assert second.content == first.content


def test_a_page_served_from_the_cache_reads_nothing_from_the_database(
    client, case_file, django_assert_num_queries
):
    url = reverse("casefile:case_detail", args=[case_file.slug])
    client.get(url)

    with django_assert_num_queries(0):
        response = client.get(url)

    assert response["X-Public-Cache"] == "hit"


def test_a_page_from_the_cache_keeps_the_security_headers(client, case_file):
    url = reverse("casefile:case_detail", args=[case_file.slug])
    client.get(url)

    response = client.get(url)

    assert response["X-Public-Cache"] == "hit"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("accept_encoding", ["gzip", "identity"])
def test_a_page_from_the_cache_declares_the_length_of_the_body_it_sends(client, case_file, accept_encoding):
    url = reverse("casefile:case_detail", args=[case_file.slug])
    client.get(url, HTTP_ACCEPT_ENCODING=accept_encoding)

    response = client.get(url, HTTP_ACCEPT_ENCODING=accept_encoding)

    assert response["X-Public-Cache"] == "hit"
    assert int(response["Content-Length"]) == len(response.content)


def test_a_visitor_with_a_session_gets_pages_rendered_for_them(client, case_file):
    from django.conf import settings

    url = reverse("casefile:case_detail", args=[case_file.slug])
    client.get(url)
    client.cookies[settings.SESSION_COOKIE_NAME] = "a-session-of-their-own"

    response = client.get(url)

    assert response.status_code == 200
    assert "X-Public-Cache" not in response


def test_a_generation_the_cache_lost_is_read_again_and_the_page_stays_cached(client, case_file):
    url = case_json_url(case_file)
    client.get(url)
    cache.delete_many([pagecache.generation_key(scope) for scope in pagecache.page_scopes(case_file.slug)])

    assert client.get(url)["X-Public-Cache"] == "hit"


def test_an_approval_shows_on_the_very_next_request(client, case_file, reporter, editor):
    url = case_json_url(case_file)
    client.get(url)
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million."
    save(fact, reporter)

    assert "The contract was worth 7 million." not in statements(client.get(url))

    approve_all(editor, case_file)

    assert "The contract was worth 7 million." in statements(client.get(url))


def test_an_unchanged_page_answers_not_modified_to_its_etag(client, case_file):
    url = case_json_url(case_file)
    etag = client.get(url)["ETag"]

    again = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


@pytest.mark.parametrize("if_none_match", [None, "tag of the page"])
def test_browsers_are_told_to_ask_again_and_which_header_chose_the_encoding(client, case_file, if_none_match):
    url = reverse("casefile:case_detail", args=[case_file.slug])
    first = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    asked = {"HTTP_IF_NONE_MATCH": first["ETag"]} if if_none_match else {}

    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip", **asked)

    assert response.status_code == (304 if if_none_match else 200)
    for served in (first, response):
        assert served["Cache-Control"] == "no-cache"
        assert "Accept-Encoding" in served["Vary"]


def test_a_changed_page_answers_in_full_to_an_old_etag(client, case_file, reporter, editor):
    url = case_json_url(case_file)
    etag = client.get(url)["ETag"]
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 9 million."
    save(fact, reporter)
    approve_all(editor, case_file)

    after = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert after.status_code == 200
    assert after["ETag"] != etag
    assert "The contract was worth 9 million." in statements(after)


def test_an_approval_of_another_case_keeps_the_etag_of_an_unchanged_page(
    client, case_file, reporter, editor
):
    url = case_json_url(case_file)
    etag = client.get(url)["ETag"]
    other = save(Case(title="Bridge tolls", slug="bridge"), reporter)
    approve_all(editor, other)

    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_logged_in_staff_never_get_a_cached_page(client, case_file, editor):
    url = case_json_url(case_file)
    client.get(url)
    client.get(url)
    client.force_login(editor)

    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert "X-Public-Cache" not in response


def test_pages_seen_by_staff_are_not_served_to_readers(client, case_file, editor):
    url = case_json_url(case_file)
    client.force_login(editor)
    client.get(url)
    client.logout()

    assert client.get(url)["X-Public-Cache"] == "miss"


def test_missing_pages_and_the_admin_are_not_cached(client, db):
    missing = client.get("/cases/no-such-case/case.json")
    admin_login = client.get(reverse("admin:login"))

    assert missing.status_code == 404
    assert "X-Public-Cache" not in missing
    assert "X-Public-Cache" not in admin_login


def test_cached_pages_keep_the_security_headers(client, case_file):
    url = case_json_url(case_file)
    client.get(url)
    cached = client.get(url)

    assert cached["X-Public-Cache"] == "hit"
    assert "default-src 'self'" in cached["Content-Security-Policy"]
    assert cached["X-Content-Type-Options"] == "nosniff"
    assert cached["X-Frame-Options"] == "DENY"


def test_the_case_page_and_the_case_list_are_cached_until_an_approval(client, case_file, reporter, editor):
    urls = [reverse("casefile:case_list"), reverse("casefile:case_detail", args=[case_file.slug])]
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Public-Cache"] == "hit"
    case_file.title = "Harbour contracts and the mayor"
    save(case_file, reporter)
    with committed():
        approve_all(editor, case_file)

    for url in urls:
        response = client.get(url)
        assert response["X-Public-Cache"] == "miss"
        assert "Harbour contracts and the mayor" in response.content.decode()


def test_a_query_parameter_no_public_page_reads_is_served_from_the_plain_pages_entry(client, case_file):
    case_page = reverse("casefile:case_detail", args=[case_file.slug])
    plain = client.get(case_page)

    for ignored in ("?utm_source=x", "?nocache=123", "?nocache=456&utm_source=y"):
        response = client.get(case_page + ignored)
        assert response["X-Public-Cache"] == "hit"
        assert response.content == plain.content


def test_as_of_and_a_search_query_still_make_pages_of_their_own(client, case_file):
    case_page = reverse("casefile:case_detail", args=[case_file.slug])
    search = reverse("casefile:search")
    today = client.get(case_page)
    before_publication = client.get(case_page + "?as_of=2001-01-01")
    mayor = client.get(search + "?q=Mayor")
    nothing = client.get(search + "?q=zeppelin")

    assert today.status_code == 200
    assert before_publication.status_code == 404
    assert client.get(case_page)["X-Public-Cache"] == "hit"
    assert mayor["X-Public-Cache"] == nothing["X-Public-Cache"] == "miss"
    assert 'href="/cases/harbour/actors/ana-mayor/"' in mayor.content.decode()
    assert 'href="/cases/harbour/actors/ana-mayor/"' not in nothing.content.decode()


def key(url):
    return PublicPageCacheMiddleware(lambda request: None).cache_key(RequestFactory().get(url))


def test_the_order_of_the_query_parameters_does_not_change_the_cache_key(db):
    assert key("/cases/harbour/facts/?status=disputed&page=2") == key(
        "/cases/harbour/facts/?page=2&utm_source=x&status=disputed"
    )
    assert key("/cases/harbour/facts/?status=disputed&page=2") != key("/cases/harbour/facts/?status=disputed&page=3")
    assert key("/cases/harbour/?as_of=2021-01-01") != key("/cases/harbour/?as_of=2021-01-02")


def test_a_page_is_told_apart_only_by_the_parameters_its_view_reads(db):
    assert key("/cases/harbour/?q=anything&page=7&status=x") == key("/cases/harbour/")
    assert key("/cases/harbour/timeline/?status=disputed") == key("/cases/harbour/timeline/")
    assert key("/search/?q=harbour&as_of=2021-01-01") == key("/search/?q=harbour")
    assert key("/?as_of=2021-01-01") == key("/")
    assert key("/search/?q=harbour") != key("/search/?q=mayor")


def test_an_empty_or_repeated_parameter_is_not_taken_for_another_page(db):
    assert key("/search/?q=") != key("/search/")
    # A view reading one value takes the last one given.
    assert key("/search/?q=harbour&q=mayor") != key("/search/?q=mayor&q=harbour")


def test_every_public_view_names_the_query_parameters_it_reads():
    from casefile import urls

    unnamed = [pattern.name for pattern in urls.urlpatterns if not hasattr(pattern.callback, "query_parameters")]
    assert unnamed == []


def test_with_the_page_cache_at_zero_seconds_every_request_renders_the_page(case_file):
    url = reverse("casefile:case_detail", args=[case_file.slug])

    with override_settings(PUBLIC_PAGE_CACHE_SECONDS=0):
        # The middleware reads its settings once, when a handler is built.
        client = Client()
        responses = [client.get(url), client.get(url)]

    for response in responses:
        assert response.status_code == 200
        assert "X-Public-Cache" not in response
        assert "ETag" not in response


def test_a_reader_waits_for_the_page_another_request_is_rendering(client, case_file):
    url = case_json_url(case_file)
    middleware = PublicPageCacheMiddleware(lambda request: None)
    request = RequestFactory().get(url)
    key, scopes = middleware.cache_key(request)
    rendered_by_the_other = {
        "compressed": False, "status": 200, "headers": {"Content-Type": "application/json"}, "etag": '"other"',
        "generations": pagecache.current_generations(scopes),
    }
    body = b'{"rendered": "by the other request"}'
    cache.set(f"{key}:rendering", True, 30)
    finish = threading.Timer(0.3, lambda: cache.set_many({key: rendered_by_the_other, f"{key}:body": ('"other"', body)}))
    finish.start()

    response = client.get(url)

    finish.join()
    assert response.content == body
    assert response["X-Public-Cache"] == "hit"


@override_settings(PUBLIC_PAGE_RENDER_WAIT_SECONDS=0.3)
def test_a_waiting_reader_takes_no_body_written_by_another_render_than_the_page_found(client, case_file):
    url = case_json_url(case_file)
    key, scopes = PublicPageCacheMiddleware(lambda request: None).cache_key(RequestFactory().get(url))
    described = {
        "compressed": False, "status": 200, "headers": {"Content-Type": "application/json"}, "etag": '"described"',
        "generations": pagecache.current_generations(scopes),
    }
    cache.set(f"{key}:rendering", True, 30)
    cache.set_many({key: described, f"{key}:body": ('"another render"', b'{"rendered": "by another request"}')})

    response = client.get(url)

    assert response["X-Public-Cache"] == "miss"
    assert b"by another request" not in response.content


@override_settings(PUBLIC_PAGE_RENDER_WAIT_SECONDS=0.3)
def test_a_reader_renders_the_page_itself_when_the_other_request_never_finishes(client, case_file):
    url = case_json_url(case_file)
    key, _ = PublicPageCacheMiddleware(lambda request: None).cache_key(RequestFactory().get(url))
    cache.set(f"{key}:rendering", True, 30)

    response = client.get(url)

    assert response.status_code == 200
    assert response["X-Public-Cache"] == "miss"
    assert "The contract was worth 5 million." in statements(response)


def test_an_approval_moves_the_publication_generation_on_and_a_rejection_does_not(
    case_file, reporter, editor
):
    from casefile import pagecache, workflow

    scopes = pagecache.page_scopes(case_file.slug)
    before = pagecache.current_generations(scopes)
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 8 million."
    save(fact, reporter)
    assert pagecache.current_generations(scopes) == before

    workflow.reject(editor, {(Fact, fact.pk): fact.history.latest().history_id}, "Which source?")
    assert pagecache.current_generations(scopes) == before

    fact.statement = "The contract was worth 8 million, the registry says."
    save(fact, reporter)
    with committed():
        assert approve_all(editor, case_file)
    assert pagecache.current_generation(pagecache.case_scope("harbour")) > before[1]
    assert pagecache.current_generation(pagecache.LISTINGS) > pagecache.current_generation(pagecache.EVERYTHING)


def test_a_database_restored_from_an_older_backup_never_reuses_a_generation(case_file):
    """Pages of the newer state may still be cached under the numbers it went through."""
    import time

    from casefile import pagecache
    from casefile.models import PublicationGeneration

    PublicationGeneration.objects.update_or_create(scope=pagecache.case_scope("harbour"), defaults={"number": 5})
    started = int(time.time() * 1_000_000)

    pagecache.advance_generation([case_file.pk])

    assert pagecache.current_generation(pagecache.case_scope("harbour")) >= started


def test_the_generation_starts_again_when_its_row_is_gone(db):
    from casefile import pagecache
    from casefile.models import PublicationGeneration

    PublicationGeneration.objects.all().delete()
    assert pagecache.current_generation() == 0

    pagecache.advance_generation()
    pagecache.advance_generation()

    assert PublicationGeneration.objects.count() == 1
    assert pagecache.current_generation() > 0


def second_case(reporter, editor):
    """A public case with one fact, beside `case_file`."""
    bridge = save(Case(title="Bridge tolls", slug="bridge", summary="Who sets the tolls."), reporter)
    save(Fact(case=bridge, slug="toll", statement="The toll doubled in 2019.",
              status=Fact.Status.UNVERIFIED), reporter)
    approve_all(editor, bridge)
    return bridge


def test_an_approval_in_one_case_leaves_the_cached_pages_of_another_case_alone(
    client, case_file, reporter, editor
):
    second_case(reporter, editor)
    other_case_pages = ["/cases/bridge/", "/cases/bridge/facts/toll/", "/cases/bridge/case.json"]
    pages = other_case_pages + ["/cases/harbour/", "/", "/search/?q=contract"]
    for url in pages:
        client.get(url)
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 11 million."
    save(fact, reporter)
    with committed():
        approve_all(editor, case_file)

    served = {url: client.get(url)["X-Public-Cache"] for url in pages}

    assert served == {
        **{url: "hit" for url in other_case_pages},
        # The case changed, and the case list and search read every case.
        "/cases/harbour/": "miss", "/": "miss", "/search/?q=contract": "miss",
    }
    assert "11 million" in client.get("/search/?q=contract").content.decode()


def test_a_record_moved_to_another_case_leaves_the_cached_pages_of_the_first(
    client, case_file, reporter, editor
):
    from casefile import workflow
    from tests.test_workflow import bundle_versions

    bridge = second_case(reporter, editor)
    witness = save(Actor(case=case_file, kind="person", name="Wen Witness", slug="witness"), reporter)
    workflow.approve(editor, bundle_versions(Actor, witness.pk))
    assert "Wen Witness" in client.get("/cases/harbour/actors/").content.decode()
    witness.case = bridge
    save(witness, reporter, "Belongs to the bridge story")
    workflow.approve(editor, bundle_versions(Actor, witness.pk))

    assert "Wen Witness" not in client.get("/cases/harbour/actors/").content.decode()
    assert "Wen Witness" in client.get("/cases/bridge/actors/").content.decode()


def test_a_case_approved_under_a_new_slug_leaves_its_old_address(client, case_file, reporter, editor):
    assert client.get("/cases/harbour/").status_code == 200
    assert client.get("/cases/harbour/")["X-Public-Cache"] == "hit"
    case_file.slug = "harbour-deals"
    save(case_file, reporter, "A clearer address")
    approve_all(editor, case_file)

    # Not the cached page of the old address: readers are sent to the new one.
    old_address = client.get("/cases/harbour/")
    assert old_address.status_code == 302
    assert old_address["Location"] == "/cases/harbour-deals/"
    assert client.get("/cases/harbour-deals/").status_code == 200


def test_deleting_a_published_record_retires_the_cached_pages_of_its_case(client, case_file, editor):
    from casefile import workflow

    assert "5 million" in client.get("/cases/harbour/").content.decode()

    workflow.delete_record(Fact.objects.get(slug="contract-value"), editor, "Could not be stood up")

    assert "5 million" not in client.get("/cases/harbour/").content.decode()
    assert client.get("/cases/harbour/facts/contract-value/").status_code == 404


def test_a_browser_that_accepts_gzip_gets_the_cached_page_compressed(client, case_file):
    import gzip

    url = reverse("casefile:case_detail", args=[case_file.slug])
    plain = client.get(url)
    compressed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert compressed["X-Public-Cache"] == "hit"
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == plain.content
    assert len(compressed.content) < len(plain.content) / 2
    assert "Accept-Encoding" in compressed["Vary"] and "Accept-Encoding" in plain["Vary"]
    assert not plain.has_header("Content-Encoding")


def test_the_compressed_page_has_a_tag_of_its_own_and_answers_not_modified_to_it(client, case_file):
    url = reverse("casefile:case_detail", args=[case_file.slug])
    plain_tag = client.get(url)["ETag"]
    gzip_tag = client.get(url, HTTP_ACCEPT_ENCODING="gzip")["ETag"]

    assert gzip_tag != plain_tag
    assert client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=gzip_tag).status_code == 304
    # A tag of the compressed page does not stand for the plain one.
    assert client.get(url, HTTP_IF_NONE_MATCH=gzip_tag).status_code == 200


def test_a_browser_that_refuses_gzip_gets_the_page_plain(client, case_file):
    url = reverse("casefile:case_detail", args=[case_file.slug])
    client.get(url)

    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip;q=0, identity")

    assert not response.has_header("Content-Encoding")
    assert b"Harbour contracts" in response.content


def test_approving_a_version_already_public_leaves_the_cached_pages_alone(client, case_file, editor):
    from casefile import pagecache, workflow

    fact = Fact.objects.get(slug="contract-value")
    scopes = [pagecache.EVERYTHING, pagecache.LISTINGS, pagecache.case_scope("harbour")]
    before = pagecache.current_generations(scopes)

    with pytest.raises(workflow.AlreadyDecided):
        workflow.approve(editor, {(Fact, fact.pk): fact.history.latest().history_id})
    assert pagecache.current_generations(scopes) == before


def _redis_url():
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return None
    return "redis://127.0.0.1:6379/14"


REDIS_CACHE = {"default": {"BACKEND": "newsroom.cache.ReusedClientRedisCache", "LOCATION": _redis_url() or "",
                           "KEY_PREFIX": "casefile-tests"}}


@pytest.mark.skipif(_redis_url() is None, reason="no Redis server on 127.0.0.1:6379")
def test_pages_are_cached_and_retired_in_redis_through_one_reused_client(client, case_file, reporter, editor):
    from django.core.cache import caches

    with override_settings(CACHES=REDIS_CACHE):
        caches["default"].clear()
        url = case_json_url(case_file)
        assert client.get(url)["X-Public-Cache"] == "miss"
        assert client.get(url)["X-Public-Cache"] == "hit"
        backend = caches["default"]._cache
        assert backend.get_client() is backend.get_client()
        # A connection Redis closed (a restart, an idle timeout) is opened again.
        import redis

        connection_id = backend.get_client().client_id()
        redis.Redis.from_url(_redis_url()).client_kill_filter(_id=connection_id)
        assert client.get(url)["X-Public-Cache"] == "hit"
        assert backend.get_client().client_id() != connection_id

        fact = Fact.objects.get(case=case_file, slug="contract-value")
        fact.statement = "The contract was worth 6 million, the auditors say."
        save(fact, reporter)
        approve_all(editor, case_file)

        refreshed = client.get(url)
        assert refreshed["X-Public-Cache"] == "miss"
        assert "The contract was worth 6 million, the auditors say." in statements(refreshed)
        caches["default"].clear()


def test_a_generation_read_just_before_an_approval_commits_cannot_replace_the_newer_one(
    client, case_file, reporter, editor
):
    from casefile import pagecache, workflow

    scope = pagecache.case_scope(case_file.slug)
    read_before = pagecache.current_generation(scope)
    cache.clear()
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 8 million."
    save(fact, reporter)
    with committed():
        workflow.approve_case(editor, case_file, "")
    committed_number = cache.get(pagecache.generation_key(scope))

    # A reader that read the number just before the commit now stores it.
    cache.add(pagecache.generation_key(scope), read_before, pagecache.GENERATION_SECONDS)

    assert committed_number > read_before
    assert pagecache.current_generation(scope) == committed_number
    assert "8 million" in client.get(f"/cases/{case_file.slug}/facts/contract-value/").content.decode()

"""The sitemap, robots.txt and the favicon: what crawlers and browsers ask the site's root for."""

import xml.etree.ElementTree as ElementTree
from urllib.parse import urlsplit

from django.urls import reverse

from casefile import workflow
from casefile.models import Actor, Case, Event, Fact, Publication, Source
from tests.factories import approve_edit, save

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
HARBOUR_PAGES = {
    "http://testserver/cases/harbour/",
    "http://testserver/cases/harbour/actors/ana-mayor/",
    "http://testserver/cases/harbour/actors/quay-builders/",
    "http://testserver/cases/harbour/events/contract-signed/",
    "http://testserver/cases/harbour/facts/contract-value/",
    "http://testserver/cases/harbour/sources/daily/",
}
# Its own two, and the page cache's read of the publication generations.
SITEMAP_QUERIES = 3


XHTML = "{http://www.w3.org/1999/xhtml}"


def sitemap(client, language=""):
    """Each page the sitemap lists in English (or in the language of the prefix `language`), with its
    lastmod as written."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    urls = ElementTree.fromstring(response.content).findall(f"{SITEMAP}url")
    found = {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in urls}
    return {
        loc: lastmod for loc, lastmod in found.items()
        if loc.startswith(f"http://testserver{language}/") and (language or not loc.startswith("http://testserver/zh-hans/"))
    }


def published_at(model, slug):
    return Publication.objects.of_kind(model).get(slug=slug).published_at.isoformat()


def test_the_sitemap_is_xml_and_lists_each_public_case_page_and_record_page(client, case_file):
    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert set(sitemap(client)) == HARBOUR_PAGES


def test_the_sitemap_lists_each_page_in_each_language_and_each_entry_names_all_of_them(client, case_file):
    english, chinese = sitemap(client), sitemap(client, "/zh-hans")

    assert {loc.replace("/zh-hans/", "/", 1): lastmod for loc, lastmod in chinese.items()} == english
    for url in ElementTree.fromstring(client.get("/sitemap.xml").content).findall(f"{SITEMAP}url"):
        alternates = {link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")}
        loc = url.findtext(f"{SITEMAP}loc")
        assert alternates == {
            "en-gb": loc.replace("/zh-hans/", "/", 1), "zh-hans": loc.replace("/zh-hans/", "/", 1).replace(
                "http://testserver/", "http://testserver/zh-hans/", 1),
        }


def test_every_page_the_sitemap_lists_answers_readers(client, disputed_case):
    listed = sitemap(client)

    assert len(listed) == len(HARBOUR_PAGES) + 4
    for address in listed:
        assert client.get(urlsplit(address).path).status_code == 200, address


def test_a_record_page_was_last_modified_when_its_version_was_published(client, case_file, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million."
    save(fact, editor)
    approve_edit(editor, fact, "checked")

    lastmod = sitemap(client)
    assert lastmod["http://testserver/cases/harbour/facts/contract-value/"] == published_at(Fact, "contract-value")
    assert lastmod["http://testserver/cases/harbour/sources/daily/"] == published_at(Source, "daily")


def test_a_case_page_was_last_modified_when_the_latest_of_its_records_was_published(client, case_file, editor):
    actor = Actor.objects.get(slug="quay-builders")
    actor.name = "Quay Builders Ltd"
    save(actor, editor)
    approve_edit(editor, actor, "full name")

    assert sitemap(client)["http://testserver/cases/harbour/"] == published_at(Actor, "quay-builders")
    assert published_at(Actor, "quay-builders") > published_at(Case, "harbour")


def test_a_record_waiting_for_approval_is_not_listed_until_an_editor_approves_it(
    client, case_file, reporter, editor, django_capture_on_commit_callbacks
):
    fact = save(Fact(case=case_file, slug="second-contract", statement="A second contract followed."), reporter)
    assert "http://testserver/cases/harbour/facts/second-contract/" not in sitemap(client)

    with django_capture_on_commit_callbacks(execute=True):
        approve_edit(editor, fact, "checked")
    assert "http://testserver/cases/harbour/facts/second-contract/" in sitemap(client)


def test_an_unapproved_new_slug_leaves_the_listed_addresses_as_readers_reach_them(client, case_file, reporter):
    case_file.slug = "harbour-renamed"
    save(case_file, reporter)
    event = Event.objects.get(slug="contract-signed")
    event.slug = "contract-signed-renamed"
    save(event, reporter)

    assert set(sitemap(client)) == HARBOUR_PAGES


def test_a_case_not_yet_approved_is_not_listed_with_its_records(client, case_file, reporter):
    other = save(Case(title="River permits", slug="river", summary="Who got the river permits."), reporter)
    save(Actor(case=other, kind=Actor.Kind.PERSON, name="Rui Permit", slug="rui-permit"), reporter)

    assert set(sitemap(client)) == HARBOUR_PAGES


def test_a_record_whose_removal_is_approved_leaves_the_sitemap(
    client, case_file, reporter, editor, django_capture_on_commit_callbacks
):
    actor = Actor.objects.get(slug="quay-builders")
    workflow.propose_removal(actor, reporter, "Not part of this story.")
    assert "http://testserver/cases/harbour/actors/quay-builders/" in sitemap(client)

    with django_capture_on_commit_callbacks(execute=True):
        approve_edit(editor, actor, "agreed")
    assert set(sitemap(client)) == HARBOUR_PAGES - {"http://testserver/cases/harbour/actors/quay-builders/"}


def test_a_record_an_editor_deletes_leaves_the_sitemap(client, case_file, editor):
    event = Event.objects.get(slug="contract-signed")
    workflow.delete_record(event, editor, "Duplicate of another event.")

    assert set(sitemap(client)) == HARBOUR_PAGES - {"http://testserver/cases/harbour/events/contract-signed/"}


def test_the_sitemap_takes_a_fixed_number_of_queries_however_many_pages_it_lists(
    client, case_file, seeded_case, django_assert_max_num_queries
):
    with django_assert_max_num_queries(SITEMAP_QUERIES):
        listed = sitemap(client)
    assert len(listed) > 20
    assert "http://testserver/cases/fuzhou-genesis/" in listed


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_the_admin(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert f"Disallow: {reverse('admin:index')}" in lines
    assert "Allow: /" in lines


def test_the_favicon_is_an_icon(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    # An ICO file's header: reserved zero, type 1 (icon).
    assert response.content.startswith(b"\x00\x00\x01\x00")


def test_the_discovery_pages_are_public_pages_cached_and_answering_only_get_and_head(client, db):
    for url in ("/sitemap.xml", "/robots.txt", "/favicon.ico"):
        assert client.get(url)["X-Public-Cache"] == "miss"
        assert client.get(url)["X-Public-Cache"] == "hit"
        assert client.head(url).status_code == 200
        assert client.post(url).status_code == 405


def test_the_cached_sitemap_lists_a_record_as_soon_as_its_approval_commits(
    client, case_file, reporter, editor, django_capture_on_commit_callbacks
):
    fact = save(Fact(case=case_file, slug="second-contract", statement="A second contract followed."), reporter)
    sitemap(client)
    assert client.get("/sitemap.xml")["X-Public-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        approve_edit(editor, fact, "checked")
    assert "http://testserver/cases/harbour/facts/second-contract/" in sitemap(client)

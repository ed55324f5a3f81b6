"""Reading the public pages as a reader does: their text, their links, the queries they take."""

import functools
import re

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from casefile import published
from casefile import urls as public_urls


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def text(html):
    """The page as a reader reads it: tags dropped, whitespace collapsed."""
    words = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    return re.sub(r" ([,.;:])", r"\1", words)


def case_url(case, name="case_detail", *args):
    return reverse(f"casefile:{name}", args=[case.slug, *args])


def search_text(client, query):
    return text(page(client, "/search/?" + urlencode({"q": query})))


def links(html, prefix):
    return re.findall(rf'href="({re.escape(prefix)}[^"?#]+/)', html)


def list_pages(client, url):
    """Every page of a paged list, following its Next links from `url`."""
    pages = []
    while url:
        html = page(client, url)
        pages.append(html)
        following = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = following.group(1).replace("&amp;", "&") if following else None
    return pages


def crawl(client, start="/"):
    """Every page of the site a reader reaches by following links from `start`: {address: status}."""
    return {url: status for url, (status, _) in crawl_pages(client, start).items()}


def crawl_pages(client, start="/"):
    """Every page of the site a reader reaches by following links from `start`: {address: (status, body)}."""
    seen, queue = {}, [start]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        # A reader's browser follows a redirect, as to the changes of this week.
        response = client.get(url, follow=True)
        seen[url] = (response.status_code, b"".join(response))
        if response.status_code != 200 or response["Content-Type"] != "text/html; charset=utf-8":
            continue
        for link in re.findall(r'href="(/[^"#]*)', seen[url][1].decode()):
            link = link.replace("&amp;", "&")
            if not link.startswith(("/static/", "/admin")) and link not in seen:
                queue.append(link)
    return seen


def every_record_page(snapshot):
    return [
        record.get_absolute_url()
        for records in (snapshot.actors, snapshot.events, snapshot.facts, snapshot.sources)
        for record in records.values()
    ]


def pages_read_from_the_whole_case(client, urls, monkeypatch):
    """The same pages, each built from the whole published case instead.

    The whole case is read once for them all, as nothing changes in between:
    reading it again for each page took most of the time of these tests.
    """
    whole_case = functools.cache(published.published_case)
    with monkeypatch.context() as patch:
        patch.setattr(
            published, "published_page",
            lambda case_slug, kind, slug, as_of=None: whole_case(case_slug, as_of),
        )
        cache.clear()
        return {url: client.get(url).content.decode() for url in urls}


def reader_pages(case):
    return [
        "/",
        case_url(case),
        case_url(case, "corrections"),
        case_url(case, "case_changes") + "?from=2000-01-01&to=" + timezone.now().date().isoformat(),
        case_url(case, "case_json"),
        case_url(case, "actor_detail", "person-0"),
        case_url(case, "event_detail", "meeting-0"),
        case_url(case, "fact_detail", "fact-0"),
        case_url(case, "source_detail", "report-0"),
        "/search/?q=statement",
        case_url(case) + "?as_of=" + timezone.now().date().isoformat(),
        case_url(case, "actor_list"),
        case_url(case, "event_list"),
        case_url(case, "fact_list") + "?status=disputed",
        case_url(case, "source_list"),
    ]


MAX_QUERIES_PER_PAGE = 25


def queries(client, url):
    """How many queries a reader's request of `url` takes, rendered afresh."""
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


def public_address(name):
    """An address of the public page `name`, in the case built by `case_file`."""
    case = {"case": "harbour"}
    return {
        "case_list": reverse("casefile:case_list"),
        "search": reverse("casefile:search") + "?q=contract",
        "case_detail": reverse("casefile:case_detail", kwargs=case),
        "case_json": reverse("casefile:case_json", kwargs=case),
        "case_entities": reverse("casefile:case_entities", kwargs=case),
        "case_graph": reverse("casefile:case_graph", kwargs=case),
        "corrections": reverse("casefile:corrections", kwargs=case),
        "case_changes": reverse("casefile:case_changes", kwargs=case) + "?from=2000-01-01&to="
        + timezone.now().date().isoformat(),
        "feed": reverse("casefile:feed"),
        "case_feed": reverse("casefile:case_feed", kwargs=case),
        "actor_list": reverse("casefile:actor_list", kwargs=case),
        "event_list": reverse("casefile:event_list", kwargs=case),
        "fact_list": reverse("casefile:fact_list", kwargs=case),
        "source_list": reverse("casefile:source_list", kwargs=case),
        "actor_detail": reverse("casefile:actor_detail", kwargs={**case, "slug": "ana-mayor"}),
        "event_detail": reverse("casefile:event_detail", kwargs={**case, "slug": "contract-signed"}),
        "fact_detail": reverse("casefile:fact_detail", kwargs={**case, "slug": "contract-value"}),
        "source_detail": reverse("casefile:source_detail", kwargs={**case, "slug": "daily"}),
        "case_annotations": reverse("casefile:case_annotations", kwargs=case),
        "shared_copy": reverse("casefile:shared_copy", kwargs={**case, "slug": "daily", "capture": 1}),
        "sitemap": reverse("casefile:sitemap"),
        "robots": reverse("casefile:robots"),
        "favicon": reverse("casefile:favicon"),
    }[name]


# Every page of casefile/urls.py: one added there and not in `public_address` fails here.
PUBLIC_PAGES = [pattern.name for pattern in public_urls.urlpatterns]

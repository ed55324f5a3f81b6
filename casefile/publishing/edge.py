"""The edge cache in front of the site (Varnish, a CDN), told what to keep and what to drop by surrogate keys.

With EDGE_PURGE_URL set, every public page an anonymous reader gets says an
edge may keep it (`Cache-Control: public, s-maxage=...`) and names, in
`Surrogate-Key`, what it shows:
- a record page: `case:<slug>:pages` and a key per public record it read
  (`fact-12`, `citation-40`, ...), plus `case:<slug>:sources` on a source's
  page, which follows chains of relayed sources;
- any other page of a case (the case page, lists, corrections, feeds, a
  past day), or a record page that read more than MOST_KEYS records:
  `case:<slug>`;
- a page that reads every case (the case list, search, the sitemap): `listings`;
- and every page its language, `lang:<code>`, so that the pages of one language can be dropped alone
  (after its interface's words change).

When a change commits, a task purges the keys that name it
(`purge_changed`), so the next reader gets the new version from the site.
Without EDGE_PURGE_URL, pages say `no-cache`, as they always have.
"""

import logging

import urllib3
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import get_language

from .. import pagecache
from ..published import rendered
from . import tasks

logger = logging.getLogger(__name__)

LISTINGS = "listings"
RECORD_PAGES = {"actor_detail", "event_detail", "fact_detail", "source_detail"}
# Past this many, a page is tagged with its case instead: a header must fit the edge's limits.
MOST_KEYS = 100
# Keys per purge request, for the same reason.
KEYS_PER_PURGE = 100


def case_key(slug):
    return f"case:{slug}"


def language_key(code):
    return f"lang:{code}"


def page_keys(reads, case_slug, url_name, as_of=False):
    """The surrogate keys of a page rendered with `reads` (`published.rendered.PageReads`)."""
    if case_slug is None:
        return [LISTINGS]
    if reads.keys:
        # A kept page served: its keys were worked out when it was rendered.
        return sorted(reads.keys)
    records = sum(len(ids) for ids in reads.records.values())
    if url_name not in RECORD_PAGES or as_of or not records or records > MOST_KEYS:
        return [case_key(case_slug)]
    keys = {f"{case_key(case_slug)}:pages"}
    if url_name == "source_detail":
        keys.add(f"{case_key(case_slug)}:sources")
    for content_type_id, ids in reads.records.items():
        model = ContentType.objects.get_for_id(content_type_id).model
        keys.update(f"{model}-{pk}" for pk in ids)
    return sorted(keys)


def keys_of_change(change):
    """The surrogate keys a change (`workflow.publication.ReadersSee`) makes stale."""
    keys = {LISTINGS}
    for slug in change.slugs:
        keys.add(case_key(slug))
        if change.everything:
            keys.add(f"{case_key(slug)}:pages")
        if change.everything or any(model == "source" for model, _ in change.records):
            keys.add(f"{case_key(slug)}:sources")
    keys.update(f"{model}-{pk}" for model, pk in change.records)
    return sorted(keys)


def purge_changed(change, **kwargs):
    """Subscriber to `published`: queue the purge of the keys of what changed."""
    if settings.EDGE_PURGE_URL:
        tasks.purge_edge.enqueue(keys_of_change(change))


_pool = urllib3.PoolManager(retries=False)


def purge(keys):
    """Ask the edge to drop every page tagged with any of `keys`; raises if it did not say yes."""
    for start in range(0, len(keys), KEYS_PER_PURGE):
        answer = _pool.request(
            "PURGE", settings.EDGE_PURGE_URL,
            headers={"Surrogate-Key": " ".join(keys[start:start + KEYS_PER_PURGE])},
            timeout=settings.EDGE_PURGE_TIMEOUT,
        )
        if not 200 <= answer.status < 300:
            raise RuntimeError(f"The edge answered {answer.status} to a purge of {len(keys)} keys")


class EdgeCacheMiddleware:
    """Let an edge cache keep anonymous readers' public pages, tagged with the keys of what they show.

    Only with EDGE_PURGE_URL set, and only for a public view's plain 200 that
    the page cache would share too; staff (a session) are never sent
    anything an edge would keep.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.EDGE_PURGE_URL or not pagecache.is_reader_request(request):
            return self.get_response(request)
        token = rendered.start_noting_reads()
        try:
            response = self.get_response(request)
        finally:
            reads = rendered.stop_noting_reads(token)
        match = getattr(request, "resolver_match", None)
        if match is None or not hasattr(match.func, "query_parameters"):
            return response
        if not pagecache.is_shareable(request, response):
            return response
        response.headers["Cache-Control"] = (
            f"public, max-age=0, s-maxage={settings.EDGE_MAX_AGE}, "
            f"stale-while-revalidate={settings.EDGE_STALE_SECONDS}"
        )
        as_of = bool(request.GET.get("as_of"))
        response.headers["Surrogate-Key"] = " ".join(
            [*page_keys(reads, match.kwargs.get("case"), match.url_name, as_of=as_of), language_key(get_language())]
        )
        return response

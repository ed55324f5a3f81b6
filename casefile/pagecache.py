"""The page cache: public pages kept in the shared cache, retired by the approvals that change them.

Each page is kept with the numbers of its scopes (`current_generations()`) it
was rendered under, and served only while they are still current. Each approval
moves on the numbers of the cases it changes (`advance_generation()`), in its own
transaction, and puts the new numbers in the cache when it commits, so the
commit that changes what readers see is the one that retires those pages,
on every server at once. A hit reads the page and the
numbers in one round trip to the cache (the page's body only when the worker
does not hold it already; a second one when the body it holds is older),
and nothing from the database.
"""

import functools
import gzip
import hashlib
import re
import threading
import time
from collections import OrderedDict
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.http import HttpResponse, HttpResponseNotModified, QueryDict
from django.urls import Resolver404, resolve
from django.utils.cache import has_vary_header, patch_vary_headers
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import get_language

from .history import history_model
from .models import Case, Decision, PublicationGeneration

# "gzip" in Accept-Encoding, unless refused with q=0.
ACCEPTS_GZIP = re.compile(r"\bgzip\b(?!\s*;\s*q=0(?:\.0*)?\s*(?:,|$))")


EVERYTHING = "everything"
LISTINGS = "listings"


def case_scope(slug):
    """The scope the pages of the case published under `slug` are cached in."""
    return f"case:{slug}"


def page_scopes(case_slug=None):
    """The scopes of a page: those of one case, or, with none, the pages that read every case."""
    return (EVERYTHING, case_scope(case_slug) if case_slug else LISTINGS)


# How long a reader's server may go on using a generation read from the
# database: after that it reads it again. An approval writes the numbers it
# moves on into the shared cache when it commits; only a process with a
# cache of its own (no REDIS_URL) may serve an older page for up to this
# long after another process's approval.
GENERATION_SECONDS = 2


def generation_key(scope):
    return f"public-page-generation:{scope}"


def current_generations(scopes, cached=None):
    """The numbers of these scopes, in their order; 0 for a scope never moved on.

    Read from the cache where it has them (`cached`: what a `get_many` that
    asked for their keys already found), from the database for the others,
    which are then kept in the cache for GENERATION_SECONDS.
    """
    keys = [generation_key(scope) for scope in scopes]
    if _cache_lately_unavailable():
        # An approval made meanwhile could not forget the numbers the cache
        # still holds: the database alone says which pages are current.
        cached = {}
    elif cached is None:
        cached = cache.get_many(keys)
    missing = [scope for scope, key in zip(scopes, keys) if key not in cached]
    if missing:
        found = dict(PublicationGeneration.objects.filter(scope__in=missing).values_list("scope", "number"))
        read = {generation_key(scope): found.get(scope, 0) for scope in missing}
        # Only where no number is cached: an approval committing meanwhile has
        # put its newer one there, which this older read must not replace.
        for key, number in read.items():
            cache.add(key, number, GENERATION_SECONDS)
        cached = {**cached, **read}
    return tuple(cached[key] for key in keys)


def _cache_lately_unavailable():
    breaker = getattr(cache, "breaker", None)
    return breaker is not None and breaker.failed_within(GENERATION_SECONDS)


def current_generation(scope=EVERYTHING):
    return current_generations([scope])[0]


def share_generations(scopes):
    """Put the numbers these scopes were just moved on to in the cache, once the transaction commits.

    Dropped from the cache now too, so that the transaction's own reads see
    its change; other readers meanwhile read the committed numbers from the
    database. Written, not dropped, at the commit: a reader that read the old
    number just before it only adds it where none is cached, so it cannot
    put it back after this.
    """
    numbers = {
        generation_key(scope): number
        for scope, number in PublicationGeneration.objects.filter(scope__in=scopes).values_list("scope", "number")
    }
    cache.delete_many(list(numbers))
    transaction.on_commit(lambda: cache.set_many(numbers, GENERATION_SECONDS), robust=True)


def published_slugs(case_ids):
    """Every slug the cases have now or were ever approved under: old addresses may still be cached."""
    case_ids = {pk for pk in case_ids if pk is not None}
    approved = Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(Case),
        action=Decision.Action.APPROVED,
        object_id__in=case_ids,
    )
    return set(Case.objects.filter(pk__in=case_ids).values_list("slug", flat=True)) | set(
        history_model(Case).objects.filter(history_id__in=approved.values("history_id"))
        .values_list("slug", flat=True)
    )


def advance_generation(case_ids=None):
    """Move generations on, inside the transaction that changes what readers see.

    With `case_ids`, the cases whose pages change: their pages are retired,
    other cases' pages stay cached; the pages that read every case wait for
    `advance_listings()` after the commit, so approvals in different cases
    never wait for each other. Without, every page is. Each row stays locked
    until that transaction ends, so approvals committing at the same moment
    each move it on, in the order they commit; rows are always taken in the
    same order, so two approvals cannot deadlock over them. Returns the
    slugs of the cases whose scopes were moved on.
    """
    slugs = set()
    if case_ids is None:
        scopes = [EVERYTHING]
    else:
        slugs = published_slugs(case_ids)
        scopes = [case_scope(slug) for slug in slugs]
    for scope in sorted(scopes):
        _advance(scope)
    share_generations(scopes)
    return slugs


def share_generation_lock(case_slug):
    """Hold the generation row of the case's pages shared until the transaction ends.

    What a change of the case holds exclusively while it marks kept pages
    stale (`workflow.publication`): a page kept under it is rendered while no
    change of the case is under way. Written out: Django has no FOR SHARE.
    SQLite lets one writer at a time in, which serialises the two anyway.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {PublicationGeneration._meta.db_table} WHERE scope = %s FOR SHARE",
            [case_scope(case_slug)],
        )


def advance_listings(**kwargs):
    """Retire the cached pages that read every case (the case list, search, the sitemap).

    A subscriber to `casefile.signals.published`: it runs after the commit,
    in a transaction of its own that holds the row for one statement.
    """
    with transaction.atomic():
        _advance(LISTINGS)
    share_generations([LISTINGS])


def _advance(scope):
    now = int(time.time() * 1_000_000)
    moved = PublicationGeneration.objects.filter(scope=scope).update(
        number=Greatest(F("number") + 1, Value(now))
    )
    if not moved:
        try:
            with transaction.atomic():
                PublicationGeneration.objects.create(scope=scope, number=now)
        except IntegrityError:
            _advance(scope)


@functools.lru_cache(maxsize=4096)
def _page_at(path, urlconf):
    """The query parameters the view at `path` reads, and the slug of its case (or None).

    Kept for the most asked-for addresses: resolving an address costs about
    as much as the rest of a hit.
    """
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return (), None
    if getattr(match.func, "outside_the_page_cache", False):
        return None
    return tuple(sorted(getattr(match.func, "query_parameters", ()))), match.kwargs.get("case")


class WorkerCopies:
    """The bodies of the pages a worker served last, each under its page's key with its ETag.

    The body is the largest part of a cached page: reading it from the shared
    cache for every request cost a worker more than the rest of a hit. A hit
    still reads the page's description, with its generations and ETag, from
    the shared cache, and serves the copy held here only when the ETags
    match; so a worker never serves a page the shared cache no longer holds
    as current. Bounded by the bytes it holds, the least recently served
    going first.
    """

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.bodies = OrderedDict()
        self.size = 0
        # Threads of one worker share the copies.
        self.lock = threading.Lock()

    def get(self, key, etag):
        with self.lock:
            held = self.bodies.get(key)
            if held is None or held[0] != etag:
                return None
            self.bodies.move_to_end(key)
            return held[1]

    def holds(self, key):
        # Without the lock: a copy dropped in between is found missing by get().
        return key in self.bodies

    def keep(self, key, etag, body):
        with self.lock:
            if key in self.bodies:
                self.size -= len(self.bodies.pop(key)[1])
            if len(body) > self.max_bytes:
                return
            self.bodies[key] = (etag, body)
            self.size += len(body)
            while self.size > self.max_bytes:
                self.size -= len(self.bodies.popitem(last=False)[1][1])


class PublicPageCacheMiddleware:
    """Serve anonymous readers' public pages (GET and HEAD) from the shared cache.

    A page is cached under its address, with only the query parameters its
    view reads (any other parameter would let a reader force a fresh render
    and a new copy in the cache at will), together with the generations of
    the page's scopes it was rendered under. An approval moves on the generations of what it
    changes, so the next request for those pages renders afresh on every
    server at once, and nothing waits for an expiry; other cases' pages stay
    cached. Anyone with a session (staff who are logged in), the admin, and anything but a plain
    200 are never cached. While one request renders a page, others asking
    for the same page wait for it rather than render it again. Each worker
    also holds the bodies of the pages it served last (`WorkerCopies`). Every
    cached page carries an ETag of its content, and a reader who already has
    that content gets a 304. PUBLIC_PAGE_CACHE_SECONDS = 0 turns the cache off.
    """

    # Named for the shape of an entry: a release that changes it starts afresh.
    KEY_PREFIX = "public-page.3"
    POLL_SECONDS = 0.05
    # Below this, compressing saves less than the header costs.
    SMALLEST_TO_COMPRESS = 200
    # Browsers may keep a page but must ask again each time, so an approval
    # reaches readers on their next visit.
    CACHE_CONTROL = "no-cache"
    # The bytes of page bodies each worker holds: a few hundred compressed pages.
    WORKER_COPY_BYTES = 16 * 1024 * 1024

    def __init__(self, get_response):
        self.get_response = get_response
        self.timeout = getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 600)
        if self.timeout <= 0:
            raise MiddlewareNotUsed("PUBLIC_PAGE_CACHE_SECONDS is 0: public pages are not cached.")
        self.render_wait = getattr(settings, "PUBLIC_PAGE_RENDER_WAIT_SECONDS", 10)
        self.copies = WorkerCopies(self.WORKER_COPY_BYTES)

    def __call__(self, request):
        # HEAD is GET without the body, which the server leaves out; served
        # from the cache, it cannot force a fresh render. Other methods reach
        # the view, whose 405 is never stored.
        if not is_reader_request(request):
            return self.get_response(request)
        key, scopes = self.cache_key(request)
        if key is None:
            return self.get_response(request)
        try:
            page, body, generations = self.cached_page(key, scopes)
        except DatabaseError:
            # The database cannot say whether the page is current: the last
            # page kept is better than none, said to be possibly out of date.
            last = self.last_kept(key)
            if last is None:
                raise
            return last
        served_from = "hit"
        if page is None:
            page, body = self.rendered_elsewhere(key, generations)
        if page is None:
            rendering = cache.add(f"{key}:rendering", True, self.render_wait)
            try:
                response = self.get_response(request)
            finally:
                if rendering:
                    cache.delete(f"{key}:rendering")
            if not self.is_cacheable_response(request, response):
                return response
            page, body = self.store(key, response, generations)
            served_from = "miss"
        send_compressed = page["compressed"] and bool(
            ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        )
        # Each encoding of a page is a representation of its own, with its own tag.
        etag = page["etag"][:-1] + '-gzip"' if send_compressed else page["etag"]
        # Read from META: `request.headers` would copy every header of the request first.
        asked_with = request.META.get("HTTP_IF_NONE_MATCH")
        if asked_with and etag in parse_etags(asked_with):
            response = HttpResponseNotModified()
            for name in ("Vary", "Cache-Control"):
                if name in page["headers"]:
                    response.headers[name] = page["headers"][name]
        else:
            if page["compressed"] and not send_compressed:
                body = gzip.decompress(body)
            response = HttpResponse(body, status=page["status"], headers=page["headers"])
            if send_compressed:
                response.headers["Content-Encoding"] = "gzip"
            response.headers["Content-Length"] = str(len(body))
        response.headers["ETag"] = etag
        response.headers["X-Public-Cache"] = served_from
        return response

    def cached_page(self, key, scopes):
        """The page under `key` and its body, if it is current, and the current generations of `scopes`.

        The page's description (its headers, ETag and generations) and the
        generations are read in one round trip to the cache, with the body
        unless this worker holds it. Only a worker holding an older body
        reads the current one in a second round trip.
        """
        generation_keys = [generation_key(scope) for scope in scopes]
        body_key = f"{key}:body"
        held = self.copies.holds(key)
        found = cache.get_many([key, *generation_keys] if held else [key, body_key, *generation_keys])
        generations = current_generations(scopes, found)
        page = found.get(key)
        if page is None or page.get("generations") != generations:
            return None, None, generations
        body = self.copies.get(key, page["etag"]) if held else None
        if body is None:
            # Not held, or held for an older ETag: the page another server rendered since.
            etag, body = cache.get(body_key, (None, None)) if held else found.get(body_key, (None, None))
            if etag != page["etag"]:
                return None, None, generations
            self.copies.keep(key, etag, body)
        return page, body, generations

    def store(self, key, response, generations):
        """Keep the rendered page in the shared cache, and its body in this worker; return both."""
        compress = len(response.content) >= self.SMALLEST_TO_COMPRESS
        if compress:
            patch_vary_headers(response, ["Accept-Encoding"])
        # A page an edge cache may keep says so (`publishing.edge`); others are checked on every visit.
        if "public" not in response.headers.get("Cache-Control", ""):
            response.headers["Cache-Control"] = self.CACHE_CONTROL
        page = {
            "compressed": compress,
            "status": response.status_code,
            # Every header a hit sends but those of the body as sent.
            "headers": {
                name: value for name, value in response.headers.items()
                if name.lower() not in {"set-cookie", "etag", "content-length"}
            },
            "etag": quote_etag(hashlib.sha256(response.content).hexdigest()[:32]),
            "generations": generations,
            "stored_at": time.time(),
        }
        # Kept compressed only: nearly every reader takes it compressed.
        body = gzip.compress(response.content, compresslevel=6, mtime=0) if compress else response.content
        # The body keeps the ETag of its page: a description found with
        # another page's body, written by another request in between, is a miss.
        cache.set_many({key: page, f"{key}:body": (page["etag"], body)}, self.timeout)
        self.copies.keep(key, page["etag"], body)
        return page, body

    def last_kept(self, key):
        """The page last kept under `key`, whatever its generations, marked as possibly out of date; or None."""
        found = cache.get_many([key, f"{key}:body"])
        page, (etag, body) = found.get(key), found.get(f"{key}:body", (None, None))
        if page is None or page["etag"] != etag:
            return None
        if page["compressed"]:
            body = gzip.decompress(body)
        response = HttpResponse(body, status=page["status"], headers=page["headers"])
        response.headers["Content-Length"] = str(len(body))
        response.headers["Warning"] = '110 - "Response is Stale"'
        response.headers["Age"] = str(max(0, int(time.time() - page.get("stored_at", time.time()))))
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Public-Cache"] = "stale"
        return response

    def rendered_elsewhere(self, key, generations):
        """Wait for a page another request is rendering right now, if any; the page and its body.

        After an approval every reader of a popular page misses the cache at
        once; letting one of them render it while the others wait keeps the
        workers free for that one render instead of repeating it for each.
        """
        waited = 0.0
        while waited < self.render_wait and cache.get(f"{key}:rendering"):
            time.sleep(self.POLL_SECONDS)
            waited += self.POLL_SECONDS
            found = cache.get_many([key, f"{key}:body"])
            page, (etag, body) = found.get(key), found.get(f"{key}:body", (None, None))
            if page is not None and page.get("generations") == generations and page["etag"] == etag:
                self.copies.keep(key, etag, body)
                return page, body
        return None, None

    def is_cacheable_response(self, request, response):
        return is_shareable(request, response)

    def cache_key(self, request):
        """The page's key, from its address with the parameters its view reads, and the scopes it is cached in.

        The entry under the key holds the generations of those scopes it was
        rendered under, and is served only while they are current: a page of
        one case is retired by an approval in that case (or one that changes
        every page); the case list and search by any approval.
        """
        # get_host() also refuses a host not in ALLOWED_HOSTS, before anything is read.
        return _key_of(
            get_language(), request.scheme, request.get_host(), request.path_info, request.path,
            request.META.get("QUERY_STRING", ""), getattr(request, "urlconf", None),
        )


def is_reader_request(request):
    """A reader's GET or HEAD of a public address: no session (staff are logged in through one, readers
    need none), not the admin's, not a static file's. Read before sessions are, at no cost of a lookup."""
    return (
        request.method in ("GET", "HEAD")
        and not request.path.startswith(("/" + settings.ADMIN_PATH, "/" + settings.STATIC_URL.lstrip("/")))
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def is_shareable(request, response):
    """Whether a response may be shared between readers: a plain 200 that belongs to no one reader."""
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        # A page holding a CSRF token or touching the session belongs to
        # one reader; the cookies for it are set further out.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (session is not None and session.modified)
        and not response.streaming
        and not response.cookies
        and not has_vary_header(response, "Authorization")
        and "private" not in response.headers.get("Cache-Control", "")
        and "no-store" not in response.headers.get("Cache-Control", "")
    )


@functools.lru_cache(maxsize=4096)
def _key_of(language, scheme, host, path_info, path, query_string, urlconf):
    """`PublicPageCacheMiddleware.cache_key()` of an address; kept for the most asked-for ones."""
    page = _page_at(path_info, urlconf)
    if page is None:
        return None, None
    parameters, case_slug = page
    asked = QueryDict(query_string)
    # Present but empty is kept apart from absent, and the values of a
    # repeated name keep their order: views may tell those apart.
    query = urlencode([(name, value) for name in parameters for value in asked.getlist(name)])
    # The address names the language too; the key says it outright, as the edge's keys do.
    digest = hashlib.sha256(f"{language} {scheme}://{host}{path}?{query}".encode()).hexdigest()
    return f"{PublicPageCacheMiddleware.KEY_PREFIX}:{digest}", page_scopes(case_slug)

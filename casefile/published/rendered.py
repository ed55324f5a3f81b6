"""Public pages rendered when they are published, and served as they were rendered.

Once publishing commits, the pages that show what changed are rendered
again (`publishing.kept_pages`) and each is kept in its `KeptPage` row: a
record's page in `page`, the case page in the case's `page` and its
case.json in `document`. A reader's request for today's page reads that one
row. Where no current page is kept (a page that must change with the clock,
one marked stale by a change and not yet kept again, or one kept by another
release), the view renders it for the reader instead, from the same read
layer.

Two things in a page belong to the reader's request, not to the page: the
site's address in absolute links, and today's date, the latest day the case
page's date picker offers. Pages are rendered with stand-ins for both, which
`for_reader()` replaces.
"""

import contextvars
import functools
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language

from ..models import Actor, Case, Event, Fact, KeptPage, Publication, Source
from ..signals import kept_page_missed

RENDERED_HOST = "casefile-origin.invalid"
RENDERED_ORIGIN = f"http://{RENDERED_HOST}"
TODAY = "casefile-today"

RECORD_KINDS = {"actor": Actor, "event": Event, "fact": Fact, "source": Source}


def rendered_page(case_slug, kind=None, slug=None):
    """The page kept for the case (no `kind`) or one of its records, or None if none is kept. One query."""
    if kind is None:
        return _kept("page", Case, case_slug)
    return _kept("page", RECORD_KINDS[kind], slug, case_slug)


def rendered_document(case_slug):
    """The case.json kept for the case, or None. One query."""
    return _kept("document", Case, case_slug)


@dataclass(frozen=True)
class Kept:
    """A current kept page, its text not read yet: `for_reader()` reads it, or serves the bytes it served before."""

    column: str
    pk: int
    stamp: int


def _kept(column, model, slug, case_slug=None):
    """The kept page, if it is current; its edge keys are noted as the page's reads.

    A page that should be kept but is not current (kept by another release,
    or stale since a change, until it is kept again) is announced as missed,
    so that it is kept again without waiting for `render_pages`.
    """
    # Written out once rather than built by the ORM for each reader: building
    # the query cost more than running it. The text stays in the database
    # unless this process has not served the page as stamped yet; whether
    # there is any is read from its size, which PostgreSQL knows without
    # reading the text.
    table, kept = Publication._meta.db_table, KeptPage._meta.db_table
    size = "octet_length" if connection.vendor == "postgresql" else "length"
    content_types = ContentType.objects.get_for_models(Case, model)
    sql = (
        f"SELECT k.id, k.stamp, {size}(k.{column}), k.rendered_with, k.surrogate_keys, p.case_id FROM {table} p "
        f"JOIN {kept} k ON k.publication_id = p.id WHERE k.language = %s AND p.content_type_id = %s AND p.slug = %s"
    )
    params = [get_language(), content_types[model].pk, slug]
    if case_slug is not None:
        sql += f" AND p.case_id IN (SELECT object_id FROM {table} WHERE content_type_id = %s AND slug = %s)"
        params += [content_types[Case].pk, case_slug]
    with connection.cursor() as cursor:
        cursor.execute(sql + " LIMIT 1", params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, stamp, size, rendered_with, keys, case_id = row
    if rendered_with != release():
        kept_page_missed.send(sender=Publication, case_id=case_id)
        return None
    if not size:
        # Rendered for each reader on purpose (it counts down to a deadline).
        return None
    note_keys(keys.split())
    return Kept(column, pk, stamp)


@functools.cache
def release():
    """A fingerprint of the code, templates, static files and settings pages are rendered with.

    A page kept by another release (before a deployment changed a template,
    a stylesheet's hashed name or the newsroom's name) is not served: readers
    get it rendered afresh until `manage.py render_pages` keeps it again.
    """
    digest = hashlib.sha256()
    app = Path(__file__).resolve().parent.parent
    for path in sorted(app.rglob("*")):
        if path.suffix in RELEASE_FILES and "migrations" not in path.parts:
            digest.update(str(path.relative_to(app)).encode())
            digest.update(path.read_bytes())
    for name in RELEASE_SETTINGS:
        digest.update(repr(getattr(settings, name, None)).encode())
    # Whether static addresses carry their content's hash.
    digest.update(repr(settings.STORAGES["staticfiles"]).encode())
    return digest.hexdigest()[:32]


RELEASE_FILES = {".py", ".html", ".css", ".js", ".svg"}
RELEASE_SETTINGS = ("NEWSROOM_NAME", "NEWSROOM_URL", "TIME_ZONE", "USE_TZ", "STATIC_URL")


class ServedBytes:
    """The bytes this process last served of each kept page, for the stamp, site address and day
    they were made for, up to `KEPT_PAGES_MEMORY_BYTES` in all, the least recently served going first.

    A kept page changes only when it is kept again, with a new stamp; the
    same reader's bytes are then made once per process rather than for every
    request (reading the text, putting in the address and the day, encoding).
    """

    def __init__(self):
        self.entries, self.size, self.lock = OrderedDict(), 0, threading.Lock()

    def get(self, key):
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.size = 0

    def put(self, key, content):
        budget = settings.KEPT_PAGES_MEMORY_BYTES
        if len(content) > budget:
            return
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = content
            self.size += len(content)
            while self.size > budget:
                _, gone = self.entries.popitem(last=False)
                self.size -= len(gone)


served_bytes = ServedBytes()


def for_reader(kept, request):
    """The bytes of a kept page as the reader gets them, with their site's address and today's date
    put in; None if the page was kept again since `kept` was read (the reader then gets it rendered)."""
    origin = request.build_absolute_uri("/").removesuffix("/")
    today = timezone.now().date().isoformat()
    # A page's bytes of an earlier stamp or day go when the budget needs room.
    key = (kept, origin, today)
    content = served_bytes.get(key)
    if content is None:
        body = KeptPage.objects.filter(pk=kept.pk, stamp=kept.stamp).values_list(kept.column, flat=True).first()
        if body is None:
            return None
        content = _with_reader(body, origin, today)
        served_bytes.put(key, content)
    return content


def _with_reader(body, origin, today):
    return (
        body.replace(RENDERED_ORIGIN, origin)
        .replace(quote(RENDERED_ORIGIN, safe=""), quote(origin, safe=""))
        .replace(f'max="{TODAY}"', f'max="{today}"')
        .encode()
    )


def latest_as_of(request):
    """The latest day a reader may ask a case page for (today), or its stand-in in a page being kept."""
    return TODAY if getattr(request, "casefile_rendering", False) else timezone.now().date().isoformat()


class PageReads:
    """What a page being rendered showed: the public records it read, and edge keys it carries."""

    def __init__(self):
        # {content type id: {record ids}}
        self.records = {}
        self.keys = set()


# The reads of the page being rendered in this context, if they are noted.
_reads = contextvars.ContextVar("casefile_page_reads", default=None)


def start_noting_reads():
    """Note from now on, in this context, every public record the read layer reads; returns the token to stop."""
    return _reads.set(PageReads())


def stop_noting_reads(token):
    """The `PageReads` since `start_noting_reads()`."""
    found = _reads.get()
    _reads.reset(token)
    return found


def note_read(model, records):
    found = _reads.get()
    if found is not None and records:
        found.records.setdefault(ContentType.objects.get_for_model(model).pk, set()).update(r.pk for r in records)


def note_keys(keys):
    """Note the edge keys of a kept page served, which stand for the reads of its rendering."""
    found = _reads.get()
    if found is not None:
        found.keys.update(keys)

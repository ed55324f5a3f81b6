"""Public pages rendered when they are published, and served as they were rendered.

Publishing a record renders the pages that show it (`workflow.rendering`)
and keeps each in its Publication row: a record's page in `page`, the case
page in the case's `page` and its case.json in `document`. A reader's request
for today's page reads that one row. Where no page was kept (a page that must
change with the clock, or one not yet rendered), the view renders it for the
reader instead, from the same read layer.

Two things in a page belong to the reader's request, not to the page: the
site's address in absolute links, and today's date, the latest day the case
page's date picker offers. Pages are rendered with stand-ins for both, which
`for_reader()` replaces.
"""

import contextvars
import functools
import hashlib
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from ..models import Actor, Case, Event, Fact, Publication, Source

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


def _kept(column, model, slug, case_slug=None):
    # Written out once rather than built by the ORM for each reader: building
    # the query cost more than running it.
    table = Publication._meta.db_table
    content_types = ContentType.objects.get_for_models(Case, model)
    sql = f"SELECT {column} FROM {table} WHERE content_type_id = %s AND slug = %s AND rendered_with = %s"
    params = [content_types[model].pk, slug, release()]
    if case_slug is not None:
        sql += f" AND case_id IN (SELECT object_id FROM {table} WHERE content_type_id = %s AND slug = %s)"
        params += [content_types[Case].pk, case_slug]
    with connection.cursor() as cursor:
        cursor.execute(sql + " LIMIT 1", params)
        row = cursor.fetchone()
    return row[0] if row and row[0] else None


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


def for_reader(body, request):
    """A kept page with the reader's site address and today's date put in."""
    origin = request.build_absolute_uri("/").removesuffix("/")
    return (
        body.replace(RENDERED_ORIGIN, origin)
        .replace(quote(RENDERED_ORIGIN, safe=""), quote(origin, safe=""))
        .replace(f'max="{TODAY}"', f'max="{timezone.now().date().isoformat()}"')
    )


def latest_as_of(request):
    """The latest day a reader may ask a case page for (today), or its stand-in in a page being kept."""
    return TODAY if getattr(request, "casefile_rendering", False) else timezone.now().date().isoformat()


# The records read for the page being kept: {content type id: {record ids}}.
_reads = contextvars.ContextVar("casefile_page_reads", default=None)


def start_noting_reads():
    """Note from now on, in this context, every public record the read layer reads; returns the token to stop."""
    return _reads.set({})


def stop_noting_reads(token):
    """The records read since `start_noting_reads()`, as {content type id: {record ids}}."""
    found = _reads.get()
    _reads.reset(token)
    return found


def note_read(model, records):
    found = _reads.get()
    if found is not None and records:
        found.setdefault(ContentType.objects.get_for_model(model).pk, set()).update(r.pk for r in records)



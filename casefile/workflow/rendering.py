"""Rendering what readers get today, when it is published.

Whatever changes what readers see (an approval, a copy shared, a reply
recorded) calls `refresh_public_pages()` inside its transaction: it retires
the cached pages of the cases concerned and renders again, by calling their
views as a reader would, the pages that show what changed. Each is kept in
its Publication row (`published.rendered`), so a reader's request for today's
page reads one row, and the commit that changes what readers see is the one
that changes the kept pages.

Which pages show a record is noted while each page is rendered: every public
record the read layer reads for it becomes a `PublicationRead`. A change
renders again the page of each record it touches, the pages that read it or
a record it now points to, and the case page and case.json of its case.
Pages that must change with the clock (those showing an answer still awaited
before its deadline) are not kept: they are rendered for each reader.

Rendering waits for the row lock that `pagecache.advance_generation()` takes
on the case, so two approvals in one case render in the order they commit,
each reading what the other committed.
"""

import contextlib
import contextvars
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.http import HttpRequest, QueryDict
from django.urls import resolve, reverse
from django.utils import timezone

from .. import pagecache
from ..models import Actor, Case, Event, Fact, Publication, PublicationRead, Relationship, ReplyRequest, Source
from ..published import rendered
from .changes import batches

PAGE_KINDS = (Actor, Event, Fact, Source)
# Records whose pages are read through them: an actor's page shows the citations of its ties.
READ_THROUGH = (Relationship,)


def refresh_public_pages(case_ids, shown=None):
    """Retire the cached pages of these cases and render again the kept pages that change.

    `shown`: the (model, pk) of every record whose public version changed, or
    None when anything in the cases may have changed (every page is rendered).
    """
    pagecache.advance_generation(case_ids)
    render_cases(case_ids, shown)


def render_cases(case_ids, shown=None):
    """Render and keep the case page, case.json and the record pages of these cases that show `shown`."""
    if _paused.get():
        return
    case_type = ContentType.objects.get_for_model(Case)
    for case_row in Publication.objects.filter(content_type=case_type, object_id__in=set(case_ids) - {None}):
        on_the_clock = _waits_on_the_clock(case_row.object_id)
        case_row.page = _render(reverse("casefile:case_detail", args=[case_row.slug])) or ""
        case_row.document = "" if on_the_clock else _render(
            reverse("casefile:case_json", args=[case_row.slug])
        ) or ""
        case_row.rendered_with = rendered.release()
        case_row.save(update_fields=["page", "document", "rendered_with"])
        # Every page of a case shows its title and is addressed under its slug.
        if shown is None or (Case, case_row.object_id) in shown:
            pages = _pages_of_case(case_row.object_id)
        else:
            pages = _pages_showing(case_row.object_id, shown)
        for page in pages:
            _render_record_page(case_row, page, keep=not (on_the_clock and page.content_type.model != "source"))


def _render_record_page(case_row, page, keep):
    address = reverse(f"casefile:{page.content_type.model}_detail", args=[case_row.slug, page.slug])
    # Rendered even when it is not kept, to note what it shows: once the clock
    # no longer matters, a change to any of that keeps it again.
    token = rendered.start_noting_reads()
    try:
        body = _render(address)
    finally:
        reads = rendered.stop_noting_reads(token)
    page.page = body if body and keep else ""
    page.rendered_with = rendered.release()
    page.save(update_fields=["page", "rendered_with"])
    PublicationRead.objects.filter(page=page).delete()
    if body:
        PublicationRead.objects.bulk_create(
            PublicationRead(page=page, content_type_id=content_type_id, object_id=pk)
            for content_type_id, ids in reads.items() for pk in ids
        )


def _pages_of_case(case_id):
    return Publication.objects.filter(case=case_id, content_type__in=_content_types(PAGE_KINDS)).select_related(
        "content_type"
    )


def _pages_showing(case_id, shown):
    """The record pages of the case that show, or may now show, any of the `shown` records."""
    page_keys, read_keys = set(), set()
    by_model = defaultdict(set)
    for model, pk in shown:
        by_model[model].add(pk)
    for model, ids in by_model.items():
        content_type = ContentType.objects.get_for_model(model)
        if model in PAGE_KINDS:
            page_keys.update((content_type.pk, pk) for pk in ids)
        read_keys.update((content_type.pk, pk) for pk in ids)
        # The records it points to now show it on their pages.
        for batch in batches(sorted(ids)):
            for content in Publication.objects.filter(content_type=content_type, object_id__in=batch).values_list(
                "content", flat=True
            ):
                for field in model._meta.concrete_fields:
                    target = field.related_model if field.many_to_one else None
                    if target in PAGE_KINDS + READ_THROUGH and content.get(field.attname) is not None:
                        key = (ContentType.objects.get_for_model(target).pk, content[field.attname])
                        page_keys.add(key)
                        if target in READ_THROUGH:
                            read_keys.add(key)
    pages = set(
        PublicationRead.objects.filter(_keys_condition(read_keys), page__case=case_id).values_list("page_id", flat=True)
    ) if read_keys else set()
    rows = Publication.objects.filter(case=case_id, content_type__in=_content_types(PAGE_KINDS))
    condition = _keys_condition(page_keys) if page_keys else None
    if Source in by_model:
        # A source's page follows the chains of sources relayed through others.
        condition = _or(condition, {"content_type": ContentType.objects.get_for_model(Source)})
    if pages:
        condition = _or(condition, {"pk__in": pages})
    if condition is None:
        return []
    return rows.filter(condition).select_related("content_type")


def _keys_condition(keys):
    by_type = defaultdict(set)
    for content_type_id, pk in keys:
        by_type[content_type_id].add(pk)
    condition = Q()
    for content_type_id, ids in by_type.items():
        condition |= Q(content_type_id=content_type_id, object_id__in=ids)
    return condition


def _or(condition, lookups):
    return Q(**lookups) if condition is None else condition | Q(**lookups)


def _content_types(models):
    return [ContentType.objects.get_for_model(model) for model in models]


def _waits_on_the_clock(case_id):
    """Whether the case has a reply request whose deadline is still ahead: pages say so until it passes."""
    return ReplyRequest.objects.filter(
        case=case_id, outcome=ReplyRequest.Outcome.WAITING, deadline__gte=timezone.localdate()
    ).exists()


_paused = contextvars.ContextVar("casefile_rendering_paused", default=False)


@contextlib.contextmanager
def paused():
    """Render nothing inside: for an approval that is rolled back (a preview), whose pages would not be kept."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


class _ReaderRequest(HttpRequest):
    """A reader's request for today's page at `path`, made to render the page that is kept."""

    casefile_rendering = True

    def __init__(self, path):
        super().__init__()
        self.method = "GET"
        self.path = self.path_info = path
        self.GET = QueryDict()
        self.META = {"REQUEST_METHOD": "GET", "SERVER_NAME": rendered.RENDERED_HOST, "SERVER_PORT": "80"}
        self.resolver_match = resolve(path)

    def get_host(self):
        return rendered.RENDERED_HOST


def _render(path):
    """The page at `path` as a reader gets it, with the stand-ins of `published.rendered`; None unless found."""
    request = _ReaderRequest(path)
    match = request.resolver_match
    response = match.func(request, *match.args, **match.kwargs)
    if response.status_code != 200 or response.streaming:
        return None
    return response.content.decode(response.charset)

"""Keeping pages: rendering again, after the commit, the pages a change marked stale.

A change marks stale, in its own transaction, the kept pages that show what
it changed (`workflow.publication`); until they are kept again, readers get
them rendered for their request. Once the change is announced, a task
renders each stale page of the case by calling its view as a reader would,
notes every public record it read (`PublicationRead`, so that the next
change renders it again) and keeps it in its Publication row. A page a
reader finds not kept (stale, or kept by another release) queues the same
task, so a forgotten `render_pages` after a release costs one render per
page, not one per reader.

Pages that must change with the clock (those showing an answer still
awaited before its deadline) are rendered, to note what they read, but not
kept: they are rendered for each reader.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, QueryDict
from django.urls import resolve, reverse
from django.utils import translation

from .. import published
from ..models import Case, Publication
from ..published import rendered
from ..translations import source_language, translation_languages
from ..workflow import publication
from . import edge, tasks

logger = logging.getLogger(__name__)

# How long a case stays marked as queued, so that readers finding its pages
# stale queue it once, not once each.
QUEUED_SECONDS = 60


def keep_again(change, **kwargs):
    """Subscriber to `published`: queue the cases whose pages changed to be kept again.

    Once per case and task while one for it waits: the task keeps every page
    stale when it starts, those of later changes too. The pages in the
    newsroom's language and those in its translations are kept by two tasks,
    the second after every task of the first kind.
    """
    if not settings.KEEP_PUBLIC_PAGES:
        return
    for case_id in sorted(change.cases):
        for keeping in _keeping_tasks():
            if _mark_queued(case_id, keeping):
                try:
                    keeping.enqueue(case_id)
                except Exception:
                    _forget_queued(case_id, keeping)
                    raise


def keep_missed(case_id, **kwargs):
    """Subscriber to `kept_page_missed`: queue the case of a page a reader found not kept, once."""
    if not settings.KEEP_PUBLIC_PAGES:
        return
    for keeping in _keeping_tasks():
        if not _mark_queued(case_id, keeping):
            continue
        try:
            keeping.enqueue(case_id)
        except Exception:
            _forget_queued(case_id, keeping)
            # The reader gets the page rendered for them all the same.
            logger.exception("Could not queue the pages of case %s to be kept", case_id)


def _keeping_tasks():
    return [tasks.keep_pages, *([tasks.keep_translated_pages] if translation_languages() else [])]


def _mark_queued(case_id, keeping):
    try:
        return cache.add(_queued_key(case_id, keeping), True, QUEUED_SECONDS)
    except Exception:
        logger.warning("The cache could not say whether case %s is queued", case_id, exc_info=True)
        return True


def _forget_queued(case_id, keeping):
    try:
        cache.delete(_queued_key(case_id, keeping))
    except Exception:
        logger.warning("The cache could not forget that case %s is queued", case_id, exc_info=True)


def _queued_key(case_id, keeping):
    return f"kept-pages-queued:{keeping.name}:{case_id}"


def keep_source_case_pages(case_id):
    """`keep_case_pages()` in the newsroom's language."""
    _forget_queued(case_id, tasks.keep_pages)
    return keep_case_pages(case_id, [source_language()])


def keep_translated_case_pages(case_id):
    """`keep_case_pages()` in the languages the case is translated into."""
    _forget_queued(case_id, tasks.keep_translated_pages)
    return keep_case_pages(case_id, translation_languages())


def keep_case_pages(case_id, languages=None):
    """Render and keep every page of the case (in `languages`, every language by default) that is not kept
    by this release; returns how many."""
    case_slug = Publication.objects.of_kind(Case).filter(object_id=case_id).values_list("slug", flat=True).first()
    if case_slug is None:
        return 0
    on_the_clock = published.replies.waits_on_the_clock(case_id)
    return publication.keep_stale_pages(
        case_id, case_slug, rendered.release(), lambda page: _render_page(page, case_slug, on_the_clock), languages
    )


def _render_page(kept_page, case_slug, on_the_clock):
    with translation.override(kept_page.language):
        return _render_row(kept_page.publication, case_slug, on_the_clock)


def _render_row(row, case_slug, on_the_clock):
    if row.content_type.model_class() is Case:
        page = _render(reverse("casefile:case_detail", args=[case_slug]), case_slug)
        if page is None:
            return None
        document = None if on_the_clock else _render(reverse("casefile:case_json", args=[case_slug]), case_slug)
        page.document = document.page if document is not None else ""
        return page
    kind = row.content_type.model
    page = _render(reverse(f"casefile:{kind}_detail", args=[case_slug, row.slug]), case_slug)
    if page is not None and on_the_clock and kind != "source":
        page.page = ""
    return page


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


def _render(path, case_slug):
    """The page at `path` as a reader gets it, with the stand-ins of `published.rendered`; None unless found."""
    request = _ReaderRequest(path)
    match = request.resolver_match
    token = rendered.start_noting_reads()
    try:
        response = match.func(request, *match.args, **match.kwargs)
    finally:
        reads = rendered.stop_noting_reads(token)
    if response.status_code != 200 or response.streaming:
        return None
    return publication.RenderedPage(
        page=response.content.decode(response.charset),
        reads=reads.records,
        keys=edge.page_keys(reads, case_slug, match.url_name),
    )

"""Public pages. Every read goes through `casefile.published`."""

import datetime
import functools
import re
import sys

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import BadRequest
from django.core.paginator import InvalidPage, Paginator
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from . import exports, feeds, health, published
from .ftm import FTM_CONTENT_TYPE, GEXF_CONTENT_TYPE
from .models import Actor, Case, Event, Fact, Relationship, Source
from .published import rendered
from .search import search as search_public_records
from .text import without_control_characters

MAX_QUERY_LENGTH = 200
AS_OF_FORMAT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")


def day_in(request, parameter="as_of"):
    value = request.GET.get(parameter)
    if not value:
        return None
    as_of = None
    # Python reads other ISO forms too (20211116, 2021-W46-2); readers are told one.
    if AS_OF_FORMAT.fullmatch(value):
        try:
            as_of = datetime.date.fromisoformat(value)
        except ValueError:
            pass
    # The last day of the calendar has no end of day to read the case at.
    if as_of is None or as_of >= datetime.date.max:
        raise BadRequest(
            gettext("The date in ‘%(parameter)s’ must be written YYYY-MM-DD, for example 2021-11-16.")
            % {"parameter": parameter}
        )
    # Tomorrow in UTC is today somewhere; a later day has not been published yet.
    if as_of > timezone.now().date() + datetime.timedelta(days=1):
        raise BadRequest(
            gettext("The date in ‘%(parameter)s’ is in the future. Leave it out to read the case as published today.")
            % {"parameter": parameter}
        )
    return as_of


def _bad_request(request, message):
    return render(request, "400.html", {"title": gettext("This address cannot be read"), "reason": message}, status=400)


def _snapshot(request, case_slug, kind=None, slug=None):
    if kind is None:
        snapshot = published.published_case(case_slug, as_of=day_in(request))
    else:
        snapshot = published.published_page(case_slug, kind, slug, as_of=day_in(request))
    if snapshot is None:
        raise Http404("No such case has been published.")
    return snapshot


def _citation(request, snapshot, kind, title, address, last_changed=None):
    """How to cite the version of a page shown: a permalink to the page as published at the end
    of the day read, or of the day of its last change when it is known, or else of today."""
    date = snapshot.as_of or (
        last_changed.astimezone(datetime.timezone.utc).date() if last_changed else timezone.now().date()
    )
    permalink = request.build_absolute_uri(address) + "?" + urlencode({"as_of": date.isoformat()})
    return {"kind": kind, "title": title, "date": date, "permalink": permalink}


def _case_context(snapshot, **extra):
    """What every page of one case needs, including the query that keeps `as_of` in links."""
    as_of_query = "?" + urlencode({"as_of": snapshot.as_of.isoformat()}) if snapshot.as_of else ""
    return {"snapshot": snapshot, "case": snapshot.case, "as_of_query": as_of_query, **extra}


RECORD_PAGES = {"actor_detail": Actor, "event_detail": Event, "fact_detail": Fact, "source_detail": Source}


def _moved_address(request, kwargs):
    """Where a page of a case is now, reached under a slug its case or record was published
    under before; None if it is nowhere else."""
    if "case" not in kwargs:
        return None
    moved = dict(kwargs)
    case_id = published.public_case_id(kwargs["case"])
    if case_id is None:
        moved["case"] = published.renamed(Case, kwargs["case"])
        case_id = published.public_case_id(moved["case"]) if moved["case"] else None
        if case_id is None:
            return None
    model = RECORD_PAGES.get(request.resolver_match.url_name)
    if model is not None:
        moved["slug"] = published.renamed(model, kwargs["slug"], case=case_id) or kwargs["slug"]
    if moved == kwargs:
        return None
    address = reverse(request.resolver_match.view_name, kwargs=moved)
    return address + ("?" + request.META["QUERY_STRING"] if request.META.get("QUERY_STRING") else "")


def public_page(*query_parameters):
    """A public view: it answers GET and HEAD alone (405 to any other method),
    and a malformed query gets a friendly 400 page instead of an error.

    `query_parameters` names every parameter of the query string the view
    reads: cached pages are told apart by those alone, so no other parameter
    can force a page to be rendered again.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except BadRequest as error:
                return _bad_request(request, str(error))
            except Http404:
                moved = _moved_address(request, kwargs)
                if moved is None:
                    raise
                # Not permanent: an old slug may later be given to another record.
                return HttpResponseRedirect(moved)

        # A page that changes nothing has nothing for a CSRF token to guard:
        # exempt, a POST is told 405 (no such method here), not 403 (no token).
        public_view = csrf_exempt(require_safe(wrapper))
        public_view.query_parameters = query_parameters
        return public_view

    return decorate


@public_page()
def case_list(request):
    return render(request, "casefile/case_list.html", {"cases": published.public_cases()})


@public_page("as_of")
def case_detail(request, case):
    as_of = day_in(request)
    overview = published.case_overview(case, as_of=as_of)
    if overview is None and as_of is not None:
        found = published.first_publication(case)
        if found is not None:
            # Not found on that day, and said so with the day it was.
            public_case, first_published = found
            return render(request, "casefile/case_not_yet_published.html", {
                "case": public_case, "as_of": as_of, "first_published": first_published,
            }, status=404)
    if overview is None:
        raise Http404("No such case has been published.")
    context = _case_context(published.attach_copies(overview.snapshot), overview=overview)
    context["graph"] = exports.relationship_graph(overview.snapshot, link_query=context["as_of_query"])
    context["latest_as_of"] = rendered.latest_as_of(request)
    snapshot = overview.snapshot
    context["translation_note"] = published.translation_note(snapshot.case)
    context["citation"] = _citation(
        request, snapshot, "case file", snapshot.case.title, snapshot.case.get_absolute_url(),
        last_changed=snapshot.last_updated,
    )
    return render(request, "casefile/case_detail.html", context)


def _list_page(kind, template, heading):
    """A paged list of every public record of one kind in a case, in reading order."""

    @public_page("as_of", "page", *(["status"] if kind == "fact" else []))
    def view(request, case):
        as_of = day_in(request)
        lookups, query = {}, {}
        status = request.GET.get("status")
        if kind == "fact" and status:
            if status not in Fact.Status.values:
                raise BadRequest(
                    gettext("‘status’ must be one of: %(statuses)s.") % {"statuses": ", ".join(Fact.Status.values)}
                )
            lookups["status"] = query["status"] = status
        found = published.public_list(case, kind, as_of=as_of, **lookups)
        if found is None:
            raise Http404("No such case has been published.")
        snapshot, records = found
        if as_of:
            query["as_of"] = as_of.isoformat()
        # One address for each page: anything but its plain number is no page.
        number = request.GET.get("page", "1")
        try:
            if not PAGE_NUMBER.fullmatch(number):
                raise InvalidPage
            records_page = Paginator(records, published.LIST_PAGE_SIZE).page(number)
        except InvalidPage:
            raise Http404("This list has no such page.") from None
        return render(request, template, _case_context(
            snapshot,
            page_obj=records_page,
            status=lookups.get("status"),
            page_numbers=records_page.paginator.get_elided_page_range(records_page.number, on_ends=1),
            heading=gettext("%(status)s facts") % {"status": Fact.Status(status).label} if lookups else heading,
            # Links to other pages of the list keep the status and the date.
            page_query=urlencode(query) + "&" if query else "",
        ))

    view.__name__ = f"{kind}_list"
    return view


actor_list = _list_page("actor", "casefile/actor_list.html", gettext_lazy("Who is who"))
event_list = _list_page("event", "casefile/event_list.html", gettext_lazy("Timeline"))
fact_list = _list_page("fact", "casefile/fact_list.html", gettext_lazy("Facts"))
source_list = _list_page("source", "casefile/source_list.html", gettext_lazy("Sources"))


@public_page("as_of")
def case_json(request, case):
    snapshot = _snapshot(request, case)
    # Not indented: only then does the json module write it in C, several
    # times faster for a large case; readers' tools lay it out.
    return JsonResponse(exports.case_as_json(snapshot, request), json_dumps_params={"ensure_ascii": False})


@public_page("as_of")
def case_entities(request, case):
    """The case as FollowTheMoney entities, for Aleph, OpenAleph and `ftm`."""
    # followthemoney takes a second to load its model: only the processes that serve these pay for it.
    from .ftm import export as ftm_export

    entities = ftm_export.public_entities(_snapshot(request, case), request)
    return HttpResponse(ftm_export.as_lines(entities), content_type=FTM_CONTENT_TYPE)


@public_page("as_of")
def case_graph(request, case):
    """The same entities as a graph, in GEXF, for Gephi."""
    from .ftm import export as ftm_export
    from .ftm import graph as ftm_graph

    entities = ftm_export.public_entities(_snapshot(request, case), request)
    return HttpResponse(ftm_graph.as_gexf(entities), content_type=GEXF_CONTENT_TYPE)


@public_page("as_of")
def corrections(request, case):
    snapshot = _snapshot(request, case)
    return render(
        request,
        "casefile/corrections.html",
        _case_context(snapshot, corrections=published.corrections(snapshot)),
    )


CHANGE_PERIODS = {"week": 7, "month": 30}


@public_page("from", "to", "period", "as_of")
def case_changes(request, case):
    """What changed in the case between the end of one day and the end of another, as `as_of` shows them."""
    found = published.first_publication(case)
    if found is None:
        raise Http404("No such case has been published.")
    public_case, first_published = found
    today = timezone.now().date()
    # The case page's day picker sends its day as `as_of`: compared with today.
    start, end = day_in(request, "from") or day_in(request), day_in(request, "to")
    period = request.GET.get("period")
    if period is not None and period not in CHANGE_PERIODS:
        raise BadRequest(gettext("The period must be ‘week’ or ‘month’, or give the days in ‘from’ and ‘to’."))
    if period or end is None or start is None:
        # The page itself always names both days, so that a kept or shared copy never drifts with the calendar.
        if period:
            start = today - datetime.timedelta(days=CHANGE_PERIODS[period])
        end = end or today
        start = start or (first_published.date() if first_published else today)
        query = urlencode({"from": start.isoformat(), "to": end.isoformat()})
        return HttpResponseRedirect(reverse("casefile:case_changes", args=[public_case.slug]) + "?" + query)
    if start > end:
        raise BadRequest(gettext("The day in ‘from’ comes after the day in ‘to’: give the earlier day first."))
    return render(request, "casefile/case_changes.html", {
        "case": public_case, "as_of_query": "", "first_published": first_published,
        "changes": published.case_changes(public_case, start, end),
    })


@public_page()
def case_feed(request, case):
    return feeds.CaseFeed()(request, case=case)


@public_page()
def feed(request):
    return feeds.AllCasesFeed()(request)


def _record_page(kind, template):
    @public_page("as_of")
    def view(request, case, slug):
        snapshot = _snapshot(request, case, kind, slug)
        record = getattr(snapshot, kind)(slug)
        if record is None:
            raise Http404(f"No such {kind} in this case.")
        if kind in ("actor", "event", "fact"):
            published.attach_reply_lines(snapshot)
        context = _case_context(published.attach_copies(snapshot), **{kind: record})
        context["translation_note"] = published.translation_note(record)
        if kind == "fact":
            context["versions"] = published.fact_versions(record)
            context["claim_review"] = exports.json_ld(exports.claim_review(record, request))
            context["citation"] = _citation(
                request, snapshot, "fact", record.statement, record.get_absolute_url(),
                last_changed=max(
                    (shown.approved_at for shown in [record, *record.public_citations] if shown.approved_at),
                    default=None,
                ),
            )
        else:
            context["versions"] = published.record_versions(record)
        if kind == "actor":
            # Each relationship's own versions, all in one read.
            relationships = {relationship.pk: relationship for relationship in record.public_relationships}
            found = published.approved_versions(Relationship, relationships, snapshot.case.as_of_moment)
            for pk, relationship in relationships.items():
                relationship.public_versions = found.get(pk, [])
        if kind == "source":
            context["relay_chain"] = published.relay_chain(record)
            context["relayed_through"] = published.relayed_through(record)
        return render(request, template, context)

    view.__name__ = f"{kind}_detail"
    return view


actor_detail = _record_page("actor", "casefile/actor_detail.html")
event_detail = _record_page("event", "casefile/event_detail.html")
fact_detail = _record_page("fact", "casefile/fact_detail.html")
source_detail = _record_page("source", "casefile/source_detail.html")


@public_page("q")
def search(request):
    query = " ".join(without_control_characters(request.GET.get("q", ""), " ").split())
    shortened = len(query) > MAX_QUERY_LENGTH
    query = query[:MAX_QUERY_LENGTH]
    results = search_public_records(query) if query else []
    return render(request, "casefile/search.html", {
        "query": query,
        "shortened": shortened,
        "results": results,
        "result_count": sum(len(records) for _, records in results),
        "max_query_length": MAX_QUERY_LENGTH,
    })


@public_page()
def sitemap(request):
    """Every page of a case and its records that readers see today, for search engines."""
    return render(request, "casefile/sitemap.xml", {
        "origin": request.build_absolute_uri("/").removesuffix("/"),
        "pages": published.sitemap_pages(),
    }, content_type="application/xml; charset=utf-8")


@public_page()
def robots(request):
    return render(request, "casefile/robots.txt", {
        "admin_path": reverse("admin:index"),
        "sitemap": request.build_absolute_uri(reverse("casefile:sitemap")),
    }, content_type="text/plain; charset=utf-8")


@functools.cache
def _favicon():
    with open(finders.find("casefile/favicon.ico"), "rb") as icon:
        return icon.read()


@public_page()
def favicon(request):
    # Browsers ask for /favicon.ico where no page names an icon: feeds, case.json, bookmarks.
    return HttpResponse(_favicon(), content_type="image/x-icon")


def healthz(request):
    """The process is alive and answers: nothing else is asked, the database least of all."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-store"})


def readyz(request):
    """Whether this instance can serve (503 without its database), and the state of what it uses."""
    checks, ready = health.readiness()
    return JsonResponse(checks, status=200 if ready else 503, headers={"Cache-Control": "no-store"})


healthz.outside_the_page_cache = readyz.outside_the_page_cache = True


def server_error(request):
    """The 500 page, or, when the database cannot be reached, a 503 that asks to come back shortly.

    Rendered without the database or the request's context (no session, no
    user): either may be what failed.
    """
    unavailable = isinstance(sys.exc_info()[1], (OperationalError, InterfaceError))
    body = loader.render_to_string("503.html" if unavailable else "500.html", {
        "newsroom_name": settings.NEWSROOM_NAME,
        "newsroom_url": settings.NEWSROOM_URL,
        "was_saving": request.method not in ("GET", "HEAD"),
    })
    response = HttpResponse(body, status=503 if unavailable else 500, headers={"Cache-Control": "no-store"})
    if unavailable:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# How soon a reader may try again when the database is unavailable.
RETRY_AFTER_SECONDS = 30

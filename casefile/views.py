"""Public pages. Every read goes through `casefile.published`."""

import datetime

from django.http import Http404, JsonResponse
from django.shortcuts import render

from . import exports, published


class BadRequest(Exception):
    pass


def _as_of(request):
    value = request.GET.get("as_of")
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(
            "The date in ‘as_of’ must be written YYYY-MM-DD, for example 2021-11-16."
        ) from None


def _bad_request(request, message):
    return render(request, "casefile/bad_request.html", {"message": message}, status=400)


def _snapshot(request, case_slug):
    snapshot = published.published_case(case_slug, as_of=_as_of(request))
    if snapshot is None:
        raise Http404("No such case has been published.")
    return snapshot


def public_page(view):
    """Turns a malformed query into a friendly 400 page instead of an error."""

    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadRequest as error:
            return _bad_request(request, str(error))

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@public_page
def case_list(request):
    return render(request, "casefile/case_list.html", {"cases": published.public_cases()})


@public_page
def case_detail(request, case):
    snapshot = _snapshot(request, case)
    return render(request, "casefile/case_detail.html", {
        "snapshot": snapshot,
        "case": snapshot.case,
        "graph": exports.relationship_graph(snapshot),
    })


@public_page
def case_json(request, case):
    snapshot = _snapshot(request, case)
    return JsonResponse(
        exports.case_as_json(snapshot, request), json_dumps_params={"ensure_ascii": False, "indent": 1}
    )


@public_page
def corrections(request, case):
    snapshot = _snapshot(request, case)
    return render(request, "casefile/corrections.html", {
        "snapshot": snapshot, "case": snapshot.case, "corrections": published.corrections(snapshot),
    })


def _record_page(kind, template):
    @public_page
    def view(request, case, slug):
        snapshot = _snapshot(request, case)
        record = getattr(snapshot, kind)(slug)
        if record is None:
            raise Http404(f"No such {kind} in this case.")
        context = {"snapshot": snapshot, "case": snapshot.case, kind: record}
        if kind == "fact":
            context["versions"] = published.fact_versions(record)
            context["claim_review"] = exports.claim_review(record, request)
        return render(request, template, context)

    view.__name__ = f"{kind}_detail"
    return view


actor_detail = _record_page("actor", "casefile/actor_detail.html")
event_detail = _record_page("event", "casefile/event_detail.html")
fact_detail = _record_page("fact", "casefile/fact_detail.html")
source_detail = _record_page("source", "casefile/source_detail.html")


@public_page
def search(request):
    query = request.GET.get("q", "")
    results = published.search(query) if query.strip() else []
    return render(request, "casefile/search.html", {"query": query, "results": results})

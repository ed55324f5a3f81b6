"""Readers' kept pages, served before sessions, users, the login lockout or a view are looked at."""

from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.urls import Resolver404, resolve

from ..pagecache import is_reader_request
from . import rendered

# The kept pages a reader may be served, by the name of the view that renders each.
KEPT = {
    "casefile:case_detail": (lambda case: rendered.rendered_page(case), "text/html; charset=utf-8"),
    "casefile:case_json": (lambda case: rendered.rendered_document(case), "application/json"),
    **{
        f"casefile:{kind}_detail": (
            lambda case, slug, kind=kind: rendered.rendered_page(case, kind, slug), "text/html; charset=utf-8"
        )
        for kind in ("actor", "event", "fact", "source")
    },
}


class KeptPageMiddleware:
    """A reader asking for today's page gets the page kept when it was published, before sessions,
    users, the login lockout or a view are looked at: they would change nothing in it.

    Anything else goes on to the view, which renders the page: a page not
    kept (or kept by another release, or stale since an approval), a page
    as of a past day (`as_of`), staff (a session), a HEAD. The view a kept
    page stands for is noted on the request as Django would, for the
    middleware further out (the edge cache's keys).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.frame_options = XFrameOptionsMiddleware(get_response)

    def __call__(self, request):
        response = self.kept_page(request)
        return self.get_response(request) if response is None else response

    def kept_page(self, request):
        if request.method != "GET" or not is_reader_request(request) or request.GET.get("as_of"):
            return None
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return None
        if match.view_name not in KEPT:
            return None
        find, content_type = KEPT[match.view_name]
        kept = find(**match.kwargs)
        content = None if kept is None else rendered.for_reader(kept, request)
        if content is None:
            return None
        request.resolver_match = match
        response = HttpResponse(content, content_type=content_type)
        response.headers["Content-Length"] = str(len(content))
        return self.frame_options.process_response(request, response)

from django.conf import settings
from django.utils.http import urlencode


def newsroom(request):
    return {
        "newsroom_name": settings.NEWSROOM_NAME,
        "newsroom_url": settings.NEWSROOM_URL,
        # Set by an editor's preview of a page after the approval they are reviewing.
        "preview": getattr(request, "casefile_preview", None),
        "canonical_url": canonical_url(request),
    }


def canonical_url(request):
    """The address of a public page with only the query parameters its view reads; None elsewhere."""
    query = read_query(request)
    if query is None:
        return None
    return request.build_absolute_uri(request.path) + ("?" + query if query else "")


def read_query(request):
    """The query string of a public page cut to the parameters its view reads ('' for none); None elsewhere.

    Cached pages are told apart by those parameters alone: a link a page
    builds from its own address carries nothing else.
    """
    match = getattr(request, "resolver_match", None)
    parameters = getattr(match.func, "query_parameters", None) if match is not None else None
    if parameters is None:
        return None
    return urlencode([(name, request.GET[name]) for name in sorted(parameters) if request.GET.get(name)])

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
    match = getattr(request, "resolver_match", None)
    parameters = getattr(match.func, "query_parameters", None) if match is not None else None
    if parameters is None:
        return None
    query = [(name, request.GET[name]) for name in sorted(parameters) if request.GET.get(name)]
    return request.build_absolute_uri(request.path) + ("?" + urlencode(query) if query else "")

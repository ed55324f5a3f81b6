"""Public pages of the newsroom's copies: a shared copy to download, the citations as annotations."""

from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header, quote_etag

from . import annotations, published
from .views import _snapshot, public_page

# The largest id a copy can have; a larger number names none.
LARGEST_ID = 2**63 - 1


@public_page()
def shared_copy(request, case, slug, capture):
    """Our copy of a source, as an attachment, only where an editor shared the source's copies."""
    copy = published.shared_copy(case, slug, capture) if capture <= LARGEST_ID else None
    if copy is None:
        raise Http404("No copy of this source is shared.")
    response = StreamingHttpResponse(copy.document_chunks(), content_type=copy.content_type)
    response["Content-Length"] = str(copy.size)
    # The document's own hash is the strongest validator there is.
    response["ETag"] = quote_etag(copy.sha256)
    response["Content-Disposition"] = content_disposition_header(
        True, f"{slug}-{copy.captured_at:%Y%m%d-%H%M%S}.{copy.extension}"
    )
    # Opened by mistake in the browser, the document runs no script of ours or its own.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


@public_page("as_of")
def case_annotations(request, case):
    snapshot = _snapshot(request, case)
    return JsonResponse(
        annotations.case_annotations(snapshot, request),
        content_type='application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )

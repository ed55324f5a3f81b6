"""A case's citations as W3C Web Annotations (JSON-LD).

One annotation per public citation: the record it supports (a fact's
statement, an event, a relationship) is the body; the target is our copy of
the source, with the passage's TextQuoteSelector and TextPositionSelector
and the paragraph cited. A citation of a source we hold no copy of targets
the source's own address with its quote alone.
"""

from django.conf import settings

from .models import QuoteAnchor
from .published import attach_copies

CONTEXT = [
    "http://www.w3.org/ns/anno.jsonld",
    {
        "casefile": settings.SITE_URL + "/ns/casefile#",
        "paragraph": "casefile:paragraph",
        "sha256": "casefile:sha256",
        "stance": "casefile:stance",
    },
]


def _url(request, path):
    return request.build_absolute_uri(path)


def _body(citation, request):
    parent = citation.public_parent
    if citation.fact_id:
        value, page = parent.statement, parent.get_absolute_url()
    elif citation.event_id:
        value, page = parent.title, parent.get_absolute_url()
    else:
        value = f"{parent.subject.name} {parent.get_kind_display()} {parent.object.name}"
        page = parent.case.get_absolute_url() + f"#relationship-{parent.pk}"
    return {"type": "TextualBody", "value": value, "format": "text/plain", "purpose": "describing",
            "source": _url(request, page)}


def _target(citation, request):
    copy = citation.our_copy
    line, anchor = copy.line, copy.anchor
    if line is None:
        target = {"type": "SpecificResource",
                  "source": citation.source.url or _url(request, citation.source.get_absolute_url())}
        if citation.quote:
            target["selector"] = {"type": "TextQuoteSelector", "exact": citation.quote}
        target["paragraph"] = citation.paragraph
        return target
    capture = line.capture
    source_id = _url(request, citation.source.get_absolute_url()) + f"#copy-{capture.pk}"
    target = {
        "type": "SpecificResource",
        "source": {
            "id": line.download_url and _url(request, line.download_url) or source_id,
            "type": "Text",
            "format": capture.content_type,
            "created": capture.captured_at.isoformat(),
            "sha256": capture.sha256,
        },
        "paragraph": citation.paragraph,
    }
    if anchor is not None:
        selectors = [{"type": "TextQuoteSelector", "exact": anchor.exact, "prefix": anchor.prefix,
                      "suffix": anchor.suffix}]
        if anchor.state != QuoteAnchor.State.ORPHANED:
            selectors.append({"type": "TextPositionSelector", "start": anchor.start, "end": anchor.end})
        target["selector"] = selectors
    elif citation.quote:
        target["selector"] = {"type": "TextQuoteSelector", "exact": citation.quote}
    return target


def case_annotations(snapshot, request):
    """Every public citation of the case as a Web Annotation, in one AnnotationCollection page."""
    attach_copies(snapshot)
    citations = sorted(
        {c.pk: c for record in [*snapshot.facts.values(), *snapshot.events.values(), *snapshot.relationships]
         for c in record.public_citations}.values(),
        key=lambda c: c.pk,
    )
    collection = _url(request, snapshot.case.get_absolute_url()) + "annotations.jsonld"
    items = [
        {
            "id": f"{collection}#citation-{citation.pk}",
            "type": "Annotation",
            "motivation": "assessing",
            "stance": citation.stance,
            "created": (citation.approved_at or citation.version_date).isoformat(),
            "body": _body(citation, request),
            "target": _target(citation, request),
        }
        for citation in citations
    ]
    return {
        "@context": CONTEXT,
        "id": collection,
        "type": "AnnotationCollection",
        "label": f"Citations of {snapshot.case.title}",
        "total": len(items),
        "first": {"type": "AnnotationPage", "items": items},
    }

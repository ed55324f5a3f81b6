"""Machine-readable forms of a published case: JSON export, ClaimReview, graph data."""

import functools
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from . import dates, published
from .models import Actor, Case, Citation, Event, EventParticipant, Fact, OpenQuestion, Relationship, Source
from .published.fields import shown_fields
from .translations import texts_by_language, translated_texts, translation_columns


def _url(request, record):
    # The site's own addresses are plain ASCII: joined to the origin, not
    # parsed again for each of the thousands of records of a large case.
    return _origin(request) + record.get_absolute_url()


def _origin(request):
    if not hasattr(request, "casefile_origin"):
        request.casefile_origin = request.build_absolute_uri("/").removesuffix("/")
    return request.casefile_origin


def _written(record, model):
    """The fields of `record` readers see, as case.json writes them, in the model's order.

    What readers may see is said once, in `published.fields`: a field kept for
    staff cannot reach case.json. A date is written as precisely as it is known
    (`starts_on` as `starts`). A field naming another record is left to the
    section, which names that record as readers find it (by its slug, through
    the versions readers see) or holds it (a citation in its fact).
    """
    written = {
        key: getattr(record, attname) if precision is None else dates.iso(getattr(record, attname),
                                                                          getattr(record, precision))
        for key, attname, precision in _written_fields(model)
    }
    if translated_texts(model):
        # The texts above in the document's language, or in English where they have no translation;
        # here in every language they are written in.
        written["texts"] = texts_by_language(record)
    return written


@functools.cache
def _written_fields(model):
    """(key in case.json, attribute, attribute of its precision or None) of each field `_written()` writes."""
    precision_of = dates.precision_fields(model)
    return tuple(
        (field.name.removesuffix("_on"), field.attname, precision_of[field.name]) if field.name in precision_of
        else (field.name, field.attname, None)
        for field in shown_fields(model)
        if not field.is_relation and field.name not in precision_of.values()
        and field.name not in translation_columns(model)
    )


def _citation(citation, request):
    return {
        **_written(citation, Citation),
        "source": citation.source.slug,
        "source_url": _url(request, citation.source),
    }


def case_as_json(snapshot, request):
    """Every approved record of the case, with ids, links and citations, and the right-of-reply lines."""
    case = snapshot.case
    reply_lines = published.attach_reply_lines(snapshot)
    return {
        "language": get_language(),
        "case": {
            **_written(case, Case),
            "url": _url(request, case),
            "annotations": request.build_absolute_uri(reverse("casefile:case_annotations", args=[case.slug])),
            "as_of": snapshot.as_of.isoformat() if snapshot.as_of else None,
            "last_updated": snapshot.last_updated.isoformat() if snapshot.last_updated else None,
        },
        "actors": [
            {
                **_written(actor, Actor),
                "aliases": actor.alias_list,
                "url": _url(request, actor),
            }
            for actor in sorted(snapshot.actors.values(), key=lambda a: a.name)
        ],
        "relationships": [
            {
                **_written(rel, Relationship),
                "subject": rel.subject.slug,
                "object": rel.object.slug,
                "period": rel.period,
                "citations": [_citation(c, request) for c in rel.public_citations],
            }
            for rel in snapshot.relationships
        ],
        "sources": [
            {
                **_written(source, Source),
                # Unknown, not blank: no one wrote a publisher, an author or an address.
                "publisher": source.publisher or None,
                "author": source.author or None,
                "url": source.url or None,
                "relayed_via": source.public_relayed_via.slug if source.public_relayed_via else None,
                # How many published claims this source alone supports.
                "claims_resting_on_it_alone": source.claims_resting_alone,
                "page": _url(request, source),
            }
            for source in sorted(snapshot.sources.values(), key=lambda s: s.title)
        ],
        "events": [
            {
                **_written(event, Event),
                "date_display": event.date_display,
                "participants": [
                    {**_written(p, EventParticipant), "actor": p.actor.slug} for p in event.public_participants
                ],
                "citations": [_citation(c, request) for c in event.public_citations],
                "url": _url(request, event),
            }
            for event in snapshot.timeline
        ],
        "facts": [
            {
                **_written(fact, Fact),
                "actors": [actor.slug for actor in fact.public_actors],
                "events": [event.slug for event in fact.public_events],
                "citations": [_citation(c, request) for c in fact.public_citations],
                "url": _url(request, fact),
            }
            for fact in sorted(snapshot.facts.values(), key=lambda f: f.slug)
        ],
        "right_of_reply": [line.as_json for line in reply_lines],
        "open_questions": [
            {
                **_written(question, OpenQuestion),
                "concerns": [_concern(record) for record in question.public_concerns],
                "url": _url(request, question),
            }
            for question in snapshot.questions
        ],
    }


def _concern(record):
    """A record an open question concerns, named as case.json names it elsewhere."""
    kind = record._meta.model_name
    if kind == "relationship":
        return {"kind": kind, "id": record.pk}
    return {"kind": kind, "slug": record.slug}


RATINGS = {"confirmed": 4, "disputed": 2, "unverified": 3, "false": 1}


def claim_review(fact, request):
    """schema.org ClaimReview for a published fact."""
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": _url(request, fact),
        "claimReviewed": fact.statement,
        "datePublished": (fact.approved_at or fact.version_date).date().isoformat(),
        "author": {
            "@type": "Organization",
            "name": settings.NEWSROOM_NAME,
            "url": settings.NEWSROOM_URL,
        },
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": RATINGS[fact.status],
            "bestRating": 4,
            "worstRating": 1,
            "alternateName": fact.get_status_display(),
        },
        "itemReviewed": _claim(fact, request),
    }


def _claim(fact, request):
    """The claim a fact states: who made it, where it appeared and when it first did.

    The claim appears in the sources cited as supporting the fact; a source that
    contradicts it denies the claim and one that qualifies it may not make it at
    all. Its author is whoever put it in the earliest of those sources that names
    one: the source's author (a byline, so a person) or, when unknown, its
    publisher. The actors of a fact are whom the claim is about, not who made it:
    naming them would attribute an allegation to the person it accuses.
    """
    sources = []
    for citation in fact.public_citations:
        if citation.stance == Citation.Stance.SUPPORTS and citation.source not in sources:
            sources.append(citation.source)
    # Undated sources last, in citation order: no one can say they came first.
    sources.sort(key=lambda source: dates.sort_key(source.published_on, source.published_precision))
    claim = {
        "@type": "Claim",
        "appearance": [_appearance(source, request) for source in sources],
    }
    author = next((_claim_author(source) for source in sources if source.author or source.publisher), None)
    if author:
        claim["author"] = author
    if sources and sources[0].published_on:
        claim["firstAppearance"] = claim["appearance"][0]
        claim["datePublished"] = dates.iso(sources[0].published_on, sources[0].published_precision)
    return claim


def _claim_author(source):
    return _named("Person", source.author) if source.author else _named("Organization", source.publisher)


def _named(kind, name):
    return {"@type": kind, "name": name}


def _appearance(source, request):
    """A source that carries a claim: at its own address, or at its page here when it has none."""
    work = {"@type": "CreativeWork", "url": source.url or _url(request, source), "name": source.title}
    if source.published_on:
        work["datePublished"] = dates.iso(source.published_on, source.published_precision)
    if source.author:
        work["author"] = _named("Person", source.author)
    if source.publisher:
        work["publisher"] = _named("Organization", source.publisher)
    return work


# The characters Django's json_script filter escapes: none of them is left to
# close the script element or open a comment in it.
SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(data):
    """`data` as JSON to put inside <script type="application/ld+json">.

    Escaped as Django's json_script filter escapes, so no text in it can end
    the script element; json_script itself only writes type="application/json".
    """
    return mark_safe(json.dumps(data, cls=DjangoJSONEncoder).translate(SCRIPT_ESCAPES))


def relationship_graph(snapshot, link_query=""):
    """Nodes and labelled edges for the who-is-tied-to-whom diagram.

    `link_query` is added to every actor link, so a page read as of a date
    leads to actor pages as of the same date. An edge leads to its entry in
    the list of relationships, where its citations are.
    """
    tied = {rel.subject.pk for rel in snapshot.relationships} | {
        rel.object.pk for rel in snapshot.relationships
    }
    edges = [
        {"id": f"r{rel.pk}", "source": f"a{rel.subject.pk}", "target": f"a{rel.object.pk}",
         "label": rel.get_kind_display(), "status": rel.status, "status_label": rel.get_status_display(),
         "url": f"#relationship-{rel.pk}"}
        for rel in snapshot.relationships
    ]
    return {
        "statuses": sorted({edge["status"] for edge in edges if "status" in edge} - {"confirmed"}),
        "nodes": [
            {"id": f"a{actor.pk}", "label": actor.name, "kind": actor.kind,
             "url": actor.get_absolute_url() + link_query}
            for actor in sorted(snapshot.actors.values(), key=lambda a: a.name)
            if actor.pk in tied
        ],
        "edges": edges,
    }

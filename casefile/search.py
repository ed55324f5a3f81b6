"""Search: the text readers can find, and finding it.

Each public record's searchable text is kept on its `Publication` row,
written from the approved version when it is published
(`workflow.publish()`), so a search reads one short row per public record
instead of the text of every approved version.
"""

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q

from .models import Actor, Event, Fact, Publication, Source
from .published import public_cases
from .text import without_control_characters

SEARCH_FIELDS = {
    Fact: ("statement", "assessment"),
    Actor: ("name", "aliases", "description"),
    Event: ("title", "description", "location"),
    Source: ("title", "publisher", "author"),
}
SEARCH_LABEL = {Fact: "statement", Actor: "name", Event: "title", Source: "title"}
# The fields of a Publication row that `searchable()` fills.
ROW_FIELDS = ("slug", "label", "status", "body")
MAX_RESULTS_PER_KIND = 50


def searchable(model, version):
    """What a Publication row keeps of an approved version for search: the fields of ROW_FIELDS."""
    if model not in SEARCH_FIELDS:
        return {"slug": getattr(version, "slug", ""), "label": "", "status": getattr(version, "status", ""),
                "body": ""}
    return {
        "slug": version.slug,
        "label": getattr(version, SEARCH_LABEL[model]),
        "status": getattr(version, "status", ""),
        "body": "\n".join(getattr(version, name) or "" for name in SEARCH_FIELDS[model]),
    }


def search(query):
    """Public facts, actors, events and sources matching `query`, grouped by public case.

    A record matches when it holds every word of the query, in any order; on
    PostgreSQL also when full-text search matches (stemmed words, "phrases",
    -exclusions).
    """
    # PostgreSQL refuses NUL characters in any string it is sent.
    query = " ".join(without_control_characters(query, " ").split())[:200]
    if not query:
        return []
    cases = {case.pk: case for case in public_cases()}
    grouped = defaultdict(list)
    for model in SEARCH_FIELDS:
        content_type = ContentType.objects.get_for_model(model)
        entries = Publication.objects.filter(content_type=content_type, case__in=list(cases))
        if connection.vendor == "postgresql":
            terms = SearchQuery(query, search_type="websearch", config="english")
            entries = (
                entries.annotate(rank=SearchRank(F("vector"), terms))
                .filter(Q(vector=terms) | _holds_every_word(query))
                .order_by("-rank", "label", "id")
            )
        else:
            entries = entries.filter(_holds_every_word(query)).order_by("label", "id")
        for entry in entries.defer("body", "vector")[:MAX_RESULTS_PER_KIND]:
            entry.content_type, entry.case = content_type, cases[entry.case_id]
            grouped[entry.case_id].append(entry)
    return [(cases[case_id], records) for case_id, records in grouped.items()]


def _holds_every_word(query):
    return Q(*(Q(body__icontains=word) for word in query.split()))

"""Search: the text readers can find, and finding it.

Each public record's searchable text is kept on its `Publication` row,
written from the approved version when it is published
(`workflow.publish()`), so a search reads one short row per public record
instead of the text of every approved version.
"""

import functools
import operator
import re

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, Value, When

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
MAX_RESULTS = 200
# How many words of a passage a result shows on each side of the first word found in it.
EXCERPT_WORDS = 12


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
    """Public facts, actors, events and sources matching `query`, grouped by public case, the most
    relevant first: each case's results in order of relevance, the case of the best result first.

    A record matches when it holds every word of the query, in any order; on
    PostgreSQL also when full-text search matches (stemmed words, "phrases",
    -exclusions). Each result carries `marked_label`, its label cut where the
    words of the query stand, and `excerpt`, the same of the passage that
    holds the words its label does not show (None if the label shows them all).
    """
    # PostgreSQL refuses NUL characters in any string it is sent.
    query = " ".join(without_control_characters(query, " ").split())[:200]
    if not query:
        return []
    cases = {case.pk: case for case in public_cases()}
    kinds = {kind.pk: kind for kind in map(ContentType.objects.get_for_model, SEARCH_FIELDS)}
    words = marked_words(query)
    entries = Publication.objects.filter(content_type__in=list(kinds), case__in=list(cases))
    order = ["-names_it", "-phrase_in_label", "-words_in_label"]
    if connection.vendor == "postgresql":
        terms = SearchQuery(query, search_type="websearch", config="english")
        entries = entries.annotate(rank=SearchRank(F("vector"), terms)).filter(
            Q(vector=terms) | _holds_every_word(query)
        )
        order.append("-rank")
    else:
        entries = entries.filter(_holds_every_word(query))
    entries = entries.annotate(**_relevance(query, words)).order_by(*order, "-phrase_in_body", "label", "id")
    grouped = {}
    for entry in entries.only("content_type", "case", "slug", "label", "status", "body")[:MAX_RESULTS]:
        entry.content_type, entry.case = kinds[entry.content_type_id], cases[entry.case_id]
        entry.marked_label = marked(entry.label, words)
        entry.excerpt = excerpt(entry.body, entry.label, words)
        grouped.setdefault(entry.case_id, []).append(entry)
    return [(cases[case_id], records) for case_id, records in grouped.items()]


def _holds_every_word(query):
    return Q(*(Q(body__icontains=word) for word in query.split()))


def _when(condition):
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _relevance(query, words):
    """How well a row answers the query, the same on every database: a label that is the query,
    that holds it whole, that holds more of its words; a body that holds it whole."""
    return {
        "names_it": _when(Q(label__iexact=query)),
        "phrase_in_label": _when(Q(label__icontains=query)),
        "words_in_label": functools.reduce(
            operator.add, [_when(Q(label__icontains=word)) for word in words], Value(0, output_field=IntegerField())
        ),
        "phrase_in_body": _when(Q(body__icontains=query)),
    }


def marked_words(query):
    """The words of `query` to mark in what it found: without quotes or exclusions, longest first."""
    words = {word.strip('"') for word in query.split() if not word.startswith("-")} - {""}
    return sorted(words, key=lambda word: (-len(word), word.casefold()))


def marked(text, words):
    """`text` as (part, is_found) pairs, in order. A part is found when it is a word of `text` that
    holds a word of the query, whole: "Germany" for "german", as the search itself finds it."""
    if not words or not text:
        return [(text, False)] if text else []
    pattern = re.compile(r"\w*(?:" + "|".join(re.escape(word) for word in words) + r")\w*", re.IGNORECASE)
    parts, at = [], 0
    for found in pattern.finditer(text):
        if found.start() > at:
            parts.append((text[at:found.start()], False))
        parts.append((found.group(), True))
        at = found.end()
    if at < len(text):
        parts.append((text[at:], False))
    return parts


def excerpt(body, label, words):
    """The passage of `body` around the first word of the query `label` does not show, marked;
    None if the label shows every word, or the body holds none of the others."""
    missing = [word for word in words if word.casefold() not in label.casefold()]
    if not missing:
        return None
    rest = body.split("\n", 1)[1] if "\n" in body else ""
    pattern = re.compile("|".join(re.escape(word) for word in missing), re.IGNORECASE)
    for line in rest.splitlines():
        found = pattern.search(line)
        if found is None:
            continue
        words_of_line = [word.span() for word in re.finditer(r"\S+", line)]
        at = next(index for index, (_, end) in enumerate(words_of_line) if end > found.start())
        first, last = max(0, at - EXCERPT_WORDS), min(len(words_of_line), at + EXCERPT_WORDS + 1)
        shown = line[words_of_line[first][0]:words_of_line[last - 1][1]]
        return marked(("…" if first else "") + shown + ("…" if last < len(words_of_line) else ""), words)
    return None

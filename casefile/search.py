"""Search: the text readers can find, and finding it.

Each public record's searchable text is kept on its `Publication` row,
written from the approved version when it is published
(`workflow.publish()`), so a search reads one short row per public record
instead of the text of every approved version. The row keeps every language
of the searched texts, so a record is found by its English name or its
Chinese one from the pages of either language.
"""

import functools
import operator
import re

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, Func, IntegerField, Q, TextField, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from .models import Actor, Event, Fact, Publication, Source
from .published import public_cases
from .text import CJK_LETTERS, without_control_characters
from .translations import column, translated_texts, translation_languages

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

# Chinese and Japanese put no space between words (and a Korean word holds
# its particles), and PostgreSQL has no dictionary to split them: a run of
# CJK letters is searched by its overlapping pairs of letters instead
# ("肖毅是" as "肖毅", "毅是"; a letter alone as itself), which any word of two
# letters or more is found by.
CJK_RUN = re.compile(f"[{CJK_LETTERS}]+")
# A word of the text as an excerpt counts them: two letters of a run, or what stands between two spaces.
_EXCERPT_WORD = re.compile(f"[{CJK_LETTERS}]{{1,2}}|[^\\s{CJK_LETTERS}]+")


def searchable(model, version):
    """What a Publication row keeps of an approved version for search: the fields of ROW_FIELDS."""
    if model not in SEARCH_FIELDS:
        return {"slug": getattr(version, "slug", ""), "label": "", "status": getattr(version, "status", ""),
                "body": ""}
    return {
        "slug": version.slug,
        "label": getattr(version, SEARCH_LABEL[model]),
        "status": getattr(version, "status", ""),
        "body": "\n".join(getattr(version, name) or "" for name in searched_columns(model)),
    }


def searched_columns(model):
    """The columns of `model` a row's body holds, in order: the searched texts, the label's first, then
    their translations, language by language."""
    translated = [name for name in SEARCH_FIELDS[model] if name in translated_texts(model)]
    return [
        *SEARCH_FIELDS[model],
        *(column(name, language) for language in translation_languages() for name in translated),
    ]


def letter_pairs(text):
    """The overlapping pairs of letters of each run of CJK letters in `text`, in order;
    a run of one letter as itself. What `vector()` keeps of them, and what a query of them must match."""
    return [run[at:at + 2] for run in CJK_RUN.findall(text) for at in range(max(len(run) - 1, 1))]


class _LetterPairs(Func):
    """`letter_pairs()` of a text in PostgreSQL, joined by spaces: the pairs of every run of letters the
    pattern finds, counted from its first letter to its last but one (to its first for a run of one)."""

    template = (
        "(SELECT coalesce(string_agg(substr(found.run[1], at, 2), ' '), '')"
        " FROM regexp_matches(%(expressions)s, 'g') AS found(run)"
        " CROSS JOIN LATERAL generate_series(1, greatest(char_length(found.run[1]) - 1, 1)) AS at)"
    )
    output_field = TextField()

    def __init__(self, expression):
        super().__init__(expression, Value(CJK_RUN.pattern))


def vector():
    """What `Publication.vector` holds of a row's body, computed in SQL: its other words stemmed in
    English, and the pairs of letters of its runs of CJK letters as they are (`letter_pairs()`)."""
    other_words = Func(F("body"), Value(CJK_RUN.pattern), Value(" "), Value("g"), function="regexp_replace",
                       output_field=TextField())
    return SearchVector(other_words, config="english") + SearchVector(_LetterPairs(F("body")), config="simple")


def query_words(query):
    """The words of `query` a record must hold, in order: each run of CJK letters
    is a word of its own, whatever stands beside it ("肖毅Genesis", "“肖毅”"), without the
    punctuation next to it. A word without such letters is kept as it is."""
    found = []
    for word in query.split():
        if not CJK_RUN.search(word):
            found.append(word)
            continue
        for part in re.split(f"({CJK_RUN.pattern})", word):
            part = part if CJK_RUN.fullmatch(part) else re.sub(r"^\W+|\W+$", "", part)
            if part:
                found.append(part)
    return found


def search(query):
    """Public facts, actors, events and sources matching `query`, grouped by public case, the most
    relevant first: each case's results in order of relevance, the case of the best result first.

    A record matches when it holds every word of the query, in any order; on
    PostgreSQL also when full-text search matches (stemmed words, "phrases",
    -exclusions, and every pair of letters of the query's Chinese words). Each
    result carries `marked_label`, its label cut where the words of the query
    stand, and `excerpt`, the same of the passage that holds the words its
    label does not show (None if the label shows them all). The label is in
    the language of the page where the record has a translation of it.
    """
    # PostgreSQL refuses NUL characters in any string it is sent.
    query = " ".join(without_control_characters(query, " ").split())[:200]
    if not query:
        return []
    cases = {case.pk: case for case in public_cases()}
    kinds = {kind.pk: kind for kind in map(ContentType.objects.get_for_model, SEARCH_FIELDS)}
    words = marked_words(query)
    labels = _translated_labels()
    shown_label = column("label", get_language()) if get_language() in translation_languages() else "label"
    entries = Publication.objects.filter(content_type__in=list(kinds), case__in=list(cases)).annotate(**labels)
    order = ["-names_it", "-phrase_in_label", "-words_in_label"]
    if connection.vendor == "postgresql":
        terms = full_text_query(query)
        entries = entries.annotate(rank=SearchRank(F("vector"), terms)).filter(
            Q(vector=terms) | _holds_every_word(query)
        )
        order.append("-rank")
    else:
        entries = entries.filter(_holds_every_word(query))
    entries = entries.annotate(**_relevance(query, words, ["label", *labels])).order_by(
        *order, "-phrase_in_body", "label", "id"
    )
    grouped = {}
    for entry in entries.only("content_type", "case", "slug", "label", "status", "body")[:MAX_RESULTS]:
        entry.content_type, entry.case = kinds[entry.content_type_id], cases[entry.case_id]
        entry.label = getattr(entry, shown_label) or entry.label
        entry.marked_label = marked(entry.label, words)
        entry.excerpt = excerpt(entry.body, entry.label, words)
        grouped.setdefault(entry.case_id, []).append(entry)
    return [(cases[case_id], records) for case_id, records in grouped.items()]


def full_text_query(query):
    """The PostgreSQL query `vector()` answers: the query's other words as a web search in English,
    and, if it holds CJK letters, every pair of them (`letter_pairs()`)."""
    pairs = letter_pairs(query)
    if not pairs:
        return SearchQuery(query, search_type="websearch", config="english")
    in_pairs = SearchQuery(" ".join(pairs), search_type="plain", config="simple")
    other_words = CJK_RUN.sub(" ", query)
    if not re.search(r"\w", other_words):
        return in_pairs
    return SearchQuery(other_words, search_type="websearch", config="english") & in_pairs


def _holds_every_word(query):
    return Q(*(Q(body__icontains=word) for word in query_words(query)))


def _when(condition):
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _translated_labels():
    """Each row's label in each language it may be translated into, as the approved version it keeps
    has it: `{"label_zh_hans": expression}`, blank where it has no translation."""
    names = sorted({SEARCH_LABEL[model] for model in SEARCH_FIELDS})
    return {
        column("label", language): Coalesce(
            *(KT(f"content__{column(name, language)}") for name in names), Value(""), output_field=TextField()
        )
        for language in translation_languages()
    }


def _relevance(query, words, labels):
    """How well a row answers the query, the same on every database and in every language: a label
    (in any language) that is the query, that holds it whole, that holds more of its words; a body
    that holds it whole."""
    def in_a_label(lookup, value):
        return functools.reduce(operator.or_, (Q(**{f"{label}__{lookup}": value}) for label in labels))

    return {
        "names_it": _when(in_a_label("iexact", query)),
        "phrase_in_label": _when(in_a_label("icontains", query)),
        "words_in_label": functools.reduce(
            operator.add, [_when(in_a_label("icontains", word)) for word in words],
            Value(0, output_field=IntegerField()),
        ),
        "phrase_in_body": _when(Q(body__icontains=query)),
    }


def marked_words(query):
    """The words of `query` to mark in what it found: without quotes or exclusions, longest first."""
    found = {word.strip('"') for word in query_words(query) if not word.startswith("-")} - {""}
    return sorted(found, key=lambda word: (-len(word), word.casefold()))


def marked(text, words):
    """`text` as (part, is_found) pairs, in order. A part is found when it is a word of `text` that
    holds a word of the query, whole: "Germany" for "german", as the search itself finds it. Chinese
    and Japanese letters (CJK letters) are not words of their own: only those of the query are marked among them."""
    if not words or not text:
        return [(text, False)] if text else []
    letters = f"[^\\W{CJK_LETTERS}]*"
    pattern = re.compile(letters + "(?:" + "|".join(re.escape(word) for word in words) + ")" + letters, re.IGNORECASE)
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
    None if the label shows every word, or the body holds none of the others. Any line may be the
    passage: the label in another language too (the English name of a record shown by its Chinese one)."""
    missing = [word for word in words if word.casefold() not in label.casefold()]
    if not missing:
        return None
    pattern = re.compile("|".join(re.escape(word) for word in missing), re.IGNORECASE)
    for line in body.splitlines():
        found = pattern.search(line)
        if found is None:
            continue
        words_of_line = [word.span() for word in _EXCERPT_WORD.finditer(line)]
        at = next(index for index, (_, end) in enumerate(words_of_line) if end > found.start())
        first, last = max(0, at - EXCERPT_WORDS), min(len(words_of_line), at + EXCERPT_WORDS + 1)
        shown = line[words_of_line[first][0]:words_of_line[last - 1][1]]
        return marked(("…" if first else "") + shown + ("…" if last < len(words_of_line) else ""), words)
    return None

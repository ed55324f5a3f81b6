"""The case page and the paged lists it leads to, each read a bounded slice at a time."""

from collections import Counter
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import F, Q, Value, When, Window
from django.db.models.fields.json import KT
from django.db.models.functions import Collate, RowNumber

from ..dates import PRECISION_RANK, Precision
from ..models import (
    Actor,
    Citation,
    Event,
    EventParticipant,
    Fact,
    FactActor,
    OpenQuestion,
    Publication,
    QuestionConcern,
    Relationship,
    Source,
)
from ..models.publication import RECORD_COLUMNS, record_from_content
from .pages import PublishedCase, _content_key, _ids, _Reader
from .support import claims_resting_alone, records_support
from .versions import _instances, public_rows, publications


# The case page and the lists it leads to

# A case page shows the first few of each long section, and links to the rest.
CASE_PAGE_ITEMS = 8
# Each dispute sets out both sides with their quotes, a screen or more on a phone: fewer of them.
CASE_PAGE_DISPUTES = 2
# Open questions have no list of their own: the rest are folded on the case page.
CASE_PAGE_QUESTIONS = 3
KEY_ACTORS = 12
LIST_PAGE_SIZE = 100

# The order of each list, as `PublishedCase` sorts the records; the id last,
# so that pages of a list never share or skip a record.
def _timeline_order(starts_on, starts_precision):
    """`dates.sort_key()` as the database sorts: undated events last, then by their start, a year before
    a month of it before a day of it; `starts_on` an expression, `starts_precision` a lookup."""
    return (
        starts_on.asc(nulls_last=True),
        models.Case(
            *(When(**{starts_precision: precision}, then=Value(rank)) for precision, rank in PRECISION_RANK.items()),
            default=Value(PRECISION_RANK[Precision.DAY]),
        ),
    )


TIMELINE_ORDER = (*_timeline_order(F("starts_on"), "starts_precision"), "title", "id")
LIST_ORDER = {Actor: ("name", "id"), Event: TIMELINE_ORDER, Fact: ("slug", "id"), Source: ("title", "id")}
TEXT_ORDER = {"name", "slug", "title"}


def reading_order(model):
    """`LIST_ORDER` for the database: text by code point, as Python sorts it.

    A PostgreSQL database in a locale's collation would otherwise put the
    paged lists in another order than the pages sorted in Python (hyphens
    and letter case count for little there).
    """
    return [
        Collate(name, "C") if isinstance(name, str) and name in TEXT_ORDER and connection.vendor == "postgresql"
        else name
        for name in LIST_ORDER[model]
    ]


LIST_KINDS = {"actor": Actor, "event": Event, "fact": Fact, "source": Source}


@dataclass
class CaseOverview:
    """What a case page shows: the first part of each long section, and how long each is."""

    snapshot: PublishedCase
    key_actors: list
    timeline: list
    facts_by_status: list
    disputed_facts: list
    sources_by_title: list
    counts: dict
    open_questions: list

    @property
    def more_events(self):
        return self.counts["event"] > len(self.timeline)

    @property
    def more_sources(self):
        return self.counts["source"] > len(self.sources_by_title)

    @property
    def more_disputed(self):
        return self.counts[Fact.Status.DISPUTED] > len(self.disputed_facts)

    @property
    def first_questions(self):
        return self.open_questions[:CASE_PAGE_QUESTIONS]

    @property
    def folded_questions(self):
        return self.open_questions[CASE_PAGE_QUESTIONS:]


# The same orders on the Publication rows, which keep a name or title as their label.
PUBLICATION_ORDER = {
    Actor: ("label", "object_id"),
    Event: (*_timeline_order(KT("content__starts_on"), "content__starts_precision"), "label", "object_id"),
    Fact: ("slug", "object_id"),
    Source: ("label", "object_id"),
}


def publication_order(model):
    """`PUBLICATION_ORDER` for the database, text by code point as in `reading_order()`."""
    return [
        Collate(name, "C") if name in ("label", "slug") and connection.vendor == "postgresql" else name
        for name in PUBLICATION_ORDER[model]
    ]


class PublicList:
    """The public records of one kind in a case, in reading order, read a slice at a time.

    Django's Paginator asks it for its length and for the slice of one page.
    Now, from the Publication rows; as of an earlier day, from the versions the log names.
    """

    def __init__(self, reader, model, **lookups):
        self.reader, self.model = reader, model
        if reader.at is None:
            self.rows = publications(model, case=reader.case.pk).filter(
                **{_content_key(name): value for name, value in lookups.items()}
            )
        else:
            self.rows = public_rows(model, case=reader.case.pk, at=reader.at).filter(**lookups)

    def count(self):
        return self.rows.count()

    def __getitem__(self, window):
        if self.reader.at is None:
            rows = self.rows.order_by(*publication_order(self.model)).values_list(*RECORD_COLUMNS)[window]
            records = [record_from_content(self.model, *row) for row in rows]
        else:
            records = _instances(self.model, self.rows.order_by(*reading_order(self.model)), window)
        for record in records:
            record.case = self.reader.case
        return records


def case_overview(slug, as_of=None):
    """The case page of `slug`: the case, its key actors and the first part of every section.

    Read with a fixed number of queries, each bounded by what the page shows,
    however large the case is. None if the case is not public.
    """
    reader = _Reader.for_case(slug, as_of)
    if reader is None:
        return None
    return overview(reader)


def public_list(case_slug, kind, as_of=None, **lookups):
    """The public case `case_slug` and a `PublicList` of its records of `kind`, or None."""
    reader = _Reader.for_case(case_slug, as_of)
    if reader is None:
        return None
    snapshot = PublishedCase(case=reader.case, as_of=as_of)
    return snapshot, PublicList(reader, LIST_KINDS[kind], **lookups)




def overview(reader):
    if reader.at is None:
        return _overview_now(reader)
    # Every public fact's status, and its place in the list of its status.
    fact_statuses, shown_fact_ids = {}, []
    for pk, status, place in public_rows(Fact, case=reader.case.pk, at=reader.at).annotate(
        place=Window(RowNumber(), partition_by=F("status"), order_by=reading_order(Fact))
    ).order_by(*reading_order(Fact)).values_list("id", "status", "place"):
        fact_statuses[pk] = status
        if place <= CASE_PAGE_ITEMS:
            shown_fact_ids.append(pk)
    event_ids = set(public_rows(Event, case=reader.case.pk, at=reader.at).values_list("id", flat=True))
    actor_names = dict(public_rows(Actor, case=reader.case.pk, at=reader.at).values_list("id", "name"))

    # Key actors are those most facts and events name, as on `PublishedCase`.
    weight = Counter()
    for actor_id, fact_id in public_rows(FactActor, case=reader.case.pk, at=reader.at).values_list(
        "actor_id", "fact_id"
    ):
        weight[actor_id] += fact_id in fact_statuses
    for actor_id, event_id in public_rows(
        EventParticipant, case=reader.case.pk, at=reader.at
    ).values_list("actor_id", "event_id"):
        weight[actor_id] += event_id in event_ids
    key_actor_ids = sorted(actor_names, key=lambda pk: (-weight[pk], actor_names[pk], pk))[:KEY_ACTORS]

    shown_facts = reader.load(Fact, id__in=shown_fact_ids)
    disputed_ids = _disputes_shown(shown_fact_ids, fact_statuses)
    relationships = reader.load(Relationship)
    relationship_ids = _ids(relationships, "pk")
    citations = reader.load(
        Citation, Q(fact_id__in=disputed_ids) | Q(relationship_id__in=relationship_ids),
        when=disputed_ids or relationship_ids,
    )
    timeline = PublicList(reader, Event)[:CASE_PAGE_ITEMS]
    sources = PublicList(reader, Source)[:CASE_PAGE_ITEMS]
    shown_sources = _ids(sources, "pk")
    questions = {OpenQuestion: reader.load(OpenQuestion), QuestionConcern: reader.load(QuestionConcern)}
    concerned = _concerned(questions[QuestionConcern])
    snapshot = reader.assemble({
        Actor: reader.load(Actor, id__in=set(key_actor_ids) | _ids(relationships, "subject_id", "object_id")),
        Source: sources + reader.load(
            Source, id__in=(_ids(citations, "source_id") | concerned[Source]) - shown_sources),
        Relationship: relationships,
        Event: timeline + reader.load(Event, id__in=concerned[Event] - _ids(timeline, "pk")),
        Fact: shown_facts + reader.load(Fact, id__in=concerned[Fact] - set(shown_fact_ids)),
        Citation: citations,
        **questions,
    })

    counts = Counter({status: 0 for status in Fact.Status})
    counts.update(fact_statuses.values())
    # Grouped by the statuses counted: a fact whose change an editor
    # approves between two reads stays where the counts put it, and one
    # approved away is left out.
    shown_by_status = {
        status: [
            snapshot.facts[pk] for pk in shown_fact_ids
            if pk in snapshot.facts and fact_statuses[pk] == status
        ]
        for status in Fact.Status
    }
    return CaseOverview(
        snapshot=snapshot,
        key_actors=[snapshot.actors[pk] for pk in key_actor_ids if pk in snapshot.actors],
        timeline=[snapshot.events[event.pk] for event in timeline],
        facts_by_status=[(status, shown_by_status[status], counts[status]) for status in Fact.Status],
        disputed_facts=[fact for fact in shown_by_status[Fact.Status.DISPUTED] if fact.pk in disputed_ids],
        sources_by_title=_count_resting_alone(reader, [snapshot.sources[source.pk] for source in sources]),
        counts={**counts, "actor": len(actor_names), "event": len(event_ids),
                "fact": len(fact_statuses), "source": PublicList(reader, Source).count()},
        open_questions=snapshot.questions,
    )


def _count_resting_alone(reader, sources):
    """Give each source the page lists how many claims rest on it alone, counted over every citation of the
    case (the page reads only some): one query now, those of every citation as of an earlier day."""
    if reader.at is None:
        counts = claims_resting_alone(reader.case.pk)
    else:
        counts = records_support(reader.load(Citation)).resting_alone()
    for source in sources:
        source.claims_resting_alone = counts.get(source.pk, 0)
    return sources


def _disputes_shown(shown_fact_ids, fact_statuses):
    """The ids of the disputed facts the case page sets out side by side: the first, in reading order."""
    disputed = [pk for pk in shown_fact_ids if fact_statuses[pk] == Fact.Status.DISPUTED]
    return set(disputed[:CASE_PAGE_DISPUTES])


def _concerned(concerns):
    """{model: ids} of the facts, events and sources the open questions concern."""
    return {model: _ids(concerns, f"{model._meta.model_name}_id") for model in (Fact, Event, Source)}

def _overview_now(reader):
    """`overview()` from the Publication rows: one narrow read of the whole case's ordering
    columns, one read of the records shown, one of the sources their citations cite."""
    kinds = (Fact, Event, Actor, Source, Relationship, FactActor, EventParticipant)
    model_of = {ContentType.objects.get_for_model(model).pk: model for model in kinds}
    rows = {model: [] for model in kinds}
    for content_type_id, *columns in Publication.objects.filter(
        case=reader.case.pk, content_type__in=list(model_of)
    ).values_list(
        "content_type_id", "object_id", "slug", "label", "status", "content__starts_on",
        "content__starts_precision", "content__actor_id", "content__fact_id", "content__event_id",
        "content__subject_id", "content__object_id",
    ):
        rows[model_of[content_type_id]].append(columns)

    fact_statuses, shown_fact_ids, places = {}, [], Counter()
    for pk, slug, _, status, *_ in sorted(rows[Fact], key=lambda row: (row[1], row[0])):
        fact_statuses[pk] = status
        places[status] += 1
        if places[status] <= CASE_PAGE_ITEMS:
            shown_fact_ids.append(pk)
    # Undated events last, as the timeline lists them.
    timeline_ids = [row[0] for row in sorted(rows[Event], key=lambda row: (
        row[4] is None, row[4] or "", PRECISION_RANK.get(row[5], 2), row[2], row[0]
    ))]
    source_ids = [row[0] for row in sorted(rows[Source], key=lambda row: (row[2], row[0]))]
    actor_names = {row[0]: row[2] for row in rows[Actor]}
    weight = Counter()
    for *_, actor_id, fact_id, _, _, _ in rows[FactActor]:
        weight[actor_id] += fact_id in fact_statuses
    event_ids = set(timeline_ids)
    for *_, actor_id, _, event_id, _, _ in rows[EventParticipant]:
        weight[actor_id] += event_id in event_ids
    key_actor_ids = sorted(actor_names, key=lambda pk: (-weight[pk], actor_names[pk], pk))[:KEY_ACTORS]
    relationship_ids = {row[0] for row in rows[Relationship]}
    ends = {end for *_, subject, obj in rows[Relationship] for end in (subject, obj)}
    disputed_ids = _disputes_shown(shown_fact_ids, fact_statuses)

    shown = reader.load_together({
        Fact: ([], {"id__in": shown_fact_ids}),
        Event: ([], {"id__in": timeline_ids[:CASE_PAGE_ITEMS]}),
        Source: ([], {"id__in": source_ids[:CASE_PAGE_ITEMS]}),
        Actor: ([], {"id__in": set(key_actor_ids) | ends}),
        Relationship: ([], {"id__in": relationship_ids}),
        Citation: ([Q(fact_id__in=disputed_ids) | Q(relationship_id__in=relationship_ids)], {}),
        OpenQuestion: ([], {}),
        QuestionConcern: ([], {}),
    })
    # What the citations shown cite and the open questions concern, beyond what is shown already.
    concerned = _concerned(shown[QuestionConcern])
    more = reader.load_together({
        Source: ([], {"id__in": (_ids(shown[Citation], "source_id") | concerned[Source]) - _ids(shown[Source], "pk")}),
        Fact: ([], {"id__in": concerned[Fact] - _ids(shown[Fact], "pk")}),
        Event: ([], {"id__in": concerned[Event] - _ids(shown[Event], "pk")}),
    })
    snapshot = reader.assemble({**shown, **{model: shown[model] + more[model] for model in more}})

    counts = Counter({status: 0 for status in Fact.Status})
    counts.update(fact_statuses.values())
    # Records an editor took away between the two reads are left out.
    def present(records, ids):
        return [records[pk] for pk in ids if pk in records]

    shown_by_status = {
        status: present(snapshot.facts, [pk for pk in shown_fact_ids if fact_statuses[pk] == status])
        for status in Fact.Status
    }
    return CaseOverview(
        snapshot=snapshot,
        key_actors=present(snapshot.actors, key_actor_ids),
        timeline=present(snapshot.events, timeline_ids[:CASE_PAGE_ITEMS]),
        facts_by_status=[(status, shown_by_status[status], counts[status]) for status in Fact.Status],
        disputed_facts=[fact for fact in shown_by_status[Fact.Status.DISPUTED] if fact.pk in disputed_ids],
        sources_by_title=_count_resting_alone(reader, present(snapshot.sources, source_ids[:CASE_PAGE_ITEMS])),
        counts={**counts, "actor": len(actor_names), "event": len(event_ids),
                "fact": len(fact_statuses), "source": len(source_ids)},
        open_questions=snapshot.questions,
    )

"""The public read layer: the only way public pages read the case file.

A record is public now when it has a `Publication` row, which approvals write
(`workflow.publish()`); at an earlier moment (`as_of`), when its latest
approval before then names a historical version that is neither a removal nor
a deletion. Everything here is read from those historical versions, never from
the working records reporters edit, so nothing unapproved can leak.

`published_case()` loads a whole case in a fixed number of queries, however
many records it holds, and links the approved records to each other in memory.
A link to a record that is not public is dropped. `published_page()` links the
same way only the records one actor, event, fact or source page shows, read
with narrow queries; `case_overview()` reads what the case page shows (the
first part of each section, its counts and the key actors) and `public_list()`
one page of a list. `current_generations()` are the numbers public pages are
cached under; each approval moves on those of the cases it changes
(`advance_generation()`).
"""

import datetime
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Max, Min, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.fields.json import KT
from django.db.models.functions import Collate, Greatest, RowNumber

from .dates import PRECISION_RANK, Precision
from .history import history_model
from .models import (
    Actor,
    Case,
    Citation,
    Decision,
    Event,
    EventParticipant,
    Fact,
    FactActor,
    FactEvent,
    Publication,
    PublicationGeneration,
    Relationship,
    Source,
)


def moment(as_of):
    """The end of the day `as_of` (a date), or None for now."""
    if as_of is None:
        return None
    return datetime.datetime.combine(
        as_of + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.timezone.utc
    )


def approving_decisions(model, case=None, at=None, cases=None):
    """The latest approval of each record of `model` made before the moment `at`, from the log."""
    decisions = Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        action=Decision.Action.APPROVED,
    )
    if case is not None:
        decisions = decisions.filter(case=case)
    if cases is not None:
        decisions = decisions.filter(case__in=cases)
    # The latest approval whatever its case: a record moved to another case
    # leaves the first one with its approval there.
    newest = Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        action=Decision.Action.APPROVED,
        decided_at__lt=at,
        object_id=OuterRef("object_id"),
    ).order_by("-decided_at", "-id")
    return decisions.filter(decided_at__lt=at, id=Subquery(newest.values("id")[:1]))


def publications(model, case=None, cases=None):
    """The Publication rows of the records of `model` readers see now, in one case or several."""
    rows = Publication.objects.of_kind(model)
    if case is not None:
        rows = rows.filter(case=case)
    if cases is not None:
        rows = rows.filter(case__in=cases)
    return rows


def public_rows(model, case=None, at=None, cases=None):
    """Historical rows of `model` that are public at the moment `at` (now by default), in one case or several."""
    if at is None:
        return history_model(model).objects.filter(
            history_id__in=publications(model, case, cases).values("history_id")
        ).order_by()
    decisions = approving_decisions(model, case, at, cases)
    return (
        history_model(model).objects.filter(
            history_id__in=decisions.values("history_id"), removal_proposed=False
        )
        .exclude(history_type="-")
        .order_by()
    )


def first_approval(model):
    """When the historical row of `model` at hand was first approved."""
    approval = Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        action=Decision.Action.APPROVED,
        history_id=OuterRef("history_id"),
    ).order_by("decided_at")
    return Subquery(approval.values("decided_at")[:1])


def approved_versions(model, case=None, at=None, cases=None):
    """Historical rows of `model` that are public at the moment `at`, with `approved_at`."""
    if at is None:
        published_at = Publication.objects.of_kind(model).filter(history_id=OuterRef("history_id"))
        approved_at = Subquery(published_at.values("published_at")[:1])
    else:
        approved_at = first_approval(model)
    return public_rows(model, case, at, cases).annotate(approved_at=approved_at)


def approved_rows(model, among, *conditions, case=None, at=None, **lookups):
    """The approved versions of the records `among` (ids, or a query of ids) that meet the conditions.

    The same versions, with the same `approved_at`, as `approved_versions()`,
    read in two plain queries: faster when only some records are wanted, and
    quicker for Django to build than one query nesting the other.
    """
    newest, first_approved = {}, {}
    if at is None:
        # What readers see now: only the publications in this case count, so a
        # slug shared with other cases reads no more.
        for object_id, history_id, published_at, case_id in publications(model, case).filter(
            object_id__in=among
        ).values_list("object_id", "history_id", "published_at", "case_id"):
            newest[object_id] = (history_id, case_id)
            first_approved[history_id] = published_at
    else:
        # The latest approval of each record whatever its case, as `approving_decisions()`.
        for object_id, history_id, decided_at, case_id in Decision.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            action=Decision.Action.APPROVED,
            object_id__in=among,
            decided_at__lt=at,
        ).order_by("decided_at", "id").values_list("object_id", "history_id", "decided_at", "case_id"):
            newest[object_id] = (history_id, case_id)
            first_approved.setdefault(history_id, decided_at)
    wanted = [history_id for history_id, case_id in newest.values() if case is None or case_id == case]
    if not wanted:
        return []
    rows = list(
        history_model(model).objects.filter(history_id__in=wanted, removal_proposed=False)
        .exclude(history_type="-")
        .filter(*conditions, **lookups)
    )
    for row in rows:
        row.approved_at = first_approved[row.history_id]
    return rows


def public_case_id(slug):
    """The id of the case readers see under `slug` now, or None."""
    return public_rows(Case).filter(slug=slug).values_list("id", flat=True).first()


def renamed(model, slug, case=None):
    """The slug that a record once published under `slug` is public under now, or None.

    For the addresses readers kept: a record whose approved slug changed (in
    `case`, for the records of a case) is found under its old one too.
    """
    once_published = Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        action=Decision.Action.APPROVED,
        history_id__in=history_model(model).objects.filter(slug=slug).values("history_id"),
    ).values("object_id")
    now = (
        public_rows(model, case=case).filter(id__in=once_published).exclude(slug=slug)
        .order_by("-history_id").values_list("slug", flat=True).first()
    )
    return now


def public_cases(as_of=None):
    """The published cases, as approved, ordered by title."""
    rows = approved_versions(Case, at=moment(as_of)).order_by("title")
    return [_instance(row) for row in rows]


def _instances(model, rows, window=slice(None)):
    """Working-model objects straight from the columns of the historical rows.

    Like `_instance()`, without building a historical object first: on a large
    case that halves the work of reading it. `window` slices the rows in the
    query; rows read without `approved_at` leave it None.
    """
    names = [field.attname for field in model._meta.concrete_fields]
    extra = ["history_id", "history_date"]
    if "approved_at" in rows.query.annotations:
        extra.append("approved_at")
    instances = []
    for values in rows.values_list(*names, *extra)[window]:
        obj = model.from_db(rows.db, names, values[: len(names)])
        obj.version_id, obj.version_date, *approved_at = values[len(names):]
        obj.approved_at = approved_at[0] if approved_at else None
        instances.append(obj)
    return instances


def _instance(row):
    obj = row.instance
    obj.version_id = row.history_id
    obj.version_date = row.history_date
    obj.approved_at = getattr(row, "approved_at", None)
    return obj


@dataclass
class PublishedCase:
    """An approved case with all its approved records, linked to each other."""

    case: Case
    as_of: datetime.date | None
    actors: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    events: dict = field(default_factory=dict)
    facts: dict = field(default_factory=dict)
    relationships: list = field(default_factory=list)

    @cached_property
    def publication_dates(self):
        """When the case was first published and last updated, as of the day read; only if shown."""
        approvals = Decision.objects.filter(case=self.case.pk, action=Decision.Action.APPROVED)
        if self.as_of is not None:
            approvals = approvals.filter(decided_at__lt=moment(self.as_of))
        return approvals.aggregate(first=Min("decided_at"), last=Max("decided_at"))

    @property
    def first_published(self):
        return self.publication_dates["first"]

    @property
    def last_updated(self):
        return self.publication_dates["last"]

    @property
    def timeline(self):
        return sorted(self.events.values(), key=lambda event: event.timeline_key)

    @property
    def disputed_facts(self):
        return sorted(
            (fact for fact in self.facts.values() if fact.status == Fact.Status.DISPUTED),
            key=lambda fact: fact.slug,
        )

    @property
    def actors_by_name(self):
        return sorted(self.actors.values(), key=lambda actor: actor.name)

    @property
    def sources_by_title(self):
        return sorted(self.sources.values(), key=lambda source: source.title)

    @property
    def key_actors(self):
        return sorted(
            self.actors.values(),
            key=lambda actor: (-len(actor.public_facts) - len(actor.public_events), actor.name),
        )

    def actor(self, slug):
        return next((a for a in self.actors.values() if a.slug == slug), None)

    def source(self, slug):
        return next((s for s in self.sources.values() if s.slug == slug), None)

    def event(self, slug):
        return next((e for e in self.events.values() if e.slug == slug), None)

    def fact(self, slug):
        return next((f for f in self.facts.values() if f.slug == slug), None)


def published_case(slug, as_of=None):
    """The case `slug` as readers see it now, or at the end of the day `as_of`; None if not public."""
    reader = _Reader.for_case(slug, as_of)
    if reader is None:
        return None
    return reader.assemble(reader.load_together({model: ([], {}) for model in LINK_ORDER}))


def published_page(case_slug, kind, slug, as_of=None):
    """The case with only what the page of one actor, event, fact or source shows.

    The same records, linked the same way, as in `published_case()`, but read
    with a fixed number of narrow queries however large the case is. None if
    the case is not public; the record is then looked up with `snapshot.<kind>(slug)`.
    """
    reader = _Reader.for_case(case_slug, as_of)
    if reader is None:
        return None
    return reader.assemble(PAGE_READS[kind](reader, slug))


def _ids(records, *names):
    return {getattr(record, name) for record in records for name in names} - {None}


def _actor_page(reader, slug):
    actors = reader.load(Actor, slug=slug)
    actor_ids = _ids(actors, "pk")
    ties = reader.load_together({
        Relationship: ([Q(subject_id__in=actor_ids) | Q(object_id__in=actor_ids)], {}),
        EventParticipant: ([], {"actor_id__in": actor_ids}),
        FactActor: ([], {"actor_id__in": actor_ids}),
    }) if actor_ids else {Relationship: [], EventParticipant: [], FactActor: []}
    relationships = ties[Relationship]
    linked = reader.load_together({
        Actor: ([], {"id__in": _ids(relationships, "subject_id", "object_id") - actor_ids}),
        Event: ([], {"id__in": _ids(ties[EventParticipant], "event_id")}),
        Fact: ([], {"id__in": _ids(ties[FactActor], "fact_id")}),
        Citation: ([], {"relationship_id__in": _ids(relationships, "pk")}),
    })
    return {
        **ties, **linked,
        Actor: actors + linked[Actor],
        Source: reader.load(Source, id__in=_ids(linked[Citation], "source_id")),
    }


def _event_page(reader, slug):
    events = reader.load(Event, slug=slug)
    event_ids = _ids(events, "pk")
    children = reader.load_together({
        EventParticipant: ([], {"event_id__in": event_ids}),
        FactEvent: ([], {"event_id__in": event_ids}),
        Citation: ([], {"event_id__in": event_ids}),
    })
    linked = reader.load_together({
        Actor: ([], {"id__in": _ids(children[EventParticipant], "actor_id")}),
        Fact: ([], {"id__in": _ids(children[FactEvent], "fact_id")}),
        Source: ([], {"id__in": _ids(children[Citation], "source_id")}),
    })
    return {Event: events, **children, **linked}


def _fact_page(reader, slug):
    facts = reader.load(Fact, slug=slug)
    fact_ids = _ids(facts, "pk")
    children = reader.load_together({
        FactActor: ([], {"fact_id__in": fact_ids}),
        FactEvent: ([], {"fact_id__in": fact_ids}),
        Citation: ([], {"fact_id__in": fact_ids}),
    })
    linked = reader.load_together({
        Actor: ([], {"id__in": _ids(children[FactActor], "actor_id")}),
        Event: ([], {"id__in": _ids(children[FactEvent], "event_id")}),
        Source: ([], {"id__in": _ids(children[Citation], "source_id")}),
    })
    return {Fact: facts, **children, **linked}


def _source_page(reader, slug):
    # Every source of the case: the page follows relay chains both ways.
    sources = reader.load(Source)
    source_ids = {source.pk for source in sources if source.slug == slug}
    citations = reader.load(Citation, source_id__in=source_ids)
    parents = reader.load_together({
        Fact: ([], {"id__in": _ids(citations, "fact_id")}),
        Event: ([], {"id__in": _ids(citations, "event_id")}),
        Relationship: ([], {"id__in": _ids(citations, "relationship_id")}),
    })
    return {
        Source: sources,
        Citation: citations,
        **parents,
        Actor: reader.load(Actor, id__in=_ids(parents[Relationship], "subject_id", "object_id")),
    }


# The case page and the lists it leads to

# A case page shows this many of each long section, and links to the rest.
CASE_PAGE_ITEMS = 50
KEY_ACTORS = 12
LIST_PAGE_SIZE = 100

# The order of each list, as `PublishedCase` sorts the records; the id last,
# so that pages of a list never share or skip a record.
TIMELINE_ORDER = (
    "starts_on",
    models.Case(
        When(starts_precision=Precision.YEAR, then=Value(0)),
        When(starts_precision=Precision.MONTH, then=Value(1)),
        default=Value(2),
    ),
    "title",
    "id",
)
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

    @property
    def more_events(self):
        return self.counts["event"] > len(self.timeline)

    @property
    def more_sources(self):
        return self.counts["source"] > len(self.sources_by_title)

    @property
    def more_disputed(self):
        return self.counts[Fact.Status.DISPUTED] > len(self.disputed_facts)


# The same orders on the Publication rows, which keep a name or title as their label.
PUBLICATION_ORDER = {
    Actor: ("label", "object_id"),
    Event: (
        KT("content__starts_on"),
        models.Case(
            When(content__starts_precision=Precision.YEAR, then=Value(0)),
            When(content__starts_precision=Precision.MONTH, then=Value(1)),
            default=Value(2),
        ),
        "label",
        "object_id",
    ),
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
            records = [row.record(self.model) for row in self.rows.order_by(*publication_order(self.model))[window]]
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
    return reader.overview()


def public_list(case_slug, kind, as_of=None, **lookups):
    """The public case `case_slug` and a `PublicList` of its records of `kind`, or None."""
    reader = _Reader.for_case(case_slug, as_of)
    if reader is None:
        return None
    snapshot = PublishedCase(case=reader.case, as_of=as_of)
    return snapshot, PublicList(reader, LIST_KINDS[kind], **lookups)


PAGE_READS = {"actor": _actor_page, "event": _event_page, "fact": _fact_page, "source": _source_page}
LINK_ORDER = (Actor, Source, Relationship, Event, EventParticipant, Fact, FactActor, FactEvent, Citation)


def _content_key(name):
    """A lookup on a record's field, made on the Publication row that holds the record's fields."""
    field_name = name.split("__", 1)[0]
    if field_name in ("id", "pk"):
        return "object_id" + name[len(field_name):]
    return f"content__{name}"


def _on_content(condition):
    """`condition` (a Q on a record's fields), made on the Publication rows."""
    translated = Q(*(
        _on_content(child) if isinstance(child, Q) else (_content_key(child[0]), child[1])
        for child in condition.children
    ))
    translated.connector, translated.negated = condition.connector, condition.negated
    return translated


class _Reader:
    """Reads the approved versions of one public case, as of one moment.

    Now, from the Publication rows, which hold each public record's approved
    fields; as of an earlier day, from the decision log and the versions it names.
    """

    def __init__(self, case, as_of, at):
        self.case, self.as_of, self.at = case, as_of, at

    @classmethod
    def for_case(cls, slug, as_of):
        at = moment(as_of)
        if at is None:
            row = publications(Case).filter(slug=slug).first()
            case = row.record(Case) if row is not None else None
        else:
            case_row = approved_versions(Case, at=at).filter(slug=slug).first()
            case = _instance(case_row) if case_row is not None else None
        if case is None:
            return None
        case.as_of_moment = at
        return cls(case, as_of, at)

    def load(self, model, *conditions, when=True, **lookups):
        """The approved `model` records of the case that meet the conditions.

        Without conditions, every approved record of the kind. With them, only
        the decisions on records that ever met them are read, in two plain
        queries, and the approved version itself must meet them too. An empty
        `..._in` list (or a false `when`) reads nothing.
        """
        if not when or any(
            name.endswith("__in") and not values for name, values in lookups.items()
        ):
            return []
        if self.at is None:
            rows = publications(model, case=self.case.pk).filter(
                *(_on_content(condition) for condition in conditions),
                **{_content_key(name): value for name, value in lookups.items()},
            )
            return [row.record(model) for row in rows]
        if not conditions and not lookups:
            return _instances(model, approved_versions(model, case=self.case.pk, at=self.at))
        if not conditions and list(lookups) == ["id__in"]:
            among = lookups["id__in"]
        else:
            among = history_model(model).objects.filter(*conditions, **lookups).values("id")
        rows = approved_rows(model, among, *conditions, case=self.case.pk, at=self.at, **lookups)
        return [_instance(row) for row in rows]

    def load_together(self, wanted):
        """`load()` of several kinds at once: {model: (conditions, lookups)} to {model: records}.

        Now, one query reads them all from the Publication rows.
        """
        found = {model: [] for model in wanted}
        wanted = {
            model: (conditions, lookups) for model, (conditions, lookups) in wanted.items()
            if not any(name.endswith("__in") and not values for name, values in lookups.items())
        }
        if self.at is not None:
            for model, (conditions, lookups) in wanted.items():
                found[model] = self.load(model, *conditions, **lookups)
            return found
        if not wanted:
            return found
        either = Q()
        for model, (conditions, lookups) in wanted.items():
            either |= Q(
                Q(content_type=ContentType.objects.get_for_model(model)),
                *(_on_content(condition) for condition in conditions),
                **{_content_key(name): value for name, value in lookups.items()},
            )
        for row in Publication.objects.filter(either, case=self.case.pk):
            model = ContentType.objects.get_for_id(row.content_type_id).model_class()
            found[model].append(row.record(model))
        return found

    def overview(self):
        if self.at is None:
            return self._overview_now()
        # Every public fact's status, and its place in the list of its status.
        fact_statuses, shown_fact_ids = {}, []
        for pk, status, place in public_rows(Fact, case=self.case.pk, at=self.at).annotate(
            place=Window(RowNumber(), partition_by=F("status"), order_by=reading_order(Fact))
        ).order_by(*reading_order(Fact)).values_list("id", "status", "place"):
            fact_statuses[pk] = status
            if place <= CASE_PAGE_ITEMS:
                shown_fact_ids.append(pk)
        event_ids = set(public_rows(Event, case=self.case.pk, at=self.at).values_list("id", flat=True))
        actor_names = dict(public_rows(Actor, case=self.case.pk, at=self.at).values_list("id", "name"))

        # Key actors are those most facts and events name, as on `PublishedCase`.
        weight = Counter()
        for actor_id, fact_id in public_rows(FactActor, case=self.case.pk, at=self.at).values_list(
            "actor_id", "fact_id"
        ):
            weight[actor_id] += fact_id in fact_statuses
        for actor_id, event_id in public_rows(
            EventParticipant, case=self.case.pk, at=self.at
        ).values_list("actor_id", "event_id"):
            weight[actor_id] += event_id in event_ids
        key_actor_ids = sorted(actor_names, key=lambda pk: (-weight[pk], actor_names[pk], pk))[:KEY_ACTORS]

        shown_facts = self.load(Fact, id__in=shown_fact_ids)
        disputed_ids = {pk for pk in shown_fact_ids if fact_statuses[pk] == Fact.Status.DISPUTED}
        relationships = self.load(Relationship)
        relationship_ids = _ids(relationships, "pk")
        citations = self.load(
            Citation, Q(fact_id__in=disputed_ids) | Q(relationship_id__in=relationship_ids),
            when=disputed_ids or relationship_ids,
        )
        timeline = PublicList(self, Event)[:CASE_PAGE_ITEMS]
        sources = PublicList(self, Source)[:CASE_PAGE_ITEMS]
        shown_sources = _ids(sources, "pk")
        snapshot = self.assemble({
            Actor: self.load(Actor, id__in=set(key_actor_ids) | _ids(relationships, "subject_id", "object_id")),
            Source: sources + self.load(Source, id__in=_ids(citations, "source_id") - shown_sources),
            Relationship: relationships,
            Event: timeline,
            Fact: shown_facts,
            Citation: citations,
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
            disputed_facts=shown_by_status[Fact.Status.DISPUTED],
            sources_by_title=[snapshot.sources[source.pk] for source in sources],
            counts={**counts, "actor": len(actor_names), "event": len(event_ids),
                    "fact": len(fact_statuses), "source": PublicList(self, Source).count()},
        )

    def _overview_now(self):
        """`overview()` from the Publication rows: one narrow read of the whole case's ordering
        columns, one read of the records shown, one of the sources their citations cite."""
        kinds = (Fact, Event, Actor, Source, Relationship, FactActor, EventParticipant)
        model_of = {ContentType.objects.get_for_model(model).pk: model for model in kinds}
        rows = {model: [] for model in kinds}
        for content_type_id, *columns in Publication.objects.filter(
            case=self.case.pk, content_type__in=list(model_of)
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
        timeline_ids = [row[0] for row in sorted(
            rows[Event], key=lambda row: (row[4], PRECISION_RANK.get(row[5], 2), row[2], row[0])
        )]
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
        disputed_ids = {pk for pk in shown_fact_ids if fact_statuses[pk] == Fact.Status.DISPUTED}

        shown = self.load_together({
            Fact: ([], {"id__in": shown_fact_ids}),
            Event: ([], {"id__in": timeline_ids[:CASE_PAGE_ITEMS]}),
            Source: ([], {"id__in": source_ids[:CASE_PAGE_ITEMS]}),
            Actor: ([], {"id__in": set(key_actor_ids) | ends}),
            Relationship: ([], {"id__in": relationship_ids}),
            Citation: ([Q(fact_id__in=disputed_ids) | Q(relationship_id__in=relationship_ids)], {}),
        })
        cited = _ids(shown[Citation], "source_id") - set(source_ids[:CASE_PAGE_ITEMS])
        snapshot = self.assemble({**shown, Source: shown[Source] + self.load(Source, id__in=cited)})

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
            disputed_facts=shown_by_status[Fact.Status.DISPUTED],
            sources_by_title=present(snapshot.sources, source_ids[:CASE_PAGE_ITEMS]),
            counts={**counts, "actor": len(actor_names), "event": len(event_ids),
                    "fact": len(fact_statuses), "source": len(source_ids)},
        )

    def assemble(self, loaded):
        case = self.case
        snapshot = PublishedCase(case=case, as_of=self.as_of)
        records = {model: loaded.get(model, []) for model in LINK_ORDER}

        for actor in records[Actor]:
            actor.case = case
            actor.public_relationships, actor.public_events, actor.public_facts = [], [], []
            snapshot.actors[actor.pk] = actor

        for source in records[Source]:
            source.case = case
            source.public_citations, source.public_relays = [], []
            snapshot.sources[source.pk] = source
        for source in snapshot.sources.values():
            relay = snapshot.sources.get(source.relayed_via_id)
            source.public_relayed_via = relay
            if relay is not None:
                relay.public_relays.append(source)

        for relationship in records[Relationship]:
            subject = snapshot.actors.get(relationship.subject_id)
            obj = snapshot.actors.get(relationship.object_id)
            if subject is None or obj is None:
                continue
            relationship.case, relationship.subject, relationship.object = case, subject, obj
            relationship.public_citations = []
            snapshot.relationships.append(relationship)
            subject.public_relationships.append(relationship)
            obj.public_relationships.append(relationship)
        relationships = {relationship.pk: relationship for relationship in snapshot.relationships}

        for event in records[Event]:
            event.case = case
            event.public_participants, event.public_citations, event.public_facts = [], [], []
            snapshot.events[event.pk] = event
        for participant in records[EventParticipant]:
            event = snapshot.events.get(participant.event_id)
            actor = snapshot.actors.get(participant.actor_id)
            if event is None or actor is None:
                continue
            participant.event, participant.actor = event, actor
            event.public_participants.append(participant)
            actor.public_events.append((event, participant.role))

        for fact in records[Fact]:
            fact.case = case
            fact.public_actors, fact.public_events, fact.public_citations = [], [], []
            snapshot.facts[fact.pk] = fact
        for link in records[FactActor]:
            fact, actor = snapshot.facts.get(link.fact_id), snapshot.actors.get(link.actor_id)
            if fact is not None and actor is not None:
                fact.public_actors.append(actor)
                actor.public_facts.append(fact)
        for link in records[FactEvent]:
            fact, event = snapshot.facts.get(link.fact_id), snapshot.events.get(link.event_id)
            if fact is not None and event is not None:
                fact.public_events.append(event)
                event.public_facts.append(fact)

        parents = {"fact": snapshot.facts, "event": snapshot.events, "relationship": relationships}
        for citation in records[Citation]:
            source = snapshot.sources.get(citation.source_id)
            for name, parent_records in parents.items():
                parent = parent_records.get(getattr(citation, f"{name}_id"))
                if parent is not None and source is not None:
                    citation.source = source
                    setattr(citation, name, parent)
                    citation.public_parent = parent
                    parent.public_citations.append(citation)
                    source.public_citations.append(citation)

        stance_order = {stance: rank for rank, stance in enumerate(Citation.Stance)}
        for record in [*snapshot.facts.values(), *snapshot.events.values(), *relationships.values()]:
            record.public_citations.sort(key=lambda c: (stance_order.get(c.stance, 99), c.pk))
        for fact in snapshot.facts.values():
            fact.public_sides = [
                (stance, [c for c in fact.public_citations if c.stance == stance])
                for stance in Citation.Stance
            ]
        for source in snapshot.sources.values():
            source.public_citations.sort(key=lambda c: c.pk)
            source.public_relays.sort(key=lambda s: s.title)
        snapshot.relationships.sort(key=lambda r: (r.subject.name, r.kind, r.object.name))
        for actor in snapshot.actors.values():
            actor.public_relationships.sort(key=lambda r: (r.subject.name, r.kind, r.object.name))
            actor.public_facts.sort(key=lambda fact: fact.slug)

        for event in snapshot.events.values():
            event.public_participants.sort(key=lambda p: p.actor.name)
            event.public_facts.sort(key=lambda fact: fact.slug)
        for actor in snapshot.actors.values():
            actor.public_events.sort(key=lambda pair: pair[0].timeline_key)
        for fact in snapshot.facts.values():
            fact.public_events.sort(key=lambda event: event.timeline_key)
            fact.public_actors.sort(key=lambda actor: actor.name)
        return snapshot


def fact_versions(fact):
    """The approved versions of a public fact, oldest first, with their approvals, in one query."""
    decisions = Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(Fact),
        object_id=fact.pk,
        action=Decision.Action.APPROVED,
    )
    if fact.case.as_of_moment is not None:
        decisions = decisions.filter(decided_at__lt=fact.case.as_of_moment)
    approval = decisions.filter(history_id=OuterRef("history_id")).order_by("decided_at", "id")
    rows = (
        history_model(Fact).objects.filter(history_id__in=decisions.values("history_id"), removal_proposed=False)
        .exclude(history_type="-")
        .annotate(approved_at=Subquery(approval.values("decided_at")[:1]),
                  note=Subquery(approval.values("comment")[:1]))
        .order_by("approved_at", "history_id")
    )
    return [{"row": row, "approved_at": row.approved_at, "note": row.note} for row in rows]


@dataclass
class Correction:
    decided_at: datetime.datetime
    kind: str
    label: str
    what: str
    note: str
    url: str | None


def corrections(snapshot):
    """Every approved change after the case's first publication, newest first."""
    if snapshot.first_published is None:
        return []
    decisions = Decision.objects.filter(
        case=snapshot.case.pk,
        action=Decision.Action.APPROVED,
        decided_at__gt=snapshot.first_published,
    ).select_related("content_type")
    if snapshot.as_of is not None:
        decisions = decisions.filter(decided_at__lt=moment(snapshot.as_of))
    first_batch = (
        Decision.objects.filter(case=snapshot.case.pk, decided_at=snapshot.first_published)
        .values_list("batch", flat=True)
        .first()
    )
    decisions = list(decisions.exclude(batch=first_batch).order_by("-decided_at", "-id"))
    versions = _decided_versions(decisions)
    # A removal is named as readers last saw the record, not by the working
    # text it was removed with, which no editor approved.
    versions.update(_last_public_versions([decision for decision in decisions if decision.removes]))
    published_before = _published_before(decisions)
    relationships = {relationship.pk: relationship for relationship in snapshot.relationships}
    public_records = {
        Actor: snapshot.actors, Source: snapshot.sources, Event: snapshot.events,
        Fact: snapshot.facts, Relationship: relationships,
    }
    entries = []
    for decision in decisions:
        model = decision.content_type.model_class()
        if decision.removes:
            what = "removed"
        elif decision.changed_fields:
            what = "changed: " + ", ".join(decision.changed_fields)
        elif decision.id in published_before:
            what = "restored"
        else:
            what = "added"
        version = versions.get(("before", decision.id) if decision.removes else (model, decision.history_id))
        kind, label, public = model._meta.verbose_name.capitalize(), "", None
        if model in CHILD_PARENTS:
            # A child is named after its public parent: the records it links
            # to may have working names no editor has approved.
            for name, parent_model in CHILD_PARENTS[model]:
                parent_id = getattr(version, f"{name}_id", None) if version else None
                public = public_records[parent_model].get(parent_id) if parent_id else None
                if public is not None:
                    kind = f"{kind} on {parent_model._meta.verbose_name}"
                    break
            label = str(public) if public is not None else ""
        else:
            public = public_records.get(model, {}).get(decision.object_id)
            if public is not None:
                label = str(public)
            elif model in SELF_NAMED and version is not None:
                label = str(version.instance)
        entries.append(
            Correction(
                decided_at=decision.decided_at,
                kind=kind,
                label=label,
                what=what,
                note=decision.comment,
                url=public.get_absolute_url() if public is not None and hasattr(public, "slug") else None,
            )
        )
    return entries


# Records whose name is made of their own fields only, so that an approved
# version names itself without reading any working record.
SELF_NAMED = (Case, Actor, Source, Event, Fact)
CHILD_PARENTS = {
    Citation: (("fact", Fact), ("event", Event), ("relationship", Relationship)),
    EventParticipant: (("event", Event),),
    FactActor: (("fact", Fact),),
    FactEvent: (("fact", Fact),),
}


def _published_before(decisions):
    """The ids of those approvals that put back a record readers had seen before, unchanged."""
    unchanged = [d for d in decisions if not d.removes and not d.changed_fields]
    if not unchanged:
        return set()
    earliest = {}
    for content_type_id, object_id, decided_at in Decision.objects.filter(
        action=Decision.Action.APPROVED,
        object_id__in={d.object_id for d in unchanged},
        content_type__in={d.content_type_id for d in unchanged},
    ).values_list("content_type_id", "object_id", "decided_at"):
        key = (content_type_id, object_id)
        earliest[key] = min(decided_at, earliest.get(key, decided_at))
    return {
        d.id for d in unchanged
        if earliest.get((d.content_type_id, d.object_id), d.decided_at) < d.decided_at
    }


def _last_public_versions(removals):
    """{("before", removal id): the version readers saw before that removal}, a query or two a kind."""
    if not removals:
        return {}
    earlier = defaultdict(list)
    for content_type_id, object_id, history_id, decided_at, pk in Decision.objects.filter(
        action=Decision.Action.APPROVED,
        removes=False,
        content_type__in={d.content_type_id for d in removals},
        object_id__in={d.object_id for d in removals},
    ).values_list("content_type_id", "object_id", "history_id", "decided_at", "id"):
        earlier[(content_type_id, object_id)].append(((decided_at, pk), history_id))
    wanted = {}
    for removal in removals:
        before = [
            (moment_, history_id) for moment_, history_id in earlier[(removal.content_type_id, removal.object_id)]
            if moment_ < (removal.decided_at, removal.id)
        ]
        if before:
            wanted[removal] = max(before)[1]
    by_model = defaultdict(dict)
    for removal, history_id in wanted.items():
        by_model[removal.content_type.model_class()][removal.id] = history_id
    found = {}
    for model, history_ids in by_model.items():
        rows = history_model(model).objects.in_bulk(history_ids.values(), field_name="history_id")
        found.update({("before", pk): rows[history_id] for pk, history_id in history_ids.items()
                      if history_id in rows})
    return found


def _decided_versions(decisions):
    """The historical versions the decisions name, by (model, history_id): one query per kind of record.

    Each kind numbers its versions on its own, so a history id alone names no version.
    """
    by_model = defaultdict(list)
    for decision in decisions:
        by_model[decision.content_type.model_class()].append(decision.history_id)
    versions = {}
    for model, history_ids in by_model.items():
        for history_id, row in history_model(model).objects.in_bulk(history_ids, field_name="history_id").items():
            versions[(model, history_id)] = row
    return versions


EVERYTHING = "everything"
LISTINGS = "listings"


def case_scope(slug):
    """The scope the pages of the case published under `slug` are cached in."""
    return f"case:{slug}"


def page_scopes(case_slug=None):
    """The scopes of a page: those of one case, or, with none, the pages that read every case."""
    return (EVERYTHING, case_scope(case_slug) if case_slug else LISTINGS)


def current_generations(scopes):
    """The numbers of these scopes, in their order, read at once; 0 for a scope never moved on."""
    found = dict(PublicationGeneration.objects.filter(scope__in=scopes).values_list("scope", "number"))
    return tuple(found.get(scope, 0) for scope in scopes)


def current_generation(scope=EVERYTHING):
    return current_generations([scope])[0]


def published_slugs(case_ids):
    """Every slug the cases have now or were ever approved under: old addresses may still be cached."""
    case_ids = {pk for pk in case_ids if pk is not None}
    approved = Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(Case),
        action=Decision.Action.APPROVED,
        object_id__in=case_ids,
    )
    return set(Case.objects.filter(pk__in=case_ids).values_list("slug", flat=True)) | set(
        history_model(Case).objects.filter(history_id__in=approved.values("history_id"))
        .values_list("slug", flat=True)
    )


def advance_generation(case_ids=None):
    """Move generations on, inside the transaction that changes what readers see.

    With `case_ids`, the cases whose pages change: their pages and those that
    read every case are retired, other cases' pages stay cached. Without,
    every page is. Each row stays locked until that transaction ends, so
    approvals committing at the same moment each move it on, in the order
    they commit; rows are always taken in the same order, so two approvals
    cannot deadlock over them.
    """
    if case_ids is None:
        scopes = [EVERYTHING]
    else:
        scopes = [LISTINGS, *(case_scope(slug) for slug in published_slugs(case_ids))]
    for scope in sorted(scopes):
        _advance(scope)


def _advance(scope):
    now = int(time.time() * 1_000_000)
    moved = PublicationGeneration.objects.filter(scope=scope).update(
        number=Greatest(F("number") + 1, Value(now))
    )
    if not moved:
        try:
            with transaction.atomic():
                PublicationGeneration.objects.create(scope=scope, number=now)
        except IntegrityError:
            _advance(scope)


def is_public(record):
    """Whether readers see this record now."""
    return publications(type(record)).filter(object_id=record.pk).exists()


def relay_chain(source):
    """The sources this one was relayed through, nearest first, as far as they are public."""
    chain, step = [], source.public_relayed_via
    while step is not None and step is not source and step not in chain:
        chain.append(step)
        step = step.public_relayed_via
    return chain


def relayed_through(source):
    """The public sources that reached us through this one, directly or further down, with how far."""
    found, frontier, depth = [], list(source.public_relays), 1
    seen = {source.pk}
    while frontier:
        following = []
        for relay in frontier:
            if relay.pk not in seen:
                seen.add(relay.pk)
                found.append((relay, depth))
                following.extend(relay.public_relays)
        frontier, depth = following, depth + 1
    return found

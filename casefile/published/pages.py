"""The pages of one case: the whole case, or one actor, event, fact or source with what it links to."""

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, Min, Q

from ..history import history_model
from ..models import (
    Actor,
    Case,
    Citation,
    Decision,
    Event,
    EventParticipant,
    Fact,
    FactActor,
    FactEvent,
    OpenQuestion,
    Publication,
    QuestionConcern,
    Relationship,
    Source,
    rests_only_on,
)
from ..models.publication import RECORD_COLUMNS, record_from_content
from .rendered import note_read
from .versions import (
    _instance,
    _instances,
    moment,
    of_answers,
    public_version_rows,
    public_versions,
    publications,
)


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
    # (fact or event, actor) of each public allegation: a link marked `alleged` between public records.
    allegations: list = field(default_factory=list)
    open_questions: dict = field(default_factory=dict)

    @cached_property
    def publication_dates(self):
        """When the case was first published and last updated, as of the day read; only if shown."""
        approvals = Decision.objects.filter(case=self.case.pk, action=Decision.Action.APPROVED)
        if self.as_of is not None:
            approvals = approvals.filter(decided_at__lt=moment(self.as_of))
        # An answer approved before its allegation was published is no publication of the case.
        return approvals.aggregate(first=Min("decided_at", filter=~of_answers()), last=Max("decided_at"))

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
    def questions(self):
        """The open questions, those still open first."""
        return sorted(self.open_questions.values(), key=lambda question: (not question.is_open, question.slug))

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


def link_records(case, records):
    """Records of `case` ({model: records}) linked to each other as `published_case()` links the approved
    ones, links to records not given dropped: for staff's exports of the working versions."""
    return _Reader(case, None, None).assemble(records)


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
    # The other citations of the claims it supports: whether it is their only support.
    by_id = {citation.pk: citation for citation in citations}
    for name in ("fact", "event", "relationship"):
        for citation in reader.load(Citation, **{f"{name}_id__in": _ids(citations, f"{name}_id")}):
            by_id.setdefault(citation.pk, citation)
    return {
        Source: sources,
        Citation: list(by_id.values()),
        **parents,
        Actor: reader.load(Actor, id__in=_ids(parents[Relationship], "subject_id", "object_id")),
    }


PAGE_READS = {"actor": _actor_page, "event": _event_page, "fact": _fact_page, "source": _source_page}
LINK_ORDER = (Actor, Source, Relationship, Event, EventParticipant, Fact, FactActor, FactEvent, Citation,
              OpenQuestion, QuestionConcern)


def _content_key(name):
    """A lookup on a record's field, made on the Publication row that holds the record's fields."""
    field_name = name.split("__", 1)[0]
    if field_name in ("id", "pk"):
        return "object_id" + name[len(field_name):]
    if field_name == "slug":
        # The row keeps the slug in a column of its own, indexed with the kind.
        return name
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
            case_row = public_versions(Case, at=at).filter(slug=slug).first()
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
            records = [record_from_content(model, *row) for row in rows.values_list(*RECORD_COLUMNS)]
            note_read(model, records)
            return records
        if not conditions and not lookups:
            return _instances(model, public_versions(model, case=self.case.pk, at=self.at))
        if not conditions and list(lookups) == ["id__in"]:
            among = lookups["id__in"]
        else:
            among = history_model(model).objects.filter(*conditions, **lookups).values("id")
        rows = public_version_rows(model, among, *conditions, case=self.case.pk, at=self.at, **lookups)
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
        models = {ContentType.objects.get_for_model(model).pk: model for model in wanted}
        rows = Publication.objects.filter(either, case=self.case.pk).values_list("content_type", *RECORD_COLUMNS)
        for content_type_id, *row in rows:
            model = models[content_type_id]
            found[model].append(record_from_content(model, *row))
        for model, records in found.items():
            note_read(model, records)
        return found

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
            if participant.alleged:
                snapshot.allegations.append((event, actor))
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
                if link.alleged:
                    snapshot.allegations.append((fact, actor))
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
                    # Every public form of a citation (page, case.json, annotations) reads it from here.
                    citation.quote = citation.quote_for_readers
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
        for question in records[OpenQuestion]:
            question.case = case
            question.public_concerns = []
            snapshot.open_questions[question.pk] = question
        concerned = {"fact": snapshot.facts, "event": snapshot.events, "relationship": relationships,
                     "source": snapshot.sources}
        for concern in sorted(records[QuestionConcern], key=lambda concern: concern.pk):
            question = snapshot.open_questions.get(concern.question_id)
            for name, shown in concerned.items():
                record = shown.get(getattr(concern, f"{name}_id"))
                if question is not None and record is not None:
                    question.public_concerns.append(record)
        for source in snapshot.sources.values():
            source.public_citations.sort(key=lambda c: c.pk)
            source.public_relays.sort(key=lambda s: s.title)
            for citation in source.public_citations:
                citation.only_support = rests_alone_on(citation.public_parent, source)
            source.claims_resting_alone = len({
                (type(citation.public_parent), citation.public_parent.pk)
                for citation in source.public_citations if citation.only_support
            })
        for record in [*snapshot.facts.values(), *snapshot.events.values(), *relationships.values()]:
            # "One of its sources was discredited": each discredited source it cites, once.
            record.discredited_sources = sorted(
                {citation.source.pk: citation.source for citation in record.public_citations
                 if citation.source.discredited_on is not None}.values(),
                key=lambda source: (source.discredited_on, source.title),
            )
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


def is_public(record):
    """Whether readers see this record now."""
    return publications(type(record)).filter(object_id=record.pk).exists()


def rests_alone_on(claim, source):
    """Whether `source` is the only source readers see supporting `claim`."""
    supporting = {citation.source_id for citation in claim.public_citations
                  if citation.stance == Citation.Stance.SUPPORTS}
    return rests_only_on(supporting, {source.pk})


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

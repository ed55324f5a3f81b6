"""The public read layer: the only way public pages read the case file.

A record is public when its latest approving `Decision` (at the moment asked
for, now by default) names a historical version that is neither a removal nor
a deletion. Everything here is read from those historical versions, never from
the working records reporters edit, so nothing unapproved can leak.

`published_case()` loads a whole case in a fixed number of queries, however
many records it holds, and links the approved records to each other in memory.
A link to a record that is not public is dropped.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count, Max, OuterRef, Q, Subquery

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


def approving_decisions(model, case=None, at=None):
    """The latest approval of each record of `model`, as of the moment `at`."""
    decisions = Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        action=Decision.Action.APPROVED,
    )
    if case is not None:
        decisions = decisions.filter(case=case)
    if at is not None:
        decisions = decisions.filter(decided_at__lt=at)
    newest = decisions.filter(object_id=OuterRef("object_id")).order_by("-decided_at", "-id")
    return decisions.filter(id=Subquery(newest.values("id")[:1]))


def approved_versions(model, case=None, at=None):
    """Historical rows of `model` that are public at the moment `at`, with `approved_at`."""
    decisions = approving_decisions(model, case, at)
    approval = Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        action=Decision.Action.APPROVED,
        history_id=OuterRef("history_id"),
    ).order_by("decided_at")
    return (
        model.history.model.objects.filter(
            history_id__in=decisions.values("history_id"), removal_proposed=False
        )
        .exclude(history_type="-")
        .annotate(approved_at=Subquery(approval.values("decided_at")[:1]))
        .order_by()
    )


def approved_ids(model, as_of=None):
    return approved_versions(model, at=moment(as_of)).values("id")


def public_cases(as_of=None):
    """The published cases, as approved, ordered by title."""
    rows = approved_versions(Case, at=moment(as_of)).order_by("title")
    return [_instance(row) for row in rows]


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
    first_published: datetime.datetime | None = None
    last_updated: datetime.datetime | None = None

    @property
    def timeline(self):
        return sorted(self.events.values(), key=lambda event: event.timeline_key)

    @property
    def facts_by_status(self):
        groups = {status: [] for status in Fact.Status}
        for fact in sorted(self.facts.values(), key=lambda fact: fact.slug):
            groups[Fact.Status(fact.status)].append(fact)
        return [(status, groups[status]) for status in Fact.Status]

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
    at = moment(as_of)
    case_row = approved_versions(Case, at=at).filter(slug=slug).first()
    if case_row is None:
        return None
    case = _instance(case_row)
    case.as_of_moment = at
    snapshot = PublishedCase(case=case, as_of=as_of)

    def load(model):
        return [_instance(row) for row in approved_versions(model, case=case.pk, at=at)]

    for actor in load(Actor):
        actor.case = case
        actor.public_relationships, actor.public_events, actor.public_facts = [], [], []
        snapshot.actors[actor.pk] = actor

    for source in load(Source):
        source.case = case
        source.public_citations, source.public_relays = [], []
        snapshot.sources[source.pk] = source
    for source in snapshot.sources.values():
        relay = snapshot.sources.get(source.relayed_via_id)
        source.public_relayed_via = relay
        if relay is not None:
            relay.public_relays.append(source)

    for relationship in load(Relationship):
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

    for event in load(Event):
        event.case = case
        event.public_participants, event.public_citations, event.public_facts = [], [], []
        snapshot.events[event.pk] = event
    for participant in load(EventParticipant):
        event = snapshot.events.get(participant.event_id)
        actor = snapshot.actors.get(participant.actor_id)
        if event is None or actor is None:
            continue
        participant.event, participant.actor = event, actor
        event.public_participants.append(participant)
        actor.public_events.append((event, participant.role))

    for fact in load(Fact):
        fact.case = case
        fact.public_actors, fact.public_events, fact.public_citations = [], [], []
        snapshot.facts[fact.pk] = fact
    for link in load(FactActor):
        fact, actor = snapshot.facts.get(link.fact_id), snapshot.actors.get(link.actor_id)
        if fact is not None and actor is not None:
            fact.public_actors.append(actor)
            actor.public_facts.append(fact)
    for link in load(FactEvent):
        fact, event = snapshot.facts.get(link.fact_id), snapshot.events.get(link.event_id)
        if fact is not None and event is not None:
            fact.public_events.append(event)
            event.public_facts.append(fact)

    parents = {"fact": snapshot.facts, "event": snapshot.events, "relationship": relationships}
    for citation in load(Citation):
        source = snapshot.sources.get(citation.source_id)
        for name, records in parents.items():
            parent = records.get(getattr(citation, f"{name}_id"))
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
    for actor in snapshot.actors.values():
        actor.public_events.sort(key=lambda pair: pair[0].timeline_key)
    for fact in snapshot.facts.values():
        fact.public_events.sort(key=lambda event: event.timeline_key)
        fact.public_actors.sort(key=lambda actor: actor.name)

    span = Decision.objects.filter(case=case.pk, action=Decision.Action.APPROVED)
    if at is not None:
        span = span.filter(decided_at__lt=at)
    dates = span.order_by("decided_at").values_list("decided_at", flat=True)
    snapshot.first_published = dates.first()
    snapshot.last_updated = dates.last()
    return snapshot


def fact_versions(fact):
    """The approved versions of a public fact, oldest first, with their approvals."""
    decisions = Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(Fact),
        object_id=fact.pk,
        action=Decision.Action.APPROVED,
    )
    if fact.case.as_of_moment is not None:
        decisions = decisions.filter(decided_at__lt=fact.case.as_of_moment)
    decisions = list(decisions.order_by("decided_at", "id"))
    rows = Fact.history.model.objects.in_bulk([d.history_id for d in decisions])
    versions = []
    for decision in decisions:
        row = rows.get(decision.history_id)
        if row is not None and not row.removal_proposed and row.history_type != "-":
            versions.append({"row": row, "approved_at": decision.decided_at, "note": decision.comment})
    return versions


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
        else:
            what = "added"
        version = versions.get(decision.history_id)
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


def _decided_versions(decisions):
    """The historical versions the decisions name, by history_id: one query per kind of record."""
    by_model = defaultdict(list)
    for decision in decisions:
        by_model[decision.content_type.model_class()].append(decision.history_id)
    versions = {}
    for model, history_ids in by_model.items():
        versions.update(model.history.model.objects.in_bulk(history_ids, field_name="history_id"))
    return versions


SEARCH_FIELDS = {
    Fact: ("statement", "assessment"),
    Actor: ("name", "aliases", "description"),
    Event: ("title", "description", "location"),
    Source: ("title", "publisher", "author"),
}
MAX_RESULTS_PER_KIND = 50


def search(query):
    """Approved facts, actors, events and sources matching `query`, grouped by public case."""
    # PostgreSQL refuses NUL characters in any string it is sent.
    query = " ".join(query.replace("\x00", " ").split())[:200]
    if not query:
        return []
    cases = {case.pk: case for case in public_cases()}
    grouped = defaultdict(list)
    for model, fields in SEARCH_FIELDS.items():
        rows = approved_versions(model).filter(case_id__in=list(cases))
        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

            vector = SearchVector(*fields, config="english")
            terms = SearchQuery(query, search_type="websearch", config="english")
            rows = (
                rows.annotate(rank=SearchRank(vector, terms))
                .filter(Q(rank__gt=0) | _contains_any(fields, query))
                .order_by("-rank")
            )
        else:
            rows = rows.filter(_contains_any(fields, query))
        for row in rows[:MAX_RESULTS_PER_KIND]:
            record = _instance(row)
            record.case = cases[row.case_id]
            grouped[row.case_id].append(record)
    return [(cases[case_id], records) for case_id, records in grouped.items()]


def _contains_any(fields, query):
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": query})
    return condition


def current_generation():
    """A value that changes whenever any decision changes what the public sees.

    The count is part of it because on PostgreSQL two approvals may commit in
    the opposite order to their ids: the later commit must still change it.
    """
    figures = Decision.objects.aggregate(newest=Max("id"), count=Count("id"))
    return figures["newest"] or 0, figures["count"]


def is_public(record):
    """Whether this working record has an approved, public version now."""
    model = type(record)
    return approved_versions(model).filter(id=record.pk).exists()


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

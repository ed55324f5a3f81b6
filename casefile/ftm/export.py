"""A case as FollowTheMoney entities, built with the `followthemoney` model.

Everything here reads a linked case (`published.published_case()` for
readers, or `working_case()` for staff) and nothing else, so the public file
holds exactly what readers see. Each entity's id is made from the case and
the record (`make_id`), so the same record has the same id in every export,
as of any day.

- Actors: `Person`, `Company`, `PublicBody` (courts too) or `Organization`.
- Relationships: the interval schema that fits the kind and the two actors
  (`Directorship`, `Ownership`, `Membership`, else `UnknownLink` with the kind
  as its role), with the status of the claim and its sources as `proof`.
- Events: `Event`, its participants `involved` (and `organizer` where their
  role says so).
- Sources: `Article` for a news report, `Document` otherwise; a source
  relayed via another is tied to it by an `UnknownLink` whose role says so.
- The case itself (its title and summary), its facts, open questions and
  right-of-reply lines: `Note`s, the last three attached to the
  entities they concern; each citation of a fact or an event is a
  `Documentation` between the source and what it is cited for.
"""

import json
import re

from django.utils.text import Truncator
from followthemoney import model
from followthemoney.types import registry
from followthemoney.util import make_entity_id

from .. import dates, published
from ..models import (
    Actor,
    Case,
    Citation,
    Event,
    EventParticipant,
    Fact,
    FactActor,
    FactEvent,
    OpenQuestion,
    QuestionConcern,
    Relationship,
    Source,
)
from ..translations import texts_by_language

ACTOR_SCHEMATA = {
    Actor.Kind.PERSON: "Person",
    Actor.Kind.COMPANY: "Company",
    Actor.Kind.PUBLIC_BODY: "PublicBody",
    Actor.Kind.COURT: "PublicBody",
    Actor.Kind.MEDIA_OUTLET: "Organization",
    Actor.Kind.OTHER_ORGANISATION: "Organization",
}

# For each kind of relationship, the schemata that may carry it, the first whose
# two ends accept the two actors; any other tie is an UnknownLink named by its kind.
RELATIONSHIP_SCHEMATA = {
    Relationship.Kind.HELD_OFFICE_IN: [("Directorship", "director", "organization")],
    Relationship.Kind.CONTROLS: [("Ownership", "owner", "asset")],
    Relationship.Kind.MEMBER_OF: [("Membership", "member", "organization")],
}
UNKNOWN_LINK = ("UnknownLink", "subject", "object")

SOURCE_SCHEMATA = {Source.Kind.NEWS_REPORT: "Article"}

# A participant whose role says they put the event on is its organizer too.
ORGANIZER_ROLE = re.compile(r"\b(organi[sz]er|organi[sz]ed by|host|sponsor|promoter|convener|announcing)\b", re.I)

# How long a note's name may be; its description holds the whole text.
NOTE_NAME_WORDS = 20


ID_PREFIX = "casefile"


def entity_id(case, kind, pk):
    """The FtM id of a record of the case, as `make_id` makes it: the same in every export of it."""
    return make_entity_id(ID_PREFIX, case.pk, kind, pk)


class CaseEntities:
    """The entities of one linked case, each made once, in an order that reads as the case does."""

    def __init__(self, snapshot, page_url):
        self.snapshot, self.case, self.page_url = snapshot, snapshot.case, page_url
        self.schemata = {}

    def id_of(self, record):
        return entity_id(self.case, record._meta.model_name, record.pk)

    def make(self, schema, record, kind=None):
        entity = model.make_entity(schema)
        entity.make_id(ID_PREFIX, self.case.pk, kind or record._meta.model_name, record.pk)
        return entity

    def all(self):
        snapshot = self.snapshot
        actors = sorted(snapshot.actors.values(), key=lambda actor: (actor.name, actor.pk))
        sources = sorted(snapshot.sources.values(), key=lambda source: (source.title, source.pk))
        facts = sorted(snapshot.facts.values(), key=lambda fact: fact.slug)
        yield self.case_note()
        yield from (self.actor(actor) for actor in actors)
        yield from (self.source(source) for source in sources)
        yield from (self.relay(source) for source in sources if source.public_relayed_via is not None)
        yield from (self.relationship(relationship) for relationship in snapshot.relationships)
        yield from (self.event(event) for event in snapshot.timeline)
        yield from (self.fact(fact) for fact in facts)
        yield from (self.question(question) for question in snapshot.questions)
        for record in [*snapshot.timeline, *facts]:
            yield from (self.citation(citation, record) for citation in record.public_citations)
        yield from (self.reply(line) for line in snapshot.reply_lines)

    def case_note(self):
        """The case itself, its title and summary: FtM has no schema for an investigation, a note holds it."""
        entity = self.note(self.case, self.case.summary or self.case.title)
        entity.set("name", self.case.title)
        entity.add("keywords", "case file")
        entity.add("sourceUrl", self.page_url(self.case.get_absolute_url()))
        return entity

    def actor(self, actor):
        entity = self.make(ACTOR_SCHEMATA.get(actor.kind, "LegalEntity"), actor)
        self.schemata[actor.pk] = entity.schema
        # Every script a name is written in: Aleph matches 肖毅 and Xiao Yi to the same person.
        written = texts_by_language(actor).values()
        entity.add("name", [texts["name"] for texts in written if texts.get("name")] or actor.name)
        entity.add("alias", [
            line.strip() for texts in written for line in texts.get("aliases", "").splitlines() if line.strip()
        ])
        entity.add("description", actor.description)
        entity.add("sourceUrl", self.page_url(actor.get_absolute_url()))
        return entity

    def relationship(self, relationship):
        subject, obj = self.schemata[relationship.subject.pk], self.schemata[relationship.object.pk]
        schema, subject_prop, object_prop = next(
            (
                candidate for candidate in RELATIONSHIP_SCHEMATA.get(relationship.kind, [])
                if subject.is_a(model.get(candidate[0]).get(candidate[1]).range)
                and obj.is_a(model.get(candidate[0]).get(candidate[2]).range)
            ),
            UNKNOWN_LINK,
        )
        entity = self.make(schema, relationship)
        entity.add(subject_prop, self.id_of(relationship.subject))
        entity.add(object_prop, self.id_of(relationship.object))
        entity.add("role", relationship.get_kind_display())
        entity.add("startDate", dates.iso(relationship.starts_on, relationship.starts_precision))
        entity.add("endDate", dates.iso(relationship.ends_on, relationship.ends_precision))
        entity.add("summary", relationship.description)
        entity.add("status", relationship.status)
        # An interval is no Thing a Documentation could name: its citations are said in it.
        entity.add("description", [self.citation_line(citation) for citation in relationship.public_citations])
        entity.add("proof", self.sources_of(relationship))
        entity.add("sourceUrl", self.page_url(f"{self.case.get_absolute_url()}#relationship-{relationship.pk}"))
        return entity

    def event(self, event):
        entity = self.make("Event", event)
        entity.add("name", event.title)
        entity.add("summary", event.description)
        start = dates.iso(event.starts_on, event.starts_precision)
        end = dates.iso(event.ends_on, event.ends_precision)
        entity.add("date", start)
        entity.add("startDate", start)
        entity.add("endDate", end)
        if event.date_inferred:
            entity.add("notes", "The date is inferred: the sources do not give it.")
        entity.add("location", event.location)
        entity.add("keywords", event.status)
        for participant in event.public_participants:
            entity.add("involved", self.id_of(participant.actor))
            entity.add("notes", f"{participant.actor.name}: {participant.role}")
            if ORGANIZER_ROLE.search(participant.role):
                entity.add("organizer", self.id_of(participant.actor))
        entity.add("proof", self.sources_of(event))
        entity.add("sourceUrl", self.page_url(event.get_absolute_url()))
        return entity

    def source(self, source):
        entity = self.make(SOURCE_SCHEMATA.get(source.kind, "Document"), source)
        entity.add("title", source.title)
        entity.add("name", source.title)
        entity.add("publisher", source.publisher)
        entity.add("author", source.author)
        published_on = dates.iso(source.published_on, source.published_precision)
        entity.add("date", published_on)
        entity.add("publishedAt", published_on)
        entity.add("language", registry.language.clean(source.language) if source.language else None)
        entity.add("keywords", source.get_kind_display())
        entity.add("description", source.reliability_note)
        entity.add("sourceUrl", [source.url, self.page_url(source.get_absolute_url())])
        return entity

    def relay(self, source):
        """The source we know `source` through, as a link between the two documents."""
        entity = self.make("UnknownLink", source, kind="relay")
        entity.add("subject", self.id_of(source))
        entity.add("object", self.id_of(source.public_relayed_via))
        entity.add("role", "relayed via")
        return entity

    def fact(self, fact):
        entity = self.note(fact, fact.statement)
        entity.add("summary", f"Status: {fact.get_status_display()}")
        entity.add("keywords", ["fact", fact.status])
        entity.add("notes", fact.assessment)
        entity.add("entity", [self.id_of(actor) for actor in fact.public_actors])
        entity.add("entity", [self.id_of(event) for event in fact.public_events])
        entity.add("proof", self.sources_of(fact))
        entity.add("sourceUrl", self.page_url(fact.get_absolute_url()))
        return entity

    def question(self, question):
        entity = self.note(question, question.question)
        entity.add("summary", f"Open question: {question.get_state_display()}")
        entity.add("keywords", ["open question", question.state])
        entity.add("notes", f"What would settle it: {question.settled_by}")
        if question.answer:
            entity.add("notes", f"Answer: {question.answer}")
        for record in question.public_concerns:
            if isinstance(record, Relationship):
                # A tie is no Thing a note can be attached to: its two actors are.
                entity.add("entity", [self.id_of(record.subject), self.id_of(record.object)])
                entity.add("notes", f"Concerns the tie: {record}")
            else:
                entity.add("entity", self.id_of(record))
        entity.add("sourceUrl", self.page_url(question.get_absolute_url()))
        return entity

    def reply(self, line):
        entity = self.make("Note", line.record, kind=f"reply-{line.record._meta.model_name}-{line.actor.pk}")
        entity.add("name", f"Right of reply: {line.actor.name}")
        entity.add("description", line.text)
        entity.add("keywords", ["right of reply", line.outcome])
        entity.add("entity", [self.id_of(line.actor), self.id_of(line.record)])
        entity.add("sourceUrl", self.page_url(line.record.get_absolute_url()))
        return entity

    def note(self, record, text):
        entity = self.make("Note", record)
        entity.add("name", Truncator(" ".join(text.split())).words(NOTE_NAME_WORDS))
        entity.add("description", text)
        return entity

    def citation(self, citation, record):
        entity = self.make("Documentation", citation)
        entity.add("document", self.id_of(citation.source))
        entity.add("entity", self.id_of(record))
        entity.add("role", f"{citation.get_stance_display().lower()} ({citation.locator})")
        entity.add("summary", citation.quote)
        entity.add("description", citation.note)
        return entity

    @staticmethod
    def citation_line(citation):
        line = f"{citation.get_stance_display()}: {citation.source.title}, {citation.locator}"
        return f"{line}: “{citation.quote}”" if citation.quote else line

    def sources_of(self, record):
        return list(dict.fromkeys(self.id_of(citation.source) for citation in record.public_citations))


def case_entities(snapshot, page_url):
    """Every entity of the linked case, in order; `page_url` makes a site path an absolute address."""
    snapshot.reply_lines = published.attach_reply_lines(snapshot)
    return list(CaseEntities(snapshot, page_url).all())


def as_lines(entities):
    """The entities as FtM's line-based JSON: one entity a line."""
    return "".join(json.dumps(entity.to_dict(), ensure_ascii=False, sort_keys=True) + "\n" for entity in entities)


def public_entities(snapshot, request):
    """The FtM entities of the case as readers see it (or saw it, as of a day)."""
    origin = request.build_absolute_uri("/").removesuffix("/")
    return case_entities(snapshot, lambda path: origin + path)


WORKING_CHILDREN = (
    (EventParticipant, "event", Event), (FactActor, "fact", Fact), (FactEvent, "fact", Fact),
    (QuestionConcern, "question", OpenQuestion),
)


def working_case(case):
    """The case as it stands in the working versions, records proposed for removal left out, linked as
    readers' case is: for staff, never for a public page."""
    loaded = {
        kind: list(kind.objects.filter(case=case, removal_proposed=False))
        for kind in (Actor, Source, Relationship, Event, Fact, OpenQuestion)
    }
    for kind, parent, parent_kind in WORKING_CHILDREN:
        loaded[kind] = list(kind.objects.filter(
            **{f"{parent}__in": [record.pk for record in loaded[parent_kind]]}, removal_proposed=False))
    loaded[Citation] = list(Citation.objects.filter(removal_proposed=False, source__case=case))
    return published.link_records(Case.objects.get(pk=case.pk), loaded)

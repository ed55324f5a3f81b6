"""An FtM file (an Aleph export, an OpenSanctions extract) read into the drafts an import would write.

Nothing is written here: `read_ftm()` reads the whole file and says what it
holds that Casefile keeps (actors, ties, events, sources), what it leaves out
(schemata and properties it does not import, listed with how often they
occur, never guessed at), and which actors may be ones the case has already.
A file that cannot be read as FtM is refused with one line naming the place.
The drafts are written by `workflow.drafts.import_drafts()`.
"""

import json
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from followthemoney import model
from followthemoney.exc import InvalidData
from followthemoney.types import registry

from .. import dates
from ..models import Actor, Relationship, Source
from .names import matching_actors

# The largest file read: an extract of a case, not a whole Aleph collection.
MAX_BYTES = 20 * 1024 * 1024

ACTOR_KINDS = {
    "Person": Actor.Kind.PERSON,
    "Company": Actor.Kind.COMPANY,
    "PublicBody": Actor.Kind.PUBLIC_BODY,
    "Organization": Actor.Kind.OTHER_ORGANISATION,
    "LegalEntity": Actor.Kind.OTHER_ORGANISATION,
}
# Each schema of a tie: the property naming its subject, the one naming its object, and its kind.
TIE_SCHEMATA = {
    "Directorship": ("director", "organization", Relationship.Kind.HELD_OFFICE_IN),
    "Ownership": ("owner", "asset", Relationship.Kind.CONTROLS),
    "Membership": ("member", "organization", Relationship.Kind.MEMBER_OF),
    "Employment": ("employee", "employer", Relationship.Kind.OTHER),
    "Representation": ("agent", "client", Relationship.Kind.OTHER),
    "Associate": ("person", "associate", Relationship.Kind.OTHER),
    "Family": ("person", "relative", Relationship.Kind.OTHER),
    "UnknownLink": ("subject", "object", Relationship.Kind.OTHER),
}
SOURCE_SCHEMATA = {"Article": Source.Kind.NEWS_REPORT}

# The properties each kind of record reads; any other is listed and skipped.
ACTOR_PROPERTIES = {"name", "alias", "previousName", "weakAlias", "summary", "description", "notes"}
TIE_PROPERTIES = {"role", "relationship", "startDate", "endDate", "date", "summary", "description"}
EVENT_PROPERTIES = {"name", "date", "startDate", "endDate", "location", "summary", "description", "notes",
                    "involved", "organizer"}
SOURCE_PROPERTIES = {"title", "name", "fileName", "publisher", "author", "date", "publishedAt", "authoredAt",
                     "sourceUrl", "language", "summary", "description"}


class FtmFileRefused(Exception):
    """The file cannot be imported; the message says why in one line, and nothing was written."""


@dataclass
class ActorDraft:
    entity_id: str
    kind: str
    name: str
    aliases: list
    description: str
    # Actors of the case with the same name or alias: offered as a merge on the review page.
    matches: list = field(default_factory=list)


@dataclass
class TieDraft:
    entity_id: str
    subject: str
    object: str
    kind: str
    starts: tuple
    ends: tuple
    description: str
    role: str = ""


@dataclass
class EventDraft:
    entity_id: str
    title: str
    starts: tuple
    ends: tuple
    location: str
    description: str
    # (entity id of the actor, role)
    participants: list


@dataclass
class SourceDraft:
    entity_id: str
    kind: str
    title: str
    publisher: str
    author: str
    published: tuple
    url: str
    language: str
    description: str
    # The entity id of the source it was relayed via, if the file says so.
    relayed_via: str = ""


@dataclass
class FtmImport:
    """What an FtM file holds that the case will keep, and what it leaves out."""

    name: str
    actors: list = field(default_factory=list)
    ties: list = field(default_factory=list)
    events: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    # {schema: entities} of schemata Casefile does not import.
    skipped_schemata: Counter = field(default_factory=Counter)
    # {"Schema.property": entities} of properties it does not import.
    skipped_properties: Counter = field(default_factory=Counter)
    # Links to entities that are not imported as actors: (what, entity id).
    loose_ends: list = field(default_factory=list)
    # {entity id: properties its schema does not have}, listed with those not imported.
    unknown: dict = field(default_factory=dict)

    @property
    def record_count(self):
        return len(self.actors) + len(self.ties) + len(self.events) + len(self.sources)

    def lines(self):
        """What the import writes and leaves out, for the person running it."""
        lines = [
            f"From {self.name}: {len(self.actors)} actors, {len(self.ties)} relationships, {len(self.events)} "
            f"events and {len(self.sources)} sources, each saved as a working version waiting for review.",
        ]
        for draft in self.actors:
            if draft.matches:
                lines.append(
                    f"  “{draft.name}” has the name or an alias of "
                    + ", ".join(f"“{actor.name}”" for actor in draft.matches)
                    + ", already in the case: its review offers to merge them."
                )
        if self.skipped_schemata:
            lines.append("  Not imported, of schemata Casefile does not keep: " + _counted(self.skipped_schemata))
        if self.skipped_properties:
            lines.append("  Properties not imported: " + _counted(self.skipped_properties))
        if self.loose_ends:
            lines.append(
                f"  Not imported, naming an entity the file does not hold as an actor: {len(self.loose_ends)} "
                "(" + ", ".join(f"{what} {entity_id}" for what, entity_id in self.loose_ends[:5])
                + (", …" if len(self.loose_ends) > 5 else "") + ")"
            )
        return lines


def _counted(counter):
    return ", ".join(f"{name} ({count})" for name, count in sorted(counter.items()))


def read_ftm(content, name, case):
    """Read the FtM file `content` (bytes) named `name` into the drafts of an import into `case`.

    Raises FtmFileRefused, with one line, for a file that is not FtM JSON
    (one entity a line, as `ftm` and Aleph write it) or holds nothing to import.
    """
    if len(content) > MAX_BYTES:
        raise FtmFileRefused(f"{name} is larger than {MAX_BYTES // (1024 * 1024)} MB: import a smaller extract.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FtmFileRefused(f"{name} is not UTF-8 text: an FtM file is JSON, one entity a line.") from None
    entities, unknown = _entities(text, name)
    found = FtmImport(name=name, unknown=unknown)
    actors = {}
    for entity in entities.values():
        schema = entity.schema.name
        if schema in ACTOR_KINDS:
            draft = _actor(entity, found)
            if draft is not None:
                actors[entity.id] = draft
        elif schema in TIE_SCHEMATA:
            found.ties.append(_tie(entity, found))
        elif entity.schema.is_a("Event"):
            found.events.append(_event(entity, found))
        elif entity.schema.is_a("Document") and not entity.schema.is_a("Folder"):
            found.sources.append(_source(entity, found))
        else:
            found.skipped_schemata[schema] += 1
    found.actors = list(actors.values())
    _tie_up(found, actors)
    if not found.record_count:
        raise FtmFileRefused(
            f"{name} holds no person, company, organisation, tie, event or document to import"
            + (f" (only {_counted(found.skipped_schemata)})." if found.skipped_schemata else ".")
        )
    existing = list(Actor.objects.filter(case=case))
    for draft in found.actors:
        draft.matches = matching_actors([draft.name, *draft.aliases], existing)
    return found


def _entities(text, name):
    """{id: entity} of every line, fragments of one entity merged, as `ftm aggregate` merges them, and
    {id: the properties its schema does not have}."""
    entities, unknown = {}, {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError:
            raise FtmFileRefused(
                f"{name}, line {number}, is not JSON: an FtM file holds one entity a line."
            ) from None
        if not isinstance(data, dict) or not data.get("id") or not isinstance(data.get("schema"), str) \
                or not isinstance(data.get("properties", {}), dict):
            raise FtmFileRefused(f"{name}, line {number}, is no FtM entity: it needs an id, a schema and properties.")
        if model.get(data["schema"]) is None:
            raise FtmFileRefused(f"{name}, line {number}: {data['schema']!r} is no schema of FollowTheMoney.")
        try:
            entity = model.get_proxy(data, cleaned=False)
        except (InvalidData, TypeError, ValueError) as error:
            raise FtmFileRefused(f"{name}, line {number}, is no valid FtM entity: {error}") from None
        unknown.setdefault(entity.id, set()).update(set(data.get("properties", {})) - set(entity.schema.properties))
        known = entities.get(entity.id)
        if known is not None:
            try:
                known.merge(entity)
            except InvalidData as error:
                raise FtmFileRefused(f"{name}, line {number}: {error}") from None
        else:
            entities[entity.id] = entity
    if not entities:
        raise FtmFileRefused(f"{name} holds no entity.")
    return entities, unknown


def _skip_others(entity, read, found):
    """List the properties of `entity` the import does not read."""
    for prop in {*entity.properties, *found.unknown.get(entity.id, ())} - read:
        found.skipped_properties[f"{entity.schema.name}.{prop}"] += 1


def _first(entity, *props):
    for prop in props:
        for value in entity.get(prop, quiet=True):
            if value.strip():
                return " ".join(value.split())
    return ""


def _text(entity, *props):
    return "\n\n".join(value.strip() for prop in props for value in entity.get(prop, quiet=True) if value.strip())


def _date(entity, *props):
    """(date, precision) of the first date among `props`, as precisely as FtM gives it (a prefix), or (None, day)."""
    for prop in props:
        for value in entity.get(prop, quiet=True):
            try:
                found = dates.parse(value[:10])
            except ValueError:
                continue
            if found is not None:
                return found
    return None, dates.Precision.DAY


def _actor(entity, found):
    _skip_others(entity, ACTOR_PROPERTIES, found)
    names = [" ".join(value.split()) for value in entity.get("name") if value.strip()]
    aliases = [" ".join(value.split()) for prop in ("alias", "previousName", "weakAlias")
               for value in entity.get(prop, quiet=True) if value.strip()]
    if not names and not aliases:
        found.skipped_schemata[f"{entity.schema.name} without a name"] += 1
        return None
    name, *others = names or aliases
    return ActorDraft(
        entity_id=entity.id, kind=ACTOR_KINDS[entity.schema.name], name=name,
        aliases=list(dict.fromkeys(alias for alias in [*others, *aliases] if alias != name)),
        description=_text(entity, "summary", "description", "notes"),
    )


def _tie(entity, found):
    subject_prop, object_prop, kind = TIE_SCHEMATA[entity.schema.name]
    _skip_others(entity, TIE_PROPERTIES | {subject_prop, object_prop}, found)
    role = _first(entity, "role", "relationship")
    if kind == Relationship.Kind.OTHER:
        # A role that names one of Casefile's kinds is that kind; any other is said in the description.
        kind = next((k for k in Relationship.Kind if role and role.lower() == k.label.lower()), kind)
    description = _text(entity, "summary", "description")
    if kind == Relationship.Kind.OTHER:
        said = role or entity.schema.label
        description = f"{said}. {description}".strip() if description else said
    return TieDraft(
        entity_id=entity.id, subject=_first(entity, subject_prop), object=_first(entity, object_prop), kind=kind,
        starts=_date(entity, "startDate", "date"), ends=_date(entity, "endDate"), description=description,
        role=role,
    )


def _event(entity, found):
    _skip_others(entity, EVENT_PROPERTIES, found)
    starts, ends = _date(entity, "startDate", "date"), _date(entity, "endDate")
    if starts[0] is None or (ends[0] is not None and ends[0] < starts[0]):
        ends = (None, dates.Precision.DAY)
    participants = [(actor_id, "organizer") for actor_id in entity.get("organizer")]
    participants += [(actor_id, "involved") for actor_id in entity.get("involved")]
    return EventDraft(
        entity_id=entity.id, title=_first(entity, "name") or "Untitled event", starts=starts, ends=ends,
        location=_first(entity, "location"), description=_text(entity, "summary", "description", "notes"),
        participants=participants,
    )


def _source(entity, found):
    _skip_others(entity, SOURCE_PROPERTIES, found)
    url = next((value for value in entity.get("sourceUrl") if _is_url(value)), "")
    code = _first(entity, "language")
    return SourceDraft(
        entity_id=entity.id, kind=SOURCE_SCHEMATA.get(entity.schema.name, Source.Kind.OTHER),
        title=_first(entity, "title", "name", "fileName") or "Untitled document",
        publisher=_first(entity, "publisher"), author=_first(entity, "author"),
        published=_date(entity, "publishedAt", "date", "authoredAt"), url=url,
        language=(registry.language.caption(code) or code) if code else "",
        description=_text(entity, "summary", "description"),
    )


def _is_url(value):
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return False
    return len(value) <= 500


# The role of the link between two documents that says the first was relayed via the second (as
# `export` writes it).
RELAYED_VIA = "relayed via"


def _tie_up(found, actors):
    """Keep the ties and participants whose actors the file holds, and the relays between its documents;
    list the others as loose ends."""
    ties, sources = [], {source.entity_id: source for source in found.sources}
    for tie in found.ties:
        if tie.subject in actors and tie.object in actors and tie.subject != tie.object:
            ties.append(tie)
        elif (tie.role.lower() == RELAYED_VIA and tie.subject in sources and tie.object in sources
              and tie.subject != tie.object and not sources[tie.subject].relayed_via):
            sources[tie.subject].relayed_via = tie.object
        else:
            found.loose_ends.append(("tie", tie.entity_id))
    found.ties = ties
    found.sources = _relays_first(found.sources, found)
    for event in found.events:
        kept = []
        for actor_id, role in event.participants:
            if actor_id in actors:
                # One row an actor: an organizer who is also involved is its organizer.
                if not any(known == actor_id for known, _ in kept):
                    kept.append((actor_id, role))
            else:
                found.loose_ends.append(("participant of an event", actor_id))
        event.participants = kept


def _relays_first(sources, found):
    """The sources in an order that saves the one a source was relayed via before it; a relay in a loop
    is left out, as a loose end."""
    placed, ordered, waiting = set(), [], list(sources)
    while waiting:
        ready = [source for source in waiting if not source.relayed_via or source.relayed_via in placed]
        if not ready:
            for source in waiting:
                found.loose_ends.append(("relay in a loop", source.entity_id))
                source.relayed_via = ""
            ready = waiting
        ordered.extend(ready)
        placed.update(source.entity_id for source in ready)
        waiting = [source for source in waiting if source.entity_id not in placed]
    return ordered


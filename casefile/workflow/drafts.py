"""Records brought in from outside, as drafts: saved as working versions that wait for review like any
reporter's change, and the merge of a draft actor into an actor the case already has.

`import_drafts()` writes what `ftm.reading.read_ftm()` found: each record a
working version by the importing person with the reason they give ("imported
from FILE"), all of them or, if any is refused, none. Nothing is approved and
nothing is merged on the way in: an imported actor whose name or alias is one
of an actor's of the case stays apart until someone merges it from its
review (`merge_actor()`).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..ftm.names import matching_actors
from ..models import Actor, Event, EventParticipant, FactActor, Relationship, Source
from ..text import slug_from
from . import WorkflowError, ever_approved, save_new_records, save_record


# What an import writes: whoever imports must be able to add each kind.
IMPORT_PERMISSIONS = [f"casefile.add_{kind}" for kind in ("actor", "relationship", "event", "eventparticipant",
                                                          "source")]


def may_import(user):
    """Whether `user` may bring records in from a file: a reporter or an editor, not a lawyer."""
    return user.is_active and user.has_perms(IMPORT_PERMISSIONS)


class DraftsRefused(Exception):
    """A draft the records refuse; the message says which and why in one line. Nothing was written."""


@dataclass
class Imported:
    actors: list
    relationships: list
    events: list
    sources: list

    @property
    def count(self):
        return len(self.actors) + len(self.relationships) + len(self.events) + len(self.sources)


def import_drafts(case, found, user, reason):
    """Save every draft of `found` in `case` as a working version by `user`, with `reason`; all or none.

    Raises DraftsRefused, naming the entity, for a value a record refuses
    (too long a name, a character the text fields refuse, an address that is
    no URL); nothing is then written.
    """
    try:
        return _import_drafts(case, found, user, reason)
    except IntegrityError as error:
        raise DraftsRefused(f"The database refused the import: {error}".splitlines()[0]) from None


def _import_drafts(case, found, user, reason):
    """Each kind of record written in bulk with its first versions, as `load_case` writes a case."""
    with transaction.atomic():
        slugs = {model: set(model.objects.filter(case=case).values_list("slug", flat=True))
                 for model in (Actor, Event, Source)}
        actors = dict(zip((draft.entity_id for draft in found.actors), _save_all(Actor, [
            (draft.entity_id, Actor(
                case=case, kind=draft.kind, name=draft.name, aliases="\n".join(draft.aliases),
                description=draft.description, slug=_free_slug(draft.name, "actor", slugs[Actor]),
            ))
            for draft in found.actors
        ], user, reason)))
        relationships = _save_all(Relationship, [
            (draft.entity_id, Relationship(
                case=case, subject=actors[draft.subject], kind=draft.kind, object=actors[draft.object],
                starts_on=draft.starts[0], starts_precision=draft.starts[1],
                ends_on=draft.ends[0], ends_precision=draft.ends[1],
                description=draft.description, status=Relationship.Status.UNVERIFIED,
            ))
            for draft in found.ties
        ], user, reason)
        events = _save_all(Event, [
            (draft.entity_id, Event(
                case=case, title=draft.title, slug=_free_slug(draft.title, "event", slugs[Event]),
                starts_on=draft.starts[0], starts_precision=draft.starts[1],
                ends_on=draft.ends[0], ends_precision=draft.ends[1],
                location=draft.location, description=draft.description, status=Event.Status.UNVERIFIED,
            ))
            for draft in found.events
        ], user, reason)
        _save_all(EventParticipant, [
            (draft.entity_id, EventParticipant(event=event, actor=actors[actor_id], role=role))
            for draft, event in zip(found.events, events) for actor_id, role in draft.participants
        ], user, reason)
        sources = {}
        # A round at a time: the source one was relayed via is saved in a round before it.
        for round_ in _relay_rounds(found.sources):
            sources.update(zip((draft.entity_id for draft in round_), _save_all(Source, [
                (draft.entity_id, Source(
                    case=case, kind=draft.kind, title=draft.title,
                    slug=_free_slug(draft.title, "source", slugs[Source]),
                    publisher=draft.publisher, author=draft.author,
                    published_on=draft.published[0], published_precision=draft.published[1],
                    url=draft.url, language=draft.language, reliability_note=draft.description,
                    relayed_via=sources.get(draft.relayed_via),
                ))
                for draft in round_
            ], user, reason)))
    return Imported(list(actors.values()), relationships, events, list(sources.values()))


def _relay_rounds(drafts):
    """The source drafts in rounds, each after the round of the sources its own were relayed via
    (`ftm.reading` leaves no relay in a loop)."""
    rounds, depth = [], {}
    for draft in drafts:
        depth[draft.entity_id] = depth[draft.relayed_via] + 1 if draft.relayed_via in depth else 0
        while len(rounds) <= depth[draft.entity_id]:
            rounds.append([])
        rounds[depth[draft.entity_id]].append(draft)
    return rounds


def _save_all(model, drafted, user, reason):
    """Save the records of [(entity id, record)], each checked first, with their first versions; the records."""
    records = [_checked(record, entity_id) for entity_id, record in drafted]
    if records:
        save_new_records(model, records, user, reason)
    return records


def _checked(record, entity_id):
    # The records it points to were just saved, and the slugs were chosen free: what the database would
    # refuse besides is refused there, in the same transaction (`import_drafts`).
    pointing = [field.name for field in record._meta.concrete_fields if field.is_relation]
    try:
        record.full_clean(exclude=pointing, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
            for name, messages in error.message_dict.items()
        )
        raise DraftsRefused(f"Entity {entity_id} cannot be saved as {record._meta.verbose_name}: {problems}") from None
    return record


def _free_slug(text, fallback, taken):
    """A slug made from `text` (or `fallback` where it has nothing a slug can hold), not yet in `taken`."""
    base = slug_from(text)[:90].strip("-") or fallback
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    taken.add(slug)
    return slug


def possible_duplicates(actor):
    """The other actors of the case `actor` may be, by name or alias: offered as a merge on its review while no
    editor has approved it."""
    if actor is None or ever_approved(actor):
        return []
    return matching_actors([actor.name, *actor.alias_list], Actor.objects.filter(case=actor.case_id).exclude(pk=actor.pk))


def merge_actor(duplicate, actor, user):
    """Merge the draft actor `duplicate` into `actor` of the same case, as `user` asks from its review.

    `actor` takes the draft's name and aliases as aliases it lacks, and its
    description if it has none; the draft's ties, parts in events and fact
    links move to `actor` (one that would tie `actor` to itself, or repeat a
    row it has, goes); the draft goes. Every change is a working version
    waiting for review, by `user`, saying what was merged. Only a draft no
    editor ever approved is merged: a record readers saw is never taken away
    this way.
    """
    reason = f"Merged with the actor “{duplicate.name}” (#{duplicate.pk}), which had the same name or alias"
    with transaction.atomic():
        locked = {a.pk: a for a in Actor.objects.select_for_update().filter(pk__in=[duplicate.pk, actor.pk])}
        duplicate, actor = locked.get(duplicate.pk), locked.get(actor.pk)
        if duplicate is None or actor is None:
            raise WorkflowError("One of the two actors was deleted meanwhile: nothing was merged.")
        if duplicate.pk == actor.pk or duplicate.case_id != actor.case_id:
            raise WorkflowError("Only two different actors of the same case can be merged.")
        if ever_approved(duplicate):
            raise WorkflowError(
                f"“{duplicate.name}” was approved once: readers may have seen it, so it is not merged away. "
                "Propose its removal instead."
            )
        missing = [name for name in [duplicate.name, *duplicate.alias_list] if not actor.is_known_as(name)]
        if missing or (duplicate.description and not actor.description):
            actor.aliases = "\n".join([*actor.alias_list, *dict.fromkeys(missing)])
            actor.description = actor.description or duplicate.description
            save_record(actor, user, reason)
        for tie in Relationship.objects.filter(subject=duplicate) | Relationship.objects.filter(object=duplicate):
            if actor.pk in (tie.subject_id, tie.object_id):
                _delete(tie, user, reason)
                continue
            tie.subject_id = actor.pk if tie.subject_id == duplicate.pk else tie.subject_id
            tie.object_id = actor.pk if tie.object_id == duplicate.pk else tie.object_id
            save_record(tie, user, reason)
        for part in EventParticipant.objects.filter(actor=duplicate):
            if EventParticipant.objects.filter(event=part.event_id, actor=actor, role=part.role).exists():
                _delete(part, user, reason)
            else:
                part.actor = actor
                save_record(part, user, reason)
        for link in FactActor.objects.filter(actor=duplicate):
            if FactActor.objects.filter(fact=link.fact_id, actor=actor).exists():
                _delete(link, user, reason)
            else:
                link.actor = actor
                save_record(link, user, reason)
        _delete(duplicate, user, reason)
    return actor


def _delete(record, user, reason):
    record._history_user, record._change_reason = user, reason
    record.delete()

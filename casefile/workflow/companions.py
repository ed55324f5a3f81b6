"""The records not yet public that a change publishes with it, and what rejecting the change does to them.

A new event naming a new actor publishes the actor with it, and so does a
new relationship naming the same actor: both wait on it. Rejecting the event
rejects the actor too only when the editor says so, from a choice the review
shows for each such record, naming what else waits on it.
"""

from dataclasses import dataclass, field

from ..history import history_model
from .changes import REFERENCES, TRACKED, AboutARecord, VersionLog, batches, owner_of, top_level_of


@dataclass
class Companion(AboutARecord):
    """A record not yet public that the review of another publishes with it, and its waiting changes."""

    model: type
    pk: int
    label: str
    changes: list = field(default_factory=list)
    # [(kind, label)] of the other records whose waiting changes refer to it.
    others: list = field(default_factory=list)

    @property
    def shared(self):
        return bool(self.others)


def companions_of(model, pk, bundle):
    """The records of the review `bundle` of a record (`review_bundle()`) other than the record itself, as
    `Companion`s, in the order the review shows them."""
    found, own = {}, top_level_of(model, pk)
    for change in bundle:
        owner = owner_of(change.model, change.latest)
        if owner == own:
            continue
        if owner not in found:
            found[owner] = Companion(*owner, label=change.label if owner == (change.model, change.pk) else "")
        found[owner].changes.append(change)
    for companion in found.values():
        companion.label = companion.label or str(companion.model.objects.filter(pk=companion.pk).first())
        companion.others = waiting_on(companion.model, companion.pk, besides={own})
    return list(found.values())


def waiting_on(model, pk, besides=()):
    """[(kind, label)] of the records whose changes waiting for review refer to this one, besides itself and
    those of `besides` ((model, pk) of records): a record cited, named or linked to by them."""
    owners = []
    for referring in TRACKED:
        for name in REFERENCES[referring]:
            if referring._meta.get_field(name).related_model is not model:
                continue
            pks = list(referring.objects.filter(**{f"{name}_id": pk}).values_list("pk", flat=True))
            for batch in batches(pks):
                log = VersionLog(referring, batch)
                for referring_pk in batch:
                    change = log.change(referring_pk)
                    if change is None or change.is_removal:
                        continue
                    owner = owner_of(referring, change.latest)
                    if owner != (model, pk) and owner not in besides and owner not in owners:
                        owners.append(owner)
    return _described(owners)


def _described(owners):
    by_model = {}
    for model, pk in owners:
        by_model.setdefault(model, []).append(pk)
    records = {(model, pk): record for model, pks in by_model.items()
               for pk, record in model.objects.in_bulk(pks).items()}
    return [(model._meta.verbose_name, str(records[(model, pk)])) for model, pk in owners if (model, pk) in records]


def rejected_part(model, pk, versions, with_companions=()):
    """Of the versions a review of a record showed, {(model, pk): history_id}, those a rejection of it
    rejects: the record's own, and of the records not yet public it refers to, only those of
    `with_companions` ((model, pk) the editor chose)."""
    kept = {top_level_of(model, pk), *with_companions}
    by_model = {}
    for (part_model, part_pk), history_id in versions.items():
        by_model.setdefault(part_model, {})[history_id] = part_pk
    rejected = {}
    for part_model, parts in by_model.items():
        rows = history_model(part_model).objects.in_bulk(list(parts), field_name="history_id")
        for history_id, part_pk in parts.items():
            row = rows.get(history_id)
            # A version that names no record of its kind is the rejection's to refuse, as stale.
            if row is None or row.id != part_pk or owner_of(part_model, row) in kept:
                rejected[(part_model, part_pk)] = history_id
    return rejected

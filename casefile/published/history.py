"""What readers saw before: a fact's approved versions and the corrections log, from the decision log."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, Subquery

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
    QuestionConcern,
    Relationship,
    Source,
)
from .versions import moment


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
        Fact: snapshot.facts, Relationship: relationships, OpenQuestion: snapshot.open_questions,
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
SELF_NAMED = (Case, Actor, Source, Event, Fact, OpenQuestion)
CHILD_PARENTS = {
    Citation: (("fact", Fact), ("event", Event), ("relationship", Relationship)),
    EventParticipant: (("event", Event),),
    FactActor: (("fact", Fact),),
    FactEvent: (("fact", Fact),),
    QuestionConcern: (("question", OpenQuestion),),
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

"""What a change is: the versions waiting for review against the version readers see.

A record's citations, participants and fact links are its *children*: they
are reviewed and approved together with it, as one change.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.contenttypes.models import ContentType

from .. import published
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
    Relationship,
    Source,
)


REPORTERS = "Reporters"
EDITORS = "Editors"

TOP_LEVEL = (Case, Actor, Source, Relationship, Event, Fact)
CHILDREN = {
    Fact: ((Citation, "fact"), (FactActor, "fact"), (FactEvent, "fact")),
    Event: ((Citation, "event"), (EventParticipant, "event")),
    Relationship: ((Citation, "relationship"),),
}
TRACKED = TOP_LEVEL + (Citation, EventParticipant, FactActor, FactEvent)

# Fields naming another record that must be public, or approved at the same
# time, before this record can be.
REFERENCES = {
    Case: (),
    Actor: ("case",),
    Source: ("case", "relayed_via"),
    Relationship: ("case", "subject", "object"),
    Event: ("case",),
    Fact: ("case",),
    Citation: ("fact", "event", "relationship", "source"),
    EventParticipant: ("event", "actor"),
    FactActor: ("fact", "actor"),
    FactEvent: ("fact", "event"),
}
NOT_COMPARED = {"id", "history_id", "history_date", "history_user", "history_type",
                "history_change_reason", "history_relation"}


class WorkflowError(Exception):
    """A workflow step refused, with a message for the person who asked."""

    def __init__(self, message, records=()):
        super().__init__(message)
        self.message = message
        self.records = list(records)


class StaleReview(WorkflowError):
    pass


class UnapprovedReference(WorkflowError):
    pass


class EditConflict(WorkflowError):
    pass


class EvidenceLeftBehind(WorkflowError):
    pass


def is_editor(user):
    return bool(
        user and user.is_active and (user.is_superuser or user.has_perm("casefile.approve_changes"))
    )


def content_type(model):
    return ContentType.objects.get_for_model(model)


def key_for(model, pk):
    return f"{model._meta.label_lower}:{pk}"


def model_for_key(key):
    label, pk = key.rsplit(":", 1)
    for model in TRACKED:
        if model._meta.label_lower == label:
            return model, int(pk)
    raise ValueError(f"Not a case-file record: {key}")


def versions_of(model, pk):
    return history_model(model).objects.filter(id=pk).order_by("-history_id")


def latest_version(model, pk):
    return versions_of(model, pk).first()


def approved_version(model, pk):
    """The version readers see now, or None (never approved, or approved removal)."""
    decision = (
        Decision.objects.filter(
            content_type=content_type(model), object_id=pk, action=Decision.Action.APPROVED
        )
        .order_by("-decided_at", "-id")
        .only("history_id")
        .first()
    )
    if decision is None:
        return None
    return history_model(model).objects.filter(history_id=decision.history_id).first()


def case_id_of(model, row):
    if model is Case:
        return row.id
    if hasattr(row, "case_id"):
        return row.case_id
    for parent_model, parent_name in parent_of(model, row):
        parent = latest_version(parent_model, getattr(row, f"{parent_name}_id"))
        if parent is not None:
            return parent.case_id
    return None


def parent_of(model, row):
    """(parent model, field name) pairs this child row points at."""
    pairs = []
    for parent_model, children in CHILDREN.items():
        for child_model, name in children:
            if child_model is model and getattr(row, f"{name}_id", None):
                pairs.append((parent_model, name))
    return pairs


def display_value(model, field_name, value):
    model_field = model._meta.get_field(field_name)
    if value in (None, ""):
        return "—"
    if model_field.is_relation:
        related = model_field.related_model.objects.filter(pk=value).first()
        return str(related) if related is not None else f"#{value} (deleted)"
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@dataclass
class Change:
    """An undecided version of one record, against the version readers see."""

    model: type
    pk: int
    latest: object
    approved: object | None
    reasons: list = field(default_factory=list)

    @property
    def key(self):
        return key_for(self.model, self.pk)

    @property
    def kind(self):
        return self.model._meta.verbose_name

    @property
    def label(self):
        return str(self.latest.instance)

    @property
    def is_new(self):
        return self.approved is None

    @property
    def is_removal(self):
        return self.latest.history_type == "-" or self.latest.removal_proposed

    @cached_property
    def field_changes(self):
        """(field, before, after) for each field that differs from the approved version."""
        rows = []
        for model_field in self.model._meta.concrete_fields:
            if model_field.attname in NOT_COMPARED or model_field.name == "removal_proposed":
                continue
            after = getattr(self.latest, model_field.attname)
            before = getattr(self.approved, model_field.attname) if self.approved else None
            if self.approved is None and after in (None, ""):
                continue
            if before != after:
                rows.append((
                    model_field.verbose_name,
                    display_value(self.model, model_field.name, before) if self.approved else "",
                    display_value(self.model, model_field.name, after),
                ))
        return rows

    @property
    def changed_field_names(self):
        return [name for name, _, _ in self.field_changes] if self.approved else []

    @property
    def has_changes(self):
        return self.is_new or self.is_removal != self._approved_removed or bool(self.field_changes)

    @property
    def _approved_removed(self):
        return bool(self.approved and (self.approved.removal_proposed or self.approved.history_type == "-"))

    @property
    def waiting_since(self):
        return self.reasons[0]["date"] if self.reasons else self.latest.history_date

    @property
    def authors(self):
        return sorted({r["user"] for r in self.reasons if r["user"]}, key=str)


def pending_change(model, pk):
    """The undecided change of one record, or None when there is nothing to review."""
    versions = list(versions_of(model, pk)[:200])
    if not versions:
        return None
    latest = versions[0]
    decided = set(
        Decision.objects.filter(content_type=content_type(model), object_id=pk)
        .values_list("history_id", flat=True)
    )
    if latest.history_id in decided:
        return None
    approved = approved_version(model, pk)
    if approved is None and latest.history_type == "-":
        return None
    reasons = []
    for version in reversed(versions):
        if version.history_id in decided:
            reasons = []
            continue
        reasons.append({
            "date": version.history_date,
            "user": version.history_user,
            "reason": version.history_change_reason or "",
            "version": version.history_id,
        })
    change = Change(model=model, pk=pk, latest=latest, approved=approved, reasons=reasons)
    return change if change.has_changes else None


def child_ids(parent_model, parent_pk):
    for child_model, name in CHILDREN.get(parent_model, ()):
        ids = (
            history_model(child_model).objects.filter(**{f"{name}_id": parent_pk})
            .values_list("id", flat=True).distinct()
        )
        for pk in sorted(set(ids)):
            yield child_model, pk


def record_changes(model, pk):
    """The pending changes of a record and of its children, the record first."""
    changes = []
    own = pending_change(model, pk)
    if own is not None:
        changes.append(own)
    for child_model, child_pk in child_ids(model, pk):
        change = pending_change(child_model, child_pk)
        if change is not None:
            changes.append(change)
    return changes


def review_bundle(model, pk):
    """Everything that must be approved together with this record.

    Its own pending changes and those of its children, plus every record they
    refer to that readers cannot see yet (a new source a new citation cites),
    with that record's children in turn.
    """
    bundle, seen, queue = [], set(), [(model, pk)]
    while queue:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        for change in record_changes(*current):
            bundle.append(change)
            for ref_model, ref_pk in unpublished_references(change):
                top = top_level_of(ref_model, ref_pk)
                if top not in seen:
                    queue.append(top)
    return bundle


def top_level_of(model, pk):
    if model in TOP_LEVEL:
        return model, pk
    row = latest_version(model, pk)
    for parent_model, name in parent_of(model, row):
        return parent_model, getattr(row, f"{name}_id")
    return model, pk


def references(model, row):
    for name in REFERENCES[model]:
        ref_id = getattr(row, f"{name}_id", None)
        if ref_id:
            yield model._meta.get_field(name).related_model, ref_id


def unpublished_references(change):
    if change.is_removal:
        return []
    unpublished = []
    for ref_model, ref_pk in references(change.model, change.latest):
        version = approved_version(ref_model, ref_pk)
        if version is None or version.removal_proposed or version.history_type == "-":
            unpublished.append((ref_model, ref_pk))
    return unpublished


def evidence_resting_on(change):
    """What readers see resting on the source this change takes off the public pages.

    The public citations of public facts, events and relationships that cite
    it, and the public sources relayed through it, as (model, historical row):
    without the source a disputed fact could show one side only, and a relayed
    source would read as known at first hand.
    """
    if change.model is not Source or not change.is_removal:
        return []
    citations = list(published.public_rows(Citation).filter(source_id=change.pk).order_by("id"))
    shown = set()
    for name in Citation.PARENT_FIELDS:
        parent_model = Citation._meta.get_field(name).related_model
        parent_ids = {getattr(row, f"{name}_id") for row in citations} - {None}
        shown.update(
            (name, pk) for pk in published.public_rows(parent_model).filter(id__in=parent_ids)
            .values_list("id", flat=True)
        )
    resting = [
        (Citation, row) for row in citations
        if any((name, getattr(row, f"{name}_id")) in shown for name in Citation.PARENT_FIELDS)
    ]
    relays = published.public_rows(Source).filter(relayed_via_id=change.pk).order_by("id")
    return resting + [(Source, row) for row in relays]

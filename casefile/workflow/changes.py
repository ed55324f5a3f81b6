"""What a change is: the versions waiting for review against the version readers see.

A record's citations, participants and fact links are its *children*: they
are reviewed and approved together with it, as one change.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, prefetch_related_objects

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
    OpenQuestion,
    Publication,
    QuestionConcern,
    Relationship,
    ReplyRequest,
    Source,
)
from .compare import REVIEWED_PART, compared_fields


REPORTERS = "Reporters"
EDITORS = "Editors"

TOP_LEVEL = (Case, Actor, Source, Relationship, Event, Fact, OpenQuestion, ReplyRequest)
CHILDREN = {
    Fact: ((Citation, "fact"), (FactActor, "fact"), (FactEvent, "fact")),
    Event: ((Citation, "event"), (EventParticipant, "event")),
    Relationship: ((Citation, "relationship"),),
    OpenQuestion: ((QuestionConcern, "question"),),
}
TRACKED = TOP_LEVEL + (Citation, EventParticipant, FactActor, FactEvent, QuestionConcern)

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
    OpenQuestion: ("case",),
    QuestionConcern: ("question", "fact", "event", "relationship", "source"),
    ReplyRequest: ("case",),
}


class WorkflowError(Exception):
    """A workflow step refused, with a message for the person who asked."""

    def __init__(self, message, records=()):
        super().__init__(message)
        self.message = message
        self.records = list(records)


class StaleReview(WorkflowError):
    pass


class AlreadyDecided(WorkflowError):
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


# Ids per query when records are read in batches: within every database's
# limit on a query's parameters.
BATCH = 500


def batches(ids):
    ids = sorted(set(ids))
    for start in range(0, len(ids), BATCH):
        yield ids[start:start + BATCH]


def approved_versions_of(model, pks):
    """{pk: the version its latest approval names}, for many records of one kind.

    A removal's approval names a removal: callers that need what readers see
    check `removal_proposed` and `history_type` themselves.
    """
    approvals = {}
    for batch in batches(pks):
        approvals.update(
            Decision.objects.filter(
                content_type=content_type(model), object_id__in=batch, action=Decision.Action.APPROVED
            ).order_by("decided_at", "id").values_list("object_id", "history_id")
        )
    versions = {}
    for batch in batches(approvals.values()):
        versions.update(history_model(model).objects.in_bulk(batch, field_name="history_id"))
    return {pk: versions[history_id] for pk, history_id in approvals.items() if history_id in versions}


def approved_version(model, pk):
    """The version readers see now, or None (never approved, or approved removal)."""
    return approved_versions_of(model, [pk]).get(pk)


class VersionLog:
    """The versions and decisions of some records of one kind, read in two queries a batch.

    What `approve()` and the review need of many records at once: each one's
    newest version, the version its latest approval names, and its change.
    """

    def __init__(self, model, pks, read_decisions=True):
        self.model = model
        self.versions, self.decided, self.approvals, self.decisions = {}, {}, {}, {}
        hist, ct = history_model(model), content_type(model)
        for batch in batches(pks):
            for version in (hist.objects.filter(id__in=batch).select_related("history_user")
                            .order_by("id", "-history_id")):
                self.versions.setdefault(version.id, []).append(version)
            if read_decisions:
                for decision in _decisions(Q(content_type=ct, object_id__in=batch)):
                    self._add(decision)

    @classmethod
    def of_kinds(cls, pks_by_model):
        """{model: VersionLog} of some records of several kinds, {model: pks}: the decisions on all of them
        read in one query when they are few enough for one."""
        pks_by_model = {model: sorted(set(pks)) for model, pks in pks_by_model.items()}
        if sum(len(pks) for pks in pks_by_model.values()) > BATCH:
            return {model: cls(model, pks) for model, pks in pks_by_model.items()}
        logs = {model: cls(model, pks, read_decisions=False) for model, pks in pks_by_model.items()}
        by_type = {content_type(model).pk: log for model, log in logs.items()}
        wanted = Q()
        for model, pks in pks_by_model.items():
            wanted |= Q(content_type=content_type(model), object_id__in=pks)
        if by_type:
            # In the order each kind's own log reads them: the last approval read is the latest.
            for decision in _decisions(wanted):
                by_type[decision.content_type_id]._add(decision)
        return logs

    def _add(self, decision):
        pk, history_id = decision.object_id, decision.history_id
        self.decided.setdefault(pk, set()).add(history_id)
        self.decisions[history_id] = decision
        if decision.action == Decision.Action.APPROVED:
            self.approvals[pk] = history_id

    def decision_on(self, history_id):
        """The decision already taken on this version, if one was."""
        return self.decisions.get(history_id)

    def latest(self, pk):
        versions = self.versions.get(pk)
        return versions[0] if versions else None

    def approved(self, pk):
        """As `approved_version()`: the version the latest approval names."""
        history_id = self.approvals.get(pk)
        return next((v for v in self.versions.get(pk, ()) if v.history_id == history_id), None)

    def change(self, pk):
        """As `pending_change()`: the undecided change of one record, or None."""
        versions = self.versions.get(pk)
        if not versions:
            return None
        latest, decided = versions[0], self.decided.get(pk, set())
        if latest.history_id in decided:
            return None
        approved = self.approved(pk)
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
        change = Change(model=self.model, pk=pk, latest=latest, approved=approved, reasons=reasons)
        return change if change.has_changes else None

    def changes(self):
        return {pk: change for pk in self.versions if (change := self.change(pk)) is not None}


def _decisions(wanted):
    """The decisions `wanted` (a Q) selects, oldest first, with what a `VersionLog` needs of them."""
    return (Decision.objects.filter(wanted).select_related("decided_by").order_by("decided_at", "id")
            .only("content_type_id", "object_id", "history_id", "action", "decided_at", "decided_by__username"))


def rejection_standing(log, pk):
    """The rejection of this record's newest version, if an editor rejected it and nothing came since."""
    latest = log.latest(pk)
    if latest is None:
        return None
    decision = log.decision_on(latest.history_id)
    if decision is not None and decision.action == Decision.Action.REJECTED:
        return decision
    return None


def case_id_of(model, row):
    return case_ids_of([Change(model=model, pk=row.id, latest=row, approved=None)])[(model, row.id)]


def parent_of(model, row):
    """(parent model, field name) pairs this child row points at."""
    pairs = []
    for parent_model, children in CHILDREN.items():
        for child_model, name in children:
            if child_model is model and getattr(row, f"{name}_id", None):
                pairs.append((parent_model, name))
    return pairs


class AboutARecord:
    """What names one record (`model`, `pk`) on a review: its review key and its kind, as staff read it."""

    @property
    def key(self):
        return key_for(self.model, self.pk)

    @property
    def kind(self):
        return self.model._meta.verbose_name


@dataclass
class Change(AboutARecord):
    """An undecided version of one record, against the version readers see."""

    model: type
    pk: int
    latest: object
    approved: object | None
    reasons: list = field(default_factory=list)

    @cached_property
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
        return compared_fields(self.model, self.approved, self.latest)

    @property
    def changed_field_names(self):
        return [name for name, _, _ in self.field_changes] if self.approved else []

    @property
    def has_changes(self):
        if self.is_new and self.model in REVIEWED_PART and not self.is_removal:
            return self.model.tells_readers(self.latest)
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


def name_changes(changes):
    """Give many changes their labels, reading the records they name in a query per reference."""
    by_model = {}
    for change in changes:
        if "label" not in change.__dict__:
            by_model.setdefault(change.model, []).append(change)
    for model, group in by_model.items():
        instances = [change.latest.instance for change in group]
        prefetch_related_objects(instances, *(
            field.name for field in model._meta.concrete_fields if field.is_relation and field.name != "case"
        ))
        for change, instance in zip(group, instances):
            change.label = str(instance)


def pending_change(model, pk):
    """The undecided change of one record, or None when there is nothing to review."""
    return VersionLog(model, [pk]).change(pk)


def children_of(parent_model, parent_pks, kinds=None):
    """{parent pk: [(child model, child pk), ...]} of every child ever saved under these parents
    (of those `kinds` of child only, if given)."""
    children = {}
    for child_model, name in CHILDREN.get(parent_model, ()):
        if kinds is not None and child_model not in kinds:
            continue
        for batch in batches(parent_pks):
            pairs = (
                history_model(child_model).objects.filter(**{f"{name}_id__in": batch})
                .values_list(f"{name}_id", "id").distinct()
            )
            for parent_pk, pk in sorted(set(pairs), key=lambda pair: pair[1]):
                children.setdefault(parent_pk, []).append((child_model, pk))
    return children


def changes_of_records(model, pks):
    """{pk: its pending changes and those of its children, the record first}, for many records.

    A query or two per kind of record and batch, however many records.
    """
    children = children_of(model, pks)
    wanted = {model: list(pks)}
    for pairs in children.values():
        for child_model, child_pk in pairs:
            wanted.setdefault(child_model, []).append(child_pk)
    logs = VersionLog.of_kinds(wanted)
    own = logs[model].changes()
    child_changes = {}
    for child_model, log in logs.items():
        if child_model is model:
            continue
        for pk, change in log.changes().items():
            child_changes[(child_model, pk)] = change
    result = {}
    for pk in pks:
        changes = [own[pk]] if pk in own else []
        changes += [child_changes[pair] for pair in children.get(pk, ()) if pair in child_changes]
        result[pk] = changes
    return result


def child_ids(parent_model, parent_pk):
    return children_of(parent_model, [parent_pk]).get(parent_pk, [])


def record_changes(model, pk):
    """The pending changes of a record and of its children, the record first."""
    return changes_of_records(model, [pk])[pk]


def review_bundle(model, pk, changes=None):
    """Everything that must be approved together with this record.

    Its own pending changes and those of its children (`changes`, if its
    `record_changes()` were read already), plus every record they refer to
    that readers cannot see yet (a new source a new citation cites), with that
    record's children in turn, and the answers waiting for an editor to the
    allegations that readers would otherwise see unanswered.
    """
    from .replies import answers_to_publish_with

    bundle, seen, queue = [], set(), [(model, pk)]
    while queue:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        found = changes if changes is not None and current == (model, pk) else record_changes(*current)
        for change in found:
            bundle.append(change)
            for ref_model, ref_pk in unpublished_references(change):
                top = top_level_of(ref_model, ref_pk)
                if top not in seen:
                    queue.append(top)
    return bundle + [answer for answer in answers_to_publish_with(bundle) if (answer.model, answer.pk) not in seen]


def owner_of(model, row):
    """The record whose change a version is part of: itself, or the parent of a citation or link."""
    if model in TOP_LEVEL:
        return model, row.id
    for parent_model, name in parent_of(model, row):
        return parent_model, getattr(row, f"{name}_id")
    return model, row.id


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


def is_public_version(version):
    return version is not None and not version.removal_proposed and version.history_type != "-"


def referenced(changes):
    """{model: pks} of the records these changes refer to; a removal refers to none."""
    wanted = {}
    for change in changes:
        if not change.is_removal:
            for ref_model, ref_pk in references(change.model, change.latest):
                wanted.setdefault(ref_model, set()).add(ref_pk)
    return wanted


def unpublished_references_of(changes):
    """{(model, pk): the records it refers to that readers cannot see}, for many changes at once."""
    public = set()
    for ref_model, pks in referenced(changes).items():
        for batch in batches(pks):
            public.update(
                (ref_model, pk) for pk in Publication.objects.filter(
                    content_type=content_type(ref_model), object_id__in=batch
                ).values_list("object_id", flat=True)
            )
    return {
        (change.model, change.pk): [] if change.is_removal else [
            ref for ref in references(change.model, change.latest) if ref not in public
        ]
        for change in changes
    }


def unpublished_references(change):
    return unpublished_references_of([change])[(change.model, change.pk)]


def case_ids_of(changes):
    """{(model, pk): case id} of the changed records; a child's is that of its parent's newest version."""
    case_ids, parents = {}, {}
    for change in changes:
        key = (change.model, change.pk)
        if change.model is Case:
            case_ids[key] = change.latest.id
        elif hasattr(change.latest, "case_id"):
            case_ids[key] = change.latest.case_id
        else:
            for parent_model, name in parent_of(change.model, change.latest):
                parents.setdefault(parent_model, {})[key] = getattr(change.latest, f"{name}_id")
                break
    for parent_model, wanted in parents.items():
        newest = {}
        for batch in batches(wanted.values()):
            for pk, case_id in (history_model(parent_model).objects.filter(id__in=batch)
                                .order_by("id", "history_id").values_list("id", "case_id")):
                newest[pk] = case_id
        for key, parent_pk in wanted.items():
            case_ids[key] = newest.get(parent_pk)
    return case_ids


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

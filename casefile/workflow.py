"""Editorial workflow: every state change of the case file happens here.

Reporters edit working records; simple-history keeps each version. An editor
approves or rejects exactly the versions shown in review, recorded as
`Decision` rows. The public read layer (`casefile.published`) shows only
approved versions.

A record's citations, participants and fact links are its *children*: they
are reviewed and approved together with it, as one change.
"""

import uuid
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from . import published
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


def _lock_and_check(versions):
    """Lock the records and refuse if any changed since the reviewer saw it."""
    stale = []
    for (model, pk), history_id in versions.items():
        list(model.objects.select_for_update().filter(pk=pk))
        latest = latest_version(model, pk)
        if latest is None or latest.history_id != history_id:
            stale.append(str(latest.instance) if latest else key_for(model, pk))
    if stale:
        raise StaleReview(
            "Not saved: these records changed after you opened the review: "
            + "; ".join(stale)
            + ". The review below shows the current changes; check them and decide again.",
            stale,
        )


def approve(editor, versions, comment=""):
    """Approve exactly the given versions, {(model, pk): history_id}, as one change.

    Refused if any record changed since review, if a pending child of an
    approved record was not part of the review, or if a record refers to one
    readers cannot see and that is not approved with it.
    """
    if not is_editor(editor):
        raise PermissionDenied("Only editors approve changes.")
    if not versions:
        raise WorkflowError("Nothing was selected to approve.")
    with transaction.atomic():
        _lock_and_check(versions)
        changes = {}
        for (model, pk) in versions:
            change = pending_change(model, pk)
            if change is not None:
                changes[(model, pk)] = change
        unseen = [
            change.label
            for (model, pk) in list(changes)
            if model in CHILDREN
            for child in record_changes(model, pk)
            if (child.model, child.pk) not in versions
        ]
        if unseen:
            raise StaleReview(
                "Not approved: these changes belong to the same record but were not part of "
                "your review: " + "; ".join(unseen) + ".",
                unseen,
            )
        missing = []
        for change in changes.values():
            for ref_model, ref_pk in unpublished_references(change):
                batch_change = changes.get((ref_model, ref_pk))
                if batch_change is None or batch_change.is_removal:
                    ref = latest_version(ref_model, ref_pk)
                    missing.append(f"{ref_model._meta.verbose_name} “{ref.instance}”")
        if missing:
            raise UnapprovedReference(
                "Not approved: it refers to records readers cannot see yet: "
                + "; ".join(sorted(set(missing)))
                + ". Approve them together, from the review of this record.",
                missing,
            )
        batch, now = uuid.uuid4(), timezone.now()
        decisions = [
            _record_decision(change, Decision.Action.APPROVED, editor, now, batch, comment)
            for change in changes.values()
        ]
        if decisions:
            published.advance_generation()
        transaction.on_commit(lambda: _tell_authors(list(changes.values()), "approved", editor, comment))
    return decisions


def _record_decision(change, action, editor, at, batch, comment):
    approved = action == Decision.Action.APPROVED
    return Decision.objects.create(
        case_id=case_id_of(change.model, change.latest),
        content_type=content_type(change.model),
        object_id=change.pk,
        history_id=change.latest.history_id,
        object_repr=change.label[:300],
        action=action,
        removes=approved and change.is_removal,
        changed_fields=[str(name) for name in change.changed_field_names] if approved else [],
        decided_by=editor,
        decided_at=at,
        comment=comment,
        batch=batch,
    )


def reject(editor, versions, comment):
    """Reject the given versions with a comment; the public version stays as it is."""
    if not is_editor(editor):
        raise PermissionDenied("Only editors reject changes.")
    if not comment.strip():
        raise ValidationError("A rejection needs a comment telling the reporter why.")
    with transaction.atomic():
        _lock_and_check(versions)
        batch, now = uuid.uuid4(), timezone.now()
        changes = [c for c in (pending_change(m, pk) for (m, pk) in versions) if c is not None]
        for change in changes:
            _record_decision(change, Decision.Action.REJECTED, editor, now, batch, comment.strip())
        transaction.on_commit(lambda: _tell_authors(changes, "rejected", editor, comment))
    return changes


def latest_rejection(record):
    """The rejection of the record's current version, if it was rejected."""
    latest = latest_version(type(record), record.pk)
    if latest is None:
        return None
    return Decision.objects.filter(
        content_type=content_type(type(record)),
        object_id=record.pk,
        history_id=latest.history_id,
        action=Decision.Action.REJECTED,
    ).first()


def reset_to_approved(record, user):
    """Put the approved version back as the working version, children included.

    Children added since approval are deleted; history keeps every version.
    """
    model = type(record)
    reason = "Reset to the approved version"
    with transaction.atomic():
        approved = approved_version(model, record.pk)
        if approved is None:
            raise WorkflowError(
                "This record was never approved, so there is no approved version to go back to. "
                "Delete it instead if it should not exist."
            )
        _restore(record, approved, user, reason)
        for child_model, child_pk in child_ids(model, record.pk):
            child = child_model.objects.filter(pk=child_pk).first()
            child_approved = approved_version(child_model, child_pk)
            if child is None:
                continue
            if child_approved is None:
                child._history_user, child._change_reason = user, reason
                child.delete()
            else:
                _restore(child, child_approved, user, reason)


def _restore(record, version, user, reason):
    for model_field in type(record)._meta.concrete_fields:
        if model_field.attname != "id":
            setattr(record, model_field.attname, getattr(version, model_field.attname))
    save_record(record, user, reason)


def save_record(record, user, reason):
    """Save a working version with who made it and why."""
    record._history_user = user
    record._change_reason = reason
    record.save()


def propose_removal(record, user, reason):
    """Ask for an approved record to leave the public pages; an editor decides."""
    if not reason.strip():
        raise ValidationError("Say why this record should be removed.")
    record.removal_proposed = True
    save_record(record, user, reason)


def ever_approved(record):
    return Decision.objects.filter(
        content_type=content_type(type(record)), object_id=record.pk,
        action=Decision.Action.APPROVED,
    ).exists()


def may_delete(user, record):
    """Reporters may delete only what readers never saw; editors may delete anything."""
    return is_editor(user) or not ever_approved(record)


def delete_record(record, user, reason):
    """Delete a working record. An approved one leaves the public pages with it, on the editor's word."""
    if not may_delete(user, record):
        raise PermissionDenied(
            "This record has been published. Propose its removal; an editor will decide."
        )
    model, pk = type(record), record.pk
    with transaction.atomic():
        approved = approved_version(model, pk)
        record._history_user, record._change_reason = user, reason
        record.delete()
        if approved is not None:
            deletion = Change(model=model, pk=pk, latest=latest_version(model, pk), approved=approved)
            _record_decision(deletion, Decision.Action.APPROVED, user, timezone.now(), uuid.uuid4(), reason)
            published.advance_generation()


def edit_token(record):
    """Identifies the versions of a record and its children that an edit form was built on."""
    if record is None or record.pk is None:
        return ""
    model = type(record)
    latest = [str(versions_of(model, record.pk).values_list("history_id", flat=True).first())]
    for child_model, name in CHILDREN.get(model, ()):
        newest = history_model(child_model).objects.filter(**{f"{name}_id": record.pk}).aggregate(
            newest=Max("history_id")
        )["newest"]
        latest.append(str(newest or 0))
    return "-".join(latest)


def check_edit_token(record, token):
    """Refuse a save built on versions older than the current ones."""
    model = type(record)
    list(model.objects.select_for_update().filter(pk=record.pk))
    current = edit_token(record)
    if token != current:
        latest = versions_of(model, record.pk).select_related("history_user").first()
        who = latest.history_user or "someone" if latest else "someone"
        when = timezone.localtime(latest.history_date).strftime("%d %b %Y %H:%M") if latest else ""
        raise EditConflict(
            f"Not saved: {who} changed this record ({when} UTC) after you opened it. "
            "Your input is kept below. Open the record in a new tab to see their version, "
            "then save again to apply yours on top of it."
        )
    return current


@dataclass
class QueueItem:
    """A record waiting for review, with its changed children."""

    model: type
    pk: int
    changes: list

    @property
    def kind(self):
        return self.model._meta.verbose_name

    @cached_property
    def record(self):
        """The working record, or its last version if it was deleted; see `load_records()`."""
        return load_records([self])[0].record

    @property
    def waiting_since(self):
        return min(change["date"] for change in self.changes)

    @property
    def authors(self):
        return sorted({str(c["user"]) for c in self.changes if c["user"]})

    @property
    def key(self):
        return key_for(self.model, self.pk)

    @property
    def fingerprint(self):
        return fingerprint((c["key"], c["history_id"]) for c in self.changes)

    @property
    def review_url(self):
        return reverse("admin:casefile_review", args=[key_for(self.model, self.pk)])


QUEUE_FIELDS = ("history_id", "id", "history_date", "history_user_id")


def _owners(model):
    """(parent model, column) for each record a child row may belong to, in review order."""
    return [
        (parent_model, f"{name}_id")
        for parent_model, children in CHILDREN.items()
        for child, name in children
        if child is model
    ]


def review_queue(case=None, author=None, kind=None):
    """Records with changes awaiting review, oldest first, in a fixed number of queries.

    Reads only the columns that sort and group the queue, and whole versions
    only of records readers already see, to compare; `load_records()` gives
    the page shown the rest.
    """
    User = get_user_model()
    grouped, case_ids = {}, {}
    for model in TRACKED:
        hist = history_model(model)
        ct = content_type(model)
        decisions = Decision.objects.filter(content_type=ct)
        newest_ids = hist.objects.values("id").annotate(newest=Max("history_id")).values("newest")
        last_decided = decisions.filter(object_id=OuterRef("id")).order_by("-history_id")
        first_pending = hist.objects.filter(
            id=OuterRef("id"),
            history_id__gt=Coalesce(Subquery(last_decided.values("history_id")[:1]), 0),
        ).order_by("history_id")
        approved = decisions.filter(action=Decision.Action.APPROVED)
        newest_approval = approved.filter(object_id=OuterRef("id")).order_by("-decided_at", "-id")
        owners = _owners(model)
        has_case = model is not Case and any(field.name == "case" for field in model._meta.fields)
        rows = list(
            hist.objects.filter(history_id__in=newest_ids)
            .exclude(history_id__in=decisions.values("history_id"))
            .filter(~Q(history_type="-") | Q(id__in=approved.values("object_id")))
            .annotate(
                pending_since=Subquery(first_pending.values("history_date")[:1]),
                approved_history_id=Subquery(newest_approval.values("history_id")[:1]),
            )
            .values(*QUEUE_FIELDS, *(column for _, column in owners), *(["case_id"] if has_case else []),
                    "pending_since", "approved_history_id")
        )
        edited = [row for row in rows if row["approved_history_id"]]
        versions = hist.objects.in_bulk(
            [row["approved_history_id"] for row in edited] + [row["history_id"] for row in edited],
            field_name="history_id",
        )
        for row in rows:
            latest = None
            if row["approved_history_id"]:
                # Compared with the version readers see, if they see one.
                latest, public = versions[row["history_id"]], versions[row["approved_history_id"]]
                if public.removal_proposed or public.history_type == "-":
                    public = None
                if not Change(model=model, pk=row["id"], latest=latest, approved=public).has_changes:
                    continue
            if model in TOP_LEVEL:
                owner = (model, row["id"])
                case_ids[owner] = row["id"] if model is Case else row["case_id"]
            else:
                owner = next((parent, row[column]) for parent, column in owners if row[column])
            grouped.setdefault(owner, []).append({
                "date": row["pending_since"] or row["history_date"],
                "user_id": row["history_user_id"],
                "kind": model._meta.verbose_name,
                "model": model,
                "row": latest,
                "key": key_for(model, row["id"]),
                "history_id": row["history_id"],
            })
    users = User.objects.in_bulk({c["user_id"] for cs in grouped.values() for c in cs if c["user_id"]})
    unknown = {}
    for model, pk in grouped:
        if (model, pk) not in case_ids:
            unknown.setdefault(model, []).append(pk)
    for model, pks in unknown.items():
        for pk, case_id in model.objects.filter(pk__in=pks).values_list("pk", "case_id"):
            case_ids[(model, pk)] = case_id
    items = []
    for owner, changes in grouped.items():
        for change in changes:
            change["user"] = users.get(change["user_id"])
        model, pk = owner
        if owner not in case_ids:
            # A record deleted since: its case is the one its last version names.
            case_ids[owner] = case_id_of(model, latest_version(model, pk))
        if case is not None and case_ids[owner] != getattr(case, "pk", case):
            continue
        if kind and model._meta.model_name != kind:
            continue
        if author is not None and not any(
            c["user_id"] == getattr(author, "pk", author) for c in changes
        ):
            continue
        items.append(QueueItem(model=model, pk=pk, changes=changes))
    items.sort(key=lambda item: item.waiting_since)
    return items


def load_records(items):
    """Give each queue item its record and each change its full version, one query per kind.

    For the page being shown: the queue itself reads only what sorts and groups it.
    """
    by_model = {}
    for item in items:
        by_model.setdefault(item.model, []).append(item.pk)
    live = {model: model.objects.in_bulk(pks) for model, pks in by_model.items()}
    versions_by_model = {}
    for item in items:
        for change in item.changes:
            versions_by_model.setdefault(change["model"], []).append(change["history_id"])
    full = {}
    for model, history_ids in versions_by_model.items():
        full.update(history_model(model).objects.in_bulk(history_ids, field_name="history_id"))
    for item in items:
        for change in item.changes:
            change["row"] = full.get(change["history_id"], change["row"])
    for item in items:
        record = live[item.model].get(item.pk)
        item.__dict__["record"] = record or latest_version(item.model, item.pk).instance
    return items


def fingerprint(pairs):
    """The versions a reviewer saw, as one comparable string."""
    return ",".join(sorted(f"{key}@{history_id}" for key, history_id in pairs))


def _emails(users):
    return sorted({user.email for user in users if user and user.email})


def editors():
    User = get_user_model()
    return User.objects.filter(
        Q(is_superuser=True) | Q(groups__name=EDITORS), is_active=True
    ).distinct()


def announce_changes(record, user):
    """Tell the editors that a record has changes waiting for review."""
    recipients = _emails(u for u in editors() if u != user)
    if not recipients or not record_changes(type(record), record.pk):
        return
    url = settings.SITE_URL + reverse("admin:casefile_review", args=[key_for(type(record), record.pk)])
    send_mail(
        subject=f"[Casefile] Waiting for review: {record}",
        message=f"{user} changed the {record._meta.verbose_name} “{record}”.\n\nReview it: {url}\n",
        from_email=None,
        recipient_list=recipients,
    )


def _tell_authors(changes, outcome, editor, comment):
    authors = {r["user"] for change in changes for r in change.reasons if r["user"]}
    recipients = _emails(a for a in authors if a != editor)
    if not recipients:
        return
    listed = "\n".join(f"- {change.kind}: {change.label}" for change in changes)
    note = f"\n\n{editor}'s comment:\n{comment}" if comment else ""
    send_mail(
        subject=f"[Casefile] Your change was {outcome}",
        message=f"{editor} {outcome} these changes:\n{listed}{note}\n",
        from_email=None,
        recipient_list=recipients,
    )


def approve_case(editor, case, comment):
    """Approve every pending change of a case at once (used on import)."""
    versions = {}
    for item in review_queue(case=case):
        for change in record_changes(item.model, item.pk):
            versions[(change.model, change.pk)] = change.latest.history_id
    if not versions:
        return []
    return approve(editor, versions, comment)

"""Editorial workflow: every state change of the case file happens here.

Reporters edit working records; simple-history keeps each version. An editor
approves or rejects exactly the versions shown in review, recorded as
`Decision` rows. The public read layer (`casefile.published`) shows only
approved versions.

A record's citations, participants and fact links are its *children*: they
are reviewed and approved together with it, as one change (`changes`). The
review queue lists what waits (`queue`); `notify` sends the emails.
"""

import uuid
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ..history import history_model, tracked_fields
from ..models import Decision, Publication, Source
from .anchoring import anchor_quotes
from .changes import (
    BATCH,
    CHILDREN,
    EDITORS,
    REPORTERS,
    TOP_LEVEL,
    TRACKED,
    AlreadyDecided,
    Change,
    EditConflict,
    EvidenceLeftBehind,
    StaleReview,
    UnapprovedReference,
    WorkflowError,
    VersionLog,
    approved_version,
    approved_versions_of,
    batches,
    changes_of_records,
    child_ids,
    children_of,
    references,
    content_type,
    is_editor,
    key_for,
    latest_version,
    model_for_key,
    name_changes,
    pending_change,
    record_changes,
    review_bundle,
    versions_of,
)
from . import identities
from .companions import companions_of, rejected_part, waiting_on
from .notify import _tell_authors, announce_changes, announce_to_legal, told_of_decision, told_of_legal_review
from .publication import changed_for_readers, lock_publications, publish, record_decisions, republish
from .queue import fingerprint, load_companions, load_records, review_queue
from .readiness import approval_refusals, reason_of, refuse_unready
from .rework import Discarded, discard_changes, family_of, reconsider, resubmit
from . import scheduling
from .rules import UnfoundedClaim
from .states import ReviewState, pks_in_state, record_states, waiting_by_case, waiting_for_legal, work_of

# What the rest of the project uses, from here and from the modules above.
__all__ = [
    "EDITORS", "REPORTERS", "TOP_LEVEL", "TRACKED",
    "AlreadyDecided", "EditConflict", "EvidenceLeftBehind", "StaleReview", "UnapprovedReference",
    "UnfoundedClaim", "WorkflowError",
    "announce_changes", "announce_to_legal", "changed_for_readers", "approve", "approve_case", "approved_version", "check_edit_token",
    "content_type", "delete_record", "delete_records", "edit_token", "ever_approved", "fingerprint",
    "is_editor",
    "key_for", "latest_rejection", "latest_version", "load_records", "may_delete",
    "model_for_key", "pending_change", "propose_removal", "record_changes", "reject",
    "approval_refusals", "companions_of", "reason_of", "reconsider", "rejected_part", "told_of_decision",
    "told_of_legal_review", "waiting_on",
    "publish", "republish", "reset_to_approved", "review_bundle", "review_queue", "save_new_records",
    "save_record",
    "Discarded", "ReviewState", "discard_changes", "family_of", "pks_in_state", "record_states", "resubmit",
    "load_companions", "waiting_by_case", "waiting_for_legal", "work_of",
]



def _by_model(pairs):
    grouped = defaultdict(list)
    for model, pk in pairs:
        grouped[model].append(pk)
    return grouped


def _resting_on(versions):
    """{model: pks} the versions under review refer to, read from exactly those versions.

    Read before locking, so that every lock is taken in the one order; a
    version that changed meanwhile is refused as stale under the lock.
    """
    wanted = defaultdict(set)
    for model, pks in _by_model(versions).items():
        for batch in batches(versions[(model, pk)] for pk in pks):
            for row in history_model(model).objects.filter(history_id__in=batch):
                if row.history_type != "-" and not row.removal_proposed:
                    for ref_model, ref_pk in references(model, row):
                        wanted[ref_model].add(ref_pk)
    return wanted


def _lock(versions, resting_on=None):
    """Lock the records, and the publications of those they rest on (see `_lock_and_check`)."""
    by_model, resting_on = _by_model(versions), resting_on or {}
    rows = {**by_model, Source: sorted({*by_model.get(Source, ()), *resting_on.get(Source, ())})}
    for model in sorted(rows, key=TRACKED.index):
        for batch in batches(sorted(rows[model])):
            list(model.objects.select_for_update(no_key=True).filter(pk__in=batch).order_by("pk").values_list("pk"))
    for model in sorted(set(by_model) | set(resting_on), key=TRACKED.index):
        # A record deleted from its parent's form has no working row left to
        # lock; its publication serialises two editors deciding on it.
        lock_publications({model: sorted(set(by_model.get(model, ())) | set(resting_on.get(model, ())))})
    return by_model


def _lock_and_check(versions, resting_on=None):
    """Lock the records, and the publications of those they rest on; refuse if any changed since review.

    Every approval takes its locks in two rounds, each in one order (kind of
    record, then id): first the rows of the records decided on, which also
    holds off reporters saving them, and of the sources they rest on, which
    holds off a new copy anchoring their quotes meanwhile; then the
    publications. So two editors approving overlapping records wait for each
    other instead of deadlocking.
    Returns each kind's `VersionLog`, read under the lock, to decide from.
    """
    by_model = _lock(versions, resting_on)
    stale, logs = [], {}
    for model, pks in by_model.items():
        logs[model] = log = VersionLog(model, pks)
        for pk in pks:
            latest = log.latest(pk)
            if latest is None or latest.history_id != versions[(model, pk)]:
                stale.append(str(latest.instance) if latest else key_for(model, pk))
    if stale:
        raise StaleReview(
            "Not saved: these records changed after you opened the review: "
            + "; ".join(stale)
            + ". The review below shows the current changes; check them and decide again.",
            stale,
        )
    return logs


def _refuse_decided(logs, versions):
    """Tell the second of two editors deciding on the same version who decided first."""
    decided = []
    for (model, pk), history_id in versions.items():
        decision = logs[model].decision_on(history_id)
        if decision is not None:
            who = decision.decided_by.username if decision.decided_by else "the import"
            when = timezone.localtime(decision.decided_at).strftime("%d %b %Y %H:%M")
            decided.append(f"{decision.get_action_display().lower()} by {who} at {when}: "
                           f"{model._meta.verbose_name} “{logs[model].latest(pk).instance}”")
    if decided:
        raise AlreadyDecided(
            "Not saved: an editor decided on this change while you were reviewing it. It was "
            + "; ".join(decided) + ". Your comment was not recorded.",
            decided,
        )


def _unseen_children(changes, versions):
    """The names of pending changes to children of the records changed that the review did not show."""
    unseen = []
    for model, pks in _by_model(key for key in changes if key[0] in CHILDREN).items():
        children = _by_model(pair for pairs in children_of(model, pks).values() for pair in pairs
                             if pair not in versions)
        for child_model, child_pks in children.items():
            left_out = list(VersionLog(child_model, child_pks).changes().values())
            name_changes(left_out)
            unseen += [change.label for change in left_out]
    return unseen


def approve(editor, versions, comment="", public_note="", for_legal_reasons=False, goes_live_at=None,
            expires_at=None):
    """Approve exactly the given versions, {(model, pk): history_id}, as one change; the changes approved.

    With `goes_live_at`, a time to come, they are approved for later: readers
    see them from that time on, not before; with `expires_at`, readers see the
    records until then, not after (`scheduling`).

    `comment` is for the newsroom (the authors are sent it); `public_note` is
    what readers are told of the change in the corrections log.
    `for_legal_reasons` marks the removals among them as made for legal
    reasons: the corrections log then says what kind of record was removed,
    and why in general terms, never its text.

    Refused if any record changed since review, if a pending child of an
    approved record was not part of the review, or if the approval breaks a
    rule of `readiness`: a record referring to one readers cannot see and not
    approved with it, a source taken away from under what rests on it, an
    allegation nobody put to the person it concerns, a change legal has not
    cleared, a claim whose status its citations do not bear out. Reads and
    writes in a few queries per kind of record, however many records are
    approved.
    """
    if not is_editor(editor):
        raise PermissionDenied("Only editors approve changes.")
    if not versions:
        raise WorkflowError("Nothing was selected to approve.")
    for moment in (goes_live_at, expires_at):
        if moment is not None:
            scheduling.refuse_unschedulable(moment)
    scheduling.refuse_expiry_before_going_live(goes_live_at, expires_at)
    with transaction.atomic():
        logs = _lock_and_check(versions, resting_on=_resting_on(versions))
        _refuse_decided(logs, versions)
        changes = {}
        for (model, pk) in versions:
            change = logs[model].change(pk)
            if change is not None:
                changes[(model, pk)] = change
        unseen = _unseen_children(changes, versions)
        if for_legal_reasons and not any(change.is_removal for change in changes.values()):
            raise WorkflowError(
                "Not approved: only a removal is made for legal reasons, and nothing here is removed. "
                "Untick “Removed for legal reasons”, or propose the removal first."
            )
        if unseen:
            raise StaleReview(
                "Not approved: these changes belong to the same record but were not part of "
                "your review: " + "; ".join(unseen) + ".",
                unseen,
            )
        refuse_unready(changes)
        approved, now = list(changes.values()), timezone.now()
        if goes_live_at is not None:
            decisions = scheduling.hold(approved, editor, goes_live_at, comment, public_note.strip(),
                                        for_legal_reasons, now) if approved else []
            outcome = f"approved to go live at {scheduling.when(goes_live_at)}"
        else:
            # Quotes of sources the newsroom holds a copy of must stand in it.
            anchor_quotes(approved)
            shown_in = _cases_showing(approved)
            decisions = record_decisions(
                approved, Decision.Action.APPROVED, editor, now, uuid.uuid4(), comment,
                public_note=public_note.strip(), for_legal_reasons=for_legal_reasons,
            )
            if decisions:
                publish(decisions, shown_in)
            outcome = "approved"
        if expires_at is not None and decisions:
            scheduling.expire_later(decisions, editor, expires_at, now)
            outcome += f", for readers to see until {scheduling.when(expires_at)}"
        transaction.on_commit(lambda: _tell_authors(approved, outcome, editor, comment), robust=True)
    return approved


def _cases_showing(changes):
    """The cases whose pages show the records now: a record moved elsewhere leaves its first case."""
    cases = set()
    # A query per kind of record and batch: an approval of a whole imported
    # case holds thousands of records.
    for model, ids in _by_model((change.model, change.pk) for change in changes).items():
        for batch in batches(ids):
            cases.update(Publication.objects.filter(
                content_type=content_type(model), object_id__in=batch
            ).values_list("case_id", flat=True))
    return cases


def reject(editor, versions, comment):
    """Reject the given versions with a comment; the public version stays as it is."""
    if not is_editor(editor):
        raise PermissionDenied("Only editors reject changes.")
    if not comment.strip():
        raise ValidationError("A rejection needs a comment telling the reporter why.")
    with transaction.atomic():
        logs = _lock_and_check(versions)
        _refuse_decided(logs, versions)
        changes = [c for c in (logs[m].change(pk) for (m, pk) in versions) if c is not None]
        record_decisions(changes, Decision.Action.REJECTED, editor, timezone.now(), uuid.uuid4(),
                          comment.strip())
        transaction.on_commit(lambda: _tell_authors(changes, "rejected", editor, comment), robust=True)
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
    for model_field in tracked_fields(type(record)):
        if model_field.attname != "id":
            setattr(record, model_field.attname, getattr(version, model_field.attname))
    save_record(record, user, reason)


def save_record(record, user, reason):
    """Save a working version with who made it and why."""
    record._history_user = user
    record._change_reason = reason
    record.save()


def save_new_records(model, records, user, reason):
    """Save many new records of one kind, each with its first version, in a query or two a batch.

    For imports and builders: the records must be valid already (`full_clean()`).
    """
    return bulk_create_with_history(
        records, model, batch_size=BATCH, default_user=user, default_change_reason=reason
    )


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


def delete_record(record, user, reason, for_legal_reasons=False):
    """Delete a working record and its children. Those readers saw leave the public pages with it,
    on the editor's word: their deletion is decided as it is made, and waits for no review
    (`for_legal_reasons`: as in `approve()`)."""
    if not may_delete(user, record):
        raise PermissionDenied(
            "This record has been published. Propose its removal; an editor will decide."
        )
    model, pk = type(record), record.pk
    with transaction.atomic():
        # The record's row, then its children's, in the order an approval takes them.
        list(model.objects.select_for_update(no_key=True).filter(pk=pk).values_list("pk"))
        children = [
            child
            for child_model, name in sorted(CHILDREN.get(model, ()), key=lambda pair: TRACKED.index(pair[0]))
            for child in child_model.objects.select_for_update(no_key=True).filter(**{name: pk}).order_by("pk")
        ]
        if model is Source:
            identities.erase_with_source(record, user)
        # Named while they exist: a child may be named after its parent.
        gone = {(type(doomed), doomed.pk): str(doomed) for doomed in (record, *children)}
        # One at a time, before the record, so that each deletion says who made it and why.
        for doomed in (*children, record):
            doomed._history_user, doomed._change_reason = user, reason
            doomed.delete()
        deletions = [
            Change(model=gone_model, pk=gone_pk, latest=latest_version(gone_model, gone_pk), approved=version)
            for gone_model, pks in _by_model(gone).items()
            for gone_pk, version in approved_versions_of(gone_model, pks).items()
        ]
        for deletion in deletions:
            deletion.label = gone[(deletion.model, deletion.pk)]
        if deletions:
            shown_in = _cases_showing(deletions)
            decisions = record_decisions(
                deletions, Decision.Action.APPROVED, user, timezone.now(), uuid.uuid4(), reason,
                for_legal_reasons=for_legal_reasons,
            )
            publish(decisions, shown_in)


def delete_records(records, user, reason):
    """Delete several records as one step: all of them, or, if one is refused, none."""
    with transaction.atomic():
        for record in records:
            delete_record(record, user, reason)


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
    list(model.objects.select_for_update(no_key=True).filter(pk=record.pk))
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


def approve_case(editor, case, comment, public_note=""):
    """Approve every pending change of a case at once (used on import)."""
    versions = {}
    for model, pks in _by_model((item.model, item.pk) for item in review_queue(case=case)).items():
        for changes in changes_of_records(model, pks).values():
            for change in changes:
                versions[(change.model, change.pk)] = change.latest.history_id
    if not versions:
        return []
    return approve(editor, versions, comment, public_note)

"""A reporter reworks a change: sending a rejected record again, or discarding what waits; an editor may
send a rejected record back for review too.

A record's citations, participants and fact links are reviewed with it, so
both steps act on the whole record: after a rejection, fixing any part of it
sends all of it again; discarding puts all of it back as readers see it. The
review of a record sent again shows what changed since the rejection.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ..history import history_model
from ..models import Decision
from ..text import joined
from .changes import (
    TOP_LEVEL,
    Change,
    VersionLog,
    WorkflowError,
    child_ids,
    children_of,
    is_editor,
    is_public_version,
    references,
    rejection_standing,
    top_level_of,
)
from .compare import compared_fields
from .queue import fingerprint


def family_of(model, pk):
    """The record a row belongs to and all of its children ever saved: [(model, pk), ...], the record first."""
    owner = top_level_of(model, pk)
    return [owner, *child_ids(*owner)]


def _logs(members):
    grouped = defaultdict(list)
    for model, pk in members:
        grouped[model].append(pk)
    return VersionLog.of_kinds(grouped)


class Family:
    """The record a row belongs to with all of its children ever saved (`members`, as `family_of()` lists
    them) and their versions and decisions (`logs`, {model: VersionLog}): read once, for all that a
    record's page tells of its review (`record_states()`, `Discarded`)."""

    def __init__(self, model, pk):
        self.members = family_of(model, pk)
        self.logs = _logs(self.members)

    @property
    def owner(self):
        return self.members[0]

    def children_of(self, model, pk):
        """The children of one member: all the other members if it heads the family, else none."""
        return self.members[1:] if (model, pk) == self.owner else []


def resubmit(record, user, reason):
    """After a rejection, any change to a record sends the whole record for review again.

    Every part of it whose newest version an editor rejected, and every record
    not yet public it refers to whose newest version was rejected too (a new
    source its new citation cites), gets a new version identical to the
    rejected one, by `user` with `reason`: the review then shows and approves
    the record whole, whichever part the reporter fixed. Does nothing when
    nothing of the record waits for review. Returns the (model, pk) sent again.
    """
    with transaction.atomic():
        members = family_of(type(record), record.pk)
        logs = _logs(members)
        if not any(logs[model].change(pk) is not None for model, pk in members):
            return []
        return _send_again(members, logs, user, reason)


def reconsider(editor, model, pk):
    """An editor takes back a rejection: the rejected record waits for review again, as it was sent.

    So a change that refers to a record rejected on its own (a new actor that a
    rejected event shared with a waiting relationship) can still be approved,
    with it, without waiting for the reporter to send it again. Returns the
    (model, pk) sent again.
    """
    if not is_editor(editor):
        raise PermissionDenied("Only editors take back a rejection.")
    with transaction.atomic():
        list(model.objects.select_for_update(no_key=True).filter(pk=pk).values_list("pk"))
        members = family_of(model, pk)
        logs = _logs(members)
        rejection = next((found for kind, id_ in members if (found := rejection_standing(logs[kind], id_))), None)
        if rejection is None:
            raise WorkflowError(
                f"Nothing of the {model._meta.verbose_name} “{_label(logs, members[0])}” stands rejected: "
                "it waits for review already, or an editor approved it meanwhile."
            )
        when = timezone.localtime(rejection.decided_at).strftime("%d %b %Y %H:%M")
        return _send_again(members, logs, editor, f"Sent back for review by {editor}, after its rejection of {when}")


def _label(logs, member):
    latest = logs[member[0]].latest(member[1])
    return latest.instance if latest is not None else member[1]


def _send_again(members, logs, user, reason):
    """A new version of each rejected part of the record (`members`), and of the rejected records not yet
    public it refers to, identical to the rejected one."""
    sent, seen, queue = [], set(), list(members)
    now = timezone.now()
    while queue:
        model, pk = queue.pop(0)
        if (model, pk) in seen:
            continue
        seen.add((model, pk))
        log = logs[model] if model in logs and pk in logs[model].versions else VersionLog(model, [pk])
        latest = log.latest(pk)
        if latest is None:
            continue
        if rejection_standing(log, pk) is not None:
            _copy_version(model, latest, user, reason, now)
            sent.append((model, pk))
        if latest.history_type == "-" or latest.removal_proposed:
            continue
        for ref_model, ref_pk in references(model, latest):
            ref_log = VersionLog(ref_model, [ref_pk])
            if (ref_log.latest(ref_pk) is not None and not is_public_version(ref_log.approved(ref_pk))
                    and rejection_standing(ref_log, ref_pk) is not None):
                queue.extend(member for member in family_of(ref_model, ref_pk) if member not in seen)
    return sent


@dataclass
class SinceRejection:
    """How one part of a record sent again differs from the version an editor rejected.

    With no `rejected` version the part came after the rejection: all of its change is new to the
    editor.
    """

    rejected: object = None
    field_changes: list = field(default_factory=list)
    was_removal: bool = False
    is_removal: bool = False

    @property
    def is_added(self):
        return self.rejected is None

    @property
    def is_unchanged(self):
        return not self.is_added and not self.field_changes and self.was_removal == self.is_removal


@dataclass
class Resent:
    """A review of work sent again after rejections: the rejections, with their comments, and the
    rows of the record rejected then deleted, which the review no longer lists."""

    rejections: list
    deleted: list


def annotate_since_rejection(bundle):
    """Give each change of a review its `since_rejection`: a SinceRejection when any change of
    the review was rejected since readers last saw it, else None. Returns a Resent, or None when
    nothing was rejected. A few queries a kind of record."""
    logs = _logs([(change.model, change.pk) for change in bundle])
    last_rejected = {change.key: _last_rejected(logs[change.model], change.pk) for change in bundle}
    found = [pair for pair in last_rejected.values() if pair is not None]
    for change in bundle:
        change.since_rejection = None
    if not found:
        return None
    # Read again whole: the log reads only what deciding needs, not the comment.
    decisions = Decision.objects.select_related("decided_by").in_bulk([decision.pk for decision, _ in found])
    first_rejected = min(decision.decided_at for decision, _ in found)
    for change in bundle:
        _, rejected = last_rejected[change.key] or (None, None)
        if rejected is None:
            # Waiting since before the rejections without being part of them: nothing to tell.
            if change.waiting_since > first_rejected:
                change.since_rejection = SinceRejection(is_removal=change.is_removal)
            continue
        part = SinceRejection(rejected=rejected, is_removal=change.is_removal,
                              was_removal=rejected.history_type == "-" or rejected.removal_proposed)
        if not (part.was_removal or part.is_removal):
            part.field_changes = compared_fields(change.model, rejected, change.latest)
        change.since_rejection = part
    rounds = {decisions[decision.pk].batch: decisions[decision.pk] for decision, _ in found}
    return Resent(rejections=sorted(rounds.values(), key=lambda decision: decision.decided_at),
                  deleted=_deleted_since(bundle, rounds))


def _last_rejected(log, pk):
    """(decision, version) of the newest rejected version of a record since its last approval, or None."""
    for version in log.versions.get(pk, ()):
        decision = log.decision_on(version.history_id)
        if decision is None:
            continue
        if decision.action == Decision.Action.REJECTED:
            return decision, version
        return None
    return None


def _deleted_since(bundle, rounds):
    """The rows of the reviewed records rejected in one of these rounds of rejections (batches),
    then deleted before readers ever saw them: [(kind, name)]."""
    listed = {(change.model, change.pk) for change in bundle}
    owners = defaultdict(list)
    for change in bundle:
        if change.model in TOP_LEVEL:
            owners[change.model].append(change.pk)
    rows = [member for model, pks in owners.items() for members in children_of(model, pks).values()
            for member in members if member not in listed]
    candidates = []
    for model, log in _logs(rows).items():
        for pk in sorted(log.versions):
            rejected = _last_rejected(log, pk)
            if log.latest(pk).history_type == "-" and rejected is not None:
                candidates.append((model, *rejected))
    in_rounds = set(Decision.objects.filter(pk__in=[decision.pk for _, decision, _ in candidates],
                                            batch__in=list(rounds)).values_list("pk", flat=True))
    return [(model._meta.verbose_name, str(version.instance))
            for model, decision, version in candidates if decision.pk in in_rounds]


def _copy_version(model, version, user, reason, when, **changes):
    """A new version of a record, as `version` with `changes`, saved by `user` for `reason`; the version."""
    hist = history_model(model)
    values = {
        field.attname: getattr(version, field.attname)
        for field in hist._meta.concrete_fields if field.attname != "history_id"
    }
    values.update(history_date=when, history_user_id=user.pk, history_change_reason=reason, **changes)
    return hist.objects.create(**values)


class Discarded:
    """What discarding the changes of a record would throw away: per part, the versions since
    the one readers see, with their authors."""

    def __init__(self, record, family=None):
        self.record = record
        family = family or Family(type(record), record.pk)
        members, logs = family.members, family.logs
        self.owner_approved = logs[members[0][0]].approved(members[0][1])
        self.parts = []
        for model, pk in members:
            log = logs[model]
            latest, approved = log.latest(pk), log.approved(pk)
            if latest is None or not _differs(model, latest, approved):
                continue
            since = approved.history_id if approved else 0
            versions = [v for v in reversed(log.versions[pk]) if v.history_id > since]
            change = Change(model=model, pk=pk, latest=latest,
                            approved=approved if is_public_version(approved) else None)
            self.parts.append((change, versions))

    @property
    def is_possible(self):
        """There is an approved version to go back to and something differs from it."""
        return self.owner_approved is not None and bool(self.parts)

    @property
    def authors(self):
        return sorted({v.history_user for _, versions in self.parts for v in versions if v.history_user},
                      key=str)

    def others_than(self, user):
        return [author for author in self.authors if author != user]

    @property
    def fingerprint(self):
        return fingerprint((change.key, versions[-1].history_id) for change, versions in self.parts if versions)

    def refusal_for(self, user):
        """Why `user` may not discard these changes, or None if they may."""
        if not self.is_possible:
            return ("This record was never approved, so there is no approved version to go back to. "
                    "Delete it instead if it should not exist.") if self.owner_approved is None else (
                "Nothing differs from the version readers see: there is nothing to discard.")
        others = self.others_than(user)
        if others and not is_editor(user):
            return (f"Not discarded: this would throw away the work of {joined(others)} too. A reporter "
                    "discards only their own changes; ask an editor, or change the record back by hand.")
        return None


def _differs(model, latest, approved):
    """Whether the newest version of a part differs from the one its latest approval names."""
    if approved is None:
        # Never approved: there is something to throw away unless it is gone already.
        return latest.history_type != "-"
    if latest.history_id == approved.history_id:
        return False
    gone = (latest.history_type == "-", approved.history_type == "-")
    return (gone[0] != gone[1] or latest.removal_proposed != approved.removal_proposed
            or bool(Change(model=model, pk=latest.id, latest=latest, approved=approved).field_changes))


def discard_changes(record, user, seen=None, confirmed=False):
    """Put back the version readers see, children included, throwing away what differs from it.

    A reporter may discard only their own changes; an editor anyone's, once
    they confirm (`confirmed`) that the work of the others named goes. With
    `seen`, the fingerprint of what the person was shown, it is refused if
    anything changed since. Every version stays in the history.
    """
    from . import reset_to_approved

    with transaction.atomic():
        type(record).objects.select_for_update(no_key=True).filter(pk=record.pk).first()
        discarded = Discarded(record)
        refusal = discarded.refusal_for(user)
        if refusal is not None:
            if discarded.is_possible:
                raise PermissionDenied(refusal)
            raise WorkflowError(refusal)
        if seen is not None and seen != discarded.fingerprint:
            raise WorkflowError(
                "Not discarded: the record changed after you were shown what would be thrown away. "
                "Check the new list and confirm again."
            )
        others = discarded.others_than(user)
        if others and not confirmed:
            raise WorkflowError(
                f"Not discarded: this throws away the work of {joined(others)}. Tick the box that "
                "names them to confirm."
            )
        reset_to_approved(record, user)
        return discarded

"""Legal clearance: a change of a record flagged for legal review is published in two steps.

A member of the Legal group reads the change and clears or refuses it, with
a comment; only then can an editor approve it. A clearance names the exact
versions of the change (its fingerprint): an edit after it makes a new
change, which waits for legal again.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from django.db.models import Max

from ..history import history_model
from ..models import Decision, LegalReview
from .changes import (
    WorkflowError,
    batches,
    case_id_of,
    content_type,
    key_for,
    latest_version,
    owner_of,
    record_changes,
)
from .queue import fingerprint

LEGAL = "Legal"


class NotCleared(WorkflowError):
    pass


def is_lawyer(user):
    return bool(user and user.is_active and user.has_perm("casefile.clear_for_legal"))


@dataclass
class LegalState:
    """Where a flagged change stands with legal."""

    state: str
    review: LegalReview | None = None

    WAITING = "waiting for legal"
    CLEARED = "cleared by legal"
    REFUSED = "refused by legal"

    @property
    def label(self):
        return {
            self.WAITING: "Waiting for legal",
            self.CLEARED: "Cleared by legal: waiting for the editor",
            self.REFUSED: "Refused by legal",
        }[self.state]

    @property
    def is_cleared(self):
        return self.state == self.CLEARED

    @classmethod
    def of(cls, review, shown):
        """Where a change showing the versions `shown` (its fingerprint) stands, after the record's latest
        review: cleared or refused only if that review read exactly these versions."""
        if review is not None and review.versions == shown:
            return cls(cls.CLEARED if review.verdict == LegalReview.Verdict.CLEARED else cls.REFUSED, review)
        return cls(cls.WAITING, review)


def flagged(pairs):
    """Those of the (top-level model, pk) flagged for legal review: now, in the version readers see,
    or in any version saved since, so that taking the flag off is itself cleared by legal."""
    by_model = {}
    for model, pk in pairs:
        by_model.setdefault(model, set()).add(pk)
    found = set()
    for model, pks in by_model.items():
        for batch in batches(pks):
            found.update((model, pk) for pk in model.objects.filter(pk__in=batch, needs_legal_review=True)
                         .values_list("pk", flat=True))
            flagged_versions = defaultdict(list)
            for version in history_model(model).objects.filter(id__in=batch, needs_legal_review=True).only(
                "id", "history_id", "needs_legal_review"
            ):
                flagged_versions[version.id].append(version)
            if not flagged_versions:
                continue
            last_approved = dict(
                Decision.objects.filter(content_type=content_type(model), object_id__in=batch,
                                        action=Decision.Action.APPROVED)
                .values("object_id").annotate(last=Max("history_id")).values_list("object_id", "last")
            )
            found.update((model, pk) for pk, versions in flagged_versions.items()
                         if flagged_in(versions, last_approved.get(pk)))
    return found


def flagged_in(versions, approved_history_id):
    """Whether a record is flagged for legal review, read from its `versions`: the version readers see
    (`approved_history_id`, None if none) or one saved since carries the flag."""
    return any(version.needs_legal_review for version in versions
               if version.history_id >= (approved_history_id or 0))


def _states(owners_and_prints):
    keys = [key_for(*owner) for owner, _ in owners_and_prints]
    latest = {}
    for review in LegalReview.objects.filter(record_key__in=keys).select_related("reviewed_by"):
        latest.setdefault(review.record_key, review)
    states = {}
    for owner, shown in owners_and_prints:
        states[owner] = LegalState.of(latest.get(key_for(*owner)), shown)
    return states


def legal_state(model, pk, changes=None):
    """How the waiting change of a record stands with legal; None when it needs no clearance."""
    if (model, pk) not in flagged([(model, pk)]):
        return None
    changes = record_changes(model, pk) if changes is None else changes
    if not changes:
        return None
    return _states([((model, pk), fingerprint((c.key, c.latest.history_id) for c in changes))])[(model, pk)]


def states_of(changes_by_record):
    """{(model, pk): LegalState} of the waiting changes of many top-level records, those flagged alone:
    `changes_by_record` gives each record's changes, as `record_changes()` does. A few queries in all."""
    marked = flagged(owner for owner, changes in changes_by_record.items() if changes)
    return _states([(owner, fingerprint((c.key, c.latest.history_id) for c in changes))
                    for owner, changes in changes_by_record.items() if owner in marked])


def annotate_queue(items):
    """Give each queue item its `legal` state (None when not flagged), a few queries for the page."""
    marked = flagged((item.model, item.pk) for item in items)
    states = _states([((item.model, item.pk), item.fingerprint) for item in items if (item.model, item.pk) in marked])
    for item in items:
        item.legal = states.get((item.model, item.pk))
    return items


def in_state(items, state):
    """Those queue items whose change stands with legal as `state` says (LegalState.WAITING, ...)."""
    return [item for item in annotate_queue(items) if item.legal is not None and item.legal.state == state]


def decided_since(moment):
    """The clearances and refusals made since `moment`, newest first."""
    return list(LegalReview.objects.filter(reviewed_at__gte=moment).select_related("reviewed_by"))


def refuse_uncleared(changes):
    """Refuse an approval of a flagged change that legal has not cleared in exactly these versions."""
    changes = list(changes)
    owners = {owner_of(change.model, change.latest) for change in changes}
    marked = flagged(owners)
    waiting = []
    for owner in sorted(marked, key=lambda pair: (pair[0]._meta.model_name, pair[1])):
        shown = fingerprint((c.key, c.latest.history_id) for c in record_changes(*owner))
        state = _states([(owner, shown)])[owner]
        if not state.is_cleared:
            record = latest_version(*owner)
            waiting.append(f"{owner[0]._meta.verbose_name} “{record.instance if record else owner[1]}” "
                           f"({state.label.lower()})")
    if waiting:
        raise NotCleared(
            "Not approved: a lawyer must clear these changes first: " + "; ".join(waiting)
            + ". The review queue shows where each stands.",
            waiting,
        )


def decide_legal(lawyer, model, pk, seen, verdict, comment=""):
    """Clear or refuse the waiting change of a flagged record, as shown to the lawyer (`seen`)."""
    if not is_lawyer(lawyer):
        raise PermissionDenied("Only members of the Legal group clear or refuse changes.")
    if verdict == LegalReview.Verdict.REFUSED and not comment.strip():
        raise ValidationError("A refusal needs a comment saying what is wrong.")
    with transaction.atomic():
        list(model.objects.select_for_update(no_key=True).filter(pk=pk).values_list("pk"))
        changes = record_changes(model, pk)
        if not changes:
            raise WorkflowError("Nothing of this record waits for review.")
        current = fingerprint((c.key, c.latest.history_id) for c in changes)
        if seen != current:
            raise WorkflowError(
                "Not saved: the record changed after you opened it. Read the changes below and decide again."
            )
        owner_version = next((c.latest for c in changes if (c.model, c.pk) == (model, pk)), None)
        owner_version = owner_version or latest_version(model, pk)
        review = LegalReview.objects.create(
            case_id=case_id_of(model, owner_version), record_key=key_for(model, pk),
            history_id=owner_version.history_id, versions=current, verdict=verdict,
            comment=comment.strip(), reviewed_by=lawyer, reviewed_at=timezone.now(),
        )
        from .notify import tell_of_legal_review

        transaction.on_commit(lambda: tell_of_legal_review(review, changes), robust=True)
    return review


def reviews_of(model, pk):
    """Every legal review of a record, newest first, for its history."""
    return list(LegalReview.objects.filter(record_key=key_for(model, pk)).select_related("reviewed_by"))

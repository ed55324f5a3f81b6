"""What must hold before an approval may publish a change, besides the editor's word.

Each rule has one check, which refuses an approval with a message saying
what to do. `approve()` runs them all under its locks; `approval_refusals()`
runs the same checks without refusing, so that the review shows, before the
editor acts, every rule an approval would break.
"""

from dataclasses import dataclass

from django.utils import timezone

from ..models import Citation
from .changes import (
    AboutARecord,
    Change,
    EvidenceLeftBehind,
    UnapprovedReference,
    VersionLog,
    WorkflowError,
    evidence_resting_on,
    rejection_standing,
    unpublished_references_of,
)
from .legal import refuse_uncleared
from .replies import refuse_unanswered_allegations
from . import support
from .rules import claims_after, refuse_unfounded_claims, status_problems

# How many of the records left behind a refusal names before counting the rest.
NAMED_IN_A_REFUSAL = 10


@dataclass
class LeftOut(AboutARecord):
    """A record readers cannot see that a change refers to, and that is not approved with it."""

    model: type
    pk: int
    latest: object
    rejection: object = None

    @property
    def label(self):
        return str(self.latest.instance) if self.latest is not None else f"#{self.pk}"

    @property
    def described(self):
        named = f"{self.kind} “{self.label}”"
        if self.rejection is None:
            return named
        who = self.rejection.decided_by.username if self.rejection.decided_by else "the import"
        when = timezone.localtime(self.rejection.decided_at).strftime("%d %b %Y %H:%M")
        return f"{named} (rejected by {who} on {when}: “{self.rejection.comment}”)"


def references_left_out(changes):
    """The records the changes, {(model, pk): Change} approved together, refer to that readers cannot see and
    that are not approved with them, each once, as `LeftOut`: with the rejection standing on it, if an editor
    rejected it, for the review to offer to send it back."""
    wanted = {}
    for references in unpublished_references_of(changes.values()).values():
        for ref_model, ref_pk in references:
            with_it = changes.get((ref_model, ref_pk))
            if with_it is None or with_it.is_removal:
                wanted.setdefault(ref_model, set()).add(ref_pk)
    left_out = []
    for model, pks in wanted.items():
        log = VersionLog(model, pks)
        left_out += [LeftOut(model, pk, log.latest(pk), rejection_standing(log, pk)) for pk in sorted(pks)]
    return left_out


def refuse_unpublished_references(changes):
    """Refuse an approval that would show readers a record referring to one they cannot see."""
    left_out = references_left_out(changes)
    if left_out:
        named = sorted(item.described for item in left_out)
        rejected = any(item.rejection is not None for item in left_out)
        raise UnapprovedReference(
            "Not approved: it refers to records readers cannot see yet: " + "; ".join(named)
            + ". Approve them together, from the review of this record"
            + (", which sends a rejected one back for review first." if rejected else "."),
            named,
        )


def refuse_evidence_left_behind(changes):
    """Refuse to take a source off the public pages while public records rest on it.

    `changes` are those approved together: a citation removed or pointed at
    another source in the same approval no longer rests on it.
    """
    for change in changes.values():
        left_behind = []
        for model, row in evidence_resting_on(change):
            pending = changes.get((model, row.id))
            if pending is not None and (
                pending.is_removal
                or change.pk not in (getattr(pending.latest, "source_id", None),
                                     getattr(pending.latest, "relayed_via_id", None))
            ):
                continue
            if model is Citation:
                parent = row.instance.parent
                left_behind.append(
                    f"the citation {row.locator} of {parent._meta.verbose_name} “{parent}”"
                    if parent is not None else f"the citation {row.locator}"
                )
            else:
                left_behind.append(f"source “{row.title}”, which reached us through it")
        if left_behind:
            named = left_behind[:NAMED_IN_A_REFUSAL]
            more = len(left_behind) - len(named)
            raise EvidenceLeftBehind(
                f"Not approved: readers would lose {change.kind} “{change.label}”, on which rest "
                + "; ".join(named)
                + (f"; and {more} more" if more else "")
                + ". Point them to another source or propose their removal, then approve them "
                "first or together with this one.",
                left_behind,
            )


def _refuse_unanswered(changes):
    """Allegations nobody put to the people they concern."""
    refuse_unanswered_allegations(list(changes.values()))


def _refuse_uncleared(changes):
    """Flagged changes legal has not cleared."""
    refuse_uncleared(changes.values())


# Every check of an approval, in the order `approve()` runs them; each takes {(model, pk): Change}.
CHECKS = (
    refuse_unpublished_references,
    refuse_evidence_left_behind,
    _refuse_unanswered,
    _refuse_uncleared,
    refuse_unfounded_claims,
)
# At the time an approval for later goes live, the rules the world may have broken meanwhile: legal
# cleared exactly these versions when they were approved, and they have not changed since.
GO_LIVE_CHECKS = tuple(check for check in CHECKS if check is not _refuse_uncleared)


def refuse_unready_at_go_live(changes):
    """Refuse publishing versions approved for later that a rule no longer allows, saying why."""
    for check in GO_LIVE_CHECKS:
        check(changes)


def approval_refusals(changes):
    """Every refusal an approval of the changes, {(model, pk): Change} approved together, would meet:
    one `WorkflowError` per rule it breaks, in the order `approve()` checks them; none if it would go
    through."""
    refusals = []
    for check in CHECKS:
        try:
            check(changes)
        except WorkflowError as refusal:
            refusals.append(refusal)
    return refusals


def refuse_unready(changes):
    """Refuse an approval of the changes, {(model, pk): Change}, that breaks a rule, saying why: the first
    rule broken, as `approval_refusals()` finds it."""
    refusals = approval_refusals(changes)
    if refusals:
        raise refusals[0]


def reason_of(refusal):
    """A refusal's message as a reason, for a list of them: without the “Not approved: ” each one starts with."""
    reason = refusal.message.removeprefix("Not approved: ")
    return reason[:1].upper() + reason[1:]


def annotate_queue(items):
    """Give each queue item the rules an approval of it would break that the queue shows besides those of
    legal and of the right of reply (`legal.annotate_queue`, `replies.annotate_queue`), in words
    (`rules_broken`): a claim's status its citations do not bear out, and a source taken from under what
    rests on it; and, as warnings that refuse nothing (`support_warnings`), a claim left on thin support.
    By the checks an approval runs; a few queries for the page, and a few per source removal.
    """
    changes, shown = {}, {}
    for item in items:
        item.rules_broken = []
        shown[(item.model, item.pk)] = item
        for change in item.changes:
            if change["row"] is not None:
                key = (change["model"], change["row"].id)
                changes[key] = Change(model=key[0], pk=key[1], latest=change["row"], approved=None)
    claims = claims_after(changes)
    for model, claim, problem in status_problems(changes, claims):
        item = shown.get((model, claim.id))
        if item is not None:
            item.rules_broken.append(problem)
    support.annotate_queue(items, changes, claims)
    for key, change in changes.items():
        if key in shown and change.is_removal:
            try:
                refuse_evidence_left_behind({key: change})
            except EvidenceLeftBehind as refusal:
                shown[key].rules_broken.append(reason_of(refusal))
    return items

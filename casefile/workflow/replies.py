"""Right of reply: no allegation is published before the person it concerns was asked for comment.

An allegation (a fact or an event marked `alleged` against one of its
actors) is approved only when a reply request covering it has an outcome
readers will see or a passed deadline, or an editor overrides that with a
reason, recorded as a `ReplyOverride`. A request's answer reaches readers as
an editor approves it, like any record: the review of an allegation that
waits on an answer approves the answer with it (`answers_to_publish_with`).
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ..history import history_model, tracked_fields
from ..models import Actor, Decision, Event, EventParticipant, Fact, FactActor, ReplyOverride, ReplyRequest
from ..retries import retried
from .publication import changed_for_readers, record_decisions
from .changes import (
    Change,
    VersionLog,
    WorkflowError,
    approved_versions_of,
    batches,
    is_editor,
    is_public_version,
)


class UnansweredAllegation(WorkflowError):
    pass


# The link that marks an allegation, by the kind of record alleged: (link model, its parent field).
LINKS = {Fact: (FactActor, "fact"), Event: (EventParticipant, "event")}


@dataclass(frozen=True)
class Allegation:
    """A fact or an event, alleged against one of its actors."""

    model: type
    pk: int
    actor_id: int

    @property
    def lookup(self):
        return {LINKS[self.model][1] + "_id": self.pk}


def allegations_in(changes):
    """The allegations that approving these changes (`workflow.changes.Change`) would publish."""
    changes = list(changes)
    found, removed_links = set(), set()
    parents = defaultdict(set)
    for change in changes:
        if change.model in LINKS and not change.is_removal:
            parents[change.model].add(change.pk)
        for parent_model, (link_model, name) in LINKS.items():
            if change.model is link_model:
                if change.is_removal:
                    removed_links.add((link_model, change.pk))
                elif change.latest.alleged:
                    found.add(Allegation(parent_model, getattr(change.latest, f"{name}_id"), change.latest.actor_id))
    for parent_model, pks in parents.items():
        link_model, name = LINKS[parent_model]
        for batch in batches(pks):
            for link_pk, parent_pk, actor_id in link_model.objects.filter(
                **{f"{name}_id__in": batch}, alleged=True
            ).values_list("pk", f"{name}_id", "actor_id"):
                if (link_model, link_pk) not in removed_links:
                    found.add(Allegation(parent_model, parent_pk, actor_id))
    # Only what readers will see: an allegation on a record being removed is not published.
    removed_parents = {(c.model, c.pk) for c in changes if c.model in LINKS and c.is_removal}
    return sorted((a for a in found if (a.model, a.pk) not in removed_parents),
                  key=lambda a: (a.model._meta.model_name, a.pk, a.actor_id))


def _requests_by_allegation(actor_ids):
    """{(model, pk, actor id): the reply requests that put it to them}."""
    requests = defaultdict(list)
    for request in ReplyRequest.objects.filter(actor_id__in=actor_ids).select_related(
        "asked_by", "entered_by"
    ).prefetch_related("facts", "events"):
        for fact in request.facts.all():
            requests[(Fact, fact.pk, request.actor_id)].append(request)
        for event in request.events.all():
            requests[(Event, event.pk, request.actor_id)].append(request)
    return requests


def as_readers_will_see(requests, approving=()):
    """{request pk: the request as readers see it} once the changes `approving` are approved: its answer
    as an editor last approved it, or as approved now (`ReplyRequest.as_approved`)."""
    requests = {request.pk: request for request in requests}
    now_approved = {change.pk: change.latest for change in approving
                    if change.model is ReplyRequest and not change.is_removal}
    approved = approved_versions_of(ReplyRequest, [pk for pk in requests if pk not in now_approved])
    return {
        pk: request.as_approved(now_approved.get(pk) or (approved.get(pk) if is_public_version(approved.get(pk))
                                                         else None))
        for pk, request in requests.items()
    }


def _as_readers_will_see_by_allegation(by_allegation, approving=()):
    """`_requests_by_allegation()`, each request as readers see it once `approving` is approved."""
    shown = as_readers_will_see({r for requests in by_allegation.values() for r in requests}, approving)
    return defaultdict(list, {key: [shown[request.pk] for request in requests]
                              for key, requests in by_allegation.items()})


def _awaiting(allegations, by_allegation):
    """The changes of the answers to these allegations that wait for an editor, of every reply request
    covering them (`by_allegation`, from `_requests_by_allegation()`)."""
    wanted = {(a.model, a.pk, a.actor_id) for a in allegations}
    pks = {request.pk for key, requests in by_allegation.items() if key in wanted for request in requests}
    return sorted(VersionLog(ReplyRequest, pks).changes().values(), key=lambda change: change.pk)


def answers_to_publish_with(changes):
    """The answers waiting for an editor that approving these changes needs to publish the allegations
    in them: those of every allegation readers would otherwise see unanswered."""
    allegations = allegations_in(changes)
    if not allegations:
        return []
    by_allegation = _requests_by_allegation({a.actor_id for a in allegations})
    unsettled = _unsettled(allegations, _as_readers_will_see_by_allegation(by_allegation))
    return _awaiting(unsettled, by_allegation) if unsettled else []


def unanswered(allegations, approving=()):
    """Those of the allegations whose standing reply request is still open as readers will see it once
    the changes `approving` are approved, or that have none, and that no editor overrode."""
    if not allegations:
        return []
    by_allegation = _requests_by_allegation({a.actor_id for a in allegations})
    return _unsettled(allegations, _as_readers_will_see_by_allegation(by_allegation, approving))


def _unsettled(allegations, shown_by_allegation):
    """Those of the allegations that no request settles, as readers see the requests, nor an override."""
    settled = {
        key for key, requests in shown_by_allegation.items() if ReplyRequest.standing(requests).is_settled
    }
    for override in ReplyOverride.objects.filter(actor_id__in={a.actor_id for a in allegations}):
        parent = (Fact, override.fact_id) if override.fact_id else (Event, override.event_id)
        settled.add((*parent, override.actor_id))
    return [a for a in allegations if (a.model, a.pk, a.actor_id) not in settled]


def describe(allegations):
    """"Xiao Yi (fact “…”)" for each allegation, for a refusal or a form."""
    names = {}
    for model in (Fact, Event):
        pks = [a.pk for a in allegations if a.model is model]
        names.update({(model, record.pk): record for record in model.objects.filter(pk__in=pks)})
    actors = Actor.objects.in_bulk({a.actor_id for a in allegations})
    return [
        f"{actors[a.actor_id]} ({a.model._meta.verbose_name} “{names.get((a.model, a.pk), a.pk)}”)"
        for a in allegations
    ]


def refuse_unanswered_allegations(changes):
    """Refuse an approval that would publish an allegation nobody put to the person it concerns, or whose
    answer readers would not see with it."""
    changes = list(changes)
    missing = unanswered(allegations_in(changes), approving=changes)
    if missing:
        named = describe(missing)
        raise UnansweredAllegation(
            "Not approved: these allegations were not put to the people they concern, or their deadline "
            "has not passed: " + "; ".join(named) + ". Record a reply request with its outcome first and "
            "approve its answer with the allegation, or override with a reason why it is published "
            "without their answer.",
            named,
        )


def approve_without_reply(editor, versions, comment, reason, public_note="", for_legal_reasons=False,
                          goes_live_at=None, expires_at=None):
    """Approve `versions` as `approve()` does, overriding the right of reply of every allegation in them
    that has no settled reply request, with `reason`. All of it, or, if the approval is refused, none."""
    from . import approve

    if not is_editor(editor):
        raise PermissionDenied("Only editors override the right of reply.")
    if not reason.strip():
        raise ValidationError("Say why the allegations are published without an answer from the people they concern.")
    with transaction.atomic():
        changes = []
        for (model, pk), history_id in versions.items():
            row = history_model(model).objects.filter(history_id=history_id, id=pk).first()
            if row is not None:
                changes.append(Change(model=model, pk=pk, latest=row, approved=None))
        _grant_overrides(editor, unanswered(allegations_in(changes), approving=changes), reason)
        return approve(editor, versions, comment, public_note, for_legal_reasons, goes_live_at=goes_live_at,
                       expires_at=expires_at)


def _grant_overrides(editor, allegations, reason):
    now = timezone.now()
    case_ids = {}
    for model in LINKS:
        case_ids.update({(model, pk): case_id for pk, case_id in model.objects.filter(
            pk__in=[a.pk for a in allegations if a.model is model]).values_list("pk", "case_id")})
    return ReplyOverride.objects.bulk_create([
        ReplyOverride(
            case_id=case_ids[(allegation.model, allegation.pk)], actor_id=allegation.actor_id,
            reason=reason.strip(), granted_by=editor, granted_at=now,
            **{f"{allegation.model._meta.model_name}_id": allegation.pk},
        )
        for allegation in allegations
    ])


def override_case(editor, case, reason):
    """Let every allegation of a case that nobody answered be published on the editor's word, for `reason`.

    For a case compiled from published reports, where nobody was asked. Safe to repeat: an allegation
    already overridden or answered is left as it is.
    """
    if not is_editor(editor):
        raise PermissionDenied("Only editors override the right of reply.")
    if not reason.strip():
        raise ValidationError("Say why the allegations are published without an answer from the people they concern.")
    found = set()
    for parent_model, (link_model, name) in LINKS.items():
        found.update(
            Allegation(parent_model, parent_pk, actor_id)
            for parent_pk, actor_id in link_model.objects.filter(**{f"{name}__case": case}, alleged=True)
            .values_list(f"{name}_id", "actor_id")
        )
    with transaction.atomic():
        return _grant_overrides(editor, unanswered(sorted(found, key=lambda a: (a.model._meta.model_name, a.pk,
                                                                                a.actor_id))), reason)


def save_reply_request(reply_request, user, reason="", was_waiting=True):
    """Save a reply request as staff entered it, with who saved it and why (`reason`).

    When and by whom they were asked reach readers now; a new answer (its
    outcome, the day it came, the summary, the quote) waits for an editor as
    a change of the request, and readers see the one approved before until
    then. A new request records `user` as the person who entered it.
    """
    if reply_request.pk is None:
        reply_request.entered_by = user
    reply_request.full_clean()
    reply_request._history_user, reply_request._change_reason = user, reason
    with transaction.atomic():
        before = ReplyRequest.objects.filter(pk=reply_request.pk).values_list("case_id", "actor_id").first()
        if reply_request.outcome != ReplyRequest.Outcome.WAITING and (
            was_waiting or reply_request.outcome_recorded_at is None
        ):
            reply_request.outcome_recorded_at = timezone.now()
        reply_request.save()
        # Pages of the actor it was put to before, if staff changed that, lose its line.
        cases, actors = {reply_request.case_id}, {(Actor, reply_request.actor_id)}
        if before is not None:
            cases.add(before[0])
            actors.add((Actor, before[1]))
        changed_for_readers(cases, actors)
    return reply_request


def delete_reply_requests(reply_requests, user, reason):
    """Delete reply requests entered by mistake; readers no longer see their lines.

    As any record's deletion (`workflow.delete_record`): only an editor
    deletes one whose answer readers were shown, and the history keeps it.
    """
    from . import delete_record

    with transaction.atomic():
        shown = {(request.case_id, request.actor_id) for request in reply_requests}
        for request in reply_requests:
            delete_record(request, user, reason)
        changed_for_readers({case_id for case_id, _ in shown}, {(Actor, actor_id) for _, actor_id in shown})


def refresh_reply_lines(reply_request):
    """Render again the pages that show a request's lines, once the allegations it covers are saved with it."""
    with transaction.atomic():
        changed_for_readers({reply_request.case_id}, {(Actor, reply_request.actor_id)})


def record_outcome(reply_request, user, outcome, replied_on=None, summary="", quote="", full_response="",
                   reason=""):
    """Enter what came of a reply request: an answer, a refusal to comment, or silence past the deadline.

    Readers see it once an editor approves it."""
    was_waiting = reply_request.outcome == ReplyRequest.Outcome.WAITING
    reply_request.outcome, reply_request.replied_on = outcome, replied_on
    reply_request.summary, reply_request.quote, reply_request.full_response = summary, quote, full_response
    return save_reply_request(reply_request, user, reason, was_waiting=was_waiting)


def adopt_answers_shown_unreviewed(reply_requests):
    """Give each of these reply requests that has no version its first, and approve, as shown when it was
    entered and by no editor in particular, the answer readers were shown when answers went unreviewed.

    For a case restored from a backup written before answers were reviewed;
    returns the approvals written. The Publication rows are then rebuilt
    from the log (`workflow.republish`).
    """
    versions = history_model(ReplyRequest)
    versioned = set(versions.objects.filter(id__in=[request.pk for request in reply_requests])
                    .values_list("id", flat=True))
    approvals = []
    for request in reply_requests:
        if request.pk in versioned:
            continue
        shown = request.outcome != ReplyRequest.Outcome.WAITING
        shown_since = (request.outcome_recorded_at or request.created_at) if shown else None
        version = versions.objects.create(
            **{field.attname: getattr(request, field.attname) for field in tracked_fields(ReplyRequest)},
            history_date=shown_since or request.created_at, history_type="+",
            history_user_id=request.entered_by_id or request.asked_by_id,
            history_change_reason="Entered before answers were reviewed",
        )
        if shown_since is not None:
            approvals += record_decisions(
                [Change(model=ReplyRequest, pk=request.pk, latest=version, approved=None)], Decision.Action.APPROVED,
                None, shown_since, uuid.uuid4(), "Shown to readers as it was entered, before answers were reviewed.",
            )
    return approvals


def overrides_of(model, pk):
    """The right-of-reply overrides of a fact or an event, newest first."""
    return list(ReplyOverride.objects.filter(**{model._meta.model_name: pk}).select_related("actor", "granted_by"))


@dataclass
class AllegationStatus:
    """Where the right of reply of one allegation stands, for the review and the queue."""

    allegation: Allegation
    described: str
    settled: bool
    status: str


def status_of(allegations):
    """One `AllegationStatus` per allegation: the requests covering it and any override, in words.

    As readers will see them once the answers waiting for an editor are approved with the allegations,
    as their review approves them (`answers_to_publish_with`)."""
    if not allegations:
        return []
    actor_ids = {a.actor_id for a in allegations}
    by_allegation = _requests_by_allegation(actor_ids)
    awaiting = _awaiting(allegations, by_allegation)
    requests = _as_readers_will_see_by_allegation(by_allegation, awaiting)
    open_ones = set(_unsettled(allegations, requests))
    waiting_for_an_editor = {change.pk for change in awaiting}
    overrides = defaultdict(list)
    for override in ReplyOverride.objects.filter(actor_id__in=actor_ids).select_related("granted_by"):
        parent = (Fact, override.fact_id) if override.fact_id else (Event, override.event_id)
        overrides[(*parent, override.actor_id)].append(override)
    found = []
    for allegation, described in zip(allegations, describe(allegations)):
        key = (allegation.model, allegation.pk, allegation.actor_id)
        standing = ReplyRequest.standing(requests[key])
        said = [
            f"asked on {request.asked_on:%d %b %Y} by {request.asked_by}"
            + (f" (entered by {request.entered_by})"
               if request.entered_by_id not in (None, request.asked_by_id) else "")
            + f", deadline {request.deadline:%d %b %Y}: "
            + (request.get_outcome_display().lower() if request.outcome != ReplyRequest.Outcome.WAITING
               else ("deadline passed, no outcome entered" if request.is_settled else "waiting for an answer"))
            + (" (entered, waiting for an editor's approval)" if request.pk in waiting_for_an_editor else "")
            + ("" if request is standing else " (another request stands)")
            for request in requests[key]
        ]
        said += [
            f"published without their answer on {override.granted_by}'s word "
            f"({timezone.localtime(override.granted_at):%d %b %Y}): {override.reason}"
            for override in overrides[key]
        ]
        found.append(AllegationStatus(allegation, described, allegation not in open_ones,
                                      "; ".join(said) or "not yet asked for comment"))
    return found


@retried
def _pages_may_be_kept(cases):
    with transaction.atomic():
        changed_for_readers(cases)


def annotate_queue(items):
    """Give each queue item the `right_of_reply` of the allegations its changes would publish."""
    changes, owner_of = [], {}
    for item in items:
        for change in item.changes:
            if change["row"] is not None:
                changes.append(Change(model=change["model"], pk=change["row"].id, latest=change["row"], approved=None))
        owner_of[(item.model, item.pk)] = item
        item.right_of_reply = []
    for status in status_of(allegations_in(changes)):
        item = owner_of.get((status.allegation.model, status.allegation.pk))
        if item is not None:
            item.right_of_reply.append(status)
    return items


def notify_passed_deadlines(today=None):
    """Email the reporter of each reply request past its deadline with no outcome, once per request.

    Returns (sent, failed): sent counts the notices handed to the task worker,
    which sends them; a notice that could not be handed over (or, with tasks
    run here, sent) is tried again on the next run.
    """
    from .notify import tell_of_passed_deadline

    sent = failed = 0
    overdue = ReplyRequest.objects.overdue(today).filter(deadline_notice_sent_at__isnull=True)
    # Their pages said how long was left, so were rendered for each reader; now they can be kept.
    cases = set(overdue.values_list("case_id", flat=True))
    if cases:
        _pages_may_be_kept(cases)
    for request in overdue.select_related("actor", "asked_by"):
        with transaction.atomic():
            claimed = ReplyRequest.objects.select_for_update(skip_locked=True, no_key=True).filter(
                pk=request.pk, deadline_notice_sent_at__isnull=True
            ).first()
            if claimed is None:
                continue
            if tell_of_passed_deadline(request):
                claimed.deadline_notice_sent_at = timezone.now()
                claimed.save(update_fields=["deadline_notice_sent_at"])
                sent += 1
            else:
                failed += 1
    return sent, failed

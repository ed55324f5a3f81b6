"""Approvals that take effect later: public at the time an editor set and not a second before, or only until then.

`approve(..., goes_live_at=...)` checks everything an approval checks, then
`hold()` writes the versions "approved for later" and a `Schedule`; readers
see nothing of them, since nothing is published. At the time, the task
worker's `carry_out_due()` runs `carry_out()`: it checks again the rules that
the world may have broken meanwhile (a source removed, a reply deadline
moved, a claim's evidence changed), approves exactly the versions approved
for later, dated now, and publishes them together in one transaction, which
announces them to the page and edge caches as any approval does.
`approve(..., expires_at=...)` adds an expiry: at that time the same worker
approves, in the approving editor's name, the removal of each record of the
approval that readers still see. An editor may move either time, carry it
out at once, or withdraw it (an approval for later then waits for review
again). Every act is a `ScheduleEvent`.
"""

import datetime
import logging
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..history import history_model
from ..models import Decision, Publication, Schedule, ScheduleEvent
from .anchoring import anchor_quotes
from .changes import Change, VersionLog, WorkflowError, content_type, is_editor, name_changes, owner_of
from .notify import _emails, _send, one_line
from .publication import publish, record_decisions
from .readiness import refuse_unready_at_go_live
from .rework import _copy_version

logger = logging.getLogger(__name__)

# Later than this after its time, a publication is logged and recorded as late.
LATE_AFTER = datetime.timedelta(seconds=60)


def when(moment):
    """A time as the newsroom reads it: in its own timezone, to the minute."""
    return timezone.localtime(moment).strftime("%d %b %Y %H:%M %Z")


def hold(changes, editor, goes_live_at, comment, public_note, for_legal_reasons, now):
    """Approve `changes` for `goes_live_at`: the decisions and the schedule, nothing readers see; the decisions.

    Called by `approve()` in its transaction, after every check passed. The
    quotes are anchored in the newsroom's copies at the time of publication;
    here they are only checked, in a savepoint rolled back.
    """
    with transaction.atomic():
        anchor_quotes(changes)
        transaction.set_rollback(True)
    batch = uuid.uuid4()
    decisions = record_decisions(changes, Decision.Action.SCHEDULED, editor, now, batch, comment,
                                 public_note=public_note, for_legal_reasons=for_legal_reasons)
    schedule = Schedule.objects.create(
        case_id=min(decision.case_id for decision in decisions), batch=batch, due_at=goes_live_at,
        scheduled_by=editor, scheduled_at=now,
    )
    _record(schedule, ScheduleEvent.Kind.SCHEDULED, editor, now, f"To go live at {when(goes_live_at)}.")
    _wake_at(goes_live_at)
    return decisions


def expire_later(decisions, editor, expires_at, now):
    """Take the records of an approval (its `decisions`) off the public pages at `expires_at`."""
    schedule = Schedule.objects.create(
        case_id=min(decision.case_id for decision in decisions), kind=Schedule.Kind.EXPIRY,
        batch=decisions[0].batch, due_at=expires_at, scheduled_by=editor, scheduled_at=now,
    )
    _record(schedule, ScheduleEvent.Kind.SCHEDULED, editor, now, f"Readers see it until {when(expires_at)}.")
    _wake_at(expires_at)
    return schedule


def carry_out_due(now=None):
    """Carry out every schedule due by now, the longest overdue first; the schedules acted on.

    Run by the task worker at each schedule's time, and again whenever it is
    woken: after an outage it catches up on everything overdue at once. Two
    workers running it together each take a different schedule, never the same.
    """
    done = []
    while True:
        now_ = now or timezone.now()
        schedule_id = Schedule.objects.due(now_).values_list("pk", flat=True).first()
        if schedule_id is None:
            return done
        acted = carry_out(schedule_id, now=now_)
        if acted is None:
            # Another worker holds it: leave it to them, and stop rather than spin on it.
            return done
        done.append(acted)


def carry_out(schedule_id, by=None, now=None):
    """Carry out one waiting schedule: at its time (`by` None) or at once, by an editor; the schedule, or None.

    None when there is nothing to do: it is not waiting any more, its time
    was moved later, or another worker holds it right now.
    """
    now = now or timezone.now()
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update(skip_locked=True).filter(
            pk=schedule_id, state=Schedule.State.WAITING
        ).first()
        if schedule is None or (by is None and schedule.due_at > now):
            return None
        return (_expire if schedule.is_expiry else _go_live)(schedule, by, now)


def _go_live(schedule, by, now):
    from . import _cases_showing, _lock, _resting_on

    held = list(Decision.objects.filter(batch=schedule.batch, action=Decision.Action.SCHEDULED).order_by("id"))
    versions = {(d.content_type.model_class(), d.object_id): d.history_id for d in held}
    _lock(versions, resting_on=_resting_on(versions))
    changes = _changes_approved_for_later(versions)
    try:
        with transaction.atomic():
            refuse_unready_at_go_live(changes)
            anchor_quotes(changes.values())
    except (WorkflowError, ValidationError) as refusal:
        _send_back(versions, schedule.scheduled_by, f"Not published at {when(schedule.due_at)}: "
                                                    f"{_reason(refusal)}", now)
        return _refuse(schedule, held, refusal, now, "The change you approved to go live at {when} was not "
                                                     "published:\n{reason}\n\nIt waits for review again:")
    first = held[0]
    shown_in = _cases_showing(changes.values())
    decisions = record_decisions(
        list(changes.values()), Decision.Action.APPROVED, schedule.scheduled_by, now, uuid.uuid4(),
        first.comment, public_note=first.public_note, for_legal_reasons=first.for_legal_reasons,
    )
    if decisions:
        publish(decisions, shown_in)
    return _done(schedule, Schedule.State.PUBLISHED, ScheduleEvent.Kind.PUBLISHED, by, now)


def _expire(schedule, by, now):
    """Approve a removal of each record of the approval readers still see, as the approving editor."""
    from . import _cases_showing, _lock

    held = list(Decision.objects.filter(batch=schedule.batch).order_by("id"))
    owners = _owners(held)
    _lock({owner: 0 for owner in owners})
    try:
        with transaction.atomic():
            changes = _removals(owners, schedule, now)
            refuse_unready_at_go_live(changes)
            shown_in = _cases_showing(changes.values())
            decisions = record_decisions(list(changes.values()), Decision.Action.APPROVED, schedule.scheduled_by,
                                         now, uuid.uuid4(), f"Readers saw it until {when(schedule.due_at)}, as set.")
            if decisions:
                publish(decisions, shown_in)
    except (WorkflowError, ValidationError) as refusal:
        return _refuse(schedule, held, refusal, now, "The records you approved to leave the public pages at "
                                                     "{when} are still public:\n{reason}\n\nThey are:")
    return _done(schedule, Schedule.State.EXPIRED, ScheduleEvent.Kind.EXPIRED, by, now)


def _owners(decisions):
    """The records whose changes `decisions` decided on: each record itself, or the parent of a row of it."""
    owners = set()
    for model, items in _grouped((d.content_type.model_class(), d) for d in decisions).items():
        rows = history_model(model).objects.in_bulk([d.history_id for d in items], field_name="history_id")
        owners.update(owner_of(model, rows[d.history_id]) for d in items if d.history_id in rows)
    return sorted(owners, key=lambda owner: (owner[0]._meta.model_name, owner[1]))


def _removals(owners, schedule, now):
    """{(model, pk): Change} taking each owner readers see off the public pages: a removal of the version
    they see, saved after the newest; a change waiting meanwhile is saved again after it, to wait on."""
    changes = {}
    reason = f"Readers see it until {when(schedule.due_at)}, as {one_line(schedule.scheduled_by)} approved."
    for model, pks in _grouped(owners).items():
        log = VersionLog(model, pks)
        public = set(Publication.objects.filter(content_type=content_type(model), object_id__in=pks)
                     .values_list("object_id", flat=True))
        for pk in pks:
            approved, latest = log.approved(pk), log.latest(pk)
            if pk not in public or approved is None:
                continue
            removal = _copy_version(model, approved, schedule.scheduled_by, reason, now, removal_proposed=True)
            if latest.history_id != approved.history_id and log.decision_on(latest.history_id) is None:
                _copy_version(model, latest, latest.history_user or schedule.scheduled_by,
                              latest.history_change_reason or "", now)
            changes[(model, pk)] = Change(model=model, pk=pk, latest=removal, approved=approved)
    name_changes(changes.values())
    return changes


def _done(schedule, state, kind, by, now):
    schedule.state, schedule.done_at = state, now
    schedule.save(update_fields=["state", "done_at"])
    _record(schedule, kind, by, now, _how_done(schedule, by, now))
    return schedule


def _changes_approved_for_later(versions):
    """{(model, pk): Change} of exactly the versions approved for later, against what readers see now.

    A later approval of a record outdates its version approved for later:
    readers keep the later one.
    """
    by_model = {}
    for model, pk in versions:
        by_model.setdefault(model, []).append(pk)
    changes = {}
    for model, pks in by_model.items():
        log = VersionLog(model, pks)
        for pk in pks:
            history_id = versions[(model, pk)]
            approved = log.approved(pk)
            if approved is not None and approved.history_id > history_id:
                continue
            version = next((v for v in log.versions.get(pk, ()) if v.history_id == history_id), None)
            change = Change(model=model, pk=pk, latest=version, approved=approved)
            if version is not None and change.has_changes:
                changes[(model, pk)] = change
    name_changes(changes.values())
    return changes


def _how_done(schedule, by, now):
    done = "Taken off the public pages" if schedule.is_expiry else "Published"
    if by is not None:
        return f"{done} at once by {one_line(by)}, instead of at {when(schedule.due_at)}."
    late = now - schedule.due_at
    if late > LATE_AFTER:
        minutes = int(late.total_seconds() // 60)
        logger.warning("Schedule %s of %s went %s %d minute(s) late (due %s).", schedule.pk, schedule.case,
                       "off the public pages" if schedule.is_expiry else "live", minutes, when(schedule.due_at))
        return (f"{done} {minutes} minute{'s' if minutes != 1 else ''} late, at {when(now)}: "
                "the task worker was not running at the set time.")
    return f"{done} at {when(schedule.due_at)}, as set."


def _reason(refusal):
    return getattr(refusal, "message", None) or " ".join(refusal.messages)


def _refuse(schedule, held, refusal, now, letter):
    """A rule no longer holds: nothing is done, and the approving editor is told why."""
    reason = _reason(refusal)
    schedule.state, schedule.outcome = Schedule.State.REFUSED, reason
    schedule.save(update_fields=["state", "outcome"])
    _record(schedule, ScheduleEvent.Kind.REFUSED, None, now, reason)
    _withdraw_expiry_of(schedule, None, now, "Not done: the approval it belongs to was not published.")
    logger.warning("Schedule %s of %s was not carried out: %s", schedule.pk, schedule.case, reason)
    recipients = _emails([schedule.scheduled_by])
    body = (letter.format(when=when(schedule.due_at), reason=reason) + "\n"
            + "\n".join(f"- {one_line(d.object_repr)}" for d in held) + "\n")
    subject = ("[Casefile] Records you approved to expire are still public" if schedule.is_expiry
               else "[Casefile] A change you approved for later was not published")
    if recipients:
        transaction.on_commit(lambda: _send(subject, body, recipients), robust=True)
    return schedule


def move(editor, schedule, due_at):
    """Set another time for a waiting schedule: never past, and an expiry after its approval goes live."""
    _require_editor(editor)
    now = timezone.now()
    _refuse_past(due_at, now)
    with transaction.atomic():
        schedule = _waiting(schedule)
        other = Schedule.objects.waiting().filter(batch=schedule.batch).exclude(pk=schedule.pk).first()
        if other is not None:
            go_live_at, expires_at = (other.due_at, due_at) if schedule.is_expiry else (due_at, other.due_at)
            refuse_expiry_before_going_live(go_live_at, expires_at)
        before = schedule.due_at
        schedule.due_at = due_at
        schedule.save(update_fields=["due_at"])
        _record(schedule, ScheduleEvent.Kind.MOVED, editor, now, f"Moved from {when(before)} to {when(due_at)}.")
        _wake_at(due_at)
    return schedule


def carry_out_now(editor, schedule):
    """Carry out a waiting schedule at once, with the same checks as at its time."""
    _require_editor(editor)
    done = carry_out(_waiting_id(schedule), by=editor)
    if done is None:
        raise WorkflowError("Nothing was done: this schedule is being carried out right now, or was already.")
    if done.state == Schedule.State.REFUSED:
        raise WorkflowError(f"Nothing was done: {done.outcome}"
                            + ("" if done.is_expiry else " The change waits for review again."))
    return done


def withdraw(editor, schedule, reason):
    """Take back an approval for later (its change waits for review again), or an expiry (readers keep it)."""
    _require_editor(editor)
    if not reason.strip():
        raise ValidationError("Say why it is withdrawn: the reporter reads it in the record's history.")
    now = timezone.now()
    with transaction.atomic():
        schedule = _waiting(schedule)
        schedule.state = Schedule.State.WITHDRAWN
        schedule.save(update_fields=["state"])
        if not schedule.is_expiry:
            held = Decision.objects.filter(batch=schedule.batch, action=Decision.Action.SCHEDULED)
            versions = {(d.content_type.model_class(), d.object_id): d.history_id for d in held}
            _send_back(versions, editor, f"Approval for {when(schedule.due_at)} withdrawn by "
                                         f"{one_line(editor)}: {reason.strip()}", now)
            _withdraw_expiry_of(schedule, editor, now, "Withdrawn with the approval it belongs to.")
        _record(schedule, ScheduleEvent.Kind.WITHDRAWN, editor, now, reason.strip())
    return schedule


def _withdraw_expiry_of(schedule, by, now, note):
    """The expiry of an approval that will not go live has nothing left to take off the public pages."""
    if schedule.is_expiry:
        return
    for expiry in Schedule.objects.waiting().filter(batch=schedule.batch, kind=Schedule.Kind.EXPIRY):
        expiry.state = Schedule.State.WITHDRAWN
        expiry.save(update_fields=["state"])
        _record(expiry, ScheduleEvent.Kind.WITHDRAWN, by, now, note)


def schedules_of(pairs):
    """{(model, pk): its waiting Schedule} of the records among `pairs` approved for later, in two queries."""
    condition = Q()
    for model, pks in _grouped(pairs).items():
        condition |= Q(content_type=content_type(model), object_id__in=pks)
    if not condition:
        return {}
    batches = {
        (content_type_id, pk): batch for content_type_id, pk, batch in Decision.objects.filter(
            condition, action=Decision.Action.SCHEDULED,
            batch__in=Schedule.objects.waiting().filter(kind=Schedule.Kind.GO_LIVE).values("batch"),
        ).values_list("content_type_id", "object_id", "batch")
    }
    if not batches:
        return {}
    found = {schedule.batch: schedule for schedule in Schedule.objects.waiting().filter(
        batch__in=set(batches.values()), kind=Schedule.Kind.GO_LIVE)}
    return {(model, pk): found[batches[(content_type(model).pk, pk)]] for model, pk in pairs
            if (content_type(model).pk, pk) in batches}


def _grouped(pairs):
    grouped = {}
    for model, pk in pairs:
        grouped.setdefault(model, []).append(pk)
    return grouped


def records_of(schedules):
    """Give each schedule its `decisions`: the versions its approval decided on, one per record."""
    by_batch = {}
    for schedule in schedules:
        schedule.decisions = []
        by_batch.setdefault(schedule.batch, []).append(schedule)
    for decision in Decision.objects.filter(batch__in=list(by_batch)).select_related("content_type").order_by("id"):
        for schedule in by_batch[decision.batch]:
            schedule.decisions.append(decision)
    return schedules


def _send_back(versions, user, reason, now):
    """A new version of each record whose newest version is the one approved for later: it waits again."""
    for model, pk in versions:
        latest = history_model(model).objects.filter(id=pk).order_by("-history_id").first()
        if latest is not None and latest.history_id == versions[(model, pk)]:
            _copy_version(model, latest, user, reason, now)


def _waiting(schedule):
    locked = Schedule.objects.select_for_update().filter(pk=_waiting_id(schedule)).first()
    if locked is None or not locked.is_waiting:
        state = locked.get_state_display().lower() if locked else "gone"
        raise WorkflowError(f"Nothing was changed: this schedule is no longer waiting ({state}).")
    return locked


def _waiting_id(schedule):
    return schedule.pk if isinstance(schedule, Schedule) else schedule


def _require_editor(user):
    if not is_editor(user):
        raise PermissionDenied("Only editors change what is approved for later.")


def refuse_unschedulable(moment):
    """Refuse a time that has passed, or one no task worker would keep."""
    from ..publishing.tasks import carry_out_scheduled

    _refuse_past(moment, timezone.now())
    if not carry_out_scheduled.get_backend().supports_defer:
        raise WorkflowError(
            "Not approved: approving for later needs the task worker, which publishes at the set time, and "
            "this server runs its tasks in the request (TASKS_BACKEND=immediate). Approve now, or run the "
            "worker (TASKS_BACKEND=database, `manage.py db_worker`)."
        )


def _refuse_past(moment, now):
    if moment <= now:
        raise ValidationError(
            f"The time {when(moment)} has passed (it is {when(now)}). "
            "Set a later time, or leave it empty."
        )


def refuse_expiry_before_going_live(goes_live_at, expires_at):
    if goes_live_at is not None and expires_at is not None and expires_at <= goes_live_at:
        raise ValidationError(
            f"Readers would stop seeing it ({when(expires_at)}) before it goes public ({when(goes_live_at)}). "
            "Set the end after the go-live time."
        )


def _record(schedule, kind, by, at, note):
    ScheduleEvent.objects.create(schedule=schedule, kind=kind, by=by, at=at, note=note)


def _wake_at(moment):
    """Have the task worker carry out the schedules due at `moment`, once the transaction commits."""
    from ..publishing.tasks import carry_out_scheduled

    transaction.on_commit(lambda: carry_out_scheduled.using(run_after=moment).enqueue(), robust=True)

"""Approvals for later: what an editor approved goes public at the time they set, and not a second before.

`approve(..., goes_live_at=...)` checks everything an approval checks, then
`hold()` writes the versions "approved for later" and a `Schedule`; readers
see nothing of them, since nothing is published. At the time, the task
worker's `publish_due()` runs `go_live()`: it checks again the rules that
the world may have broken meanwhile (a source removed, a reply deadline
moved, a claim's evidence changed), approves exactly the versions approved
for later, dated now, and publishes them together in one transaction, which
announces them to the page and edge caches as any approval does. An editor
may move the time, publish at once, or withdraw the approval, which sends
the change back to review. Every act is a `ScheduleEvent`.
"""

import datetime
import logging
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..history import history_model
from ..models import Decision, Schedule, ScheduleEvent
from .anchoring import anchor_quotes
from .changes import Change, VersionLog, WorkflowError, content_type, is_editor, name_changes
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
    """Approve `changes` for `goes_live_at`: the decisions and the schedule, nothing readers see.

    Called by `approve()` in its transaction, after every check passed. The
    quotes are anchored in the newsroom's copies at the time of publication;
    here they are only checked, in a savepoint rolled back.
    """
    with transaction.atomic():
        anchor_quotes(changes)
        transaction.set_rollback(True)
    batch = uuid.uuid4()
    case_ids = {decision.case_id for decision in record_decisions(
        changes, Decision.Action.SCHEDULED, editor, now, batch, comment,
        public_note=public_note, for_legal_reasons=for_legal_reasons,
    )}
    schedule = Schedule.objects.create(
        case_id=min(case_ids), batch=batch, goes_live_at=goes_live_at, scheduled_by=editor, scheduled_at=now,
    )
    _record(schedule, ScheduleEvent.Kind.SCHEDULED, editor, now, f"To go live at {when(goes_live_at)}.")
    _wake_at(goes_live_at)
    return schedule


def publish_due(now=None):
    """Publish every schedule due by now, the longest overdue first; the schedules acted on.

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
        acted = go_live(schedule_id, now=now_)
        if acted is None:
            # Another worker holds it: leave it to them, and stop rather than spin on it.
            return done
        done.append(acted)


def go_live(schedule_id, by=None, now=None):
    """Publish one waiting schedule: at its time (`by` None) or at once, by an editor; the schedule, or None.

    None when there is nothing to do: it is not waiting any more, its time
    was moved later, or another worker holds it right now.
    """
    from . import _cases_showing, _lock, _resting_on

    now = now or timezone.now()
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update(skip_locked=True).filter(
            pk=schedule_id, state=Schedule.State.WAITING
        ).first()
        if schedule is None or (by is None and schedule.goes_live_at > now):
            return None
        held = list(Decision.objects.filter(batch=schedule.batch, action=Decision.Action.SCHEDULED).order_by("id"))
        versions = {(d.content_type.model_class(), d.object_id): d.history_id for d in held}
        _lock(versions, resting_on=_resting_on(versions))
        changes = _changes_approved_for_later(versions)
        try:
            with transaction.atomic():
                refuse_unready_at_go_live(changes)
                anchor_quotes(changes.values())
        except (WorkflowError, ValidationError) as refusal:
            return _refuse(schedule, held, versions, refusal, now)
        first = held[0]
        shown_in = _cases_showing(changes.values())
        decisions = record_decisions(
            list(changes.values()), Decision.Action.APPROVED, schedule.scheduled_by, now, uuid.uuid4(),
            first.comment, public_note=first.public_note, for_legal_reasons=first.for_legal_reasons,
        )
        if decisions:
            publish(decisions, shown_in)
        schedule.state, schedule.published_at = Schedule.State.PUBLISHED, now
        schedule.save(update_fields=["state", "published_at"])
        _record(schedule, ScheduleEvent.Kind.PUBLISHED, by, now, _how_published(schedule, by, now))
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


def _how_published(schedule, by, now):
    if by is not None:
        return f"Published at once by {one_line(by)}, instead of at {when(schedule.goes_live_at)}."
    late = now - schedule.goes_live_at
    if late > LATE_AFTER:
        minutes = int(late.total_seconds() // 60)
        logger.warning("Schedule %s of %s went live %d minute(s) late (due %s).",
                       schedule.pk, schedule.case, minutes, when(schedule.goes_live_at))
        return (f"Published {minutes} minute{'s' if minutes != 1 else ''} late, at {when(now)}: "
                "the task worker was not running at the set time.")
    return f"Published at {when(schedule.goes_live_at)}, as set."


def _refuse(schedule, held, versions, refusal, now):
    """A rule no longer holds: nothing is published, the change waits for review again, the editor is told."""
    reason = getattr(refusal, "message", None) or " ".join(refusal.messages)
    schedule.state, schedule.outcome = Schedule.State.REFUSED, reason
    schedule.save(update_fields=["state", "outcome"])
    _send_back(versions, schedule.scheduled_by, f"Not published at {when(schedule.goes_live_at)}: {reason}", now)
    _record(schedule, ScheduleEvent.Kind.REFUSED, None, now, reason)
    logger.warning("Schedule %s of %s was not published: %s", schedule.pk, schedule.case, reason)
    editor = schedule.scheduled_by
    transaction.on_commit(lambda: _send(
        "[Casefile] A change you approved for later was not published",
        f"The change you approved to go live at {when(schedule.goes_live_at)} was not published:\n"
        f"{reason}\n\nIt waits for review again:\n"
        + "\n".join(f"- {one_line(d.object_repr)}" for d in held) + "\n",
        _emails([editor]),
    ) if _emails([editor]) else None, robust=True)
    return schedule


def move(editor, schedule, goes_live_at):
    """Set another time for a waiting schedule."""
    _require_editor(editor)
    now = timezone.now()
    _refuse_past(goes_live_at, now)
    with transaction.atomic():
        schedule = _waiting(schedule)
        before = schedule.goes_live_at
        schedule.goes_live_at = goes_live_at
        schedule.save(update_fields=["goes_live_at"])
        _record(schedule, ScheduleEvent.Kind.MOVED, editor, now,
                f"Moved from {when(before)} to {when(goes_live_at)}.")
        _wake_at(goes_live_at)
    return schedule


def publish_now(editor, schedule):
    """Publish a waiting schedule at once, with the same checks as at its time."""
    _require_editor(editor)
    published = go_live(_waiting_id(schedule), by=editor)
    if published is None:
        raise WorkflowError("Not published: this schedule is being published right now, or was already.")
    if published.state == Schedule.State.REFUSED:
        raise WorkflowError(f"Not published: {published.outcome} The change waits for review again.")
    return published


def withdraw(editor, schedule, reason):
    """Take back an approval for later: nothing is published, the change waits for review again."""
    _require_editor(editor)
    if not reason.strip():
        raise ValidationError("Say why the approval is withdrawn: the reporter reads it in the record's history.")
    now = timezone.now()
    with transaction.atomic():
        schedule = _waiting(schedule)
        held = Decision.objects.filter(batch=schedule.batch, action=Decision.Action.SCHEDULED)
        versions = {(d.content_type.model_class(), d.object_id): d.history_id for d in held}
        schedule.state = Schedule.State.WITHDRAWN
        schedule.save(update_fields=["state"])
        _send_back(versions, editor, f"Approval for {when(schedule.goes_live_at)} withdrawn by "
                                     f"{one_line(editor)}: {reason.strip()}", now)
        _record(schedule, ScheduleEvent.Kind.WITHDRAWN, editor, now, reason.strip())
    return schedule


def schedules_of(pairs):
    """{(model, pk): its waiting Schedule} of the records among `pairs` approved for later, in two queries."""
    condition = Q()
    for model, pks in _grouped(pairs).items():
        condition |= Q(content_type=content_type(model), object_id__in=pks)
    if not condition:
        return {}
    batches = {
        (content_type_id, pk): batch for content_type_id, pk, batch in Decision.objects.filter(
            condition, action=Decision.Action.SCHEDULED, batch__in=Schedule.objects.waiting().values("batch"),
        ).values_list("content_type_id", "object_id", "batch")
    }
    found = Schedule.objects.in_bulk(set(batches.values()), field_name="batch")
    return {(model, pk): found[batches[(content_type(model).pk, pk)]] for model, pk in pairs
            if (content_type(model).pk, pk) in batches}


def _grouped(pairs):
    grouped = {}
    for model, pk in pairs:
        grouped.setdefault(model, []).append(pk)
    return grouped


def records_of(schedules):
    """Give each schedule its `decisions`: the versions it publishes, one per record."""
    by_batch = {schedule.batch: schedule for schedule in schedules}
    for schedule in schedules:
        schedule.decisions = []
    for decision in Decision.objects.filter(
        batch__in=list(by_batch), action=Decision.Action.SCHEDULED
    ).select_related("content_type").order_by("id"):
        by_batch[decision.batch].decisions.append(decision)
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


def refuse_unschedulable(goes_live_at):
    """Refuse a go-live time that has passed, or one no task worker would keep."""
    from ..publishing.tasks import publish_scheduled

    _refuse_past(goes_live_at, timezone.now())
    if not publish_scheduled.get_backend().supports_defer:
        raise WorkflowError(
            "Not approved: approving for later needs the task worker, which publishes at the set time, and "
            "this server runs its tasks in the request (TASKS_BACKEND=immediate). Approve now, or run the "
            "worker (TASKS_BACKEND=database, `manage.py db_worker`)."
        )


def _refuse_past(goes_live_at, now):
    if goes_live_at <= now:
        raise ValidationError(
            f"The time {when(goes_live_at)} has passed (it is {when(now)}). "
            "Set a later time, or leave it empty to publish now."
        )


def _record(schedule, kind, by, at, note):
    ScheduleEvent.objects.create(schedule=schedule, kind=kind, by=by, at=at, note=note)


def _wake_at(moment):
    """Have the task worker run the publications due at `moment`, once the transaction commits."""
    from ..publishing.tasks import publish_scheduled

    transaction.on_commit(lambda: publish_scheduled.using(run_after=moment).enqueue(), robust=True)

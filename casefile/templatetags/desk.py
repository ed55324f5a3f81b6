"""The desk on the admin's home page: each person's work by state, and what waits for the editors."""

from django import template
from django.urls import reverse
from django.utils import timezone

from .. import published, workflow
from ..admin.changes import working_changes_url
from ..admin.records import CURRENT_CASE
from ..admin.schedules import may_see_schedules
from ..admin_site import legal_queue_url
from ..models import Actor, Capture, Case, Event, Fact, OpenQuestion, Relationship, ReplyRequest, Schedule, Source
from ..workflow import legal, scheduling

register = template.Library()

ADDABLE = (Fact, Event, Actor, Relationship, Source, OpenQuestion, ReplyRequest)


def _link(entry, editor):
    """Where an entry of the desk leads: the record's form, or its review or history once deleted."""
    model, pk = entry.model, entry.pk
    if entry.exists:
        entry.url = reverse(f"admin:casefile_{model._meta.model_name}_change", args=[pk])
    elif editor and entry.decision is None:
        entry.url = reverse("admin:casefile_review", args=[workflow.key_for(model, pk)])
    else:
        entry.url = reverse(f"admin:casefile_{model._meta.model_name}_history", args=[pk])
    return entry


@register.simple_tag(takes_context=True)
def desk(context):
    """{% desk as desk %}: what the person logged in has to do, read in a few queries."""
    request = context["request"]
    user = request.user
    editor = workflow.is_editor(user)
    found = {"is_editor": editor}
    lawyer = legal.is_lawyer(user)
    # A lawyer edits nothing: their desk is what waits for legal.
    edits = any(user.has_perm(f"casefile.change_{model._meta.model_name}") for model in workflow.TOP_LEVEL)
    # Read once for every part of the desk that lists what waits.
    queue = workflow.review_queue() if edits or lawyer or editor else None
    if edits:
        work = workflow.work_of(user, queue=queue)
        for name in ("waiting", "rejected", "approved"):
            work[name] = [_link(entry, editor) for entry in work[name]]
        found["work"] = work
    cases = {case.pk: case for case in Case.objects.all()}
    if lawyer:
        found["legal"] = _legal_desk(cases, editor, queue)
    current = cases.get(request.session.get(CURRENT_CASE)) or (
        next(iter(cases.values())) if len(cases) == 1 else None)
    if current is not None:
        found["current_case"] = current
        found["add_links"] = [
            (model._meta.verbose_name,
             reverse(f"admin:casefile_{model._meta.model_name}_add") + f"?case={current.pk}")
            for model in ADDABLE if user.has_perm(f"casefile.add_{model._meta.model_name}")
        ]
    if editor:
        waiting = workflow.waiting_by_case(queue=queue)
        waiting["oldest"] = [_link(entry, editor) for entry in waiting["oldest"]]
        for entry in waiting["oldest"]:
            entry.review_url = reverse("admin:casefile_review", args=[workflow.key_for(entry.model, entry.pk)])
        queue = reverse("admin:casefile_review_queue")
        waiting["per_case"] = sorted(
            ((cases.get(case_id), count, f"{queue}?case={case_id}")
             for case_id, count in waiting["per_case"].items()),
            key=lambda row: str(row[0]),
        )
        waiting["queue_url"] = queue
        found["waiting"] = waiting
    return found


def _legal_desk(cases, editor, queue):
    """What waits for legal, the oldest first and per case, each leading to its review; and what
    legal cleared and refused lately."""
    found = workflow.waiting_for_legal(queue=queue)
    for entry in found["oldest"]:
        entry.review_url = reverse("admin:casefile_review", args=[workflow.key_for(entry.model, entry.pk)])
    found["decided"] = [_link(entry, editor) for entry in found["decided"]]
    found["queue_url"] = legal_queue_url()
    found["per_case"] = sorted(
        ((cases.get(case_id), count, f"{found['queue_url']}&case={case_id}")
         for case_id, count in found["per_case"].items()),
        key=lambda row: str(row[0]),
    )
    return found


@register.simple_tag
def cases_changed():
    """{% cases_changed as cases %}: each case, with where staff compare what its desk changed this week."""
    return [(case, working_changes_url(case)) for case in Case.objects.order_by("title")]


@register.simple_tag
def claims_on_discredited_sources():
    """{% claims_on_discredited_sources as claims %}: the published claims a discredited source supports, for an
    editor to look at again; those left on discredited sources alone first."""
    return published.claims_on_discredited_sources()


@register.simple_tag
def copies_waiting():
    """{% copies_waiting as waiting %}: how many copies of sources wait for an editor, and where they are listed."""
    return {
        "count": Capture.objects.waiting().count(),
        "url": reverse("admin:casefile_capture_changelist") + f"?review__exact={Capture.Review.WAITING}",
    }


@register.simple_tag(takes_context=True)
def schedules_waiting(context):
    """{% schedules_waiting as schedules %}: what editors approved for later, the soonest first, with its records,
    for those who may read it."""
    if not may_see_schedules(context["request"].user):
        return []
    now = timezone.now()
    schedules = scheduling.records_of(list(Schedule.objects.waiting().select_related("case", "scheduled_by")))
    for schedule in schedules:
        schedule.url = reverse("admin:casefile_schedule_change", args=[schedule.pk])
        schedule.local_time = scheduling.when(schedule.due_at)
        schedule.is_overdue = schedule.due_at <= now
        schedule.time_zone = timezone.get_current_timezone_name()
    return schedules


@register.simple_tag(takes_context=True)
def comments_waiting(context):
    """{% comments_waiting as threads %}: the open review threads in which someone else spoke last and the
    person logged in is asked, on their change or on their thread; each with its address and count of replies."""
    from ..workflow import comments

    threads = comments.waiting_for(context["request"].user)
    for comment in threads:
        comment.url = comment.get_absolute_url()
        comment.label = comments.commentable_fields(comment.record_model).get(comment.field_name, comment.field_name)
    return threads

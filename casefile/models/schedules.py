"""Approvals that take effect later: a change approved tonight that readers see at 6:00, not before, and
records readers see only until a set time.

An editor's approval for later writes a `Decision` "approved for later" per
version, all sharing one `batch`, and a `Schedule` naming that batch and the
time. Nothing reaches readers until the task worker, at that time, approves
exactly those versions in the log and publishes them together
(`workflow.scheduling`). An expiry, the same way, takes the records of an
approval off the public pages at its time. Every act on a schedule is a
`ScheduleEvent`, shown in the history of each record it names.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from ..text import validate_text
from .records import Case


class ScheduleQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(state=Schedule.State.WAITING)

    def due(self, now):
        """Waiting and due by `now`, the longest overdue first."""
        return self.waiting().filter(due_at__lte=now).order_by("due_at", "id")

    def for_case(self, case):
        return self.filter(case=case)


class Schedule(models.Model):
    """What one approval does at a set time: make its versions public, or take its records off the public pages."""

    class Kind(models.TextChoices):
        GO_LIVE = "go live", "Goes live"
        EXPIRY = "expiry", "Expires"

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting for its time"
        PUBLISHED = "published", "Published"
        EXPIRED = "expired", "Expired: taken off the public pages"
        WITHDRAWN = "withdrawn", "Withdrawn"
        REFUSED = "refused", "Not done: a rule no longer held"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="schedules")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GO_LIVE)
    batch = models.UUIDField(help_text="The decisions of the approval, “approved for later” until it goes live.")
    due_at = models.DateTimeField(db_index=True, help_text="When it goes live, or when readers stop seeing it.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scheduled_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="Why it was not done, when a rule no longer held.",
                               validators=[validate_text])

    objects = ScheduleQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = "approval for later"
        verbose_name_plural = "approvals for later"
        constraints = [
            models.UniqueConstraint(fields=["batch", "kind"], name="one_schedule_of_each_kind_per_approval"),
            models.CheckConstraint(
                condition=Q(state__in=["published", "expired"]) | Q(done_at__isnull=True),
                name="only_a_schedule_carried_out_has_a_time_done",
                violation_error_message="Only a schedule carried out has the time it was done.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.due_at:%Y-%m-%d %H:%M %Z}: {self.case} ({self.get_state_display()})"

    @property
    def is_waiting(self):
        return self.state == self.State.WAITING

    @property
    def is_expiry(self):
        return self.kind == self.Kind.EXPIRY


class ScheduleEvent(models.Model):
    """One act on a schedule: made, moved, carried out (on time, late, or at once), withdrawn, refused."""

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", "Approved for later"
        MOVED = "moved", "Time moved"
        PUBLISHED = "published", "Published"
        EXPIRED = "expired", "Taken off the public pages"
        WITHDRAWN = "withdrawn", "Withdrawn"
        REFUSED = "refused", "Not done"

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Empty when the task worker acted at the set time.",
    )
    note = models.TextField(blank=True, validators=[validate_text])

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "act on an approval for later"

    def __str__(self):
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M %Z}: {self.note}"

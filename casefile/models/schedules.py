"""Approvals that take effect later: a change approved tonight that readers see at 6:00, not before.

An editor's approval for later writes a `Decision` "approved for later" per
version, all sharing one `batch`, and a `Schedule` naming that batch and the
time. Nothing reaches readers until the task worker, at that time, approves
exactly those versions in the log and publishes them together
(`workflow.scheduling`). Every act on a schedule is a `ScheduleEvent`, shown
in the history of each record it names.
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
        return self.waiting().filter(goes_live_at__lte=now).order_by("goes_live_at", "id")

    def for_case(self, case):
        return self.filter(case=case)


class Schedule(models.Model):
    """The versions one approval made public at a set time, and where that stands."""

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting for its time"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Approval withdrawn"
        REFUSED = "refused", "Not published: a rule no longer held"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="schedules")
    batch = models.UUIDField(unique=True, help_text="The decisions “approved for later” of this approval.")
    goes_live_at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scheduled_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="Why it was not published, when a rule no longer held.",
                               validators=[validate_text])

    objects = ScheduleQuerySet.as_manager()

    class Meta:
        ordering = ["goes_live_at", "id"]
        verbose_name = "approval for later"
        verbose_name_plural = "approvals for later"
        constraints = [
            models.CheckConstraint(
                condition=Q(state="published") | Q(published_at__isnull=True),
                name="only_a_published_schedule_has_a_publication_time",
                violation_error_message="Only a published schedule has a time of publication.",
            ),
        ]

    def __str__(self):
        return f"{self.get_state_display()}: {self.case} at {self.goes_live_at:%Y-%m-%d %H:%M %Z}"

    @property
    def is_waiting(self):
        return self.state == self.State.WAITING


class ScheduleEvent(models.Model):
    """One act on a schedule: made, moved, published (on time, late, or at once), withdrawn, refused."""

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", "Approved for later"
        MOVED = "moved", "Time moved"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Approval withdrawn"
        REFUSED = "refused", "Not published"

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

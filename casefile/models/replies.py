"""Right of reply: what was put to the people a case makes allegations against, and what they said.

An allegation is a fact or an event marked as such against one of its actors
(`FactActor.alleged`, `EventParticipant.alleged`). Readers see one line per
allegation and actor (`casefile.published.replies`); everything else here is
for staff only.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..text import quote_word_count, validate_text
from .records import MAX_QUOTE_WORDS, Actor, Case, Event, Fact


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    PHONE = "phone", "Phone"
    IN_PERSON = "in person", "In person"
    LAWYER = "via a lawyer", "Via a lawyer"


class ReplyRequestQuerySet(models.QuerySet):
    def covering(self, actor_id, fact_id=None, event_id=None):
        """The requests that put this fact or event to this actor."""
        wanted = Q(facts=fact_id) if fact_id is not None else Q(events=event_id)
        return self.filter(wanted, actor_id=actor_id).distinct()

    def overdue(self, today=None):
        """Requests still waiting for an answer whose deadline has passed."""
        today = today or timezone.localdate()
        return self.filter(outcome=ReplyRequest.Outcome.WAITING, deadline__lt=today)


class ReplyRequest(models.Model):
    """The allegations put to one actor for comment, how, by whom, and what came back."""

    class Outcome(models.TextChoices):
        WAITING = "waiting", "Waiting for an answer"
        REPLIED = "replied", "Replied"
        DECLINED = "declined", "Declined to comment"
        NO_RESPONSE = "no response", "No response by the deadline"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reply_requests")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="reply_requests")
    facts = models.ManyToManyField(
        Fact, blank=True, related_name="reply_requests", help_text="The facts put to them."
    )
    events = models.ManyToManyField(
        Event, blank=True, related_name="reply_requests", help_text="The events put to them."
    )
    questions = models.TextField(
        blank=True, help_text="What was put to them, as sent. Staff only.", validators=[validate_text]
    )
    asked_on = models.DateField(help_text="When they were first asked; readers see this date.")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        help_text="Who asked them.",
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    contact = models.CharField(
        max_length=300, blank=True, help_text="The address, number or lawyer used. Staff only.",
        validators=[validate_text],
    )
    deadline = models.DateField(help_text="The day by which they were asked to answer.")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.WAITING)
    replied_on = models.DateField(null=True, blank=True, help_text="When their answer arrived.")
    summary = models.TextField(
        blank=True, help_text="For publication: their answer in a sentence or two, in our words.",
        validators=[validate_text],
    )
    quote = models.TextField(
        blank=True,
        help_text=f"For publication: a short verbatim quote of their answer, at most {MAX_QUOTE_WORDS} words.",
        validators=[validate_text],
    )
    full_response = models.TextField(
        blank=True, help_text="Their whole answer, as received. Staff only.", validators=[validate_text]
    )
    outcome_recorded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the outcome was entered: readers see it from then."
    )
    deadline_notice_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReplyRequestQuerySet.as_manager()

    class Meta:
        ordering = ["asked_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("asked_on")),
                name="reply_deadline_after_asking",
                violation_error_message="The deadline cannot come before they were asked.",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="replied") | Q(replied_on__isnull=False),
                name="reply_has_its_date",
                violation_error_message="Say when their answer arrived.",
            ),
        ]

    def __str__(self):
        return f"Comment asked of {self.actor} on {self.asked_on:%d %b %Y}"

    @property
    def is_settled(self):
        """Whether the allegations it covers may be published: an outcome, or a passed deadline."""
        return self.outcome != self.Outcome.WAITING or self.deadline < timezone.localdate()

    def clean(self):
        errors = {}
        if self.asked_on and self.deadline and self.deadline < self.asked_on:
            errors["deadline"] = "The deadline cannot come before they were asked."
        if self.outcome == self.Outcome.REPLIED:
            if not self.replied_on:
                errors["replied_on"] = "Say when their answer arrived."
            if not (self.summary.strip() or self.quote.strip()):
                errors["summary"] = "Give a summary or a short quote of their answer for readers."
        elif self.outcome != self.Outcome.WAITING and (self.summary or self.quote):
            errors["quote"] = "Only an answer has a summary and a quote; keep notes in the full response."
        if self.outcome == self.Outcome.NO_RESPONSE and self.deadline and self.deadline >= timezone.localdate():
            errors["outcome"] = "The deadline has not passed yet."
        words = quote_word_count(self.quote)
        if words > MAX_QUOTE_WORDS:
            errors["quote"] = f"A quote may be at most {MAX_QUOTE_WORDS} words; this one has {words}."
        if self.case_id and self.actor_id and self.actor.case_id != self.case_id:
            errors["actor"] = "This actor belongs to another case."
        if errors:
            raise ValidationError(errors)


class ReplyAttempt(models.Model):
    """A further try at reaching them: a reminder, a call, a visit."""

    request = models.ForeignKey(ReplyRequest, on_delete=models.CASCADE, related_name="attempts")
    attempted_on = models.DateField()
    channel = models.CharField(max_length=20, choices=Channel.choices)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True, help_text="What happened. Staff only.", validators=[validate_text])

    class Meta:
        ordering = ["attempted_on", "id"]

    def __str__(self):
        return f"{self.get_channel_display()} on {self.attempted_on:%d %b %Y}"


class ReplyOverride(models.Model):
    """An editor's decision to publish an allegation without an answer from the person it concerns."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reply_overrides")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="reply_overrides")
    fact = models.ForeignKey(Fact, on_delete=models.CASCADE, null=True, blank=True, related_name="reply_overrides")
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="reply_overrides"
    )
    reason = models.TextField(validators=[validate_text])
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fact__isnull=False, event__isnull=True) | Q(fact__isnull=True, event__isnull=False),
                name="override_of_one_fact_or_event",
                violation_error_message="An override concerns one fact or one event.",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="override_has_reason",
                violation_error_message="Say why it is published without their answer.",
            ),
        ]

    def __str__(self):
        return f"Published without comment from {self.actor}: {self.reason}"


class LegalReview(models.Model):
    """A lawyer's clearance or refusal of exactly the versions of one change.

    `versions` is the change's fingerprint ("key@history_id" of each part): an
    edit after the clearance makes another change, which needs clearing again.
    """

    class Verdict(models.TextChoices):
        CLEARED = "cleared", "Cleared"
        REFUSED = "refused", "Refused"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="legal_reviews")
    record_key = models.CharField(max_length=100, db_index=True, help_text="The record reviewed.")
    history_id = models.BigIntegerField(help_text="The record's version reviewed.")
    versions = models.TextField(help_text="Every version of the change reviewed, as the review showed them.")
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    comment = models.TextField(blank=True, validators=[validate_text])
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        permissions = [("clear_for_legal", "Can clear or refuse changes on legal grounds")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(verdict="refused") | ~Q(comment=""),
                name="legal_refusal_has_comment",
                violation_error_message="A refusal needs a comment saying what is wrong.",
            ),
        ]

    def __str__(self):
        return f"{self.get_verdict_display()} by {self.reviewed_by} ({self.record_key})"


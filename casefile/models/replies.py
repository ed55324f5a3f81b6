"""Right of reply: what was put to the people a case makes allegations against, and what they said.

An allegation is a fact or an event marked as such against one of its actors
(`FactActor.alleged`, `EventParticipant.alleged`). Readers see one line per
allegation and actor (`casefile.published.replies`); everything else here is
for staff only. A reply request's answer (its outcome, the day it came, the
summary and the quote) is versioned and reaches readers as an editor approves
it, like any record; when and by whom they were asked reach them as entered.
"""

import copy

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Min, Q
from django.utils import timezone

from ..history import CasefileHistory, history_model
from ..text import quote_word_count, validate_text
from .records import Actor, Case, Event, Fact, Reviewed
from .sources import MAX_QUOTE_WORDS


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


class ReplyRequest(Reviewed):
    """The allegations put to one actor for comment, how, by whom, and what came back.

    Its versions keep what an editor approves: to whom it was put and their
    answer (`REVIEWED_FIELDS`). What was asked, how, and the full response stay
    with staff and out of the versions, as do the dates readers see as entered.
    """

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
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
        help_text="Who entered the request here: whoever was logged in, recorded on saving it.",
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
        null=True, blank=True,
        help_text="When the outcome was entered; readers see it once an editor approves it.",
    )
    deadline_notice_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReplyRequestQuerySet.as_manager()
    history = CasefileHistory(
        cascade_delete_history=False,
        excluded_fields=["questions", "asked_on", "asked_by", "entered_by", "channel", "contact", "deadline",
                         "full_response", "outcome_recorded_at", "deadline_notice_sent_at", "created_at"],
    )

    # What an editor reviews of each version: who answered, and their answer.
    REVIEWED_FIELDS = ("actor", "outcome", "replied_on", "summary", "quote")
    ANSWER_FIELDS = ("outcome", "replied_on", "summary", "quote")

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
        # A past version keeps no date of asking once its request is deleted.
        when = f" on {self.asked_on:%d %b %Y}" if self.asked_on else ""
        return f"Comment asked of {self.actor}{when}"

    @staticmethod
    def tells_readers(version):
        """Whether a version (or a request) holds an answer for readers: an outcome, or words of theirs."""
        return version.outcome != ReplyRequest.Outcome.WAITING or bool(
            version.replied_on or version.summary or version.quote)

    def as_approved(self, version, approved_at=None):
        """This request as readers see it: the answer of `version`, its approved version (None if none),
        approved at `approved_at`; an answer approved of another actor is no answer of theirs.

        The copy's `outcome_recorded_at` is when readers were first shown that answer.
        """
        shown = copy.copy(self)
        answered = version is not None and version.actor_id == self.actor_id
        for name in self.ANSWER_FIELDS:
            setattr(shown, name, getattr(version, name) if answered else self._meta.get_field(name).get_default())
        shown.outcome_recorded_at = approved_at if answered and shown.outcome != self.Outcome.WAITING else None
        return shown

    @property
    def is_settled(self):
        """Whether it is over: an outcome entered, or a passed deadline."""
        return self.outcome_as_of() != self.Outcome.WAITING

    def outcome_as_of(self, at=None):
        """The outcome at the moment `at` (None for now): silence once the deadline has passed.

        Of a request as readers see it (`as_approved()`), the outcome they read then."""
        outcome = self.outcome
        if at is not None and (self.outcome_recorded_at is None or self.outcome_recorded_at >= at):
            outcome = self.Outcome.WAITING
        if outcome == self.Outcome.WAITING:
            today = timezone.localdate() if at is None else timezone.localdate(at)
            if self.deadline < today:
                return self.Outcome.NO_RESPONSE
        return outcome

    @classmethod
    def standing(cls, requests, at=None):
        """Of the requests that put one allegation to one person, the one that speaks for it (at `at`).

        An open request (no outcome, deadline to come) asked on or after every
        answer stands: a request dated earlier cannot settle what a later one
        still waits on. Otherwise their answer stands, a reply before a
        refusal, the latest first; then an open request, since silence past
        one deadline does not end the time another gives them; then silence.
        """
        requests = list(requests)
        if not requests:
            return None
        outcomes = {id(request): request.outcome_as_of(at) for request in requests}

        def having(*kinds):
            return [request for request in requests if outcomes[id(request)] in kinds]

        latest_open = max(having(cls.Outcome.WAITING), key=lambda r: (r.asked_on, r.deadline, r.pk or 0),
                          default=None)
        answers = having(cls.Outcome.REPLIED, cls.Outcome.DECLINED)
        if latest_open is not None and all(answer.asked_on <= latest_open.asked_on for answer in answers):
            return latest_open
        if answers:
            return min(answers, key=lambda r: (outcomes[id(r)] != cls.Outcome.REPLIED, -r.asked_on.toordinal()))
        return max(having(cls.Outcome.NO_RESPONSE), key=lambda r: (r.asked_on, r.pk or 0))

    def clean(self):
        errors = {}
        if self.asked_on and self.asked_on > timezone.localdate():
            errors["asked_on"] = "They cannot have been asked on a day still to come."
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


def refuse_asking_before(asked_on, records):
    """Refuse a request asked on `asked_on` about these facts and events if one did not exist yet then
    (the date of its first version)."""
    too_early = [
        f"the {record._meta.verbose_name} “{record}” was first written on {since:%-d %B %Y}"
        for record, since in first_written(records) if since > asked_on
    ]
    if too_early:
        raise ValidationError({"asked_on": (
            f"They cannot have been asked on {asked_on:%-d %B %Y} about what was not written yet: "
            + "; ".join(too_early) + ". Give the day you asked them."
        )})


def first_written(records):
    """(record, the local date of its first version) of each of these facts and events that has one."""
    by_model = {}
    for record in records:
        by_model.setdefault(type(record), {})[record.pk] = record
    found = []
    for model, records_by_pk in by_model.items():
        for pk, first in history_model(model).objects.filter(id__in=records_by_pk).values("id").annotate(
            first=Min("history_date")
        ).values_list("id", "first"):
            found.append((records_by_pk[pk], timezone.localdate(first)))
    return sorted(found, key=lambda pair: (pair[1], str(pair[0])), reverse=True)


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


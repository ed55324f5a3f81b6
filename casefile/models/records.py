"""The records of a case file: the case, its actors, relationships, events and facts (its sources and
citations: `sources.py`)."""

import functools

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import get_script_prefix, reverse
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext_lazy, pgettext

from .. import dates
from ..dates import Precision
from ..history import CasefileHistory
from ..text import validate_single_line, validate_text
from ..translations import Shown, Translations
from .claims import ClaimStatus, claim_status_field, claim_status_problem



def record_url(view_name, case_slug, slug):
    """The address of a record's public page: a case's pages link to thousands of records."""
    return f"{_record_url_prefix(view_name, case_slug, get_script_prefix(), get_language())}{slug}/"


@functools.lru_cache(maxsize=1024)
def _record_url_prefix(view_name, case_slug, script_prefix, language):
    # The language is part of the key: `reverse` puts its prefix (/zh-hans/) before the path.
    # Slugs are plain ASCII letters, digits and hyphens: nothing in one is escaped.
    return reverse(view_name, args=[case_slug, "slug"]).removesuffix("slug/")


class Reviewed(models.Model):
    """What an editor approves version by version: the flags that say who must sign a change off."""

    removal_proposed = models.BooleanField(
        default=False,
        help_text="Marks this record for removal. It leaves the public pages when an editor "
        "approves the removal.",
    )
    needs_legal_review = models.BooleanField(
        default=False,
        help_text="A lawyer of the Legal group must clear each change of this record before an editor "
        "can approve it.",
    )

    class Meta:
        abstract = True

    @property
    def kind_label(self):
        return self._meta.verbose_name.capitalize()

    def get_admin_url(self):
        return reverse(f"admin:{self._meta.app_label}_{self._meta.model_name}_change", args=[self.pk])


class Record(Reviewed):
    """Fields and history shared by every record of a case file."""

    history = CasefileHistory(inherit=True, cascade_delete_history=False)

    class Meta:
        abstract = True


class Case(Record):
    title = models.CharField(max_length=200, validators=[validate_single_line])
    slug = models.SlugField(max_length=100, unique=True)
    summary = models.TextField(blank=True, validators=[validate_text])
    translated_texts = Translations("title", "summary")

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("casefile:case_detail", args=[self.slug])


class CaseRecordQuerySet(models.QuerySet):
    def for_case(self, case):
        return self.filter(case=case)


class Claim(Record):
    """A record that asserts something the sources bear out or not: it has a `status`."""

    Status = ClaimStatus

    class Meta:
        abstract = True

    def status_problem(self, stances=None):
        """`claim_status_problem()` of this record, with its working citations unless given stances."""
        if stances is None:
            stances = [] if self.pk is None else self.citations.filter(
                removal_proposed=False).values_list("stance", flat=True)
        return claim_status_problem(self.status, stances, self._meta.verbose_name)


def _lines(text):
    """The non-blank lines of `text`, each in the language `text` is shown in (`translations.Shown`)."""
    language = getattr(text, "lang", None)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [Shown(line, language) for line in lines] if language else lines


class Actor(Record):
    class Kind(models.TextChoices):
        PERSON = "person", gettext_lazy("Person")
        COMPANY = "company", gettext_lazy("Company")
        PUBLIC_BODY = "public body", gettext_lazy("Public body")
        COURT = "court", gettext_lazy("Court")
        MEDIA_OUTLET = "media outlet", gettext_lazy("Media outlet")
        OTHER_ORGANISATION = "other organisation", gettext_lazy("Other organisation")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="actors")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    name = models.CharField(max_length=200, validators=[validate_single_line])
    slug = models.SlugField(max_length=100)
    aliases = models.TextField(
        blank=True,
        help_text="Other names this actor is known by, one per line.",
        validators=[validate_text],
    )
    description = models.TextField(blank=True, validators=[validate_text])
    # In another script, a name is its own column: 肖毅 beside Xiao Yi, the aliases likewise.
    translated_texts = Translations("name", "aliases", "description")

    objects = CaseRecordQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["case", "slug"], name="actor_slug_unique_in_case"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("casefile:actor_detail", self.case.slug, self.slug)

    @property
    def alias_list(self):
        return _lines(self.aliases)

    @property
    def name_in_other_script(self):
        """On a public page: the name as the other language writes it (肖毅 beside Xiao Yi), or None."""
        return getattr(self, "other_language_texts", {}).get("name")

    @property
    def aliases_in_other_script(self):
        return _lines(getattr(self, "other_language_texts", {}).get("aliases", ""))

    def is_known_as(self, name):
        wanted = name.strip().casefold()
        return any(wanted == known.casefold() for known in [self.name, *self.alias_list])



class Relationship(Claim):
    class Kind(models.TextChoices):
        HELD_OFFICE_IN = "held office in", gettext_lazy("held office in")
        CONTROLS = "controls", gettext_lazy("controls")
        BUSINESS_PARTNER_OF = "business partner of", gettext_lazy("business partner of")
        CONTRACTED_WITH = "contracted with", gettext_lazy("contracted with")
        SUED = "sued", gettext_lazy("sued")
        INVESTIGATED = "investigated", gettext_lazy("investigated")
        REPORTED_ON = "reported on", gettext_lazy("reported on")
        MEMBER_OF = "member of", gettext_lazy("member of")
        # Read as a sentence, "Xiao Yi tied to Lin Qingxing"; the description says how.
        OTHER = "other", gettext_lazy("tied to")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="relationships")
    subject = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    object = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(null=True, blank=True)
    starts_precision = models.CharField(
        max_length=5, choices=Precision.choices, default=Precision.DAY
    )
    ends_on = models.DateField(null=True, blank=True)
    ends_precision = models.CharField(
        max_length=5, choices=Precision.choices, default=Precision.DAY
    )
    description = models.TextField(blank=True, validators=[validate_text])
    status = claim_status_field()
    translated_texts = Translations("description")

    objects = CaseRecordQuerySet.as_manager()

    class Meta:
        ordering = ["subject__name", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(subject=models.F("object")),
                name="relationship_between_two_actors",
                violation_error_message="A relationship ties two different actors.",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="relationship_ends_after_it_starts",
                violation_error_message="The period cannot end before it starts.",
            ),
        ]

    def __str__(self):
        return f"{self.subject} {self.get_kind_display()} {self.object}"

    @property
    def period(self):
        start = dates.display(self.starts_on, self.starts_precision)
        end = dates.display(self.ends_on, self.ends_precision)
        if start and end:
            return pgettext("a period", "%(start)s – %(end)s") % {"start": start, "end": end}
        if start:
            return pgettext("a period", "from %(start)s") % {"start": start}
        if end:
            return pgettext("a period", "until %(end)s") % {"end": end}
        return ""

    def clean(self):
        self.starts_on = dates.normalise(self.starts_on, self.starts_precision)
        self.ends_on = dates.normalise(self.ends_on, self.ends_precision)
        errors = {}
        if self.subject_id and self.subject_id == self.object_id:
            errors["object"] = "A relationship ties two different actors."
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The period cannot end before it starts."
        for field in ("subject", "object"):
            actor = getattr(self, field, None) if getattr(self, f"{field}_id") else None
            if actor and self.case_id and actor.case_id != self.case_id:
                errors[field] = "This actor belongs to another case."
        if errors:
            raise ValidationError(errors)


UNDATED_EVENT = (
    "An event without a start date has no end date and no inferred date either: give the date it "
    "starts, or leave all three empty when the sources do not date it."
)


class Event(Claim):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    slug = models.SlugField(max_length=100)
    title = models.CharField(max_length=300, validators=[validate_single_line])
    description = models.TextField(blank=True, validators=[validate_text])
    status = claim_status_field()
    starts_on = models.DateField(
        null=True, blank=True,
        help_text=f"As precisely as it is known: {dates.PARTIAL_DATE_FORMS}. Left empty when the sources do "
        "not date the event: readers see “date unknown”, at the end of the timeline.",
    )
    starts_precision = models.CharField(
        max_length=5, choices=Precision.choices, default=Precision.DAY
    )
    ends_on = models.DateField(null=True, blank=True)
    ends_precision = models.CharField(
        max_length=5, choices=Precision.choices, default=Precision.DAY
    )
    date_inferred = models.BooleanField(
        default=False,
        help_text="The sources do not give this date; it is our reading of them. Readers see it "
        "marked as inferred; say in the description how it was worked out.",
    )
    location = models.CharField(max_length=200, blank=True, validators=[validate_single_line])
    participants = models.ManyToManyField(Actor, through="EventParticipant", related_name="events")
    translated_texts = Translations("title", "description", "location")

    objects = CaseRecordQuerySet.as_manager()

    class Meta:
        # Undated events last, as `timeline_key` puts them, whatever the database's habit with nulls.
        ordering = [models.F("starts_on").asc(nulls_last=True), "title"]
        constraints = [
            models.UniqueConstraint(fields=["case", "slug"], name="event_slug_unique_in_case"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="event_ends_after_it_starts",
                violation_error_message="An event cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=False) | (Q(ends_on__isnull=True) & Q(date_inferred=False)),
                name="undated_event_has_no_end_or_inferred_date",
                violation_error_message=UNDATED_EVENT,
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return record_url("casefile:event_detail", self.case.slug, self.slug)

    @property
    def date_display(self):
        if self.starts_on is None:
            return "date unknown"
        start = dates.display(self.starts_on, self.starts_precision)
        shown = f"{start} – {dates.display(self.ends_on, self.ends_precision)}" if self.ends_on else start
        return dates.mark_inferred(shown, self.date_inferred)

    @property
    def timeline_key(self):
        return (*dates.sort_key(self.starts_on, self.starts_precision), self.title)

    def clean(self):
        self.starts_on = dates.normalise(self.starts_on, self.starts_precision)
        self.ends_on = dates.normalise(self.ends_on, self.ends_precision)
        if self.starts_on is None and (self.ends_on or self.date_inferred):
            raise ValidationError({"starts_on": UNDATED_EVENT})
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "An event cannot end before it starts."})



class EventParticipant(Record):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participations")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="participations")
    role = models.CharField(
        max_length=200, help_text="The actor's part in this event.", validators=[validate_single_line]
    )
    alleged = models.BooleanField(
        "allegation", default=False,
        help_text="The event is an allegation of wrongdoing against this actor: it is published only "
        "after they were asked for comment, or an editor overrides that with a reason.",
    )

    class Meta:
        ordering = ["event", "actor__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "actor", "role"], name="participant_role_unique_in_event"
            ),
        ]

    def __str__(self):
        return f"{self.actor} ({self.role}) in {self.event}"

    def clean(self):
        if self.event_id and self.actor_id and self.event.case_id != self.actor.case_id:
            raise ValidationError({"actor": "This actor belongs to another case."})


class Fact(Claim):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="facts")
    slug = models.SlugField(max_length=100)
    statement = models.TextField(validators=[validate_text])
    status = claim_status_field()
    assessment = models.TextField(
        blank=True, help_text="The editor's assessment: why this status, what is still open.",
        validators=[validate_text],
    )
    actors = models.ManyToManyField(Actor, through="FactActor", related_name="facts")
    events = models.ManyToManyField(Event, through="FactEvent", related_name="facts")
    translated_texts = Translations("statement", "assessment")

    objects = CaseRecordQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(fields=["case", "slug"], name="fact_slug_unique_in_case"),
        ]

    def __str__(self):
        return Truncator(self.statement).words(12)

    def get_absolute_url(self):
        return record_url("casefile:fact_detail", self.case.slug, self.slug)



class FactActor(Record):
    fact = models.ForeignKey(Fact, on_delete=models.CASCADE, related_name="actor_links")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="fact_links")
    alleged = models.BooleanField(
        "allegation", default=False,
        help_text="The fact is an allegation of wrongdoing against this actor: it is published only "
        "after they were asked for comment, or an editor overrides that with a reason.",
    )

    class Meta:
        verbose_name = "actor of a fact"
        verbose_name_plural = "actors of facts"
        constraints = [
            models.UniqueConstraint(fields=["fact", "actor"], name="fact_actor_unique"),
        ]

    def __str__(self):
        return str(self.actor)

    def clean(self):
        if self.fact_id and self.actor_id and self.fact.case_id != self.actor.case_id:
            raise ValidationError({"actor": "This actor belongs to another case."})


class FactEvent(Record):
    fact = models.ForeignKey(Fact, on_delete=models.CASCADE, related_name="event_links")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="fact_links")

    class Meta:
        verbose_name = "event of a fact"
        verbose_name_plural = "events of facts"
        constraints = [
            models.UniqueConstraint(fields=["fact", "event"], name="fact_event_unique"),
        ]

    def __str__(self):
        return str(self.event)

    def clean(self):
        if self.fact_id and self.event_id and self.fact.case_id != self.event.case_id:
            raise ValidationError({"event": "This event belongs to another case."})

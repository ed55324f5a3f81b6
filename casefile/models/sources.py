"""The sources of a case file and the citations that tie its claims to them."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from .. import dates
from ..dates import Precision
from ..text import quote_word_count, validate_single_line, validate_text
from ..translations import Translations
from .claims import Stance
from .records import Case, CaseRecordQuerySet, Event, Fact, Record, Relationship, record_url

LOCATOR_PATTERN = re.compile(r"^¶[1-9][0-9]*$")
MAX_QUOTE_WORDS = 25


def normalise_locator(text):
    """A paragraph typed as "48", "¶ 48" or "¶48" is written ¶48; anything else is left as typed."""
    text = (text or "").strip()
    number = text.removeprefix("¶").strip()
    return f"¶{number}" if number.isascii() and number.isdigit() else text


DISCREDITED_NOTE_NEEDS_A_DAY = "Give the day the source was discredited, or leave the note empty."


class Source(Record):
    class Kind(models.TextChoices):
        NEWS_REPORT = "news report", gettext_lazy("News report")
        COMMENTARY = "commentary", gettext_lazy("Commentary")
        OFFICIAL_ANNOUNCEMENT = "official announcement", gettext_lazy("Official announcement")
        COURT_RULING = "court ruling", gettext_lazy("Court ruling")
        PRESS_CONFERENCE = "press conference", gettext_lazy("Press conference")
        SOCIAL_POST = "social post", gettext_lazy("Social post")
        # A person or a document that cannot be named: who or what it is lives apart (`SourceIdentity`).
        CONFIDENTIAL = "confidential", gettext_lazy("Confidential source")
        OTHER = "other", gettext_lazy("Other")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="sources")
    slug = models.SlugField(max_length=100)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(
        max_length=300, validators=[validate_single_line],
        help_text="For a confidential source, its public description, which readers see beside “a confidential "
        "source”: nothing that names them (“a municipal official with knowledge of the contract, who asked not "
        "to be named because they are not authorised to speak”).",
    )
    publisher = models.CharField(
        max_length=200, blank=True, help_text="Leave empty when unknown; pages show 'unknown'.",
        validators=[validate_single_line],
    )
    author = models.CharField(
        max_length=200, blank=True, help_text="Leave empty when unknown; pages show 'unknown'.",
        validators=[validate_single_line],
    )
    published_on = models.DateField(
        null=True, blank=True, help_text="Leave empty when the date is unknown."
    )
    published_precision = models.CharField(
        max_length=5, choices=Precision.choices, default=Precision.DAY
    )
    url = models.URLField(max_length=500, blank=True, verbose_name="URL", validators=[validate_text])
    language = models.CharField(max_length=50, blank=True, validators=[validate_single_line])
    relayed_via = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relays",
        help_text="The source through which we know this one.",
    )
    reliability_note = models.TextField(blank=True, validators=[validate_text])
    paragraph_count = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many paragraphs the document has (non-empty lines, numbered from 1); "
        "citations of it may not name a paragraph beyond this.",
    )
    discredited_on = models.DateField(
        null=True, blank=True,
        help_text="The day this source was shown to be wrong or unreliable. Once approved, its page says so, every "
        "claim resting on it is listed on the desk for another look, and no claim can be approved as confirmed "
        "on it alone.",
    )
    discredited_note = models.TextField(
        blank=True, validators=[validate_text],
        help_text="For readers: how it was discredited, and by whom.",
    )
    # A title in another language is ours, a reading of the original for the page's readers.
    translated_texts = Translations("title", "reliability_note", "discredited_note")

    objects = CaseRecordQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["case", "slug"], name="source_slug_unique_in_case"),
            models.CheckConstraint(
                condition=~Q(relayed_via=models.F("id")), name="source_not_relayed_via_itself", violation_error_message="A source cannot be relayed via itself."
            ),
            models.CheckConstraint(
                condition=~Q(kind="confidential") | Q(publisher="", author="", url=""),
                name="confidential_source_names_nothing",
                violation_error_message="A confidential source has no publisher, author or URL.",
            ),
            models.CheckConstraint(
                condition=Q(discredited_note="") | Q(discredited_on__isnull=False),
                name="source_discredited_note_has_a_day",
                violation_error_message=DISCREDITED_NOTE_NEEDS_A_DAY,
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return record_url("casefile:source_detail", self.case.slug, self.slug)

    @property
    def published_display(self):
        return dates.display(self.published_on, self.published_precision, unknown="unknown")

    @property
    def is_confidential(self):
        return self.kind == self.Kind.CONFIDENTIAL

    @property
    def is_discredited(self):
        return self.discredited_on is not None

    def clean(self):
        self.published_on = dates.normalise(self.published_on, self.published_precision)
        if self.discredited_note and self.discredited_on is None:
            raise ValidationError({"discredited_on": DISCREDITED_NOTE_NEEDS_A_DAY})
        if self.is_confidential:
            named = {name: CONFIDENTIAL_NAMES_NOTHING for name in CONFIDENTIAL_LEAVES_EMPTY if getattr(self, name)}
            if named:
                raise ValidationError(named)
        elif self.pk and Source.identity.related.related_model.objects.filter(source_id=self.pk).exists():
            raise ValidationError({"kind": (
                "This source's identity is kept apart as a confidential source's: it stays confidential until an "
                "editor or the legal desk erases that identity."
            )})
        if self.relayed_via_id:
            if self.case_id and self.relayed_via.case_id != self.case_id:
                raise ValidationError({"relayed_via": "This source belongs to another case."})
            if self.pk and self.relayed_via_id == self.pk:
                raise ValidationError({"relayed_via": "A source cannot be relayed via itself."})
            chain, step = {self.pk}, self.relayed_via
            while step is not None:
                if step.pk in chain:
                    raise ValidationError({"relayed_via": "These sources would relay each other in a loop."})
                chain.add(step.pk)
                step = step.relayed_via



# What would name a confidential source or lead to it: its identity is entered apart, for those granted it.
CONFIDENTIAL_LEAVES_EMPTY = ("publisher", "author", "url")
CONFIDENTIAL_NAMES_NOTHING = (
    "A confidential source has no publisher, author or URL that readers could trace it by: leave this empty and "
    "enter who they are in its identity, which only the people granted it can read."
)


class Citation(Record):
    Stance = Stance

    fact = models.ForeignKey(
        Fact, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    relationship = models.ForeignKey(
        Relationship, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    stance = models.CharField(max_length=20, choices=Stance.choices, default=Stance.SUPPORTS)
    locator = models.CharField(
        max_length=20,
        help_text="The paragraph of the source: its number, for example 12 (written ¶12).",
        validators=[validate_single_line],
    )
    quote = models.TextField(
        blank=True, help_text=f"Optional short verbatim quote, at most {MAX_QUOTE_WORDS} words.",
        validators=[validate_text],
    )
    note = models.TextField(blank=True, validators=[validate_text])
    quote_cleared = models.BooleanField(
        "quote cleared by an editor", default=False,
        help_text="For a confidential source only: an editor has read this quote and found nothing in it that "
        "could identify the source. Until then readers see the citation without its quote.",
    )

    PARENT_FIELDS = ("fact", "event", "relationship")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(fact__isnull=False, event__isnull=True, relationship__isnull=True)
                    | Q(fact__isnull=True, event__isnull=False, relationship__isnull=True)
                    | Q(fact__isnull=True, event__isnull=True, relationship__isnull=False)
                ),
                name="citation_supports_exactly_one_record",
                violation_error_message="A citation supports exactly one fact, event or relationship.",
            ),
        ]

    def __str__(self):
        return f"{self.source} {self.locator} ({self.get_stance_display().lower()})"

    @property
    def parent(self):
        for field in self.parent_fields():
            return getattr(self, field)
        return None

    def parent_fields(self):
        """The parent fields that are set: by id, or by a record the same form is adding."""
        return [
            name for name in self.PARENT_FIELDS
            if getattr(self, f"{name}_id") or self._meta.get_field(name).get_cached_value(self, None)
        ]

    @property
    def paragraph(self):
        return int(self.locator[1:]) if LOCATOR_PATTERN.match(self.locator or "") else None

    @property
    def quote_for_readers(self):
        """The quote readers may see: a confidential source's only once an editor cleared it."""
        if self.quote_cleared or not self.source.is_confidential:
            return self.quote
        return ""

    def clean(self):
        errors = {}
        # An inline form adding a fact and its first citation hands the citation
        # a fact that has no id yet.
        parents = self.parent_fields()
        if len(parents) != 1:
            errors["__all__"] = "A citation supports exactly one fact, event or relationship."
        self.locator = normalise_locator(self.locator)
        if not LOCATOR_PATTERN.match(self.locator):
            errors["locator"] = "Write the paragraph as ¶ followed by its number, for example ¶12."
        words = quote_word_count(self.quote)
        if words > MAX_QUOTE_WORDS:
            errors["quote"] = (
                f"A quote may be at most {MAX_QUOTE_WORDS} words; this one has {words}. Each Chinese, "
                "Japanese or Korean character counts as a word. Shorten it or paraphrase in the note."
            )
        paragraph, source = self.paragraph, self.source if self.source_id else None
        if paragraph and source and source.paragraph_count and paragraph > source.paragraph_count:
            errors["locator"] = (
                f"{source} has {source.paragraph_count} paragraphs; there is no {self.locator}."
            )
        parent = self.parent if len(parents) == 1 else None
        if parent is not None and self.source_id and parent.case_id != self.source.case_id:
            errors["source"] = "This source belongs to another case."
        if errors:
            raise ValidationError(errors)

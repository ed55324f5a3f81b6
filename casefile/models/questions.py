"""Open questions: what a case file cannot establish yet, and the records each concerns."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy

from ..text import validate_text
from ..translations import Translations
from .records import Case, CaseRecordQuerySet, Event, Fact, Record, Relationship
from .sources import Source


class OpenQuestion(Record):
    """What the case file cannot yet establish, and what would settle it."""

    class State(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        ANSWERED = "answered", gettext_lazy("Answered")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="open_questions")
    slug = models.SlugField(max_length=100)
    question = models.TextField(
        help_text="What is still not established, asked as readers would ask it.", validators=[validate_text]
    )
    settled_by = models.TextField(
        verbose_name="what would settle it",
        help_text="The document, ruling, record or reply that would answer it.",
        validators=[validate_text],
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    answer = models.TextField(
        blank=True, help_text="Once answered: the answer and what it rests on.", validators=[validate_text]
    )
    translated_texts = Translations("question", "settled_by", "answer")

    objects = CaseRecordQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(fields=["case", "slug"], name="open_question_slug_unique_in_case"),
            models.CheckConstraint(
                condition=~Q(state="answered") | ~Q(answer=""),
                name="answered_question_has_answer",
                violation_error_message="An answered question says what the answer is.",
            ),
        ]

    def __str__(self):
        return Truncator(self.question).words(12)

    def get_absolute_url(self):
        return reverse("casefile:case_detail", args=[self.case.slug]) + f"#question-{self.slug}"

    @property
    def is_open(self):
        return self.state == self.State.OPEN

    def clean(self):
        if self.state == self.State.ANSWERED and not self.answer.strip():
            raise ValidationError({"answer": "An answered question says what the answer is."})


class QuestionConcern(Record):
    """A record an open question concerns: a fact, an event, a relationship or a source."""

    question = models.ForeignKey(OpenQuestion, on_delete=models.CASCADE, related_name="concerns")
    fact = models.ForeignKey(Fact, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    relationship = models.ForeignKey(
        Relationship, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    RECORD_FIELDS = ("fact", "event", "relationship", "source")

    class Meta:
        verbose_name = "record a question concerns"
        verbose_name_plural = "records questions concern"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(fact__isnull=False, event__isnull=True, relationship__isnull=True, source__isnull=True)
                    | Q(fact__isnull=True, event__isnull=False, relationship__isnull=True, source__isnull=True)
                    | Q(fact__isnull=True, event__isnull=True, relationship__isnull=False, source__isnull=True)
                    | Q(fact__isnull=True, event__isnull=True, relationship__isnull=True, source__isnull=False)
                ),
                name="question_concerns_exactly_one_record",
                violation_error_message="Each row names exactly one fact, event, relationship or source.",
            ),
        ]

    def __str__(self):
        record = self.record
        return f"{record._meta.verbose_name} “{record}”" if record is not None else "—"

    @property
    def record(self):
        for name in self.RECORD_FIELDS:
            if getattr(self, f"{name}_id"):
                return getattr(self, name)
        return None

    def clean(self):
        named = [name for name in self.RECORD_FIELDS if getattr(self, f"{name}_id")]
        if len(named) != 1:
            raise ValidationError("Each row names exactly one fact, event, relationship or source.")
        question = self.question if self.question_id else None
        if question is not None and getattr(self, named[0]).case_id != question.case_id:
            raise ValidationError({named[0]: "This record belongs to another case."})

"""What readers see, kept beside the log: one publication per public record, and cache generations."""

import functools

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVectorField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, models
from django.urls import reverse
from django.utils.text import capfirst

from ..history import tracked_fields
from ..translations import localize
from .records import Case, Fact


class PublicationGeneration(models.Model):
    """A number that moves on, inside the same transaction, with every approval.

    Public pages are cached under the numbers of their scopes: every page
    under "everything", a case's pages under "case:<slug>", and the pages
    that read every case (the case list, search) under "listings". An
    approval moves on the scopes it changes, so the commit that changes what
    readers see is the one that retires those cached pages, and only those.
    A number is taken from the clock when that is larger than the next one,
    so a database restored from a backup never reuses a number that pages of
    a later state were cached under.
    """

    scope = models.CharField(max_length=120, unique=True)
    number = models.BigIntegerField(default=0)

    def __str__(self):
        return f"Publication generation {self.number} of {self.scope}"


class PublicationQuerySet(models.QuerySet):
    def of_kind(self, model):
        return self.filter(content_type=ContentType.objects.get_for_model(model))

    def for_case(self, case):
        return self.filter(case=case)


class Publication(models.Model):
    """A record readers see now: which approved version, since when, and its searchable text.

    One row per public record, the live state beside the decision log (as
    Wagtail keeps live content beside its revisions). Written only by
    `workflow.publication`, inside the approval's transaction: an approval of
    a removal, or an editor's deletion, takes the row away. The page readers
    get of it is kept apart (`KeptPage`). Pages of today read these rows; pages as of a past date and the
    corrections log read the log.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.BigIntegerField()
    history_id = models.BigIntegerField(help_text="The approved version readers see.")
    approval = models.ForeignKey(
        "casefile.Decision", on_delete=models.CASCADE, related_name="+",
        help_text="The approval that published this version.",
    )
    published_at = models.DateTimeField(help_text="When this version was approved.")
    first_published_at = models.DateTimeField(help_text="When readers first saw the record.")
    content = models.JSONField(
        default=dict, encoder=DjangoJSONEncoder,
        help_text="The approved version's fields, as pages show them, and when it was saved.",
    )
    slug = models.SlugField(max_length=100, blank=True)
    label = models.TextField(blank=True, help_text="What a search result shows.")
    status = models.CharField(
        max_length=20, blank=True, choices=Fact.Status.choices, help_text="A fact's, event's or relationship's status; blank for the rest."
    )
    body = models.TextField(blank=True, help_text="Every searched field, one per line; blank if not searched.")
    # Filled on PostgreSQL only, where search ranks by it.
    vector = SearchVectorField(null=True, editable=False)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["content_type", "case"]),
            models.Index(fields=["history_id"]),
            # A reader's page is found by its kind, slug and case: one index entry, however large the case.
            models.Index(fields=["content_type", "slug", "case"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                name="one_publication_per_record",
                violation_error_message="A record is published once at most.",
            ),
        ]

    def __str__(self):
        return f"Published {self.kind_label.lower()} #{self.object_id} (version {self.history_id})"

    def get_absolute_url(self):
        """The record's public page, under the slug of the case it is read with."""
        return reverse(f"casefile:{self.content_type.model}_detail", args=[self.case.slug, self.slug])

    @property
    def kind_label(self):
        """The kind of the record, as readers of the page's language call it: 'Fact', '事实'."""
        from ..published.words import kind_name  # the published layer reads these models

        return capfirst(kind_name(self.content_type.model_class()))

    @staticmethod
    def content_of(model, version, text_dates=None):
        """What a row keeps of an approved version: its fields, when it was saved, and when each of its
        texts was written in each language (`translations.text_dates()`)."""
        content = {field.attname: getattr(version, field.attname) for field in tracked_fields(model)}
        content[SAVED_AT] = version.history_date
        if text_dates is not None:
            content[TEXT_DATES] = text_dates
        return content

    def record(self, model):
        """The approved version as a record of `model`, as the public pages show it.

        `version_id`, `version_date` and `approved_at` say which version it is,
        when it was saved and when it was approved.
        """
        return record_from_content(model, self.content, self.history_id, self.published_at)


class KeptPage(models.Model):
    """The public page of a published case or record in one language, rendered once and served to every
    reader of today who reads that language.

    Kept apart from its Publication row, which approvals lock: a change marks
    the page stale (`rendered_with` blank) once it holds its case's
    publishing lock, and the task worker keeps it again holding that lock
    shared, so neither ever waits for a row the other holds first. Created
    stale with its Publication row by `workflow.publication`; written by
    `publishing.kept_pages`.
    """

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="kept_pages")
    language = models.CharField(max_length=20, help_text="The language of LANGUAGES the page is in.")
    page = models.TextField(
        blank=True,
        help_text="The page as readers get it today, rendered since it or what it shows was last published; "
                  "blank where it is rendered for each reader.",
    )
    document = models.TextField(blank=True, help_text="A case's case.json, rendered as its page is; blank for other records.")
    rendered_with = models.CharField(
        max_length=32, blank=True,
        help_text="The release the page was rendered by (`published.rendered.release()`); blank while it is "
                  "stale, until it is kept again.",
    )
    surrogate_keys = models.TextField(
        blank=True, help_text="The edge cache's keys of the page: the records it shows (`publishing.edge`).",
    )
    stamp = models.PositiveBigIntegerField(
        default=0,
        help_text="Drawn anew each time the page is kept: a process serving the page holds its bytes "
                  "for one stamp and reads the page again only for another.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "language"], name="one_kept_page_per_language"),
        ]

    def __str__(self):
        return f"Kept page of {self.publication} ({self.language})"

    @classmethod
    def stale_pages_of(cls, publication):
        """The pages of a new Publication row, one per language, stale until the worker keeps them."""
        return [cls(publication=publication, language=code) for code, _ in settings.LANGUAGES]

    @property
    def is_current(self):
        from ..published.rendered import release

        return self.rendered_with == release()


class PublicationRead(models.Model):
    """A record the kept page shows: publishing the record renders that page again."""

    page = models.ForeignKey(KeptPage, on_delete=models.CASCADE, related_name="reads")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.page} shows {self.content_type.model} #{self.object_id}"


# What `record_from_content` reads of a row, in this order.
RECORD_COLUMNS = ("content", "history_id", "published_at")


def record_from_content(model, content, history_id, published_at):
    """A record of `model` built from a publication's content, without a query.

    Pages build thousands of these for a large case: the fields are set as
    they are, and only those JSON cannot hold (dates, times, decimals) are
    converted, once, instead of through the model's constructor.
    """
    record = model.__new__(model)
    values = record.__dict__
    for name, convert, field in _fields_of(model):
        if name in content:
            value = content[name]
            values[name] = value if convert is None or value is None else convert(value)
        else:
            # A field added after the version was approved reads as its default.
            values[name] = field.get_default()
    state = values["_state"] = models.base.ModelState()
    state.adding, state.db = False, DEFAULT_DB_ALIAS
    values["version_id"], values["approved_at"] = history_id, published_at
    saved_at = content.get(SAVED_AT)
    values["version_date"] = _to_datetime(saved_at) if saved_at is not None else None
    if TEXT_DATES in content:
        values["text_dates"] = {
            text: {language: _to_datetime(when) for language, when in written.items()}
            for text, written in content[TEXT_DATES].items()
        }
    return localize(record)


_to_datetime = models.DateTimeField().to_python


@functools.cache
def _fields_of(model):
    """Each concrete field's attribute name, the conversion its JSON value needs (or None), and the field."""
    converted = (models.DateField, models.TimeField, models.DecimalField, models.UUIDField, models.DurationField)
    return tuple(
        (field.attname, field.to_python if isinstance(field, converted) else None, field)
        for field in model._meta.concrete_fields
    )


# The key of `Publication.content` that holds when the version was saved.
SAVED_AT = "_saved_at"
TEXT_DATES = "_text_dates"

"""What readers see, kept beside the log: cache generations and search entries."""

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse

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


class SearchEntry(models.Model):
    """The searchable text of one record as readers see it now.

    Derived from the current approvals and written with them
    (`published.index_for_search()`), so search reads one short row per public
    record instead of the text of every approved version.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.BigIntegerField()
    history_id = models.BigIntegerField(help_text="The approved version the text was taken from.")
    slug = models.SlugField(max_length=100)
    label = models.TextField(help_text="What a search result shows.")
    status = models.CharField(
        max_length=20, blank=True, choices=Fact.Status.choices, help_text="A fact's status; blank for the rest."
    )
    body = models.TextField(help_text="Every searched field, one per line.")
    # Filled on PostgreSQL only, where search ranks by it.
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name_plural = "search entries"
        indexes = [models.Index(fields=["content_type", "case"])]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                name="one_search_entry_per_record",
                violation_error_message="A record has one search entry at most.",
            ),
        ]

    def __str__(self):
        return f"Search entry of {self.kind_label.lower()} “{self.label[:80]}”"

    def get_absolute_url(self):
        """The record's public page, under the slug of the case it is read with."""
        return reverse(f"casefile:{self.content_type.model}_detail", args=[self.case.slug, self.slug])

    @property
    def kind_label(self):
        return self.content_type.model_class()._meta.verbose_name.capitalize()

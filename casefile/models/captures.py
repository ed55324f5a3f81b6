"""The newsroom's own copies of its sources, and where each citation's quote stands in them.

A capture is evidence: who made it, when and how are written once
(`workflow.captures`) and never changed. It reaches readers only once an
editor confirms it, as any change does; until then, and if an editor
declines it, it is for staff alone. Only that review and the fixity check
write to it again, each in its own fields.
"""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy

from ..text import validate_text
from .sources import Citation, Source

SHA256_HEX = r"^[0-9a-f]{64}$"


def capture_storage():
    """Where the files of captures live: STORAGES["captures"], read when asked so tests can point it elsewhere."""
    return storages["captures"]


class CaptureQuerySet(models.QuerySet):
    def confirmed(self):
        """The copies an editor confirmed: the only ones readers are told of."""
        return self.filter(review=Capture.Review.CONFIRMED)

    def waiting(self):
        return self.filter(review=Capture.Review.WAITING)

    def newest_first(self):
        return self.order_by("-captured_at", "-id")

    def with_reader_download(self):
        """Annotate `shared` (an editor shared the source's copies) and `downloadable`: readers may
        download the copy.

        The one rule for it: an editor confirmed the copy and shared its
        source's copies, and the stored file still matched its SHA-256 at its
        last check (readers are told that SHA-256).
        """
        return self.annotate(
            shared=Exists(SharedSource.objects.filter(source_id=OuterRef("source_id"))),
        ).annotate(
            downloadable=ExpressionWrapper(
                Q(shared=True, review=Capture.Review.CONFIRMED) & ~Q(last_check_passed=False),
                output_field=BooleanField(),
            ),
        )


class Capture(models.Model):
    """One copy of a source as the newsroom received it: a file uploaded, or a page fetched."""

    class Method(models.TextChoices):
        UPLOAD = "upload", "uploaded in the admin"
        FETCH = "fetch", "fetched from the source's address"

    class Comparison(models.TextChoices):
        FIRST = "first", gettext_lazy("the first copy of this source")
        IDENTICAL = "identical", gettext_lazy("identical to the copy before")
        CHANGED = "changed", gettext_lazy("changed since the copy before")

    class Review(models.TextChoices):
        WAITING = "waiting", "waiting for an editor"
        CONFIRMED = "confirmed", "confirmed by an editor"
        DECLINED = "declined", "declined by an editor"

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="captures")
    method = models.CharField(max_length=10, choices=Method.choices)
    captured_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    captured_at = models.DateTimeField()
    url = models.URLField(max_length=2000, blank=True, verbose_name="URL",
                          help_text="The address fetched, after any redirects.")
    file_name = models.CharField(max_length=255, blank=True, help_text="The name of the file uploaded.")
    stored_as = models.CharField(max_length=500, unique=True,
                                 help_text="The file's name in the captures storage.")
    stored_size = models.BigIntegerField(help_text="Bytes of the stored file.")
    stored_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the stored file.")
    size = models.BigIntegerField(help_text="Bytes of the document.")
    sha256 = models.CharField(max_length=64, verbose_name="SHA-256",
                              help_text="SHA-256 of the document, as readers holding it can compute it.")
    content_type = models.CharField(max_length=100, help_text="Read from the content itself.")
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    http_headers = models.JSONField(default=list, blank=True, help_text="The response headers, in order.")
    paragraphs = models.JSONField(
        default=list, blank=True,
        help_text="The text of the document, one entry per non-empty block: ¶N is entry N.",
    )
    previous = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 help_text="The copy of the same source before this one.")
    comparison = models.CharField(max_length=10, choices=Comparison.choices)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_check_passed = models.BooleanField(null=True, blank=True)
    verified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the stored file last matched its SHA-256."
    )
    mismatch = models.TextField(blank=True, help_text="What the last check found instead.")
    review = models.CharField(
        max_length=10, choices=Review.choices, default=Review.WAITING,
        help_text="Readers are told of a copy, and its citations are anchored in it, once an editor confirms it.",
    )
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", help_text="The editor who confirmed or declined it.")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True, help_text="Why the editor declined it.", validators=[validate_text])

    objects = CaptureQuerySet.as_manager()

    class Meta:
        ordering = ["-captured_at", "-id"]
        indexes = [models.Index(fields=["source", "captured_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=SHA256_HEX) & Q(stored_sha256__regex=SHA256_HEX),
                name="capture_hashes_are_sha256",
                violation_error_message="A SHA-256 is 64 lower-case hexadecimal digits.",
            ),
            models.CheckConstraint(
                condition=Q(size__gte=0) & Q(stored_size__gte=0),
                name="capture_sizes_not_negative",
                violation_error_message="A size cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(previous__isnull=True, comparison="first")
                | Q(previous__isnull=False, comparison__in=["identical", "changed"]),
                name="capture_compared_with_the_one_before",
                violation_error_message="Only the first copy of a source has no copy before it.",
            ),
            models.CheckConstraint(
                condition=Q(review="waiting", reviewed_by__isnull=True, reviewed_at__isnull=True)
                | (~Q(review="waiting") & Q(reviewed_at__isnull=False)),
                name="capture_reviewed_when_decided",
                violation_error_message="A copy confirmed or declined says when; one waiting names no editor.",
            ),
            models.CheckConstraint(
                condition=~Q(review="declined") | (Q(reviewed_by__isnull=False) & ~Q(review_note="")),
                name="capture_declined_by_an_editor_with_a_reason",
                violation_error_message="Declining a copy needs an editor and a reason.",
            ),
        ]

    def __str__(self):
        return f"Copy of “{self.source}” captured {self.captured_at:%d %b %Y %H:%M}"

    def get_admin_url(self):
        return reverse("admin:casefile_capture_change", args=[self.pk])

    @property
    def text(self):
        return "\n\n".join(self.paragraphs)

    @property
    def is_altered(self):
        return self.last_check_passed is False

    @property
    def is_waiting(self):
        return self.review == self.Review.WAITING

    def open_stored(self):
        """The stored file, opened for reading: a WARC file for a page fetched."""
        return capture_storage().open(self.stored_as, "rb")

    def document_chunks(self, size=1024 * 1024):
        """The document's own bytes, a chunk at a time: what its SHA-256 is taken of."""
        from warcio.archiveiterator import ArchiveIterator

        with self.open_stored() as stored:
            if self.method == self.Method.UPLOAD:
                yield from iter(lambda: stored.read(size), b"")
                return
            for record in ArchiveIterator(stored):
                if record.rec_type == "response":
                    yield from iter(lambda: record.raw_stream.read(size), b"")
                    return

    @property
    def extension(self):
        return {"application/pdf": "pdf", "text/html": "html", "text/plain": "txt"}.get(self.content_type, "bin")


class SharedSource(models.Model):
    """An editor's word that readers may download our copies of this source."""

    source = models.OneToOneField(Source, on_delete=models.CASCADE, related_name="sharing")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shared_at = models.DateTimeField()

    def __str__(self):
        return f"Copies of “{self.source}” shared with readers"


class QuoteAnchor(models.Model):
    """Where an approved version of a citation stands in a copy of its source.

    Derived data, written by the workflow: at approval, after a new copy, and
    when an editor resolves an orphan. The selector follows the W3C Web
    Annotation TextQuoteSelector (exact, prefix, suffix) over the copy's text,
    with the paragraph cited and the position in that text.
    """

    class State(models.TextChoices):
        ANCHORED = "anchored", "found in our copy"
        ORPHANED = "orphaned", "not found in the newest copy"
        KEPT = "kept", "kept on an earlier copy by an editor"

    citation = models.ForeignKey(Citation, on_delete=models.CASCADE, related_name="anchors")
    citation_version = models.BigIntegerField(help_text="The historical version of the citation anchored.")
    capture = models.ForeignKey(Capture, on_delete=models.PROTECT, related_name="anchors",
                                help_text="The copy searched.")
    state = models.CharField(max_length=10, choices=State.choices)
    last_found_in = models.ForeignKey(
        Capture, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The latest copy the passage was found in.",
    )
    paragraph = models.PositiveIntegerField()
    exact = models.TextField(blank=True)
    prefix = models.TextField(blank=True)
    suffix = models.TextField(blank=True)
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    anchored_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+", help_text="The editor who kept it.")
    note = models.TextField(blank=True, validators=[validate_text])
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["-anchored_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["citation"], condition=Q(is_current=True), name="one_current_anchor_per_citation",
                violation_error_message="A citation has one current anchor at most.",
            ),
            models.CheckConstraint(
                condition=Q(state="orphaned") | Q(start__isnull=False, end__isnull=False, end__gte=models.F("start")),
                name="anchor_found_has_a_position",
                violation_error_message="A passage found has a position in the copy.",
            ),
            models.CheckConstraint(
                condition=~Q(state="kept") | (Q(decided_by__isnull=False) & ~Q(note="")),
                name="anchor_kept_by_an_editor_with_a_reason",
                violation_error_message="Keeping a citation on an earlier copy needs an editor and a reason.",
            ),
        ]

    def __str__(self):
        return f"{self.citation} {self.get_state_display()}"

    @property
    def stands_in(self):
        """The copy whose text holds the passage, if any."""
        return self.last_found_in if self.state == self.State.ORPHANED else self.capture

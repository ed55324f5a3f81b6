"""Review conversations: staff comments on a field of a version waiting for review, and the replies to them.

A thread stays with the version it was made on (`history_id`): a later
version does not move it, it only tells that the words it was about have
changed since. Comments are the newsroom's conversation, never the record's
content: simple-history does not track them (each row says who wrote it and
when, and who resolved the thread), no public page, feed, search or reader's
export reads them, and `export_case` keeps them with the staff backup.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import Truncator

from ..text import validate_text
from .records import Case


class ReviewComment(models.Model):
    """A thread: what someone said about a field, or a passage of it, of one version of a record."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="review_comments")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.BigIntegerField()
    history_id = models.BigIntegerField(help_text="The version the comment was made on.")
    field_name = models.CharField(max_length=100)
    passage = models.TextField(
        blank=True, validators=[validate_text],
        help_text="The words of the field the comment is about, as they stood in that version; empty for the "
        "field as a whole.",
    )
    text = models.TextField(validators=[validate_text])
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "review comment"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""), name="review_comment_says_something",
                violation_error_message="A comment says something.",
            ),
            models.CheckConstraint(
                condition=Q(resolved_by__isnull=True) | Q(resolved_at__isnull=False),
                name="resolved_comment_says_when",
                violation_error_message="A resolved thread says when it was resolved.",
            ),
        ]

    def __str__(self):
        return Truncator(self.text).words(12)

    def get_absolute_url(self):
        """The thread on the form of the record it is about: everyone on a review can open that."""
        from ..workflow.changes import top_level_of

        model, pk = top_level_of(self.record_model, self.object_id)
        return reverse(f"admin:casefile_{model._meta.model_name}_change", args=[pk]) + f"#thread-{self.pk}"

    @property
    def record_model(self):
        return self.content_type.model_class()

    @property
    def is_resolved(self):
        return self.resolved_at is not None

    def clean(self):
        if not self.text.strip():
            raise ValidationError({"text": "A comment says something."})


class ReviewReply(models.Model):
    """An answer on a thread."""

    comment = models.ForeignKey(ReviewComment, on_delete=models.CASCADE, related_name="replies")
    text = models.TextField(validators=[validate_text])
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "reply to a review comment"
        verbose_name_plural = "replies to review comments"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""), name="review_reply_says_something",
                violation_error_message="A reply says something.",
            ),
        ]

    def __str__(self):
        return Truncator(self.text).words(12)

    def clean(self):
        if not self.text.strip():
            raise ValidationError({"text": "A reply says something."})


class CommentNotice(models.Model):
    """A comment or reply someone is to hear of by email, until the one email of its burst has gone."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(ReviewComment, on_delete=models.CASCADE, related_name="+")
    reply = models.ForeignKey(ReviewReply, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["recipient", "sent_at"])]

    def __str__(self):
        return f"To {self.recipient}: {self.reply or self.comment}"

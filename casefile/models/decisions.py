"""The decision log: every approval and rejection of a version, by whom, when and why.

An approval for later ("approved for later", with its `Schedule`) decides
on a version without publishing it; at the set time an approval of that
same version follows in the log, dated when readers first saw it.

A plain log: what readers see now is kept in `Publication`.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from ..text import validate_text
from .records import Case


class Decision(models.Model):
    """An editor's approval or rejection of exactly one version of one record."""

    class Action(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SCHEDULED = "scheduled", "Approved for later"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.BigIntegerField()
    history_id = models.BigIntegerField(help_text="The historical version decided on.")
    object_repr = models.CharField(max_length=300)
    action = models.CharField(max_length=10, choices=Action.choices)
    removes = models.BooleanField(
        default=False, help_text="The approved version takes the record off the public pages."
    )
    for_legal_reasons = models.BooleanField(
        default=False,
        help_text="A removal made for legal reasons: readers are told that a record was removed and why, "
        "in general terms, never its text.",
    )
    changed_fields = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    decided_at = models.DateTimeField(db_index=True)
    comment = models.TextField(
        blank=True, help_text="For the newsroom: the reporter reads it; readers never do.",
        validators=[validate_text],
    )
    public_note = models.TextField(
        blank=True, help_text="For readers: shown with the approval in the corrections log and the feeds.",
        validators=[validate_text],
    )
    batch = models.UUIDField(help_text="Decisions taken together in one approval.")

    class Meta:
        ordering = ["-decided_at", "-id"]
        permissions = [("approve_changes", "Can approve and reject changes")]
        indexes = [
            models.Index(fields=["content_type", "object_id", "decided_at"]),
            models.Index(fields=["case", "content_type", "action"]),
            models.Index(fields=["content_type", "history_id"]),
            # When a case was first published and last updated, on every page.
            models.Index(fields=["case", "action", "decided_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action="rejected") | ~Q(comment=""),
                name="rejection_has_comment",
                violation_error_message="A rejection needs a comment for the reporter.",
            ),
            models.CheckConstraint(
                condition=Q(for_legal_reasons=False) | Q(removes=True),
                name="only_a_removal_is_for_legal_reasons",
                violation_error_message="Only a removal is made for legal reasons.",
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.object_repr}"

"""Who a confidential source is, kept apart from the case file.

A confidential source is a `Source` of the kind "confidential": its title is
the public description readers see, versioned and approved like any field.
Who they are lives here, in a record that simple-history never copies, so no
version, diff, review, email, search entry, export or public page holds it;
its fields are encrypted at rest (`casefile.encryption`). Who may read it is
granted per source and person (`IdentityGrant`), and every reading is logged
(`IdentityLogEntry`). The rules are in `casefile.workflow.identities`.

A grant table of our own rather than django-guardian: one kind of object
takes one permission ("may read this identity"), the grants are shown and
logged beside the identity, and revoking one is deleting a row.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse

from ..encryption import EncryptedTextField
from ..text import validate_text
from .sources import Source


class SourceIdentity(models.Model):
    """The identity of one confidential source: encrypted, never versioned, read only by those granted it."""

    source = models.OneToOneField(Source, on_delete=models.CASCADE, related_name="identity")
    name = EncryptedTextField(help_text="Their name; for a document, what it is and where it comes from.",
                              validators=[validate_text])
    role = EncryptedTextField(blank=True, help_text="Their position, and why it lets them know.",
                              validators=[validate_text])
    contact = EncryptedTextField("how to reach them", blank=True, validators=[validate_text])
    how_we_know = EncryptedTextField("how we know them", blank=True, validators=[validate_text],
                                     help_text="How they came to us, and who vouches for them.")
    notes = EncryptedTextField("reporter's notes", blank=True, validators=[validate_text])
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Who entered it: they may read it without a grant.",
    )
    added_at = models.DateTimeField()
    changed_at = models.DateTimeField()

    IDENTITY_FIELDS = ("name", "role", "contact", "how_we_know", "notes")

    class Meta:
        verbose_name = "identity of a confidential source"
        verbose_name_plural = "identities of confidential sources"

    def __str__(self):
        return f"Identity of source #{self.source_id}"

    def get_absolute_url(self):
        return reverse("admin:casefile_source_identity", args=[self.source_id])


class IdentityGrant(models.Model):
    """One person, by name, may read the identity of one confidential source, until it is revoked."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="identity_grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
    )
    granted_at = models.DateTimeField()

    class Meta:
        ordering = ["granted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "user"], name="one_identity_grant_per_person"),
        ]

    def __str__(self):
        return f"{self.user} may read the identity of source #{self.source_id}"


class IdentityLogEntry(models.Model):
    """Who read, changed, granted or erased the identity of a confidential source, and when.

    It outlives the identity and its source: once an identity is erased, the
    only entry left for it says that it existed, who erased it and when.
    """

    class Action(models.TextChoices):
        ADDED = "added", "entered the identity"
        VIEWED = "viewed", "read the identity"
        CHANGED = "changed", "changed the identity"
        GRANTED = "granted", "granted it to"
        REVOKED = "revoked", "revoked it from"
        RESTORED = "restored", "restored it from an export"
        ERASED = "erased", "erased the identity"

    # Kept after the source itself is deleted: no constraint ties the log to the row.
    source = models.ForeignKey(Source, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Whom a grant or a revocation named.",
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "identity log entries"
        indexes = [models.Index(fields=["source", "at"])]

    def __str__(self):
        who = self.user or "someone"
        person = f" {self.person}" if self.person_id else ""
        return f"{who} {self.get_action_display()}{person}"

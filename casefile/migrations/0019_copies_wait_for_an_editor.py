"""A new copy of a source waits for an editor before readers are told of it.

Copies kept before were shown to readers at once: they stay shown, as
confirmed when they were captured, by no editor in particular.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def copies_kept_before_stay_shown(apps, schema_editor):
    apps.get_model("casefile", "Capture").objects.update(review="confirmed", reviewed_at=F("captured_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("casefile", "0018_kept_pages_apart"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="capture",
            name="review",
            field=models.CharField(
                choices=[("waiting", "waiting for an editor"), ("confirmed", "confirmed by an editor"),
                         ("declined", "declined by an editor")],
                default="waiting",
                help_text="Readers are told of a copy, and its citations are anchored in it, once an editor confirms it.",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="capture",
            name="review_note",
            field=models.TextField(blank=True, help_text="Why the editor declined it."),
        ),
        migrations.AddField(
            model_name="capture",
            name="reviewed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="capture",
            name="reviewed_by",
            field=models.ForeignKey(
                blank=True, help_text="The editor who confirmed or declined it.", null=True,
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(copies_kept_before_stay_shown, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="capture",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("review", "waiting"), ("reviewed_at__isnull", True), ("reviewed_by__isnull", True)),
                    models.Q(models.Q(("review", "waiting"), _negated=True), ("reviewed_at__isnull", False)),
                    _connector="OR",
                ),
                name="capture_reviewed_when_decided",
                violation_error_message="A copy confirmed or declined says when; one waiting names no editor.",
            ),
        ),
        migrations.AddConstraint(
            model_name="capture",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("review", "declined"), _negated=True),
                    models.Q(("reviewed_by__isnull", False), models.Q(("review_note", ""), _negated=True)),
                    _connector="OR",
                ),
                name="capture_declined_by_an_editor_with_a_reason",
                violation_error_message="Declining a copy needs an editor and a reason.",
            ),
        ),
    ]

"""Approving for later in tests: the task backend that can wait, and an editor's approval with a time."""

import datetime

from django.utils import timezone

from casefile import workflow
from tests.factories import committed

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "edge", "mail"]}}
MARKER = "EMBARGOED-7F3Q"


def soon(minutes=1):
    return timezone.now() + datetime.timedelta(minutes=minutes)


def versions_to_approve(*records):
    """{(model, pk): history_id} of everything the reviews of `records` would approve."""
    versions = {}
    for record in records:
        for change in workflow.review_bundle(type(record), record.pk):
            versions[(change.model, change.pk)] = change.latest.history_id
    return versions


def approve_for_later(editor, goes_live_at, *records, comment="For the morning story", public_note=""):
    """Approve the waiting changes of `records` to go live at `goes_live_at`; the schedule made."""
    with committed():
        workflow.approve(editor, versions_to_approve(*records), comment, public_note, goes_live_at=goes_live_at)
    from casefile.models import Schedule

    return Schedule.objects.latest("id")

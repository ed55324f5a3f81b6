"""Emails: editors hear of changes waiting for review, reporters of decisions on theirs."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse

from .changes import EDITORS, key_for, record_changes



def _emails(users):
    return sorted({user.email for user in users if user and user.email})


def editors():
    User = get_user_model()
    return User.objects.filter(
        Q(is_superuser=True) | Q(groups__name=EDITORS), is_active=True
    ).distinct()


def announce_changes(record, user):
    """Tell the editors that a record has changes waiting for review."""
    recipients = _emails(u for u in editors() if u != user)
    if not recipients or not record_changes(type(record), record.pk):
        return
    url = settings.SITE_URL + reverse("admin:casefile_review", args=[key_for(type(record), record.pk)])
    send_mail(
        subject=f"[Casefile] Waiting for review: {record}",
        message=f"{user} changed the {record._meta.verbose_name} “{record}”.\n\nReview it: {url}\n",
        from_email=None,
        recipient_list=recipients,
    )


def _tell_authors(changes, outcome, editor, comment):
    authors = {r["user"] for change in changes for r in change.reasons if r["user"]}
    recipients = _emails(a for a in authors if a != editor)
    if not recipients:
        return
    listed = "\n".join(f"- {change.kind}: {change.label}" for change in changes)
    note = f"\n\n{editor}'s comment:\n{comment}" if comment else ""
    send_mail(
        subject=f"[Casefile] Your change was {outcome}",
        message=f"{editor} {outcome} these changes:\n{listed}{note}\n",
        from_email=None,
        recipient_list=recipients,
    )

"""Emails: editors hear of changes waiting for review, reporters of decisions on theirs.

A notice is written after the change it tells of is committed and handed to
the task worker (`send_notice`, on the `mail` queue), which sends it after
the response: a mail server that is down, refuses the message or never
answers holds up no save. The worker tries each notice again later and, if
it still cannot go, logs it in full so that it can be sent by hand.
"""

import logging
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse
from django_tasks import TaskResultStatus, task

from ..publishing.tasks import ATTEMPTS, later
from ..text import DIRECTION_CONTROLS
from .changes import EDITORS, TOP_LEVEL, key_for, parent_of, record_changes, top_level_of

logger = logging.getLogger("casefile.notify")


def one_line(text):
    """User text fit for an email header or a line of a notice.

    Runs of whitespace, line breaks among them, become one space; control and
    text-direction characters are dropped.
    """
    return "".join(
        char for char in " ".join(str(text).split())
        if unicodedata.category(char) != "Cc" and char not in DIRECTION_CONTROLS
    )


def _emails(users):
    return sorted({user.email for user in users if user and user.email})


def editors():
    User = get_user_model()
    return User.objects.filter(
        Q(is_superuser=True) | Q(groups__name=EDITORS), is_active=True
    ).distinct()


def _send(subject, body, recipients):
    """Hand one notice to the task worker. Whether it is on its way: False if it could not be queued, or,
    with tasks run in the request (TASKS_BACKEND=immediate), if it could not be sent."""
    try:
        result = send_notice.enqueue(subject, body, list(recipients))
    except Exception:
        logger.exception("Could not queue the email %r to %s. The notice, to send by hand: %r",
                         subject, ", ".join(recipients), body)
        return False
    if not result.is_finished:
        return True
    return result.status == TaskResultStatus.SUCCESSFUL and result.return_value


# After the pages: a notice may wait on a slow mail server, a reader should not.
@task(queue_name="mail", priority=-10)
def send_notice(subject, body, recipients, attempt=1):
    """Email one notice, from the task worker; whether it went out.

    A mail server that is down, refuses it or does not answer within
    EMAIL_TIMEOUT gets it again later, ATTEMPTS tries in all; after the last,
    the notice is logged in full. Run in the request, it is tried once: the
    person saving would wait for each try.
    """
    try:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)
        return True
    except OSError as error:
        # smtplib's errors are OSErrors too: refused, reset, timed out, or an SMTP error reply.
        if attempt < ATTEMPTS and send_notice.get_backend().supports_defer:
            logger.warning("Could not email %r (attempt %d of %d): %s", subject, attempt, ATTEMPTS, error)
            try:
                later(send_notice, attempt).enqueue(subject, body, recipients, attempt=attempt + 1)
                return False
            except Exception:
                logger.exception("Could not queue the email %r again.", subject)
        logger.error(
            "Could not email %r to %s after %d attempts: %s. The notice, to send by hand: %r",
            subject, ", ".join(recipients), attempt, error, body,
        )
    except Exception:
        # Anything else will not change on a second try.
        logger.exception("Could not email %r to %s. The notice, to send by hand: %r",
                         subject, ", ".join(recipients), body)
    return False


def announce_changes(record, user):
    """Tell the editors that a record has changes waiting for review.

    Returns whether they were told (True too when there was nothing to tell).
    """
    recipients = _emails(u for u in editors() if u != user)
    if not recipients or not record_changes(type(record), record.pk):
        return True
    url = settings.SITE_URL + reverse("admin:casefile_review", args=[key_for(type(record), record.pk)])
    return _send(
        f"[Casefile] Waiting for review: {one_line(record)}",
        f"{one_line(user)} changed the {record._meta.verbose_name} “{one_line(record)}”.\n\nReview it: {url}\n"
        f"The record: {record_url(type(record), record.pk)}\n",
        recipients,
    )


def record_url(model, pk, row=None):
    """The address of the form of the record a row belongs to, for a notice; `row`, a version of
    it, saves looking it up."""
    if model in TOP_LEVEL:
        owner_model, owner_pk = model, pk
    elif row is not None and parent_of(model, row):
        owner_model, name = parent_of(model, row)[0]
        owner_pk = getattr(row, f"{name}_id")
    else:
        owner_model, owner_pk = top_level_of(model, pk)
    return settings.SITE_URL + reverse(f"admin:casefile_{owner_model._meta.model_name}_change", args=[owner_pk])


def told_of_decision(changes, editor):
    """Who hears that an editor approved or rejected these changes: their authors, but the editor."""
    return sorted({r["user"] for change in changes for r in change.reasons if r["user"]} - {editor}, key=str)


def _tell_authors(changes, outcome, editor, comment):
    """Tell the authors of the changes that an editor approved or rejected them; whether they were told."""
    recipients = _emails(told_of_decision(changes, editor))
    if not recipients:
        return True
    listed = "\n".join(
        f"- {change.kind}: {one_line(change.label)}\n  {record_url(change.model, change.pk, change.latest)}"
        for change in changes
    )
    note = f"\n\n{one_line(editor)}'s comment:\n{comment}" if comment else ""
    return _send(
        f"[Casefile] Your change was {outcome}",
        f"{one_line(editor)} {outcome} these changes:\n{listed}{note}\n",
        recipients,
    )


def lawyers():
    from .legal import LEGAL

    return get_user_model().objects.filter(groups__name=LEGAL, is_active=True).distinct()


def announce_to_legal(record, user):
    """Tell the Legal group that a change of a record flagged for legal review waits for their sign-off.

    Returns whether they were told (True too when there was nothing to tell).
    """
    from .legal import legal_state

    owner_model, owner_pk = top_level_of(type(record), record.pk)
    state = legal_state(owner_model, owner_pk)
    recipients = _emails(u for u in lawyers() if u != user)
    if state is None or state.is_cleared or not recipients:
        return True
    url = settings.SITE_URL + reverse("admin:casefile_review", args=[key_for(owner_model, owner_pk)])
    return _send(
        f"[Casefile] Waiting for legal: {one_line(record)}",
        f"{one_line(user)} changed the {record._meta.verbose_name} “{one_line(record)}”, which is flagged "
        f"for legal review. An editor can approve it only once you clear it.\n\nRead it and clear or refuse it: {url}\n",
        recipients,
    )


def told_of_legal_review(changes, lawyer):
    """Who hears that a lawyer cleared or refused these changes: their authors and the editors, but the lawyer."""
    authors = {r["user"] for change in changes for r in change.reasons if r["user"]}
    return sorted({*authors, *editors()} - {lawyer}, key=str)


def tell_of_legal_review(review, changes):
    """Tell the authors of a change and the editors that legal cleared or refused it."""
    recipients = _emails(told_of_legal_review(changes, review.reviewed_by))
    if not recipients:
        return True
    url = settings.SITE_URL + reverse("admin:casefile_review", args=[review.record_key])
    listed = "\n".join(f"- {change.kind}: {one_line(change.label)}" for change in changes)
    verdict = review.get_verdict_display().lower()
    then = "An editor can now approve it." if review.verdict == "cleared" else "It cannot be approved as it is."
    return _send(
        f"[Casefile] Legal {verdict} a change: {one_line(changes[0].label)}",
        f"{one_line(review.reviewed_by)} {verdict} these changes on legal grounds. {then}\n{listed}\n\n"
        f"Comment:\n{review.comment or '(none)'}\n\nThe review: {url}\n",
        recipients,
    )


def tell_of_passed_deadline(reply_request):
    """Tell the reporter who asked for comment that the deadline passed without an outcome recorded."""
    recipients = _emails([reply_request.asked_by])
    if not recipients:
        return True
    url = settings.SITE_URL + reverse("admin:casefile_replyrequest_change", args=[reply_request.pk])
    return _send(
        f"[Casefile] Reply deadline passed: {one_line(reply_request.actor)}",
        f"The deadline of {reply_request.deadline:%d %b %Y} for {one_line(reply_request.actor)} to comment has "
        f"passed, and no answer is recorded. Record the outcome (an answer, a refusal to comment, or no "
        f"response) or a further attempt: {url}\n",
        recipients,
    )

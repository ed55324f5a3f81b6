"""Review conversations: comment on a field of a waiting version, reply, resolve; who hears of it, once per burst.

A thread names the version it was made on and the words of the field it is
about. A later version does not move it: the thread says that the text
changed since, and shows the new words beside the old. Anyone on the thread
replies; the comment's author or the author of the version resolves it.

Each comment tells the authors of the version, each reply the others on the
thread, by one email per person per burst: the notices wait as rows
(`CommentNotice`) and a task sent after the commit, some minutes later where
the task worker can wait, mails each person all that is waiting for them.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django_tasks import task

from .. import dates
from ..history import history_model, tracked_fields
from ..models import CommentNotice, ReviewComment, ReviewReply
from ..text import validate_text
from .changes import WorkflowError, case_ids_of, content_type, is_editor, latest_version, record_changes
from .compare import NOT_COMPARED, display_value
from .legal import is_lawyer

# How long the notices of a burst of comments wait for the rest of it, where the task worker can wait.
NOTICE_DELAY = datetime.timedelta(minutes=5)
# Passages longer than this are a field, not words in it.
LONGEST_PASSAGE = 1000


class CommentRefused(WorkflowError):
    pass


def may_comment(user, model):
    """Editors, the legal desk and whoever may edit the record take part in its review."""
    return bool(user and user.is_active and user.is_staff and (
        is_editor(user) or is_lawyer(user) or user.has_perm(f"casefile.change_{model._meta.model_name}")
    ))


def commentable_fields(model):
    """{field name: its label} of the fields of `model` a comment can be about."""
    precision = set(dates.precision_fields(model).values())
    return {f.name: f.verbose_name for f in tracked_fields(model)
            if f.name not in NOT_COMPARED and f.name not in precision}


def field_name_for(model, label):
    """The field a row of the review's comparison (named by its label) shows."""
    for name, verbose in commentable_fields(model).items():
        if str(verbose) == str(label):
            return name
    return None


def field_text(model, version, field_name):
    """The field of a version as the review shows it; empty for no version."""
    if version is None:
        return ""
    precision = dates.precision_fields(model)
    if field_name in precision:
        return dates.display(getattr(version, field_name), getattr(version, precision[field_name]))
    value = getattr(version, model._meta.get_field(field_name).attname)
    return "" if value in (None, "") else str(display_value(model, field_name, value))


def authors_of(model, pk, history_id):
    """Who made the version commented on, and the other versions since the one readers see: the change's authors."""
    version = history_model(model).objects.filter(id=pk, history_id=history_id).select_related("history_user").first()
    people = {version.history_user} if version is not None and version.history_user else set()
    for change in record_changes(model, pk):
        if (change.model, change.pk) == (model, pk):
            people.update(reason["user"] for reason in change.reasons if reason["user"])
    return people


def comment_on(user, model, pk, history_id, field_name, text, passage=""):
    """`user` comments on a field of version `history_id` of a record, or on `passage`, words of that field."""
    if not may_comment(user, model):
        raise CommentRefused("Only editors, the legal desk and those who edit this record take part in its review.")
    text, passage = text.strip(), " ".join(passage.split())
    if not text:
        raise CommentRefused("Write what you want to say about it: the comment is empty.")
    _validate(text, "The comment")
    _validate(passage, "The words you quoted")
    fields = commentable_fields(model)
    if field_name not in fields:
        raise CommentRefused(f"A {model._meta.verbose_name} has no field to comment on by that name.")
    with transaction.atomic():
        version = history_model(model).objects.filter(id=pk, history_id=history_id).first()
        if version is None:
            raise CommentRefused(f"That version of the {model._meta.verbose_name} does not exist.")
        words = " ".join(field_text(model, version, field_name).split())
        if passage and (len(passage) > LONGEST_PASSAGE or passage not in words):
            raise CommentRefused(
                f"The words “{Truncator(passage).chars(80)}” are not in the {fields[field_name]} of this version: "
                "quote them as they stand, or leave the passage empty to comment on the whole field."
            )
        case_id = case_ids_of([_AboutVersion(model, pk, version)])[(model, pk)]
        comment = ReviewComment(
            case_id=case_id, content_type=content_type(model), object_id=pk, history_id=history_id,
            field_name=field_name, passage=passage, text=text, author=user, created_at=timezone.now(),
        )
        comment.full_clean()
        comment.save()
        _notify(authors_of(model, pk, history_id) - {user}, comment)
    return comment


def reply_to(user, comment, text):
    """`user` answers on a thread; the others on it hear of it."""
    if not may_comment(user, comment.record_model):
        raise CommentRefused("Only editors, the legal desk and those who edit this record take part in its review.")
    text = text.strip()
    if not text:
        raise CommentRefused("Write your reply: it is empty.")
    _validate(text, "The reply")
    with transaction.atomic():
        comment = ReviewComment.objects.select_for_update().get(pk=comment.pk)
        if comment.is_resolved:
            raise CommentRefused(f"This thread was resolved by {comment.resolved_by}: comment again to raise it anew.")
        reply = ReviewReply(comment=comment, text=text, author=user, created_at=timezone.now())
        reply.full_clean()
        reply.save()
        on_thread = {comment.author, *(r.author for r in comment.replies.select_related("author"))}
        _notify(on_thread - {user}, comment, reply)
    return reply


def may_resolve(user, comment):
    return user == comment.author or user in authors_of(comment.record_model, comment.object_id, comment.history_id)


def resolve(user, comment):
    """Close a thread: by the one who commented, or an author of the change."""
    with transaction.atomic():
        comment = ReviewComment.objects.select_for_update().get(pk=comment.pk)
        if comment.is_resolved:
            raise CommentRefused(f"This thread was resolved already, by {comment.resolved_by}.")
        if not may_resolve(user, comment):
            raise CommentRefused("Only the one who commented or an author of the change resolves a thread.")
        comment.resolved_by, comment.resolved_at = user, timezone.now()
        comment.save(update_fields=["resolved_by", "resolved_at"])
    return comment


def _validate(text, what):
    try:
        validate_text(text)
    except ValidationError as error:
        raise CommentRefused(f"{what}: {' '.join(error.messages)}") from None


@dataclass
class _AboutVersion:
    model: type
    pk: int
    latest: object


# Reading threads


@dataclass
class Thread:
    """A comment with its replies, as a page shows it beside the version now waiting."""

    comment: ReviewComment
    label: str
    words_now: str | None = None
    can_resolve: bool = False

    @property
    def text_changed(self):
        """Whether the commented words are no longer in the field as it stands now."""
        return self.words_now is not None

    @property
    def last_word_by(self):
        replies = list(self.comment.replies.all())
        return replies[-1].author if replies else self.comment.author


def threads_of(records, open_only=False):
    """The threads on these records, [(model, pk)], oldest first, each read against the record's newest version."""
    condition = Q(pk__in=[])
    for model, pk in records:
        condition |= Q(content_type=content_type(model), object_id=pk)
    comments = ReviewComment.objects.filter(condition).select_related(
        "author", "resolved_by", "content_type").prefetch_related("replies__author")
    if open_only:
        comments = comments.filter(resolved_at__isnull=True)
    newest = {}
    threads = []
    for comment in comments:
        model = comment.record_model
        if (model, comment.object_id) not in newest:
            newest[(model, comment.object_id)] = latest_version(model, comment.object_id)
        version = newest[(model, comment.object_id)]
        thread = Thread(comment, str(commentable_fields(model).get(comment.field_name, comment.field_name)))
        if comment.passage and version is not None and version.history_id != comment.history_id:
            now = field_text(model, version, comment.field_name)
            if comment.passage not in " ".join(now.split()):
                thread.words_now = now
        threads.append(thread)
    return threads


def waiting_for(user):
    """The open threads in which someone else has the last word and `user` is asked: theirs, or on their change."""
    if user is None or not user.is_authenticated:
        return []
    mine = ReviewComment.objects.filter(resolved_at__isnull=True).filter(
        Q(author=user) | Q(replies__author=user)
        | Q(pk__in=CommentNotice.objects.filter(recipient=user).values("comment"))
    ).distinct().select_related("author", "content_type").prefetch_related("replies__author")
    return [comment for comment in mine
            if (list(comment.replies.all())[-1].author if comment.replies.all() else comment.author) != user]


def open_threads_on(records):
    return threads_of(records, open_only=True)


def thread_named(thread):
    """A thread as a refusal or a rejection names it: the field, the words, who said what."""
    words = f" “{thread.comment.passage}”" if thread.comment.passage else ""
    return f"{thread.label}{words}, {thread.comment.author}: {thread.comment.text}"


class ThreadsOpen(WorkflowError):
    pass


def refuse_open_threads(records):
    """An approval of these records [(model, pk)] while a thread on them is open waits for the editor to confirm it."""
    still_open = open_threads_on(records)
    if still_open:
        raise ThreadsOpen(
            f"Not approved: {len(still_open)} thread{'s are' if len(still_open) > 1 else ' is'} still open ("
            + "; ".join(thread_named(thread) for thread in still_open)
            + "). Tick “Approve with these threads open” to approve all the same."
        )


def pointing_to_threads(comment, records):
    """A rejection's comment that sends the reporter to the open threads on these records, listed, rather
    than repeating them."""
    threads = open_threads_on(records)
    if not threads:
        return comment
    listed = "\n".join(f"- {thread_named(thread)}" for thread in threads)
    return (comment.strip() + "\n\n" if comment.strip() else "") + f"See the open comments on the review:\n{listed}"


# Notices


def _notify(people, comment, reply=None):
    """Ask these people: the desk lists the thread for them, and those with an address are mailed."""
    people = [person for person in people if person and person.is_active]
    now = timezone.now()
    CommentNotice.objects.bulk_create(
        [CommentNotice(recipient=person, comment=comment, reply=reply, created_at=now) for person in people])
    for person in people:
        if person.email:
            transaction.on_commit(lambda pk=person.pk: _send_later(pk), robust=True)


def _send_later(recipient_id):
    if send_comment_notices.get_backend().supports_defer:
        send_comment_notices.using(run_after=timezone.now() + NOTICE_DELAY).enqueue(recipient_id)
    else:
        send_comment_notices.enqueue(recipient_id)


def thread_url(comment):
    return settings.SITE_URL + comment.get_absolute_url()


@task(queue_name="mail", priority=-10)
def send_comment_notices(recipient_id):
    """Mail one person, once, all the comments and replies waiting to be told to them; nothing when none wait."""
    return tell_of_comments(recipient_id)


def tell_of_comments(recipient_id):
    from .notify import _send, one_line

    recipient = get_user_model().objects.filter(pk=recipient_id).first()
    with transaction.atomic():
        waiting = list(
            CommentNotice.objects.select_for_update(of=("self",))
            .filter(recipient_id=recipient_id, sent_at__isnull=True)
            .select_related("comment__author", "comment__content_type", "reply__author")
        )
        if not waiting or recipient is None or not recipient.email:
            return True
        CommentNotice.objects.filter(pk__in=[notice.pk for notice in waiting]).update(sent_at=timezone.now())
    lines = []
    for notice in waiting:
        comment = notice.comment
        said = notice.reply or comment
        what = "replied to you" if notice.reply else "commented on your change"
        about = f"the {commentable_fields(comment.record_model).get(comment.field_name, comment.field_name)}"
        if comment.passage:
            about += f", “{one_line(Truncator(comment.passage).chars(80))}”"
        lines.append(f"- {one_line(said.author)} {what} ({about}):\n  {one_line(Truncator(said.text).chars(300))}\n"
                     f"  {thread_url(comment)}")
    count = len(waiting)
    return _send(
        f"[Casefile] {count} comment{'s' if count != 1 else ''} waiting for you",
        "On changes waiting for review:\n\n" + "\n".join(lines) + "\n\nAll that waits for you: "
        + settings.SITE_URL + reverse("admin:index") + "\n",
        [recipient.email],
    )


"""Review conversations on the review page and the record's form: the threads of each changed field, and the
one address their forms post to."""

import re
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from .. import textdiff, workflow
from ..history import history_model
from ..models import ReviewComment
from ..workflow import comments
from . import translating
from .ids import parse_id, url_id

TAG = re.compile(r"(<[^>]+>)")


@dataclass
class FieldRow:
    """One changed field of a change on a review: its diff, the words commented on marked, and its threads."""

    name: str
    label: str
    before: str
    after: str
    threads: list = field(default_factory=list)
    # Beside its translations (`translating.side_by_side`): the language it is in, and whether it is out of date.
    lang: str = ""
    language: str = ""
    note: str = ""


def marked(html, passages):
    """The diff's HTML with each commented passage in <mark>, across the diff's own marks where it spans them."""
    marked_so_far = str(html)
    for passage in passages:
        parts, needle = TAG.split(marked_so_far), escape(passage)
        texts = [(index, part) for index, part in enumerate(parts) if not part.startswith("<")]
        found = "".join(part for _, part in texts).find(needle)
        if found < 0 or not needle:
            continue
        end, offset = found + len(needle), 0
        for index, part in texts:
            start, stop = max(found - offset, 0), min(end - offset, len(part))
            if start < stop:
                parts[index] = f'{part[:start]}<mark class="commented">{part[start:stop]}</mark>{part[stop:]}'
            offset += len(part)
        marked_so_far = "".join(parts)
    # Safe: the diff was escaped whole (textdiff); <mark> tags go only between escaped characters of its text.
    return mark_safe(marked_so_far)


def annotate(changes, user):
    """Give each change its `comment_rows` ([FieldRow], a translated text's in a `TranslatedRow` with its
    translations) and the threads on it; all the threads read, each saying whether `user` may resolve it."""
    threads = comments.threads_of([(change.model, change.pk) for change in changes])
    authors = {}
    for thread in threads:
        about = (thread.comment.record_model, thread.comment.object_id, thread.comment.history_id)
        if about not in authors:
            authors[about] = comments.authors_of(*about)
        thread.can_resolve = user in (thread.comment.author, *authors[about])
    by_record = {}
    for thread in threads:
        by_record.setdefault((thread.comment.record_model, thread.comment.object_id), []).append(thread)
    text_dates = translating.review_text_dates(changes)
    for change in changes:
        on_record = by_record.get((change.model, change.pk), [])
        rows = [_row(comments.field_name_for(change.model, label), label, before, after, on_record)
                for label, before, after in change.field_changes]
        change.text_dates = text_dates.get((change.model, change.pk), {})
        rows = translating.side_by_side(change, rows, lambda name: _unchanged_row(change, name, on_record),
                                        change.text_dates)
        shown = {side.name for row in rows for side in getattr(row, "sides", [row])}
        # Threads on fields this version no longer changes stay in view, under the change.
        change.other_threads = [thread for thread in on_record if thread.comment.field_name not in shown]
        change.comment_rows = rows
        change.open_threads = [thread for thread in on_record if not thread.comment.is_resolved]
    return threads


def _row(name, label, before, after, on_record):
    diff = textdiff.word_diff(str(before), str(after))
    here = [thread for thread in on_record if thread.comment.field_name == name]
    passages = [t.comment.passage for t in here if t.comment.passage and not t.comment.is_resolved]
    return FieldRow(name, str(label), diff.before, marked(diff.after, passages), here)


def _unchanged_row(change, name, on_record):
    """The row of a field the change leaves as it is, shown beside a translation it changes."""
    text = comments.field_text(change.model, change.latest, name)
    return _row(name, change.model._meta.get_field(name).verbose_name, text, text, on_record)


def conversation_view(admin_view, request, key):
    """Comment, reply or resolve, then back to the page the form was on."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        model, pk = workflow.model_for_key(key)
    except ValueError:
        raise PermissionDenied("This address names no record of a case file.") from None
    pk = url_id(model, pk)
    if not comments.may_comment(request.user, model):
        raise PermissionDenied
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("admin:casefile_review", args=[key])
    typed = request.POST.get("text", "")
    try:
        if "_resolve" in request.POST or "_reply" in request.POST:
            thread = _thread(request, model, pk)
            if "_resolve" in request.POST:
                comments.resolve(request.user, thread)
                admin_view.message_user(request, "The thread is resolved.")
            else:
                comments.reply_to(request.user, thread, typed)
                admin_view.message_user(request, "Your reply is on the thread.")
            return HttpResponseRedirect(f"{back.split('#')[0]}#thread-{thread.pk}")
        try:
            history_id = parse_id(history_model(model), request.POST.get("version", ""))
        except ValueError as error:
            raise BadRequest(f"The comment names no version: {error}") from None
        made = comments.comment_on(request.user, model, pk, history_id, request.POST.get("field", ""), typed,
                                   request.POST.get("passage", ""))
        admin_view.message_user(request, "Your comment is on the change.")
        return HttpResponseRedirect(f"{back.split('#')[0]}#thread-{made.pk}")
    except comments.CommentRefused as refusal:
        kept = f" What you wrote, to paste again: “{Truncator(typed).chars(2000)}”" if typed.strip() else ""
        admin_view.message_user(request, f"Nothing was saved. {refusal}{kept}", messages.ERROR)
        return HttpResponseRedirect(back)


def _thread(request, model, pk):
    try:
        thread_id = parse_id(ReviewComment, request.POST.get("thread", ""))
    except ValueError as error:
        raise BadRequest(f"The form names no thread: {error}") from None
    thread = ReviewComment.objects.filter(
        pk=thread_id, content_type=workflow.content_type(model), object_id=pk).first()
    if thread is None:
        raise comments.CommentRefused("That thread is not on this record any more.")
    return thread

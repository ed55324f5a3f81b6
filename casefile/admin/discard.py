"""Discarding what waits on a record: named, confirmed, and only one's own unless an editor."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse

from .. import workflow


def offer(request, record, family=None):
    """What the record's form offers to discard, and whether this person may: None if nothing.

    `family`: the record's `Family`, if read already for its page.
    """
    discarded = workflow.Discarded(record, family)
    if not discarded.is_possible:
        return None
    info = record._meta.app_label, record._meta.model_name
    return {
        "parts": discarded.parts,
        "authors": [str(author) for author in discarded.authors],
        "others": [str(author) for author in discarded.others_than(request.user)],
        "refusal": discarded.refusal_for(request.user),
        "seen": discarded.fingerprint,
        "url": reverse("admin:%s_%s_reset" % info, args=[record.pk]),
    }


def reset_view(model_admin, request, object_id):
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None:
        raise Http404(f"No {model_admin.opts.verbose_name} with the id “{object_id}”.")
    if request.method != "POST":
        raise PermissionDenied("Changes are discarded from the record's own page, with the button there.")
    if not model_admin.has_change_permission(request, obj):
        raise PermissionDenied
    try:
        workflow.discard_changes(
            obj, request.user, seen=request.POST.get("seen") or None,
            confirmed=request.POST.get("confirm") == "yes",
        )
    except PermissionDenied as refusal:
        model_admin.message_user(request, str(refusal), messages.ERROR)
    except workflow.WorkflowError as refusal:
        model_admin.message_user(request, refusal.message, messages.ERROR)
    else:
        model_admin.message_user(
            request, "The working version is the approved version again; what was discarded stays in "
            "the history."
        )
    info = model_admin.opts.app_label, model_admin.opts.model_name
    return HttpResponseRedirect(reverse("admin:%s_%s_change" % info, args=[obj.pk]))

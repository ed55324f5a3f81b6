"""One history per record: its own versions and its citations' and links', with the editors' decisions.

Each save is one entry, with every field it changed marked word by word as on
the review page; any two moments can be compared, and a past version is
shown for reading, never as a form.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from .. import dates, workflow
from ..history import history_model, tracked_fields
from ..models import Decision, ScheduleEvent
from ..workflow import comments
from ..workflow.compare import NOT_COMPARED, compared_fields, display_value
from .ids import url_id

# Versions one person saved with one reason within this time are one save (a
# record and the rows of its form are written one after the other).
ONE_SAVE = datetime.timedelta(seconds=10)


@dataclass
class PartChange:
    """What one save did to one part of a record: the record itself or one of its rows."""

    version: object
    kind: str
    label: str
    action: str
    fields: list
    # Whether this is a version of the record the history is of, not of one of its rows.
    own: bool = False


@dataclass
class Entry:
    """One save, or one decision of an editor, in a record's history."""

    when: datetime.datetime
    user: object = None
    reason: str = ""
    parts: list = field(default_factory=list)
    decision: object = None
    decided_parts: list = field(default_factory=list)
    # An act on the record's approval for later (a ScheduleEvent), with the page of that schedule.
    schedule_event: object = None
    schedule_url: str = ""
    # A review conversation, on the version it was made on (`workflow.comments.Thread`).
    thread: object = None

    @property
    def moment(self):
        """The moment after this save, as the comparison form sends it."""
        return self.when.isoformat()


def _members(model, pk):
    if model in workflow.TOP_LEVEL:
        return workflow.family_of(model, pk)
    return [(model, pk)]


def _versions(members):
    """Every version of the members, oldest first, as (model, version)."""
    grouped = defaultdict(list)
    for model, pk in members:
        grouped[model].append(pk)
    found = []
    for model, pks in grouped.items():
        found += [(model, v) for v in history_model(model).objects.filter(id__in=pks)
                  .select_related("history_user").order_by("history_id")]
    found.sort(key=lambda pair: (pair[1].history_date, pair[1].history_id))
    return found


def _without_parent(model, rows):
    """A row's fields without the record it belongs to, which its place in the history says."""
    parents = {str(model._meta.get_field(name).verbose_name)
               for children in workflow.CHILDREN.values() for child, name in children if child is model}
    return [row for row in rows if str(row[0]) not in parents]


def _part_change(model, version, previous):
    kind = model._meta.verbose_name
    label = str(version.instance)
    if version.history_type == "-":
        return PartChange(version, kind, label, "deleted", [])
    if previous is None or previous.history_type == "-":
        return PartChange(version, kind, label, "added", _without_parent(model, compared_fields(model, None, version)))
    rows = compared_fields(model, previous, version)
    if version.removal_proposed != previous.removal_proposed:
        rows.append(("removal proposed", "yes" if previous.removal_proposed else "no",
                     "yes" if version.removal_proposed else "no"))
    return PartChange(version, kind, label, "changed" if rows else "saved again unchanged", rows)


def timeline(model, pk):
    """The entries of a record's history, newest first: saves, decisions and review conversations."""
    members = _members(model, pk)
    previous, saves, labels = {}, [], {}
    for member_model, version in _versions(members):
        part = _part_change(member_model, version, previous.get((member_model, version.id)))
        part.own = (member_model, version.id) == (model, pk)
        previous[(member_model, version.id)] = version
        labels[(member_model, version.history_id)] = f"{part.kind} “{part.label}”"
        last = saves[-1] if saves else None
        if (last is not None and last.user == version.history_user
                and last.reason == (version.history_change_reason or "")
                and version.history_date - last.when <= ONE_SAVE):
            last.parts.append(part)
            last.when = version.history_date
            continue
        saves.append(Entry(when=version.history_date, user=version.history_user,
                           reason=version.history_change_reason or "", parts=[part]))
    decisions = {}
    for member_model in {m for m, _ in members}:
        pks = [p for m, p in members if m is member_model]
        for decision in (Decision.objects.filter(content_type=workflow.content_type(member_model),
                                                 object_id__in=pks).select_related("decided_by")):
            entry = decisions.setdefault(decision.batch, Entry(when=decision.decided_at, decision=decision))
            entry.decided_parts.append(labels.get((member_model, decision.history_id), decision.object_repr))
            if decision.object_id == pk and member_model is model:
                entry.decision = decision
    threads = [Entry(when=thread.comment.created_at, user=thread.comment.author, thread=thread)
               for thread in comments.threads_of(members)]
    entries = saves + list(decisions.values()) + _schedule_events(list(decisions)) + threads
    entries.sort(key=lambda entry: (entry.when, entry.decision is not None), reverse=True)
    return entries


def _schedule_events(batches):
    """Entries for what was set and done at a time for the approvals of these decision batches."""
    return [
        Entry(when=event.at, user=event.by, schedule_event=event,
              schedule_url=reverse("admin:casefile_schedule_change", args=[event.schedule_id]))
        for event in ScheduleEvent.objects.filter(schedule__batch__in=batches).select_related("by")
    ] if batches else []


def _record_or_last_version(model_admin, request, object_id):
    pk = url_id(model_admin.model, object_id)
    record = model_admin.get_object(request, str(pk))
    latest = workflow.latest_version(model_admin.model, pk)
    if record is None and latest is None:
        raise Http404(f"No {model_admin.opts.verbose_name} with the id “{object_id}”.")
    if not model_admin.has_view_or_change_permission(request, record):
        raise PermissionDenied
    return pk, record, (record if record is not None else latest.instance)


def _context(model_admin, request, shown, pk, **extra):
    info = model_admin.opts.app_label, model_admin.opts.model_name
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "object": shown,
        "object_id": pk,
        "change_url": reverse("admin:%s_%s_change" % info, args=[pk]),
        "history_url": reverse("admin:%s_%s_history" % info, args=[pk]),
        "compare_url": reverse("admin:%s_%s_compare" % info, args=[pk]),
        **extra,
    }


def timeline_view(model_admin, request, object_id):
    pk, record, shown = _record_or_last_version(model_admin, request, object_id)
    entries = timeline(model_admin.model, pk)
    saves = [entry for entry in entries if entry.decision is None and entry.parts]
    context = _context(
        model_admin, request, shown, pk,
        title=f"History: {shown}",
        entries=entries,
        newest=saves[0].moment if saves else None,
        older=saves[1].moment if len(saves) > 1 else None,
        **sign_offs(model_admin.model, pk),
    )
    return TemplateResponse(request, "admin/casefile/record_history.html", context)


def sign_offs(model, pk):
    """The legal reviews of a record and, for a fact or an event, the editors' right-of-reply overrides."""
    from ..workflow import legal, replies

    return {
        "legal_reviews": legal.reviews_of(model, pk),
        "reply_overrides": replies.overrides_of(model, pk) if model in replies.LINKS else [],
    }


def _moment(raw):
    if raw in (None, "", "now"):
        return None
    try:
        moment = datetime.datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"{raw!r} is not a moment of this history.") from None
    return moment if moment.tzinfo else timezone.make_aware(moment, datetime.timezone.utc)


def state_at(members, moment):
    """{(model, pk): the version of each member at that moment, or None}; the newest with no moment."""
    state = {}
    for member_model, version in _versions(members):
        if moment is None or version.history_date <= moment:
            state[(member_model, version.id)] = version
    return {member: state.get(member) for member in members}


def compare_view(model_admin, request, object_id):
    pk, record, shown = _record_or_last_version(model_admin, request, object_id)
    earlier, later = _moment(request.GET.get("from")), _moment(request.GET.get("to"))
    if earlier is not None and later is not None and earlier > later:
        earlier, later = later, earlier
    members = _members(model_admin.model, pk)
    before, after = state_at(members, earlier), state_at(members, later)
    parts = []
    for member in members:
        old, new = before[member], after[member]
        old = None if old is not None and old.history_type == "-" else old
        new = None if new is not None and new.history_type == "-" else new
        if old is None and new is None:
            continue
        member_model = member[0]
        label = f"{member_model._meta.verbose_name} “{(new or old).instance}”"
        if new is None:
            parts.append({"label": label, "action": "deleted", "fields": []})
        elif old is None:
            parts.append({"label": label, "action": "added", "fields": compared_fields(member_model, None, new)})
        else:
            rows = compared_fields(member_model, old, new)
            if old.removal_proposed != new.removal_proposed:
                rows.append(("removal proposed", "yes" if old.removal_proposed else "no",
                             "yes" if new.removal_proposed else "no"))
            if rows:
                parts.append({"label": label, "action": "changed", "fields": rows})
    context = _context(
        model_admin, request, shown, pk,
        title=f"Compare versions: {shown}",
        earlier=earlier, later=later, parts=parts,
    )
    return TemplateResponse(request, "admin/casefile/record_compare.html", context)


def readable_fields(model, version):
    """(label, value) of each field of a version, as readers read them."""
    precision_of = dates.precision_fields(model)
    rows = []
    for model_field in tracked_fields(model):
        name = model_field.name
        if name == "removal_proposed":
            if version.removal_proposed:
                rows.append(("Removal proposed", "yes"))
            continue
        if name in NOT_COMPARED or name in precision_of.values():
            continue
        value = getattr(version, model_field.attname)
        if name in precision_of:
            value = dates.display(value, getattr(version, precision_of[name])) or "—"
        else:
            value = display_value(model, name, value)
        rows.append((str(model_field.verbose_name).capitalize(), value))
    return rows


def version_view(model_admin, request, object_id, version_id):
    pk, record, shown = _record_or_last_version(model_admin, request, object_id)
    history_id = url_id(history_model(model_admin.model), version_id)
    version = workflow.versions_of(model_admin.model, pk).filter(history_id=history_id).select_related(
        "history_user").first()
    if version is None:
        raise Http404(f"This {model_admin.opts.verbose_name} has no version {version_id}.")
    # Past versions are for reading; a save from here would bypass the
    # change reason, the rows and the review notice.
    if request.method != "GET":
        raise PermissionDenied("A past version cannot be saved. Edit the record instead.")
    members = _members(model_admin.model, pk)
    # The rows as that save left them: a record's rows are written just after it.
    end_of_save = next(
        (entry.when for entry in timeline(model_admin.model, pk) for part in entry.parts
         if part.own and part.version.history_id == history_id),
        version.history_date,
    )
    at = state_at(members, end_of_save)
    rows = [
        {"label": f"{m._meta.verbose_name} “{v.instance}”", "fields": readable_fields(m, v)}
        for (m, _), v in at.items()
        if (m, _) != (model_admin.model, pk) and v is not None and v.history_type != "-"
    ]
    decision = Decision.objects.filter(
        content_type=workflow.content_type(model_admin.model), history_id=history_id
    ).select_related("decided_by").first()
    context = _context(
        model_admin, request, shown, pk,
        title=f"Version of {timezone.localtime(version.history_date):%d %b %Y %H:%M}: {version.instance}",
        version=version,
        fields=readable_fields(model_admin.model, version),
        rows=rows,
        decision=decision,
        moment=version.history_date.isoformat(),
    )
    return TemplateResponse(request, "admin/casefile/record_version.html", context)


class VersionedHistoryMixin:
    """A record's history in the admin, read as the newsroom reads it: a timeline of its versions and
    their decisions, each version as readers read it, two versions compared; never reverted by hand."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("<path:object_id>/history/compare/", self.admin_site.admin_view(self.compare_view),
                 name="%s_%s_compare" % info),
        ] + super().get_urls()

    def revert_disabled(self, request, obj=None):
        return True

    def history_view(self, request, object_id, extra_context=None):
        return timeline_view(self, request, object_id)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        return version_view(self, request, object_id, version_id)

    def compare_view(self, request, object_id):
        return compare_view(self, request, object_id)

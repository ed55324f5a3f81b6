"""A save refused because someone else saved the record first: their work merged into the form.

The form is shown again with, in every field and every row of citations and
links the person left as it was, the other person's version; rows the other
person added or deleted are added or dropped; the person's own changes stay.
Where both changed the same field, both versions are shown side by side and
the person chooses (`conflict-choice-<field>`), so saving again applies only
their own changes on top of the other person's.
"""

from dataclasses import dataclass, field

from django import forms
from django.contrib.admin.utils import unquote
from django.utils import timezone

from .. import workflow
from ..history import history_model
from .forms import PartialDateField, form_values, partial_dates
from .ids import parse_id

CHOICE = "conflict-choice-"


@dataclass
class Conflict:
    """A field both people changed: what this person typed and what the other saved."""

    key: str
    label: str
    mine: str
    theirs: str

    @property
    def choice_name(self):
        return CHOICE + self.key


@dataclass
class RefusedEdit:
    data: object
    messages: list
    conflicts: list = field(default_factory=list)


def _posted(form_field, data, key):
    return form_field.widget.value_from_datadict(data, {}, key)


def _differs(form_field, value, posted):
    """Whether the posted input changes the value; a browser sends every line break of a text as CRLF."""
    if isinstance(value, str) and isinstance(posted, str):
        value, posted = value.replace("\r\n", "\n"), posted.replace("\r\n", "\n")
    return form_field.has_changed(value, posted)


def _put(data, key, form_field, value):
    if isinstance(form_field.widget, forms.CheckboxInput):
        if value:
            data[key] = "on"
        else:
            data.pop(key, None)
    else:
        data[key] = "" if value is None else str(value)


def _readable(form_field, value):
    """A value as the person reads it beside the field: the name of a chosen record, a choice's label."""
    if isinstance(value, bool) or isinstance(form_field.widget, forms.CheckboxInput):
        return "yes" if value else "no"
    if value in (None, ""):
        return ""
    if isinstance(form_field, forms.ModelChoiceField):
        found = form_field.queryset.filter(pk=value).first()
        return str(found) if found is not None else str(value)
    choices = dict(getattr(form_field, "flatchoices", None) or getattr(form_field, "choices", None) or ())
    return str(choices.get(value, value)) if choices else str(value)


def _fields(form_class):
    return {
        name: form_field for name, form_field in form_class.base_fields.items()
        if name not in ("change_reason", "edit_token", "id", "DELETE")
    }


def _three_way(form_class, model, data, opened, now):
    """Merge the record's own fields into `data`; returns (labels of fields taken from them, conflicts)."""
    before = form_values(form_class, model, opened)
    current = form_values(form_class, model, now)
    theirs, both = [], []
    for name, form_field in _fields(form_class).items():
        if name not in before or before[name] == current[name]:
            continue
        form_field = _date_aware(form_class, name, form_field)
        key = name
        posted = _posted(form_field, data, key)
        if not _differs(form_field, before[name], posted):
            _put(data, key, form_field, current[name])
            theirs.append(str(model._meta.get_field(name).verbose_name))
        elif _differs(form_field, current[name], posted):
            both.append(Conflict(key=key, label=str(model._meta.get_field(name).verbose_name),
                                 mine=_readable(form_field, posted),
                                 theirs=_readable(form_field, current[name])))
    return theirs, both


def _date_aware(form_class, name, form_field):
    """The field as the form shows it: a date with a precision is one text box."""
    if name in partial_dates(form_class._meta.model):
        return PartialDateField(required=False)
    return form_field


def _version_at(model, pk, newest_seen):
    """The version of a row the person saw: its newest with an id up to `newest_seen`."""
    return history_model(model).objects.filter(id=pk, history_id__lte=newest_seen).order_by("-history_id").first()


def _rows(data, prefix):
    """The rows a formset posted: [{suffix: [values]}], in order."""
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", "0"))
    except ValueError:
        total = 0
    rows = []
    for index in range(min(total, 1000)):
        start = f"{prefix}-{index}-"
        rows.append({key[len(start):]: data.getlist(key) for key in data if key.startswith(start)})
    return rows


def _write_rows(data, prefix, existing, added):
    """Write back the rows, those with an id first, as a formset numbers them."""
    for key in [key for key in data if key.startswith(f"{prefix}-") and key.split("-")[len(prefix.split("-"))].isdigit()]:
        del data[key]
    for index, row in enumerate(existing + added):
        for suffix, values in row.items():
            data.setlist(f"{prefix}-{index}-{suffix}", values)
    data[f"{prefix}-TOTAL_FORMS"] = str(len(existing) + len(added))
    data[f"{prefix}-INITIAL_FORMS"] = str(len(existing))


def _row_label(child_model, version):
    return f"{child_model._meta.verbose_name} “{getattr(version, 'instance', version)}”"


def refused_edit(model_admin, request, record):
    """The posted edit merged with what others saved since the form was opened, or None if nothing was.

    Returns a RefusedEdit whose data the form is shown again with.
    """
    data = request.POST.copy()
    token = data.get("edit_token", "")
    current = workflow.edit_token(record)
    if token == current:
        return None
    model = type(record)
    latest = workflow.latest_version(model, record.pk)
    who = str(latest.history_user or "someone") if latest else "someone"
    when = timezone.localtime(latest.history_date).strftime("%d %b %Y %H:%M") if latest else ""
    messages = [
        f"Not saved: {who} changed this record ({when} UTC) after you opened it. Your input is kept "
        "below, with their changes to everything you left as it was; save again to apply yours on top."
    ]
    data["edit_token"] = current
    parts = token.split("-")
    try:
        opened = workflow.versions_of(model, record.pk).filter(
            history_id=parse_id(history_model(model), parts[0])).first()
        seen = [parse_id(history_model(child), part) if part != "0" else 0
                for (child, _), part in zip(workflow.CHILDREN.get(model, ()), parts[1:], strict=True)]
    except ValueError:
        opened = None
    if opened is None:
        # A token from no version of this record: all that can be done is keep the input.
        messages[0] = (f"Not saved: {who} changed this record ({when} UTC) after you opened it. Your "
                       "input is kept below. Open the record in a new tab to see their version, then "
                       "save again to apply yours on top of it.")
        return RefusedEdit(data=data, messages=messages)
    since = workflow.versions_of(model, record.pk).filter(history_id__gt=opened.history_id)
    authors = sorted({str(v.history_user) for v in since.select_related("history_user") if v.history_user})
    form_class = model_admin.get_form(request, record, change=True)
    theirs, conflicts = _three_way(form_class, model, data, opened, record)
    child_notes = []
    for (child_model, fk_name), newest_seen, (prefix, formset_class) in zip(
        workflow.CHILDREN.get(model, ()), seen, _formsets(model_admin, request, record)
    ):
        notes, row_conflicts = _merge_rows(
            data, prefix, formset_class, child_model, fk_name, record, newest_seen
        )
        child_notes += notes
        conflicts += row_conflicts
    if theirs:
        messages.append(f"The form now shows their changes to what you had left as it was: {', '.join(theirs)}.")
    if conflicts:
        names = " and ".join(authors) or who
        messages.append(
            f"Both you and {names} changed: {', '.join(c.label for c in conflicts)}. The form keeps your "
            "input there; both versions are shown side by side above, choose which to keep and save again."
        )
    if child_notes:
        changed = sorted({note[0] for note in child_notes})
        messages.append(
            f"The {', '.join(changed)} of this record changed too since you opened it: "
            + "; ".join(note[1] for note in child_notes) + "."
        )
    return RefusedEdit(data=data, messages=messages, conflicts=conflicts)


def _formsets(model_admin, request, record):
    """(prefix, formset class) of each inline of the change form, in the order CHILDREN names them."""
    found, prefixes = {}, {}
    for formset_class, inline in model_admin.get_formsets_with_inlines(request, record):
        prefix = formset_class.get_default_prefix()
        prefixes[prefix] = prefixes.get(prefix, 0) + 1
        if prefixes[prefix] != 1 or not prefix:
            prefix = f"{prefix}-{prefixes[prefix]}"
        found[inline.model] = (prefix, formset_class)
    return [found[child] for child, _ in workflow.CHILDREN.get(type(record), ()) if child in found]


def _merge_rows(data, prefix, formset_class, child_model, fk_name, record, newest_seen):
    """Merge the rows of one formset; returns ([(plural name, note)], conflicts)."""
    plural = str(child_model._meta.verbose_name_plural)
    form_class = formset_class.form
    fields = _fields(form_class)
    now = {row.pk: row for row in child_model.objects.filter(**{fk_name: record})}
    rows = _rows(data, prefix)
    existing, added, posted_ids, notes, conflicts = [], [], set(), [], []
    for row in rows:
        raw = (row.get("id") or [""])[0]
        if not raw:
            added.append(row)
            continue
        try:
            pk = parse_id(child_model, raw)
        except ValueError:
            existing.append(row)
            continue
        posted_ids.add(pk)
        opened = _version_at(child_model, pk, newest_seen)
        if pk not in now:
            gone = workflow.latest_version(child_model, pk)
            label = _row_label(child_model, gone or opened)
            notes.append((plural, f"{label} was deleted meanwhile and is no longer among the rows"))
            continue
        if opened is None:
            existing.append(row)
            continue
        merged_theirs, row_conflicts = _three_way_row(form_class, child_model, row, opened, now[pk], prefix,
                                                      len(existing))
        existing.append(row)
        if merged_theirs:
            notes.append((plural, f"their changes to {_row_label(child_model, now[pk])} "
                                  f"({', '.join(merged_theirs)}) are now in its row"))
        conflicts += row_conflicts
    for pk, current in sorted(now.items()):
        if pk in posted_ids:
            continue
        values = form_values(form_class, child_model, current)
        row = {"id": [str(pk)], fk_name: [str(record.pk)]}
        for name, form_field in fields.items():
            if name in values and name != fk_name:
                if isinstance(form_field.widget, forms.CheckboxInput):
                    if values[name]:
                        row[name] = ["on"]
                else:
                    row[name] = ["" if values[name] is None else str(values[name])]
        existing.append(row)
        notes.append((plural, f"{_row_label(child_model, current)}, added meanwhile, is now among the rows"))
    _write_rows(data, prefix, existing, added)
    return notes, conflicts


def _three_way_row(form_class, child_model, row, opened, now, prefix, index):
    """Merge one posted row with the row's version when opened and now; edits `row` in place."""
    before = form_values(form_class, child_model, opened)
    current = form_values(form_class, child_model, now)
    theirs, conflicts = [], []
    label = _row_label(child_model, now)
    for name, form_field in _fields(form_class).items():
        if name not in before or before[name] == current[name]:
            continue
        posted = form_field.widget.value_from_datadict(_RowData(row), {}, name)
        if not _differs(form_field, before[name], posted):
            if isinstance(form_field.widget, forms.CheckboxInput):
                if current[name]:
                    row[name] = ["on"]
                else:
                    row.pop(name, None)
            else:
                row[name] = ["" if current[name] is None else str(current[name])]
            theirs.append(str(child_model._meta.get_field(name).verbose_name))
        elif _differs(form_field, current[name], posted):
            conflicts.append(Conflict(
                key=f"{prefix}-{index}-{name}",
                label=f"{label}: {child_model._meta.get_field(name).verbose_name}",
                mine=_readable(form_field, posted), theirs=_readable(form_field, current[name]),
            ))
    return theirs, conflicts


class _RowData(dict):
    """A posted row read the way a widget reads a form's data."""

    def __init__(self, row):
        super().__init__({key: values[-1] for key, values in row.items() if values})
        self._lists = row

    def getlist(self, key):
        return self._lists.get(key, [])


def apply_choices(model_admin, request, record):
    """Put the other person's saved value into each field whose side-by-side choice was "theirs"."""
    chosen = [key[len(CHOICE):] for key, value in request.POST.items()
              if key.startswith(CHOICE) and value == "theirs"]
    if not chosen:
        return request.POST
    data = request.POST.copy()
    model = type(record)
    form_class = model_admin.get_form(request, record, change=True)
    children = {prefix: (formset_class, child)
                for (child, _), (prefix, formset_class) in zip(workflow.CHILDREN.get(model, ()),
                                                               _formsets(model_admin, request, record))}
    for key in chosen:
        prefix, _, name = key.rpartition("-")
        if not prefix:
            fields = _fields(form_class)
            if name in fields:
                current = form_values(form_class, model, record)
                _put(data, key, _date_aware(form_class, name, fields[name]), current.get(name))
            continue
        formset_prefix, _, index = prefix.rpartition("-")
        if formset_prefix not in children:
            continue
        formset_class, child_model = children[formset_prefix]
        try:
            pk = parse_id(child_model, unquote(data.get(f"{prefix}-id", "")))
        except ValueError:
            continue
        row = child_model.objects.filter(pk=pk).first()
        fields = _fields(formset_class.form)
        if row is not None and name in fields:
            _put(data, key, fields[name], form_values(formset_class.form, child_model, row).get(name))
    return data

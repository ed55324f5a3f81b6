"""How two versions of a record differ, field by field, as readers would read each."""

from .. import dates
from ..history import tracked_fields
from ..models import ReplyRequest
from ..published.fields import WORKFLOW_FIELDS

# The fields a review leaves out when it compares two versions of a record.
# Not `published.fields.READERS_SEE`: editors read every field of the record
# they approve, one kept for staff too. Only the workflow flags are left out:
# they say who must sign the change off, or that it removes the record (which
# the review says as such), not what the record says.
NOT_COMPARED = frozenset({"id"}) | WORKFLOW_FIELDS
# Records readers see only a part of once an editor approves it: {model: the fields an editor reviews}.
# One never approved waits for review only once that part tells readers something (`tells_readers`).
REVIEWED_PART = {ReplyRequest: ReplyRequest.REVIEWED_FIELDS}


def display_value(model, field_name, value):
    model_field = model._meta.get_field(field_name)
    if value in (None, ""):
        return "—"
    if model_field.is_relation:
        related = model_field.related_model.objects.filter(pk=value).first()
        return str(related) if related is not None else f"#{value} (deleted)"
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def compared_fields(model, before, after):
    """(field, before, after) of each field that differs between two versions of a record, as
    readers read them: a date as precisely as it is known, a choice by its label, a record by its
    name. With no `before` (a new record), each field that is filled in.
    """
    precision_of = dates.precision_fields(model)
    # simple-history names the fields that differ; a date counts as changed
    # when its precision does, and is then compared as readers read it.
    changed = None if before is None else {change.field for change in after.diff_against(before).changes}
    rows = []
    compared = tracked_fields(model)
    if model in REVIEWED_PART:
        compared = [model._meta.get_field(name) for name in REVIEWED_PART[model]]
    for model_field in compared:
        name = model_field.name
        if name in NOT_COMPARED or name in precision_of.values():
            continue
        if changed is not None and name not in changed and precision_of.get(name) not in changed:
            continue
        if name in precision_of:
            shown_after = dates.display(getattr(after, name), getattr(after, precision_of[name]))
            shown_before = dates.display(getattr(before, name), getattr(before, precision_of[name])) if before else ""
            if shown_before != shown_after:
                rows.append((model_field.verbose_name, shown_before or ("—" if before else ""), shown_after or "—"))
            continue
        value_after = getattr(after, model_field.attname)
        if before is None:
            if value_after not in (None, ""):
                rows.append((model_field.verbose_name, "", display_value(model, name, value_after)))
            continue
        rows.append((
            model_field.verbose_name,
            display_value(model, name, getattr(before, model_field.attname)),
            display_value(model, name, value_after),
        ))
    return rows

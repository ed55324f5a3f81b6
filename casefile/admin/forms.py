"""The edit form of every record: a reason on every save, dates as precise as known, no stale save."""

import json

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError

from .. import dates, workflow
from ..models import Claim
from ..models.claims import statuses_by_stances
from ..text import slug_from, validate_text
from .translating import mark_languages


class PartialDateField(forms.CharField):
    """One box for a date known to the year, the month or the day: "2018", "March 2018", "2018-03-16".

    Cleans to (date, precision), or None when left empty.
    """

    default_error_messages = {
        "invalid": f"Write the date as precisely as it is known: {dates.PARTIAL_DATE_FORMS}.",
        "impossible": "There is no such day: %(value)s.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", f"As precisely as it is known: {dates.PARTIAL_DATE_FORMS}.")
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, tuple):
            return value
        text = super().to_python(value)
        try:
            return dates.parse(text)
        except ValueError:
            if any(char.isdigit() for char in text) and _looks_like_a_whole_date(text):
                raise ValidationError(self.error_messages["impossible"], code="impossible",
                                      params={"value": text}) from None
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        if isinstance(value, tuple):
            return dates.display(*value)
        return value

    def has_changed(self, initial, data):
        try:
            return self.to_python(initial) != self.to_python(data)
        except ValidationError:
            return True


def _looks_like_a_whole_date(text):
    """A date of the right shape naming a day or month that does not exist, such as 2018-02-30."""
    parts = text.replace("/", "-").split("-")
    return len(parts) in (2, 3) and all(part.strip().isdigit() for part in parts)


partial_dates = dates.precision_fields


def form_values(form_class, model, instance):
    """The value of each field of the form as the form shows it, taken from a record or a version."""
    shown = {}
    for name, field in form_class.base_fields.items():
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not getattr(model_field, "concrete", False):
            continue
        value = getattr(instance, model_field.attname)
        precision = partial_dates(model).get(name)
        if precision is not None:
            value = dates.display(value, getattr(instance, precision)) if value else ""
        shown[name] = value
    return shown


class RecordForm(forms.ModelForm):
    """Asks why on every edit and refuses a save built on an outdated version.

    A date with a precision is typed in one box; each text's box says its language; a slug left empty is made
    from the record's name; a claim's status follows its citations' stances. A save refused because someone else saved first
    (`edit_conflict`, worked out by the admin before the form is checked)
    shows their changes merged in, as `merge.refused_edit` left them.
    """

    change_reason = forms.CharField(
        label="Reason for this change",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Editors read this when they review your change; it stays in the history.",
        validators=[validate_text],
    )
    edit_token = forms.CharField(widget=forms.HiddenInput, required=False)

    # Set by the admin: the field a new record's slug is made from, and a refused edit.
    slug_source = None
    edit_conflict = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["edit_token"].initial = workflow.edit_token(self.instance)
        for name, precision in partial_dates(self._meta.model).items():
            if name not in self.fields:
                continue
            model_field = self._meta.model._meta.get_field(name)
            self.fields[name] = PartialDateField(
                label=model_field.verbose_name.capitalize(), required=not model_field.blank,
                help_text=self.fields[name].help_text or None,
            )
            value = self.initial.get(name)
            if value and not isinstance(value, str):
                self.initial[name] = dates.display(value, getattr(self.instance, precision))
        mark_languages(self)
        if issubclass(self._meta.model, Claim) and "status" in self.fields:
            # For claim_status.js: the statuses each set of stances bears out, as an approval weighs them.
            self.fields["status"].widget.attrs["data-statuses-borne-out"] = json.dumps(statuses_by_stances())
        if self.slug_source and "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = (
                f"The record's address on the public pages. Left empty, it is made from the "
                f"{self._meta.model._meta.get_field(self.slug_source).verbose_name}."
            )

    def clean(self):
        cleaned = super().clean()
        for name, precision in partial_dates(self._meta.model).items():
            if name in self.fields and name in cleaned:
                value = cleaned[name]
                cleaned[name], chosen = value if value else (None, dates.Precision.DAY)
                setattr(self.instance, precision, chosen)
        if self.slug_source and "slug" in self.fields and not cleaned.get("slug"):
            cleaned["slug"] = self._free_slug(cleaned)
        if self.instance.pk is not None:
            if self.edit_conflict is not None:
                raise ValidationError(self.edit_conflict.messages)
            try:
                workflow.check_edit_token(self.instance, cleaned.get("edit_token", ""))
            except workflow.EditConflict as conflict:
                # Someone saved between the admin's check and this one: keep the input as it is.
                self.data = self.data.copy()
                self.data["edit_token"] = workflow.edit_token(self.instance)
                raise ValidationError(conflict.message) from conflict
        return cleaned

    def _free_slug(self, cleaned):
        """A slug made from the name, statement or title, not yet taken in the record's case."""
        base = slug_from(str(cleaned.get(self.slug_source) or ""))
        if not base:
            return ""
        model = self._meta.model
        taken = model.objects.exclude(pk=self.instance.pk)
        if "case" in self.fields:
            taken = taken.filter(case=cleaned.get("case"))
        taken = set(taken.filter(slug__startswith=base).values_list("slug", flat=True))
        slug, number = base, 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        return slug

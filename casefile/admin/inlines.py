"""A record's citations, participants and fact links, edited on the record's own form.

Ticking "Delete" on a row readers already see proposes its removal (an
editor decides); on a row never published, it deletes it.
"""

from django import forms
from django.contrib import admin
from django.db import models

from ..models import Citation, EventParticipant, FactActor, FactEvent, QuestionConcern
from ..workflow.changes import is_editor


class ChildRows:
    """What the inlines of citations and links share."""

    extra = 0
    show_change_link = False
    readonly_fields = ["removal"]

    def get_extra(self, request, obj=None, **kwargs):
        # A new record starts with empty rows, so its first citations or links take no extra click;
        # a row left empty is no row at all.
        return self.rows_on_a_new_record if obj is None else 0

    rows_on_a_new_record = 0

    @admin.display(description="Removal")
    def removal(self, row):
        if row is None or row.pk is None or not row.removal_proposed:
            return ""
        return "Proposed: it leaves the public pages when an editor approves."

    def get_readonly_fields(self, request, obj=None):
        # A column only when a row's removal is proposed: a new record has none.
        if obj is None or not self._removal_proposed_in(request, obj):
            return []
        return self.readonly_fields

    def _removal_proposed_in(self, request, obj):
        # Asked four times as one form is built (its fields, its formset, its rows), by an inline made for
        # that one request: read once.
        known = self.__dict__.setdefault("_removal_proposed", {})
        if obj.pk not in known:
            known[obj.pk] = self.get_queryset(request).filter(
                **{self.fk_name or self._parent_field(obj): obj}, removal_proposed=True
            ).exists()
        return known[obj.pk]

    def _parent_field(self, obj):
        return next(field.name for field in self.model._meta.fields
                    if field.is_relation and field.related_model is type(obj))


class CitationRowForm(forms.ModelForm):
    """A citation's row. A quote of a confidential source reaches readers once an editor cleared it: anyone
    else who changes a cleared quote takes the clearance away, and the editor reads it again."""

    clears_quotes = False

    def clean(self):
        cleaned = super().clean()
        if not self.clears_quotes and "quote" in self.changed_data:
            self.instance.quote_cleared = False
        return cleaned


class CitationInline(ChildRows, admin.StackedInline):
    """Citations stacked, each a few lines high, so the form fits a laptop's or a phone's width."""

    model = Citation
    autocomplete_fields = ["source"]
    fk_name = None
    rows_on_a_new_record = 1
    classes = ["citations"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 36})}}

    def get_fieldsets(self, request, obj=None):
        first_line = ("source", "stance", "locator", *self.get_readonly_fields(request, obj))
        # Only an editor clears a quote of a confidential source: no one else is offered the box.
        second_line = ("quote", "note", "quote_cleared") if is_editor(request.user) else ("quote", "note")
        return [(None, {"fields": [first_line, second_line]})]

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = type("CitationRowForm", (CitationRowForm,), {"clears_quotes": is_editor(request.user)})
        return super().get_formset(request, obj, **kwargs)


class FactCitationInline(CitationInline):
    fk_name = "fact"


class EventCitationInline(CitationInline):
    fk_name = "event"


class RelationshipCitationInline(CitationInline):
    fk_name = "relationship"


class ParticipantInline(ChildRows, admin.TabularInline):
    model = EventParticipant
    verbose_name, verbose_name_plural = "participant", "participants"
    autocomplete_fields = ["actor"]
    # An event seldom has a single participant: who acted, and towards whom.
    rows_on_a_new_record = 2

    def get_fields(self, request, obj=None):
        return ["actor", "role", "alleged", *self.get_readonly_fields(request, obj)]


class FactActorInline(ChildRows, admin.TabularInline):
    model = FactActor
    verbose_name, verbose_name_plural = "actor", "actors"
    autocomplete_fields = ["actor"]

    def get_fields(self, request, obj=None):
        return ["actor", "alleged", *self.get_readonly_fields(request, obj)]


class FactEventInline(ChildRows, admin.TabularInline):
    model = FactEvent
    verbose_name, verbose_name_plural = "event", "events"
    autocomplete_fields = ["event"]

    def get_fields(self, request, obj=None):
        return ["event", *self.get_readonly_fields(request, obj)]


class QuestionConcernInline(ChildRows, admin.TabularInline):
    model = QuestionConcern
    verbose_name, verbose_name_plural = "record it concerns", "records it concerns"
    autocomplete_fields = ["fact", "event", "relationship", "source"]
    rows_on_a_new_record = 1

    def get_fields(self, request, obj=None):
        return ["fact", "event", "relationship", "source", *self.get_readonly_fields(request, obj)]

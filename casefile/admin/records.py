"""Editing the records of a case file: forms that ask why, inlines, history, reset."""

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.forms.models import model_to_dict
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from .. import published, workflow
from ..history import history_model
from ..models import (
    Actor,
    Case,
    Citation,
    Decision,
    Event,
    EventParticipant,
    Fact,
    FactActor,
    FactEvent,
    Relationship,
    Source,
)
from .captures import SourceCopiesMixin
from .ids import parse_id, url_id


class RecordForm(forms.ModelForm):
    """Asks why on every edit and refuses a save built on an outdated version."""

    change_reason = forms.CharField(
        label="Reason for this change",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Editors read this when they review your change; it stays in the history.",
    )
    edit_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["edit_token"].initial = workflow.edit_token(self.instance)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            token = cleaned.get("edit_token", "")
            try:
                workflow.check_edit_token(self.instance, token)
            except workflow.EditConflict as conflict:
                # Keep everything typed and take their version of the rest, so
                # that a deliberate second save applies only this person's
                # changes on top of the other person's.
                self.data = self.data.copy()
                current = workflow.edit_token(self.instance)
                notes = self._take_their_changes(token, current)
                self.data["edit_token"] = current
                raise ValidationError([conflict.message, *notes]) from conflict
        return cleaned

    def _take_their_changes(self, token, current):
        """Show the current value of each field left as it was in the version the form was
        opened on; return what to tell the person about fields and rows both sides changed."""
        model, pk = type(self.instance), self.instance.pk
        try:
            opened_on = parse_id(history_model(model), token.split("-")[0])
        except ValueError:
            opened = None
        else:
            opened = workflow.versions_of(model, pk).filter(history_id=opened_on).first()
        if opened is None:
            # A token from no version of this record: all that can be done is keep the input.
            return []
        names = [f.name for f in model._meta.concrete_fields if f.name in self.fields]
        before = model_to_dict(opened.instance, fields=names)
        now = model_to_dict(workflow.latest_version(model, pk).instance, fields=names)
        theirs, both = [], []
        for name in names:
            field, posted = self.fields[name], self[name].data
            if before[name] == now[name]:
                continue
            label = str(model._meta.get_field(name).verbose_name)
            if not _differs(field, before[name], posted):
                self._show(name, now[name])
                theirs.append(label)
            elif _differs(field, now[name], posted):
                both.append(label)
        notes = []
        if theirs:
            notes.append(f"The form now shows their changes to what you had left as it was: {', '.join(theirs)}.")
        if both:
            since = workflow.versions_of(model, pk).filter(history_id__gt=opened.history_id)
            who = " and ".join(sorted({str(v.history_user) for v in since.select_related("history_user")
                                       if v.history_user})) or "someone"
            notes.append(
                f"Both you and {who} changed: {', '.join(both)}. The form keeps your input there; "
                "compare it with theirs before saving again."
            )
        # Rows of citations and links are not brought up to date; saving again
        # saves them as shown, so say when theirs differ.
        children = [
            str(child._meta.verbose_name_plural)
            for (child, _), was, now_is in zip(
                workflow.CHILDREN.get(model, ()), token.split("-")[1:], current.split("-")[1:]
            )
            if was != now_is
        ]
        if children:
            notes.append(
                f"The {', '.join(children)} of this record changed too since you opened it. The rows "
                "below are still as you opened them and saving again saves them as shown; open the "
                "record in a new tab to compare."
            )
        return notes

    def _show(self, name, value):
        key = self.add_prefix(name)
        if isinstance(self.fields[name].widget, forms.CheckboxInput):
            if value:
                self.data[key] = "on"
            else:
                self.data.pop(key, None)
        else:
            self.data[key] = "" if value is None else str(value)


def _differs(field, value, posted):
    """Whether the posted input changes the value; a browser sends every line break of a text as CRLF."""
    if isinstance(value, str) and isinstance(posted, str):
        value, posted = value.replace("\r\n", "\n"), posted.replace("\r\n", "\n")
    return field.has_changed(value, posted)


class ChildInline(admin.TabularInline):
    extra = 0
    show_change_link = False


class CitationInline(ChildInline):
    model = Citation
    fields = ["source", "stance", "locator", "quote", "note", "removal_proposed"]
    autocomplete_fields = ["source"]
    fk_name = None


class FactCitationInline(CitationInline):
    fk_name = "fact"
    exclude = ["event", "relationship"]


class EventCitationInline(CitationInline):
    fk_name = "event"
    exclude = ["fact", "relationship"]


class RelationshipCitationInline(CitationInline):
    fk_name = "relationship"
    exclude = ["fact", "event"]


class ParticipantInline(ChildInline):
    model = EventParticipant
    fields = ["actor", "role", "removal_proposed"]
    autocomplete_fields = ["actor"]


class FactActorInline(ChildInline):
    model = FactActor
    fields = ["actor", "removal_proposed"]
    autocomplete_fields = ["actor"]


class FactEventInline(ChildInline):
    model = FactEvent
    fields = ["event", "removal_proposed"]
    autocomplete_fields = ["event"]


class RecordAdmin(SimpleHistoryAdmin):
    form = RecordForm
    change_form_template = "admin/casefile/record_change_form.html"
    object_history_template = "admin/casefile/record_history.html"
    object_history_list_template = "admin/casefile/record_history_list.html"
    object_history_form_template = "admin/casefile/record_version.html"
    history_list_display = ["decision"]
    list_per_page = 50
    # A URL typed without a scheme is taken as https, as Django 6 will.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        workflow.save_record(obj, request.user, form.cleaned_data["change_reason"])

    def save_formset(self, request, form, formset, change):
        reason = form.cleaned_data["change_reason"]
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            if workflow.ever_approved(obj):
                workflow.propose_removal(obj, request.user, reason)
            else:
                workflow.delete_record(obj, request.user, reason)
        for obj in instances:
            workflow.save_record(obj, request.user, reason)
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        record = form.instance
        if workflow.edit_token(record) != form.cleaned_data.get("edit_token"):
            transaction.on_commit(lambda: self._announce(request, record))

    def _announce(self, request, record):
        if not workflow.announce_changes(record, request.user):
            self.message_user(
                request,
                "Your change is saved, but the editors could not be emailed about it. "
                "Tell them it waits for review.",
                messages.WARNING,
            )

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or workflow.may_delete(request.user, obj))

    def delete_model(self, request, obj):
        workflow.delete_record(obj, request.user, "Deleted in the admin")

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            workflow.delete_record(obj, request.user, "Deleted in the admin")

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/reset/",
                self.admin_site.admin_view(self.reset_view),
                name="%s_%s_reset" % info,
            ),
        ] + super().get_urls()

    def reset_view(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with the id “{object_id}”.")
        if request.method != "POST" or not self.has_change_permission(request, obj):
            raise PermissionDenied
        try:
            workflow.reset_to_approved(obj, request.user)
        except workflow.WorkflowError as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
        else:
            self.message_user(request, "The working version is the approved version again.")
        return HttpResponseRedirect(reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]
        ))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if obj is not None:
            extra_context.update(
                rejection=workflow.latest_rejection(obj),
                pending=workflow.record_changes(type(obj), obj.pk),
                is_public=published.is_public(obj),
                reset_url=reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_reset", args=[obj.pk]
                ),
                review_url=reverse("admin:casefile_review", args=[workflow.key_for(type(obj), obj.pk)]),
                can_review=workflow.is_editor(request.user),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def revert_disabled(self, request, obj=None):
        return True

    def history_view(self, request, object_id, extra_context=None):
        # simple-history hands the id to the database unchecked; one that can name
        # no record is not found.
        url_id(self.model, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        url_id(self.model, object_id)
        url_id(history_model(self.model), version_id)
        # Past versions are for reading; a save from here would bypass the
        # change reason, the inlines and the review notice.
        if request.method == "POST":
            raise PermissionDenied("Past versions cannot be saved; edit the record instead.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        decisions = Decision.objects.filter(
            content_type=ContentType.objects.get_for_model(self.model),
            history_id=OuterRef("history_id"),
        ).order_by("-decided_at")
        return super().get_history_queryset(request, history_manager, pk_name, object_id).annotate(
            decision_action=Subquery(decisions.values("action")[:1]),
            decision_by=Subquery(decisions.values("decided_by__username")[:1]),
            decision_at=Subquery(decisions.values("decided_at")[:1]),
            decision_comment=Subquery(decisions.values("comment")[:1]),
        )

    def decision(self, record):
        """The editor's approval or rejection of this version, if any."""
        if not record.decision_action:
            return "—"
        who = record.decision_by or "the import"
        text = f"{record.decision_action.capitalize()} by {who}, {record.decision_at:%d %b %Y %H:%M}"
        if not record.decision_comment:
            return text
        return format_html("{}: <bdi>{}</bdi>", text, record.decision_comment)


@admin.register(Case)
class CaseAdmin(RecordAdmin):
    list_display = ["title", "slug"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Actor)
class ActorAdmin(RecordAdmin):
    list_display = ["name", "kind", "case", "removal_proposed"]
    list_filter = ["case", "kind", "removal_proposed"]
    search_fields = ["name", "aliases", "description"]
    autocomplete_fields = ["case"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Relationship)
class RelationshipAdmin(RecordAdmin):
    list_display = ["subject", "kind", "object", "period", "case"]
    list_filter = ["case", "kind", "removal_proposed"]
    list_select_related = ["subject", "object", "case"]
    search_fields = ["subject__name", "object__name", "description"]
    autocomplete_fields = ["case", "subject", "object"]
    inlines = [RelationshipCitationInline]


@admin.register(Source)
class SourceAdmin(SourceCopiesMixin, RecordAdmin):
    list_display = ["title", "kind", "publisher", "published_display", "relayed_via", "case"]
    list_filter = ["case", "kind", "language", "removal_proposed"]
    list_select_related = ["relayed_via", "case"]
    search_fields = ["title", "publisher", "author", "url"]
    autocomplete_fields = ["case", "relayed_via"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["our_copies"]

    @admin.display(description="Published", ordering="published_on")
    def published_display(self, source):
        return source.published_display


@admin.register(Event)
class EventAdmin(RecordAdmin):
    list_display = ["title", "date_display", "location", "case"]
    list_filter = ["case", "starts_precision", "removal_proposed"]
    list_select_related = ["case"]
    search_fields = ["title", "description", "location"]
    autocomplete_fields = ["case"]
    prepopulated_fields = {"slug": ["title"]}
    ordering = ["starts_on"]
    inlines = [ParticipantInline, EventCitationInline]

    @admin.display(description="Date", ordering="starts_on")
    def date_display(self, event):
        return event.date_display


@admin.register(Fact)
class FactAdmin(RecordAdmin):
    list_display = ["slug", "short_statement", "status", "case"]
    list_filter = ["case", "status", "removal_proposed"]
    list_select_related = ["case"]
    search_fields = ["slug", "statement", "assessment"]
    autocomplete_fields = ["case"]
    inlines = [FactCitationInline, FactActorInline, FactEventInline]

    @admin.display(description="Statement")
    def short_statement(self, fact):
        return fact.statement if len(fact.statement) <= 100 else fact.statement[:99] + "…"


@admin.register(Citation)
class CitationAdmin(RecordAdmin):
    list_display = ["source", "locator", "stance", "fact", "event", "relationship"]
    list_filter = ["stance", "source__case", "removal_proposed"]
    list_select_related = ["source", "fact", "event", "relationship__subject", "relationship__object"]
    search_fields = ["quote", "note", "locator", "source__title"]
    autocomplete_fields = ["source", "fact", "event", "relationship"]


@admin.register(EventParticipant)
class EventParticipantAdmin(RecordAdmin):
    list_display = ["actor", "role", "event"]
    list_select_related = ["actor", "event"]
    search_fields = ["role", "actor__name", "event__title"]
    autocomplete_fields = ["event", "actor"]


@admin.register(FactActor)
class FactActorAdmin(RecordAdmin):
    list_display = ["fact", "actor"]
    list_select_related = ["fact", "actor"]
    search_fields = ["fact__statement", "actor__name"]
    autocomplete_fields = ["fact", "actor"]


@admin.register(FactEvent)
class FactEventAdmin(RecordAdmin):
    list_display = ["fact", "event"]
    list_select_related = ["fact", "event"]
    search_fields = ["fact__statement", "event__title"]
    autocomplete_fields = ["fact", "event"]

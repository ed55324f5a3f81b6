"""The record of contact: reply requests and their attempts, overrides and legal reviews, for staff."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from ..models import LegalReview, ReplyAttempt, ReplyOverride, ReplyRequest
from ..models.replies import refuse_asking_before
from ..workflow import replies
from .ids import named_records_only
from .readonly import ReadOnlyAdmin


class AttemptInline(admin.TabularInline):
    model = ReplyAttempt
    extra = 0
    fields = ["attempted_on", "channel", "note", "made_by"]
    readonly_fields = ["made_by"]
    verbose_name, verbose_name_plural = "further attempt", "further attempts"
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})},
    }


class ReplyRequestForm(forms.ModelForm):
    class Meta:
        model = ReplyRequest
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        case, actor = cleaned.get("case"), cleaned.get("actor")
        facts, events = cleaned.get("facts") or [], cleaned.get("events") or []
        if case is not None:
            elsewhere = [str(record) for record in [*facts, *events] if record.case_id != case.pk]
            if elsewhere:
                self.add_error(None, "These belong to another case: " + "; ".join(elsewhere) + ".")
        if actor is not None and not facts and not events:
            self.add_error("facts", "Name the facts or events put to them.")
        if cleaned.get("asked_on"):
            try:
                refuse_asking_before(cleaned["asked_on"], [*facts, *events])
            except ValidationError as refusal:
                self.add_error(None, refusal)
        return cleaned


@admin.register(ReplyRequest)
class ReplyRequestAdmin(admin.ModelAdmin):
    """A reply request is entered by the reporter who asked; readers see only the line it makes."""

    form = ReplyRequestForm
    list_display = ["actor", "asked_on", "channel", "deadline", "outcome", "asked_by", "entered_by", "case"]
    list_filter = ["outcome", "channel", "case"]
    list_select_related = ["actor", "asked_by", "entered_by", "case"]
    readonly_fields = ["entered_by"]
    search_fields = ["actor__name", "questions", "summary"]
    autocomplete_fields = ["case", "actor", "facts", "events"]
    inlines = [AttemptInline]
    fieldsets = [
        ("What was put to them", {"fields": ["case", "actor", "facts", "events", "questions"]}),
        ("How", {"fields": ["asked_on", "asked_by", "channel", "contact", "deadline", "entered_by"]}),
        ("Outcome", {
            "fields": ["outcome", "replied_on", "summary", "quote", "full_response"],
            "description": "Readers see one line: when they were asked and, once entered, their answer "
            "(the summary and the quote), that they declined to comment, or that they had not "
            "responded by the deadline. The questions, the contact, the attempts and the full response "
            "stay with staff.",
        }),
    ]

    def get_changeform_initial_data(self, request):
        initial = named_records_only(self.model, super().get_changeform_initial_data(request))
        initial.setdefault("asked_by", request.user.pk)
        initial.setdefault("asked_on", timezone.localdate())
        return initial

    def save_model(self, request, obj, form, change):
        was_waiting = not change or form.initial.get("outcome", ReplyRequest.Outcome.WAITING) == ReplyRequest.Outcome.WAITING
        replies.save_reply_request(obj, request.user, was_waiting=was_waiting)

    def delete_model(self, request, obj):
        replies.delete_reply_requests([obj])

    def delete_queryset(self, request, queryset):
        replies.delete_reply_requests(list(queryset))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        replies.refresh_reply_lines(form.instance)

    def save_formset(self, request, form, formset, change):
        for attempt in formset.save(commit=False):
            if attempt.made_by_id is None:
                attempt.made_by = request.user
            attempt.save()
        for attempt in formset.deleted_objects:
            attempt.delete()


@admin.register(ReplyOverride)
class ReplyOverrideAdmin(ReadOnlyAdmin):
    list_display = ["granted_at", "actor", "fact", "event", "reason", "granted_by"]
    list_filter = ["case", "granted_by"]
    list_select_related = ["actor", "fact", "event", "granted_by"]


@admin.register(LegalReview)
class LegalReviewAdmin(ReadOnlyAdmin):
    list_display = ["reviewed_at", "record_key", "verdict", "comment", "reviewed_by"]
    list_filter = ["verdict", "case", "reviewed_by"]

"""The record of contact: reply requests and their attempts, overrides and legal reviews, for staff."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from .. import workflow
from ..models import LegalReview, ReplyAttempt, ReplyOverride, ReplyRequest
from ..models.replies import refuse_asking_before
from ..text import validate_text
from ..workflow import replies
from . import history
from .ids import named_records_only
from .readonly import ReadOnlyAdmin
from .records import record_context, shown_record
from .states import ReviewStateFilter, StateColumnChangeList, review_state
from .translating import TranslationsSearched


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
    change_reason = forms.CharField(
        label="Reason for this change", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when their answer changes: editors read it when they review the answer, and it stays "
        "in the history.",
        validators=[validate_text],
    )

    class Meta:
        model = ReplyRequest
        exclude = ["removal_proposed"]

    # Whether saving changes what an editor reviews (whom the request was put to, or their answer): set by clean().
    answer_changes = False

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            self.answer_changes = ReplyRequest.tells_readers(ReplyRequest(**{
                name: cleaned[name] for name in ReplyRequest.ANSWER_FIELDS if cleaned.get(name) is not None}))
        else:
            self.answer_changes = bool(set(self.changed_data) & set(ReplyRequest.REVIEWED_FIELDS))
        if self.answer_changes and not cleaned.get("change_reason", "").strip() and "change_reason" not in self.errors:
            self.add_error("change_reason", "Say why their answer changes: the editor who reviews it reads this.")
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
class ReplyRequestAdmin(TranslationsSearched, history.VersionedHistoryMixin, SimpleHistoryAdmin):
    """A reply request is entered by the reporter who asked; readers see only the line it makes, its answer
    once an editor approves it."""

    form = ReplyRequestForm
    change_form_template = "admin/casefile/record_change_form.html"
    list_display = ["actor", review_state, "asked_on", "channel", "deadline", "outcome", "asked_by", "entered_by",
                    "case"]
    list_filter = [ReviewStateFilter, "outcome", "channel", "case"]
    list_select_related = ["actor", "asked_by", "entered_by", "case"]
    readonly_fields = ["entered_by"]
    search_fields = ["actor__name", "questions", "summary"]
    autocomplete_fields = ["case", "actor", "facts", "events"]
    inlines = [AttemptInline]
    fieldsets = [
        ("What was put to them", {"fields": ["case", "actor", "facts", "events", "questions"]}),
        ("How", {"fields": ["asked_on", "asked_by", "channel", "contact", "deadline", "entered_by"]}),
        ("Outcome", {
            "fields": ["outcome", "replied_on", "summary", "quote", "full_response", "needs_legal_review",
                       "change_reason"],
            "description": "Readers see one line: when they were asked and, once an editor approves it, their "
            "answer (the summary and the quote), that they declined to comment, or that they had not "
            "responded by the deadline. An answer entered or changed waits for review like any change; "
            "readers see the one approved before until then. The questions, the contact, the attempts and "
            "the full response stay with staff and need no approval.",
        }),
    ]

    def get_changelist(self, request, **kwargs):
        return StateColumnChangeList

    def get_changeform_initial_data(self, request):
        initial = named_records_only(self.model, super().get_changeform_initial_data(request))
        initial.setdefault("asked_by", request.user.pk)
        initial.setdefault("asked_on", timezone.localdate())
        return initial

    def save_model(self, request, obj, form, change):
        was_waiting = not change or form.initial.get("outcome", ReplyRequest.Outcome.WAITING) == ReplyRequest.Outcome.WAITING
        replies.save_reply_request(obj, request.user, form.cleaned_data["change_reason"].strip(),
                                   was_waiting=was_waiting)

    def has_delete_permission(self, request, obj=None):
        # As any record: only an editor deletes what readers were shown.
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or workflow.may_delete(request.user, obj))

    def delete_model(self, request, obj):
        replies.delete_reply_requests([obj], request.user, "Deleted in the admin")

    def delete_queryset(self, request, queryset):
        replies.delete_reply_requests(list(queryset), request.user, "Deleted in the admin")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        record = form.instance
        replies.refresh_reply_lines(record)
        if form.answer_changes and workflow.record_changes(ReplyRequest, record.pk):
            self.message_user(request, self._sent_for_review(request, record))
            transaction.on_commit(lambda: self._announce(request, record), robust=True)

    def _sent_for_review(self, request, record):
        text = ("Their answer was sent for review: readers see it once an editor approves it, and the answer "
                "approved before, if any, until then.")
        if workflow.is_editor(request.user):
            text = format_html('{} <a href="{}">Review it now</a>.', text,
                               reverse("admin:casefile_review", args=[workflow.key_for(ReplyRequest, record.pk)]))
        return text

    def _announce(self, request, record):
        told = [workflow.announce_to_legal(record, request.user), workflow.announce_changes(record, request.user)]
        if not all(told):
            self.message_user(request, "The answer is saved, but the editors or the lawyers could not be emailed "
                              "about it. Tell them it waits for review.", messages.WARNING)

    # The record's review state and its history, as every record's

    def change_view(self, request, object_id, form_url="", extra_context=None):
        request.record_shown = self.get_object(request, unquote(object_id))
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        shown = shown_record(request, change)
        if shown is not None:
            context.update(record_context(request, shown))
            context["reviewed_part"] = (
                "Readers see when and by whom they were asked as entered, and their answer as an editor "
                "last approved it" + ("." if context["is_public"] else ": none is approved yet.")
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

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

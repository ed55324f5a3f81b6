"""Editing the records of a case file: what a reporter sees and does on each record's form."""

from urllib.parse import parse_qs, urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from .. import published, workflow
from ..workflow import comments
from ..workflow.changes import top_level_of
from ..workflow.rework import Family
from ..models import (
    Actor,
    Case,
    Citation,
    Claim,
    Event,
    EventParticipant,
    Fact,
    FactActor,
    FactEvent,
    OpenQuestion,
    QuestionConcern,
    Relationship,
    Source,
)
from . import comments as conversation, discard, history, merge, translating
from .captures import SourceCopiesMixin
from .changes import CaseChangesMixin
from .ftm_import import FtmImportMixin
from .identities import SourceIdentityMixin
from .ids import named_records_only, parse_id
from .forms import RecordForm, partial_dates
from .inlines import (
    EventCitationInline,
    FactActorInline,
    FactCitationInline,
    FactEventInline,
    ParticipantInline,
    QuestionConcernInline,
    RelationshipCitationInline,
)
from .states import ReviewStateFilter, StateColumnChangeList, review_state

# The session key of the case a person last worked in: new records start in it.
CURRENT_CASE = "casefile_current_case"


def case_id_in(raw):
    """The id of a case that `raw` (from a URL, a form or the session) names, or None."""
    try:
        return parse_id(Case, raw)
    except ValueError:
        return None


class RecordAdmin(translating.TranslationsSearched, history.VersionedHistoryMixin, SimpleHistoryAdmin):
    form = RecordForm
    change_form_template = "admin/casefile/record_change_form.html"
    list_per_page = 50
    # A URL typed without a scheme is taken as https, as Django 6 will.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # The field a new record's slug is made from when left empty.
    slug_source = None

    # Forms

    @property
    def media(self):
        media = super().media
        if issubclass(self.model, Claim):
            # The status a claim's citations bear out, suggested as they change.
            media += forms.Media(js=["casefile/claim_status.js"])
        return media

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        attrs = {"edit_conflict": getattr(request, "edit_conflict", None)}
        if obj is None:
            attrs["slug_source"] = self.slug_source
        return type(form.__name__, (form,), attrs)

    def get_fields(self, request, obj=None):
        # A translation is read and written beside the text it translates.
        return translating.beside_their_texts(super().get_fields(request, obj), self.model)

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        # A date's precision is worked out from how the date is typed.
        excluded += partial_dates(self.model).values()
        # Only what readers once saw can have its removal proposed.
        if obj is None or not workflow.ever_approved(obj):
            excluded.append("removal_proposed")
        return excluded

    def get_changeform_initial_data(self, request):
        # A record the address cannot name is left out: the form starts as if none were given.
        initial = named_records_only(self.model, super().get_changeform_initial_data(request))
        chosen = case_id_in(initial.get("case"))
        if chosen is not None:
            # Whatever is added next, from the menu or a pop-up, starts in this case too.
            request.session[CURRENT_CASE] = chosen
        if "case" in initial or not any(f.name == "case" for f in self.model._meta.fields):
            return initial
        filters = parse_qs(request.GET.get("_changelist_filters", ""))
        case = case_id_in((filters.get("case__id__exact") or [request.session.get(CURRENT_CASE)])[0])
        if case is not None and Case.objects.filter(pk=case).exists():
            initial["case"] = str(case)
        elif Case.objects.count() == 1:
            initial["case"] = str(Case.objects.get().pk)
        return initial

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            record = self.get_object(request, unquote(object_id))
            if record is not None and self.has_change_permission(request, record):
                request.POST = merge.apply_choices(self, request, record)
                refused = merge.refused_edit(self, request, record)
                if refused is not None:
                    request.POST = refused.data
                    request.edit_conflict = refused
        return super().changeform_view(request, object_id, form_url, extra_context)

    # Saving

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
        changed = workflow.edit_token(record) != form.cleaned_data.get("edit_token")
        if changed:
            workflow.resubmit(record, request.user, form.cleaned_data["change_reason"])
            transaction.on_commit(lambda: self._announce(request, record), robust=True)
        request.review_notice = self._saved_notice(request, record, changed, change)
        problem = record.status_problem() if hasattr(record, "status_problem") else None
        if problem:
            self.message_user(request, f"Saved, but an editor cannot approve it as it stands: {problem}",
                              messages.WARNING)

    def _saved_notice(self, request, record, changed, change):
        kind = record._meta.verbose_name
        if not changed:
            return format_html("Nothing was changed in the {} “<bdi>{}</bdi>”, so nothing was sent for review.",
                               kind, record)
        public = published.is_public(record)
        readers = ("Readers see the approved version until an editor approves the change." if public
                   else "Readers will see it once an editor approves it.")
        text = format_html("The {} “<bdi>{}</bdi>” was saved and sent for review. {}", kind, record, readers)
        if workflow.is_editor(request.user):
            owner = top_level_of(type(record), record.pk)
            text = format_html('{} <a href="{}">Review it now</a>.', text,
                               reverse("admin:casefile_review", args=[workflow.key_for(*owner)]))
        if "_continue" in request.POST:
            text = format_html("{} You may edit it again below.", text)
        elif "_addanother" in request.POST:
            text = format_html("{} You may add another {} below.", text, kind)
        elif ADD_A_RELATIONSHIP in request.POST:
            text = format_html("{} You may add its relationship below.", text)
        return text

    def message_user(self, request, message, level=messages.INFO, extra_tags="", fail_silently=False):
        # Django's "was changed successfully" says nothing of review; the save's own notice does.
        notice = getattr(request, "review_notice", None)
        if notice is not None and level == messages.SUCCESS:
            message, request.review_notice = notice, None
        super().message_user(request, message, level, extra_tags, fail_silently)

    def _announce(self, request, record):
        if not workflow.announce_to_legal(record, request.user):
            self.message_user(request, "Your change is saved, but the lawyers could not be emailed about it. "
                              "Tell them it waits for legal review.", messages.WARNING)
        if not workflow.announce_changes(record, request.user):
            self.message_user(
                request,
                "Your change is saved, but the editors could not be emailed about it. "
                "Tell them it waits for review.",
                messages.WARNING,
            )

    # Deleting: offered only where it will go through, and a refusal says why.

    NAMED_IN_A_REFUSAL = 10

    @classmethod
    def _resting_on(cls, obj):
        """(some records that rest on this one and keep it from being deleted, how many in all)."""
        named, count = [], 0
        for relation in obj._meta.related_objects:
            if relation.on_delete is not models.PROTECT:
                continue
            resting = relation.related_model._default_manager.filter(**{relation.field.name: obj})
            room = cls.NAMED_IN_A_REFUSAL - len(named)
            first = list(resting[:room]) if room > 0 else []
            named += first
            # Fewer than there was room for: they are all of them, with no count to ask for.
            count += len(first) if len(first) < room else resting.count()
        return named, count

    def deletion_refusal(self, request, obj):
        """Why this person may not delete this record, or None."""
        if not workflow.may_delete(request.user, obj):
            return (f"This {obj._meta.verbose_name} has been published, so only an editor can delete it. "
                    "To take it off the public pages, tick “Removal proposed” on its page and say why; "
                    "an editor decides.")
        resting, count = self._resting_on(obj)
        if count:
            named = "; ".join(f"{record._meta.verbose_name} “{record}”" for record in resting)
            more = count - len(resting)
            return (f"This {obj._meta.verbose_name} cannot be deleted while other records rest on it: {named}"
                    + (f"; and {more} more" if more > 0 else "")
                    + ". Point them at another record or delete them first.")
        return None

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self.deletion_refusal(request, obj) is None)

    delete_confirmation_template = "admin/casefile/record_delete_confirmation.html"

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and super().has_delete_permission(request, obj):
            refusal = self.deletion_refusal(request, obj)
            if refusal:
                raise PermissionDenied(refusal)
        published_now = obj is not None and workflow.approved_version(type(obj), obj.pk) is not None
        return super().delete_view(request, object_id, {**(extra_context or {}), "published": published_now})

    @admin.action(permissions=["delete"], description="Delete selected %(verbose_name_plural)s")
    def delete_selected(self, request, queryset):
        refusals = [(obj, refusal) for obj in queryset if (refusal := self.deletion_refusal(request, obj))]
        if refusals:
            message = " ".join(f"“{obj}”: {refusal}" for obj, refusal in refusals[:5])
            if request.POST.get("post"):
                raise PermissionDenied(message)
            self.message_user(request, f"Nothing was deleted. {message}", messages.ERROR)
            return None
        return django_delete_selected(self, request, queryset)

    actions = ["delete_selected"]

    def delete_model(self, request, obj):
        workflow.delete_record(obj, request.user, "Deleted in the admin",
                               for_legal_reasons=request.POST.get("for_legal_reasons") == "on")

    def delete_queryset(self, request, queryset):
        workflow.delete_records(list(queryset), request.user, "Deleted in the admin")

    # Pages of one record

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/reset/", view(self.reset_view), name="%s_%s_reset" % info),
        ] + super().get_urls()

    def reset_view(self, request, object_id):
        return discard.reset_view(self, request, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            case_id = getattr(obj, "case_id", None) or (obj.pk if isinstance(obj, Case) else None)
            if case_id:
                request.session[CURRENT_CASE] = case_id
            request.record_shown = obj
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        shown = shown_record(request, change)
        if shown is not None:
            family = Family(type(shown), shown.pk)
            context.update(record_context(request, shown, family))
            context["discard"] = discard.offer(request, shown, family)
            context["threads"] = conversation.annotate(context["pending"], request.user)
            context["can_comment"] = comments.may_comment(request.user, type(shown))
            if "adminform" in context:
                translating.note_on_form(context["adminform"].form, shown, context["pending"])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        case = case_id_in(request.GET.get("case__id__exact"))
        if case is not None:
            request.session[CURRENT_CASE] = case
        return super().changelist_view(request, extra_context)

    def get_changelist(self, request, **kwargs):
        return StateColumnChangeList

    def get_list_filter(self, request):
        return [ReviewStateFilter, *super().get_list_filter(request)]

    def get_list_display(self, request):
        first, *rest = super().get_list_display(request)
        return [first, review_state, *rest]


def shown_record(request, change):
    """The record whose change form is being shown, as `change_view` read it (`request.record_shown`),
    before a posted form changed it; None on a form that adds one.

    What the form tells of the record's review is read only as the form is shown: a save that goes
    through is answered with a redirect, and reads none of it.
    """
    return getattr(request, "record_shown", None) if change else None


def record_context(request, obj, family=None):
    """What the change form of a record says of its review: its state, links and whose work waits.

    `family`: the record's `Family`, if read already for its page.
    """
    model = type(obj)
    family = family or Family(model, obj.pk)
    owner_model, owner_pk = family.owner
    state = workflow.record_states(model, [obj.pk], family)[obj.pk]
    public_url = obj.get_absolute_url() if state.is_public and hasattr(obj, "get_absolute_url") else None
    return {
        "state": state,
        "rejection": state.rejection if state.state == workflow.ReviewState.REJECTED else None,
        "legal_refusal": state.legal_refusal,
        "pending": state.waiting,
        "waiting_authors": sorted({str(a) for change in state.waiting for a in change.authors}),
        "is_public": state.is_public,
        "public_url": public_url,
        "history_url": reverse(f"admin:casefile_{model._meta.model_name}_history", args=[obj.pk]),
        "review_url": reverse("admin:casefile_review", args=[workflow.key_for(owner_model, owner_pk)]),
        "can_review": workflow.is_editor(request.user),
        "case_records": case_records(obj) if isinstance(obj, Case) else None,
    }


CASE_RECORD_KINDS = (Actor, Relationship, Source, Event, Fact, OpenQuestion)


def case_records(case):
    """Each kind of record of a case: how many, and where to list and add them."""
    rows = []
    for model in CASE_RECORD_KINDS:
        info = model._meta.app_label, model._meta.model_name
        rows.append({
            "name": model._meta.verbose_name_plural.capitalize(),
            "count": model.objects.filter(case=case).count(),
            "list_url": reverse("admin:%s_%s_changelist" % info) + f"?case__id__exact={case.pk}",
            "add_url": reverse("admin:%s_%s_add" % info) + f"?case={case.pk}",
            "kind": model._meta.verbose_name,
        })
    return rows


@admin.register(Case)
class CaseAdmin(CaseChangesMixin, FtmImportMixin, RecordAdmin):
    list_display = ["title", "slug"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    slug_source = "title"


# The button of an actor's form that saves it and opens a new relationship of it.
ADD_A_RELATIONSHIP = "_addrelationship"


def new_relationship_url(actor):
    """The form of a new relationship with `actor` as its subject, in the actor's case."""
    preset = urlencode({"case": actor.case_id, "subject": actor.pk})
    return f"{reverse('admin:casefile_relationship_add')}?{preset}"


@admin.register(Actor)
class ActorAdmin(RecordAdmin):
    list_display = ["name", "kind", "case"]
    list_filter = ["case", "kind"]
    search_fields = ["name", "aliases", "description"]
    autocomplete_fields = ["case"]
    prepopulated_fields = {"slug": ["name"]}
    slug_source = "name"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        may_add = not context.get("is_popup") and request.user.has_perm("casefile.add_relationship")
        context["add_a_relationship"] = ADD_A_RELATIONSHIP if may_add else None
        if obj is not None:
            context["ties"] = {
                "rows": [(relationship, reverse("admin:casefile_relationship_change", args=[relationship.pk]))
                         for relationship in Relationship.objects.filter(Q(subject=obj) | Q(object=obj))
                         .select_related("subject", "object")],
                "add_url": new_relationship_url(obj) if may_add else None,
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_add(self, request, obj, post_url_continue=None):
        return self._on_to_a_relationship(request, obj) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        return self._on_to_a_relationship(request, obj) or super().response_change(request, obj)

    def _on_to_a_relationship(self, request, actor):
        """After "Save and add a relationship": the relationship's form, the actor its subject."""
        if ADD_A_RELATIONSHIP not in request.POST or IS_POPUP_VAR in request.POST:
            return None
        # Replaced by the save's own notice, as after any other button.
        self.message_user(request, "Saved.", messages.SUCCESS)
        return HttpResponseRedirect(new_relationship_url(actor))


@admin.register(Relationship)
class RelationshipAdmin(RecordAdmin):
    list_display = ["subject", "kind", "object", "period", "status", "case"]
    list_filter = ["case", "kind", "status"]
    list_select_related = ["subject", "object", "case"]
    search_fields = ["subject__name", "object__name", "description"]
    autocomplete_fields = ["case", "subject", "object"]
    inlines = [RelationshipCitationInline]

    def response_add(self, request, obj, post_url_continue=None):
        # Opened from an actor's page: saving goes back there, and another starts from the same actor.
        actor = self._actor_it_was_opened_for(request)
        if actor is None or IS_POPUP_VAR in request.POST or "_continue" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(request, "Saved.", messages.SUCCESS)  # replaced by the save's own notice
        if "_addanother" in request.POST:
            return HttpResponseRedirect(request.get_full_path())
        return HttpResponseRedirect(reverse("admin:casefile_actor_change", args=[actor.pk]))

    @staticmethod
    def _actor_it_was_opened_for(request):
        try:
            return Actor.objects.filter(pk=parse_id(Actor, request.GET.get("subject"))).first()
        except ValueError:
            return None


@admin.register(Source)
class SourceAdmin(SourceIdentityMixin, SourceCopiesMixin, RecordAdmin):
    list_display = ["title", "kind", "publisher", "published_display", "relayed_via", "case"]
    list_filter = ["case", "kind", "language"]
    list_select_related = ["relayed_via", "case"]
    search_fields = ["title", "publisher", "author", "url"]
    autocomplete_fields = ["case", "relayed_via"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["our_copies"]
    slug_source = "title"

    @admin.display(description="Published", ordering="published_on")
    def published_display(self, source):
        return source.published_display

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            # What readers see resting on it: the claims citing it, and those it alone supports.
            claims = published.claims_citing(obj)
            context["resting_on_source"] = claims
            context["resting_alone_count"] = sum(1 for claim in claims if claim.only_support)
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(Event)
class EventAdmin(RecordAdmin):
    list_display = ["title", "date_display", "location", "status", "case"]
    list_filter = ["case", "status", "starts_precision"]
    list_select_related = ["case"]
    search_fields = ["title", "description", "location"]
    autocomplete_fields = ["case"]
    prepopulated_fields = {"slug": ["title"]}
    slug_source = "title"
    ordering = ["starts_on"]
    inlines = [ParticipantInline, EventCitationInline]

    @admin.display(description="Date", ordering="starts_on")
    def date_display(self, event):
        return event.date_display


@admin.register(Fact)
class FactAdmin(RecordAdmin):
    list_display = ["slug", "short_statement", "status", "case"]
    list_filter = ["case", "status"]
    list_select_related = ["case"]
    search_fields = ["slug", "statement", "assessment"]
    autocomplete_fields = ["case"]
    # A statement is long: the slug is made on saving, from its first words, when left empty.
    slug_source = "statement"
    inlines = [FactCitationInline, FactActorInline, FactEventInline]

    @admin.display(description="Statement")
    def short_statement(self, fact):
        return fact.statement if len(fact.statement) <= 100 else fact.statement[:99] + "…"


@admin.register(OpenQuestion)
class OpenQuestionAdmin(RecordAdmin):
    list_display = ["slug", "short_question", "state", "case"]
    list_filter = ["case", "state"]
    list_select_related = ["case"]
    search_fields = ["slug", "question", "settled_by", "answer"]
    autocomplete_fields = ["case"]
    slug_source = "question"
    inlines = [QuestionConcernInline]

    @admin.display(description="Question")
    def short_question(self, question):
        return question.question if len(question.question) <= 100 else question.question[:99] + "…"


class ChildAdmin(RecordAdmin):
    """Citations and links: reached through the record they belong to, not from the menu."""

    def has_module_permission(self, request):
        return False

    def has_add_permission(self, request):
        # A citation or link is added on its record's form, where its record is known.
        return False


@admin.register(Citation)
class CitationAdmin(ChildAdmin):
    list_display = ["source", "locator", "stance", "fact", "event", "relationship"]
    list_filter = ["stance", "source__case"]
    list_select_related = ["source", "fact", "event", "relationship__subject", "relationship__object"]
    search_fields = ["quote", "note", "locator", "source__title"]
    autocomplete_fields = ["source", "fact", "event", "relationship"]


@admin.register(EventParticipant)
class EventParticipantAdmin(ChildAdmin):
    list_display = ["actor", "role", "event"]
    list_select_related = ["actor", "event"]
    search_fields = ["role", "actor__name", "event__title"]
    autocomplete_fields = ["event", "actor"]


@admin.register(FactActor)
class FactActorAdmin(ChildAdmin):
    list_display = ["fact", "actor"]
    list_select_related = ["fact", "actor"]
    search_fields = ["fact__statement", "actor__name"]
    autocomplete_fields = ["fact", "actor"]


@admin.register(FactEvent)
class FactEventAdmin(ChildAdmin):
    list_display = ["fact", "event"]
    list_select_related = ["fact", "event"]
    search_fields = ["fact__statement", "event__title"]
    autocomplete_fields = ["fact", "event"]


@admin.register(QuestionConcern)
class QuestionConcernAdmin(ChildAdmin):
    list_display = ["question", "fact", "event", "relationship", "source"]
    list_select_related = ["question", "fact", "event", "relationship__subject", "relationship__object", "source"]
    search_fields = ["question__question"]
    autocomplete_fields = ["question", "fact", "event", "relationship", "source"]

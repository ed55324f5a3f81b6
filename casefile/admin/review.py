"""The editors' side: the review queue, the review of one record, approval in bulk."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode

from .. import published, workflow
from ..admin_site import legal_queue_url
from ..workflow import comments, drafts, legal, readiness, replies, rework, scheduling, support
from ..history import history_model
from ..models import Actor, Case, Decision
from ..text import isolated, joined, validate_text
from . import comments as conversation, preview
from .captures import flag_queue_items
from .ids import parse_id, parse_key, url_id
from .readonly import ReadOnlyAdmin
from .schedules import GoLiveField


class ReviewForm(forms.Form):
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), validators=[validate_text])
    public_note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), validators=[validate_text]
    )
    reply_override = forms.CharField(
        required=False, label="Publish without their answer, because",
        widget=forms.Textarea(attrs={"rows": 2}), validators=[validate_text],
        help_text="Only when an allegation below has no answered reply request: the reason is recorded "
        "with your name and shown in the queue and the history.",
    )
    for_legal_reasons = forms.BooleanField(
        required=False, label="Removed for legal reasons",
        help_text="Readers are told that a record was removed for legal reasons, never its text: not in the "
        "corrections log, not in the feeds, not in the earlier entries that named it.",
    )
    goes_live_at = GoLiveField(
        required=False,
        help_text="Empty: readers see it as soon as you approve. A time: readers see nothing of it until then, "
        "when it goes public all at once; until then you can move the time, publish it at once or withdraw "
        "the approval.",
    )
    expires_at = GoLiveField(
        required=False, label=f"Readers see it until ({timezone.get_current_timezone_name()})",
        help_text="Empty: until someone changes it. A time: then each record approved here leaves the public "
        "pages, as if you approved its removal; you can move the time or withdraw it until then.",
    )
    approve_open_threads = forms.BooleanField(
        required=False, label="Approve with these threads open",
        help_text="They stay open on the version you approve, and their people can go on answering.",
    )
    see_open_comments = forms.BooleanField(
        required=False, label="See the open comments",
        help_text="The rejection lists the open threads above, so that you need not repeat them.",
    )
    # The versions a lawyer was shown, so that a clearance names exactly those.
    seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        try:
            scheduling.refuse_expiry_before_going_live(cleaned.get("goes_live_at"), cleaned.get("expires_at"))
        except ValidationError as error:
            self.add_error("expires_at", error)
        return cleaned


class BulkTimingForm(forms.Form):
    goes_live_at = GoLiveField(required=False)


# The queue's filter by where a change stands with legal: its value in the address, and that state.
LEGAL_FILTER = {
    "waiting": legal.LegalState.WAITING, "cleared": legal.LegalState.CLEARED, "refused": legal.LegalState.REFUSED,
}


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    """Approvals and rejections, read only; also serves the review queue."""

    list_display = ["decided_at", "action", "content_type", "object_repr", "decided_by", "comment"]
    list_select_related = ["content_type", "decided_by"]
    list_filter = ["action", "case", "content_type", "decided_by"]
    search_fields = ["object_repr", "comment"]
    date_hierarchy = "decided_at"

    QUEUE_PAGE_SIZE = 100

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("review/", view(self.queue_view), name="casefile_review_queue"),
            path("review/approve-selected/", view(self.bulk_approve_view), name="casefile_review_bulk"),
            path("review/<str:key>/preview/", view(self.preview_view), name="casefile_review_preview"),
            path("review/<str:key>/comments/", view(self.conversation_view), name="casefile_review_comments"),
            path("review/<str:key>/", view(self.review_view), name="casefile_review"),
        ] + super().get_urls()

    def _require_editor(self, request):
        if not workflow.is_editor(request.user):
            raise PermissionDenied

    def _require_reviewer(self, request):
        """Editors decide; lawyers read the queue and the review to clear or refuse flagged changes."""
        if not (workflow.is_editor(request.user) or legal.is_lawyer(request.user)):
            raise PermissionDenied

    def queue_view(self, request):
        self._require_reviewer(request)
        case = request.GET.get("case") or None
        author = request.GET.get("author") or None
        kind = request.GET.get("kind") or None
        legal_filter = request.GET.get("legal") if request.GET.get("legal") in LEGAL_FILTER else None
        items = workflow.review_queue(
            case=self._filter_id(Case, case), author=self._filter_id(get_user_model(), author), kind=kind
        )
        if legal_filter:
            items = legal.in_state(items, LEGAL_FILTER[legal_filter])
        page = Paginator(items, self.QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
        flag_queue_items(workflow.load_records(page.object_list))
        workflow.load_companions(page.object_list)
        legal.annotate_queue(page.object_list)
        replies.annotate_queue(page.object_list)
        readiness.annotate_queue(page.object_list)
        context = {
            **self.admin_site.each_context(request),
            "title": "Changes waiting for review",
            "opts": self.opts,
            "items": items,
            "page_obj": page,
            "filter_query": urlencode({k: v for k, v in (("case", case), ("author", author), ("kind", kind),
                                                         ("legal", legal_filter)) if v}),
            "cases": Case.objects.order_by("title"),
            "authors": get_user_model().objects.filter(is_staff=True).order_by("username"),
            "kinds": [(m._meta.model_name, m._meta.verbose_name) for m in workflow.TOP_LEVEL],
            "legal_states": [(value, legal.LegalState(state).label) for value, state in LEGAL_FILTER.items()],
            "selected": {"case": case, "author": author, "kind": kind, "legal": legal_filter},
            "legal_label": legal.LegalState(LEGAL_FILTER[legal_filter]).label if legal_filter else "",
            "can_approve": workflow.is_editor(request.user),
            "timing": BulkTimingForm(),
        }
        return TemplateResponse(request, "admin/casefile/review_queue.html", context)

    @staticmethod
    def _filter_id(model, raw):
        """A filter that names no record filters nothing."""
        try:
            return parse_id(model, raw) if raw else None
        except ValueError:
            return None

    def _reviewed(self, request, key, lawyers_too=False):
        """(model, pk) of the record a review key names; 403 for no case-file record, 404 for none."""
        if lawyers_too:
            self._require_reviewer(request)
        else:
            self._require_editor(request)
        try:
            model, pk = workflow.model_for_key(key)
        except ValueError:
            raise PermissionDenied("This address names no record of a case file.") from None
        pk = url_id(model, pk)
        # A deleted record keeps its history, and its removal may wait for review.
        if not model.objects.filter(pk=pk).exists() and workflow.latest_version(model, pk) is None:
            raise Http404(f"No {model._meta.verbose_name} #{pk} ever existed.")
        return model, pk

    def review_view(self, request, key):
        model, pk = self._reviewed(request, key, lawyers_too=True)
        form = ReviewForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                return self._decide(request, model, pk, form.cleaned_data)
            except (workflow.WorkflowError, ValidationError) as refusal:
                message = getattr(refusal, "message", None) or " ".join(refusal.messages)
                self.message_user(request, message, messages.ERROR)
        # What waits now, read after any decision posted: what the page shows.
        own_changes = workflow.record_changes(model, pk)
        bundle = workflow.review_bundle(model, pk, own_changes)
        record = model.objects.filter(pk=pk).first()
        changes = {(change.model, change.pk): change for change in bundle}
        refusals = workflow.approval_refusals(changes)
        threads = conversation.annotate(bundle, request.user)
        left_out = (readiness.references_left_out(changes)
                    if any(isinstance(refusal, workflow.UnapprovedReference) for refusal in refusals) else [])
        context = {
            **self.admin_site.each_context(request),
            # No markup can go in a <title>: characters isolate the name there, <bdi> in the <h1>.
            "title": f"Review: {isolated(record or key)}",
            "reviewed": record or key,
            "reviewed_kind": model._meta.verbose_name,
            "record_key": workflow.key_for(model, pk),
            "opts": self.opts,
            "record": record,
            "bundle": bundle,
            "form": form,
            "authors": sorted({str(author) for change in bundle for author in change.authors}),
            "legal": legal.legal_state(model, pk, own_changes),
            "legal_seen": workflow.fingerprint((c.key, c.latest.history_id) for c in own_changes),
            "right_of_reply": replies.status_of(replies.allegations_in(bundle)),
            "resent": rework.annotate_since_rejection(bundle),
            "refusals": [workflow.reason_of(refusal) for refusal in refusals],
            "support_warnings": support.discrediting(changes)
            + [warning for _, _, warning in support.thin_support(changes)],
            "rejected_references": [item for item in left_out if item.rejection is not None],
            "companions": workflow.companions_of(model, pk, bundle),
            # Others a rejection of a record readers cannot see yet would hold up.
            "waiting_on_this": workflow.waiting_on(model, pk) if own_changes and record is not None
            and not published.is_public(record) else [],
            # With nothing waiting, a standing rejection the editor may take back.
            "rejection": None if bundle or record is None else workflow.record_states(model, [pk])[pk].rejection,
            "removes": any(change.is_removal for change in bundle),
            "merge_offers": drafts.possible_duplicates(record) if model is Actor else [],
            "can_approve": workflow.is_editor(request.user),
            "can_clear": legal.is_lawyer(request.user),
            "threads": threads,
            "can_comment": comments.may_comment(request.user, model),
            "open_threads": [thread for thread in threads if not thread.comment.is_resolved],
            **preview.links(model, pk, record, key),
        }
        return TemplateResponse(request, "admin/casefile/review.html", context)

    def _decide(self, request, model, pk, cleaned):
        """Act on the button pressed on the review of a record; the redirect that follows, or a refusal raised."""
        user, comment = request.user, cleaned["comment"]
        if "_merge_into" in request.POST:
            return self._merge(request, model, pk)
        if "_reconsider" in request.POST:
            try:
                sent_back = parse_key(request.POST["_reconsider"])
            except ValueError as error:
                raise BadRequest(f"The review names no record: {error}") from None
            workflow.reconsider(user, *sent_back)
            label = workflow.latest_version(*sent_back).instance
            self.message_user(request, format_html(
                "The {} “<bdi>{}</bdi>” waits for review again, sent back by you: approving this change "
                "now publishes it too.", sent_back[0]._meta.verbose_name, label))
            return HttpResponseRedirect(request.path)
        versions = self._posted_versions(request)
        if "_legal_clear" in request.POST or "_legal_refuse" in request.POST:
            verdict = "cleared" if "_legal_clear" in request.POST else "refused"
            told = workflow.told_of_legal_review(workflow.record_changes(model, pk), user)
            legal.decide_legal(user, model, pk, cleaned["seen"], verdict, comment)
            self.message_user(request, f"{verdict.capitalize()} on legal grounds. {who_is_told(told)}")
            # Back to what else waits for legal, the next change one click away.
            return HttpResponseRedirect(legal_queue_url())
        elif "_reject" in request.POST:
            try:
                chosen = [parse_key(key) for key in request.POST.getlist("reject_with")]
            except ValueError as error:
                raise BadRequest(f"The review names no record: {error}") from None
            if cleaned["see_open_comments"]:
                comment = comments.pointing_to_threads(comment, list(versions))
            rejected = workflow.reject(user, workflow.rejected_part(model, pk, versions, chosen), comment)
            self.message_user(request, "Rejected. " + who_is_told(workflow.told_of_decision(rejected, user), "why"))
        else:
            if not cleaned["approve_open_threads"]:
                comments.refuse_open_threads(list(versions))
            goes_live_at, expires_at = cleaned["goes_live_at"], cleaned["expires_at"]
            timing = {"goes_live_at": goes_live_at, "expires_at": expires_at}
            if cleaned["reply_override"].strip():
                approved = replies.approve_without_reply(user, versions, comment, cleaned["reply_override"],
                                                         cleaned["public_note"], cleaned["for_legal_reasons"],
                                                         **timing)
                done = "Approved, with your reason for publishing without an answer recorded."
            else:
                approved = workflow.approve(user, versions, comment, cleaned["public_note"],
                                            cleaned["for_legal_reasons"], **timing)
                done = "Approved."
            told = workflow.told_of_decision(approved, user)
            when = (f"Readers see nothing of it until {scheduling.when(goes_live_at)}, when it goes public."
                    if goes_live_at else "Readers now see this version.")
            if expires_at:
                when += f" It leaves the public pages at {scheduling.when(expires_at)}."
            self.message_user(request, f"{done} {when}" + (f" {who_is_told(told)}" if told else ""))
        return HttpResponseRedirect(reverse("admin:casefile_review_queue"))

    def _merge(self, request, model, pk):
        """Merge the draft actor under review into the actor of the case the editor chose among those offered."""
        self._require_editor(request)
        duplicate = model.objects.filter(pk=pk).first() if model is Actor else None
        offered = {actor.pk: actor for actor in drafts.possible_duplicates(duplicate)}
        try:
            chosen = offered.get(parse_id(Actor, request.POST["_merge_into"]))
        except ValueError:
            chosen = None
        if chosen is None:
            raise workflow.WorkflowError("That actor is not offered to merge with this one: nothing was merged.")
        drafts.merge_actor(duplicate, chosen, request.user)
        self.message_user(request, format_html(
            "“<bdi>{}</bdi>” was merged into “<bdi>{}</bdi>”; what changed waits for review.", duplicate.name,
            chosen.name))
        if workflow.record_changes(Actor, chosen.pk):
            return HttpResponseRedirect(reverse("admin:casefile_review", args=[workflow.key_for(Actor, chosen.pk)]))
        return HttpResponseRedirect(reverse("admin:casefile_review_queue") + "?" + urlencode({"case": chosen.case_id}))

    def conversation_view(self, request, key):
        """Comment on a field of a waiting change, reply on a thread or resolve it."""
        return conversation.conversation_view(self, request, key)

    def preview_view(self, request, key):
        """The public page of the record as readers will see it once the review is approved."""
        model, pk = self._reviewed(request, key)
        return preview.render(self, request, model, pk)

    def bulk_approve_view(self, request):
        """Approve the selected queue items: all together if they may be, else each that may be, saying why
        each of the others may not."""
        self._require_editor(request)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:casefile_review_queue"))
        comment = request.POST.get("comment", "")
        timing = BulkTimingForm(request.POST)
        try:
            validate_text(comment)
        except ValidationError as error:
            self.message_user(request, "Nothing was approved. In the comment: " + " ".join(error.messages),
                              messages.ERROR)
            return HttpResponseRedirect(reverse("admin:casefile_review_queue"))
        if not timing.is_valid():
            self.message_user(request, "Nothing was approved. " + " ".join(timing.errors["goes_live_at"]),
                              messages.ERROR)
            return HttpResponseRedirect(reverse("admin:casefile_review_queue"))
        goes_live_at = timing.cleaned_data["goes_live_at"]
        try:
            selected = [(key, *parse_key(key)) for key in request.POST.getlist("selected")]
        except ValueError as error:
            raise BadRequest(f"The selection names no record: {error}") from None
        chosen, refused = [], []
        for key, model, pk in selected:
            changes = workflow.record_changes(model, pk)
            shown = workflow.fingerprint((c.key, c.latest.history_id) for c in changes)
            if not changes or request.POST.get(f"seen-{key}", "") != shown:
                refused.append(
                    f"Not approved: {model._meta.verbose_name} #{pk} changed since the queue was "
                    "shown; open it to review the new changes."
                )
                continue
            # What the review of the record would approve: with it, the records not yet
            # public that it refers to, as the queue names them.
            versions = {(c.model, c.pk): c.latest.history_id for c in workflow.review_bundle(model, pk, changes)}
            try:
                comments.refuse_open_threads(list(versions))
            except comments.ThreadsOpen as refusal:
                refused.append(f"{refusal} Open the review of {model._meta.verbose_name} #{pk} to do so.")
                continue
            own = (changes[0].model, changes[0].pk) == (model, pk)
            chosen.append((f"{model._meta.verbose_name} “{changes[0].label if own else model.objects.get(pk=pk)}”",
                           versions))
        approved = self._approve_each_that_may_be(request.user, chosen, comment, refused, goes_live_at)
        if approved:
            self.message_user(request, f"Approved {approved} record(s)" + (
                f" to go live at {scheduling.when(goes_live_at)}." if goes_live_at else "."))
        if not chosen and not refused:
            self.message_user(request, "Select at least one record to approve.", messages.WARNING)
        for message in refused:
            self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:casefile_review_queue"))

    @staticmethod
    def _approve_each_that_may_be(editor, chosen, comment, refused, goes_live_at=None):
        """Approve the chosen items, [(name, versions)], as one change; if that is refused, each on its own,
        adding to `refused` why each refused one was. How many were approved."""
        if not chosen:
            return 0
        try:
            workflow.approve(editor, {key: version for _, versions in chosen for key, version in versions.items()},
                             comment, goes_live_at=goes_live_at)
            return len(chosen)
        except workflow.WorkflowError:
            pass
        approved, done = 0, set()
        for name, versions in chosen:
            # A record approved with an earlier one (the new source both cite) is approved already.
            left = {key: version for key, version in versions.items() if key not in done}
            try:
                if left:
                    workflow.approve(editor, left, comment, goes_live_at=goes_live_at)
            except workflow.WorkflowError as refusal:
                refused.append(f"Not approved: {name}: {workflow.reason_of(refusal)}")
            else:
                done.update(left)
                approved += 1
        return approved

    @staticmethod
    def _posted_versions(request):
        """{(model, pk): history_id} of the versions the review showed, each posted as "key@history_id"."""
        versions = {}
        for version in request.POST.getlist("version"):
            key, _, history_id = version.rpartition("@")
            try:
                model, pk = parse_key(key)
                versions[(model, pk)] = parse_id(history_model(model), history_id)
            except ValueError as error:
                raise BadRequest(f"The review names no version: {error}") from None
        return versions


def who_is_told(people, what=""):
    """“rita has been told why.”: who hears of a decision, named; when nobody else made the change, that."""
    if not people:
        return "The change was yours alone: nobody else is told."
    return f"{joined(people)} {'has' if len(people) == 1 else 'have'} been told{' ' + what if what else ''}."


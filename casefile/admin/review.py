"""The editors' side: the review queue, the review of one record, approval in bulk."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from .. import workflow
from ..admin_site import legal_queue_url
from ..workflow import legal, replies, rework
from ..history import history_model
from ..models import Case, Decision
from ..text import isolated, validate_text
from . import preview
from .captures import flag_queue_items
from .ids import parse_id, parse_key, url_id
from .readonly import ReadOnlyAdmin


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
    # The versions a lawyer was shown, so that a clearance names exactly those.
    seen = forms.CharField(required=False, widget=forms.HiddenInput)


# The queue's filter by where a change stands with legal: its value in the address, and that state.
LEGAL_FILTER = {
    "waiting": legal.LegalState.WAITING, "cleared": legal.LegalState.CLEARED, "refused": legal.LegalState.REFUSED,
}


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    """Approvals and rejections, read only; also serves the review queue."""

    list_display = ["decided_at", "action", "content_type", "object_repr", "decided_by", "comment"]
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
            versions = self._posted_versions(request)
            comment = form.cleaned_data["comment"]
            try:
                if "_legal_clear" in request.POST or "_legal_refuse" in request.POST:
                    verdict = "cleared" if "_legal_clear" in request.POST else "refused"
                    legal.decide_legal(request.user, model, pk, form.cleaned_data["seen"], verdict, comment)
                    self.message_user(request, f"{verdict.capitalize()} on legal grounds. The reporter and the "
                                      "editors have been told.")
                    # Back to what else waits for legal, the next change one click away.
                    return HttpResponseRedirect(legal_queue_url())
                elif "_reject" in request.POST:
                    workflow.reject(request.user, versions, comment)
                    self.message_user(request, "Rejected. The reporter has been told why.")
                elif form.cleaned_data["reply_override"].strip():
                    replies.approve_without_reply(request.user, versions, comment,
                                                  form.cleaned_data["reply_override"], form.cleaned_data["public_note"],
                                                  form.cleaned_data["for_legal_reasons"])
                    self.message_user(request, "Approved, with your reason for publishing without an answer "
                                      "recorded. Readers now see this version.")
                else:
                    workflow.approve(request.user, versions, comment, form.cleaned_data["public_note"],
                                     form.cleaned_data["for_legal_reasons"])
                    self.message_user(request, "Approved. Readers now see this version.")
                return HttpResponseRedirect(reverse("admin:casefile_review_queue"))
            except (workflow.WorkflowError, ValidationError) as refusal:
                message = getattr(refusal, "message", None) or " ".join(refusal.messages)
                self.message_user(request, message, messages.ERROR)
        bundle = workflow.review_bundle(model, pk)
        record = model.objects.filter(pk=pk).first()
        own_changes = workflow.record_changes(model, pk)
        context = {
            **self.admin_site.each_context(request),
            # No markup can go in a <title>: characters isolate the name there, <bdi> in the <h1>.
            "title": f"Review: {isolated(record or key)}",
            "reviewed": record or key,
            "opts": self.opts,
            "record": record,
            "bundle": bundle,
            "form": form,
            "authors": sorted({str(author) for change in bundle for author in change.authors}),
            "legal": legal.legal_state(model, pk, own_changes),
            "legal_seen": workflow.fingerprint((c.key, c.latest.history_id) for c in own_changes),
            "right_of_reply": replies.status_of(replies.allegations_in(bundle)),
            "resent": rework.annotate_since_rejection(bundle),
            "removes": any(change.is_removal for change in bundle),
            "can_approve": workflow.is_editor(request.user),
            "can_clear": legal.is_lawyer(request.user),
            **preview.links(model, pk, record, key),
        }
        return TemplateResponse(request, "admin/casefile/review.html", context)

    def preview_view(self, request, key):
        """The public page of the record as readers will see it once the review is approved."""
        model, pk = self._reviewed(request, key)
        return preview.render(self, request, model, pk)

    def bulk_approve_view(self, request):
        """Approve the selected queue items as one change, skipping any changed since shown."""
        self._require_editor(request)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:casefile_review_queue"))
        comment = request.POST.get("comment", "")
        try:
            validate_text(comment)
        except ValidationError as error:
            self.message_user(request, "Nothing was approved. In the comment: " + " ".join(error.messages),
                              messages.ERROR)
            return HttpResponseRedirect(reverse("admin:casefile_review_queue"))
        versions, approved, refused = {}, [], []
        try:
            selected = [(key, *parse_key(key)) for key in request.POST.getlist("selected")]
        except ValueError as error:
            raise BadRequest(f"The selection names no record: {error}") from None
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
            versions.update({(c.model, c.pk): c.latest.history_id for c in workflow.review_bundle(model, pk)})
            approved.append(key)
        if versions:
            try:
                workflow.approve(request.user, versions, comment)
            except workflow.WorkflowError as refusal:
                refused.append(refusal.message)
            else:
                self.message_user(request, f"Approved {len(approved)} record(s).")
        if not versions and not refused:
            self.message_user(request, "Select at least one record to approve.", messages.WARNING)
        for message in refused:
            self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:casefile_review_queue"))

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

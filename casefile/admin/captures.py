"""The staff side of the newsroom's copies: taking them, reviewing them, reading them, their fixity, orphans."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header

from .. import textdiff, workflow
from ..documents import paragraphs_holding
from ..history import history_model
from ..models import Capture, Citation, QuoteAnchor, SharedSource, Source
from ..text import validate_text
from ..workflow import anchoring
from ..workflow import captures as capturing
from .ids import url_id
from .readonly import ReadOnlyAdmin
from .translating import TranslationsSearched


def fixity_label(capture):
    """Verified (when), altered, or not checked yet: what the admin says of a copy's file."""
    if capture.last_check_passed is False:
        checked = timezone.localtime(capture.last_checked_at)
        return f"ALTERED: the stored file no longer matches its SHA-256 (checked {checked:%d %b %Y %H:%M})"
    if capture.verified_at:
        return f"verified {timezone.localtime(capture.verified_at):%d %b %Y %H:%M}"
    return "not verified yet (manage.py verify_captures)"


def review_label(capture):
    """Waiting for an editor, confirmed or declined (by whom, when): what the admin says of a copy's review."""
    if capture.is_waiting:
        return "waiting for an editor: readers see nothing of it yet"
    label = capture.get_review_display()
    if capture.reviewed_by_id:
        label = label.replace("an editor", str(capture.reviewed_by))
    label += f", {timezone.localtime(capture.reviewed_at):%d %b %Y %H:%M}"
    if capture.review == Capture.Review.DECLINED:
        label += f": {capture.review_note}"
    return label


class TakeCopyForm(forms.Form):
    file = forms.FileField(
        required=False, label="Upload a file",
        help_text="PDF, HTML or plain text (UTF-8); its type is read from its content.",
    )


@admin.register(Capture)
class CaptureAdmin(TranslationsSearched, ReadOnlyAdmin):
    """Copies are evidence: read here, taken from a source's page, never changed or deleted."""

    list_display = ["captured_at", "source", "method", "size", "short_sha256", "fixity", "comparison", "review"]
    list_filter = ["review", "method", "comparison", "last_check_passed", "source__case"]
    list_select_related = ["source"]
    search_fields = ["source__title", "sha256", "url", "file_name"]
    date_hierarchy = "captured_at"
    fields = [
        "source", "method", "captured_by", "captured_at", "review_state", "url", "file_name", "content_type",
        "size", "sha256",
        "stored_as", "stored_size", "stored_sha256", "http_status", "response_headers", "fixity",
        "comparison", "previous", "difference", "download", "numbered_text",
    ]
    readonly_fields = fields

    @admin.display(description="SHA-256")
    def short_sha256(self, capture):
        return capture.sha256[:16] + "…"

    @admin.display(description="Fixity")
    def fixity(self, capture):
        return fixity_label(capture)

    @admin.display(description="Review")
    def review_state(self, capture):
        if not capture.is_waiting:
            return review_label(capture)
        return format_html('{} (<a href="{}">see what confirming it changes for readers</a>)',
                           review_label(capture), reverse("admin:casefile_capture_review", args=[capture.pk]))

    @admin.display(description="Response headers")
    def response_headers(self, capture):
        if not capture.http_headers:
            return "—"
        return format_html(
            "<pre>HTTP {}\n{}</pre>", capture.http_status,
            "\n".join(f"{name}: {value}" for name, value in capture.http_headers),
        )

    @admin.display(description="Against the copy before")
    def difference(self, capture):
        if capture.comparison != Capture.Comparison.CHANGED:
            return capture.get_comparison_display()
        diff = textdiff.word_diff(capture.previous.text, capture.text)
        return format_html(
            '<div class="review-diff"><p>Before:</p><div>{}</div><p>Now:</p><div>{}</div></div>',
            diff.before, diff.after,
        )

    @admin.display(description="File")
    def download(self, capture):
        return format_html('<a href="{}">Download the stored file</a>',
                           reverse("admin:casefile_capture_download", args=[capture.pk]))

    @admin.display(description="Text, by paragraph")
    def numbered_text(self, capture):
        if not capture.paragraphs:
            return "No text could be read from this document."
        return format_html(
            '<ol class="capture-text">{}</ol>',
            format_html_join("", "<li>{}</li>", ((text,) for text in capture.paragraphs)),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/download/", view(self.download_view), name="casefile_capture_download"),
            path("<path:object_id>/review/", view(self.review_view), name="casefile_capture_review"),
            path("orphans/", view(self.orphans_view), name="casefile_capture_orphans"),
        ] + super().get_urls()

    def review_view(self, request, object_id):
        """What confirming a copy changes for readers, and, for editors, confirming or declining it."""
        if not request.user.has_perm("casefile.view_capture"):
            raise PermissionDenied
        capture = Capture.objects.select_related("source", "captured_by", "reviewed_by").filter(
            pk=url_id(Capture, object_id)).first()
        if capture is None:
            raise Http404("No such copy.")
        here = reverse("admin:casefile_capture_review", args=[capture.pk])
        if request.method == "POST":
            try:
                if "_confirm" in request.POST:
                    capturing.confirm_capture(capture, request.user)
                    self.message_user(request, _confirmed_message(capture), messages.SUCCESS)
                else:
                    capturing.decline_capture(capture, request.user, request.POST.get("note", ""))
                    self.message_user(request, "Declined: readers will never be told of this copy.")
            except (workflow.WorkflowError, ValidationError) as refusal:
                self.message_user(request, getattr(refusal, "message", None) or " ".join(refusal.messages),
                                  messages.ERROR)
            return HttpResponseRedirect(here)
        shown = capture.source.captures.confirmed().newest_first().first()
        becomes_newest = capture.is_waiting and (shown is None or (capture.captured_at, capture.pk)
                                                 > (shown.captured_at, shown.pk))
        changes = _review_entries(capture, anchoring.reanchoring(capture) if becomes_newest else [])
        context = {
            **self.admin_site.each_context(request),
            "title": f"Review of a copy of “{capture.source}”",
            "opts": self.opts,
            "capture": capture,
            "review": review_label(capture),
            "shown": shown,
            "becomes_newest": becomes_newest,
            "shared": SharedSource.objects.filter(source_id=capture.source_id).exists(),
            "difference": textdiff.word_diff(shown.text, capture.text)
            if shown is not None and shown.pk != capture.pk and shown.sha256 != capture.sha256 else None,
            "changes": changes,
            "orphaned": [entry for entry in changes if entry["change"].orphaned],
            "found_otherwise": [entry for entry in changes if entry["change"].found_otherwise],
            "kept": [entry for entry in changes if entry["change"].kept],
            "found_as_before": [entry for entry in changes if not (
                entry["change"].orphaned or entry["change"].found_otherwise or entry["change"].kept)],
            "can_review": workflow.is_editor(request.user) and capture.is_waiting,
        }
        return TemplateResponse(request, "admin/casefile/capture_review.html", context)

    def download_view(self, request, object_id):
        """The stored file, as an attachment, for staff who may read copies."""
        if not request.user.has_perm("casefile.view_capture"):
            raise PermissionDenied
        capture = Capture.objects.filter(pk=url_id(Capture, object_id)).first()
        if capture is None:
            raise Http404("No such copy.")
        name = f"{capture.source.slug}-{capture.captured_at:%Y%m%d-%H%M%S}."
        name += "warc.gz" if capture.method == Capture.Method.FETCH else capture.extension
        response = FileResponse(capture.open_stored(), content_type="application/octet-stream")
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        response["Cache-Control"] = "private, no-store"
        return response

    def orphans_view(self, request):
        """Citations whose quote is not in the newest copy of their source, for editors to resolve."""
        if not request.user.has_perm("casefile.view_quoteanchor"):
            raise PermissionDenied
        if request.method == "POST":
            anchor = QuoteAnchor.objects.filter(pk=url_id(QuoteAnchor, request.POST.get("anchor", ""))).first()
            if anchor is None:
                raise Http404("No such anchor.")
            try:
                note = request.POST.get("note", "")
                validate_text(note)
                anchoring.keep_on_earlier_copy(anchor, request.user, note)
            except (workflow.WorkflowError, ValidationError) as refusal:
                self.message_user(request, getattr(refusal, "message", None) or " ".join(refusal.messages),
                                  messages.ERROR)
            else:
                self.message_user(request, "The citation rests on the earlier copy, as you said.")
            return HttpResponseRedirect(reverse("admin:casefile_capture_orphans"))
        orphans = list(anchoring.orphaned_anchors())
        # Each citation's record, named beside it, in one read of each kind.
        prefetch_related_objects(
            orphans, "citation__fact__case", "citation__event__case",
            "citation__relationship__case", "citation__relationship__subject", "citation__relationship__object",
        )
        for orphan in orphans:
            paragraphs = orphan.capture.paragraphs
            orphan.now_reads = paragraphs[orphan.paragraph - 1] if 0 < orphan.paragraph <= len(paragraphs) else None
            orphan.found_in = paragraphs_holding(paragraphs, orphan.exact)
        context = {
            **self.admin_site.each_context(request),
            "title": "Orphaned citations",
            "opts": self.opts,
            "orphans": orphans,
            "can_resolve": workflow.is_editor(request.user),
        }
        return TemplateResponse(request, "admin/casefile/orphans.html", context)


class SourceCopiesMixin:
    """The copies of a source on its admin page, with the ways to take another and to share them."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/take-copy/", view(self.take_copy_view), name="casefile_source_take_copy"),
            path("<path:object_id>/share-copies/", view(self.share_copies_view),
                 name="casefile_source_share_copies"),
        ] + super().get_urls()

    def take_copy_view(self, request, object_id):
        """Upload a file of a source, or fetch its address, as a new copy."""
        if not request.user.has_perm("casefile.add_capture"):
            raise PermissionDenied
        source = Source.objects.filter(pk=url_id(Source, object_id)).first()
        if source is None:
            raise Http404("No such source.")
        form = TakeCopyForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                if "_fetch" in request.POST:
                    capture = capturing.capture_page(source, request.user)
                elif form.cleaned_data["file"]:
                    capture = capturing.capture_upload(source, form.cleaned_data["file"], request.user)
                else:
                    raise ValidationError("Choose a file to upload, or fetch the source's address.")
            except (workflow.WorkflowError, ValidationError) as refusal:
                form.add_error(None, getattr(refusal, "message", None) or " ".join(refusal.messages))
            else:
                self.message_user(request, f"Kept: {capture}, {capture.get_comparison_display()}. It waits for "
                                  "an editor: readers see nothing of it until an editor confirms it.",
                                  messages.SUCCESS)
                return HttpResponseRedirect(capture.get_admin_url())
        context = {
            **self.admin_site.each_context(request),
            "title": f"Take a copy of “{source}”",
            "opts": self.opts,
            "source": source,
            "form": form,
            "copies": source.captures.all()[:20],
        }
        return TemplateResponse(request, "admin/casefile/take_copy.html", context)

    def share_copies_view(self, request, object_id):
        if request.method != "POST":
            raise PermissionDenied
        source = Source.objects.filter(pk=url_id(Source, object_id)).first()
        if source is None:
            raise Http404("No such source.")
        if not workflow.is_editor(request.user):
            self.message_user(request, "Only editors share copies with readers.", messages.ERROR)
        elif request.POST.get("share") == "1":
            capturing.share_copies(source, request.user)
            self.message_user(request, "Readers can now download our copies of this source.")
        else:
            capturing.stop_sharing_copies(source, request.user)
            self.message_user(request, "Our copies of this source are for staff only again.")
        return HttpResponseRedirect(reverse("admin:casefile_source_change", args=[source.pk]))


    @admin.display(description="Our copies")
    def our_copies(self, source):
        if source.pk is None:
            return "Save the source first, then take a copy of it."
        copies = format_html_join(
            "", '<li><a href="{}">{}</a>: {}, {}; {}</li>',
            ((capture.get_admin_url(), timezone.localtime(capture.captured_at).strftime("%d %b %Y %H:%M"),
              capture.get_comparison_display(), fixity_label(capture), review_label(capture))
             for capture in source.captures.select_related("reviewed_by")[:10]),
        )
        shared = hasattr(source, "sharing")
        # Inside the change form: the button posts it, token and all, to the sharing view.
        return format_html(
            '<ul>{}</ul><p><a href="{}">Take a copy</a> (upload a file, or fetch the address).</p>'
            '<p>{} <button type="submit" formaction="{}" formnovalidate name="share" value="{}">{}</button> (editors)</p>',
            copies or format_html("<li>{}</li>", "None yet."),
            reverse("admin:casefile_source_take_copy", args=[source.pk]),
            "Readers may download these copies, once an editor confirmed each: an editor shared them." if shared
            else "The files stay with staff: readers see only the dates and SHA-256.",
            reverse("admin:casefile_source_share_copies", args=[source.pk]),
            "0" if shared else "1",
            "Stop sharing them" if shared else "Share them with readers",
        )


def _confirmed_message(capture):
    orphaned = capture.anchors.filter(state=QuoteAnchor.State.ORPHANED, is_current=True).count()
    return "Confirmed: readers are told of this copy." + (
        f" {orphaned} citation(s) are orphaned: their quote is not in this copy (Orphaned citations)."
        if orphaned else ""
    )


def _review_entries(capture, changes):
    """Each change with its working citation (which names what it supports) and what its paragraph
    reads in the copy, for the review page."""
    citations = Citation.objects.select_related("fact", "event", "relationship").in_bulk(
        [change.citation.id for change in changes]
    )
    entries = []
    for change in changes:
        paragraph = anchoring.paragraph_number(change.citation.locator)
        entries.append({
            "change": change,
            "citation": citations.get(change.citation.id),
            "now_reads": capture.paragraphs[paragraph - 1] if 0 < paragraph <= len(capture.paragraphs) else None,
            "found_in": paragraphs_holding(capture.paragraphs, change.citation.quote) if change.orphaned else [],
        })
    return entries


def flag_queue_items(items):
    """Mark queue items whose citations rest on an altered copy, or are orphaned: `item.proof_flags`."""
    wanted = []
    for item in items:
        item.proof_flags = []
        wanted += [(item, change["history_id"]) for change in item.changes if change["model"] is Citation]
    if not wanted:
        return items
    # Read from the citations' own history: each kind of record numbers its versions on its own.
    versions = history_model(Citation).objects.in_bulk([history_id for _, history_id in wanted],
                                                       field_name="history_id")
    citation_rows = [(item, versions[history_id]) for item, history_id in wanted if history_id in versions]
    anchors = anchoring.current_anchors({row.id for _, row in citation_rows})
    newest = anchoring.newest_captures({row.source_id for _, row in citation_rows})
    for item, row in citation_rows:
        anchor = anchors.get(row.id)
        resting_on = {newest.get(row.source_id), anchor.capture if anchor else None} - {None}
        if anchor is not None and anchor.state == QuoteAnchor.State.ORPHANED:
            item.proof_flags.append(f"citation {row.locator} is orphaned: its quote is not in the newest copy")
        for capture in sorted(resting_on, key=lambda capture: capture.pk):
            if capture.is_altered:
                item.proof_flags.append(
                    f"citation {row.locator} rests on an altered copy, captured "
                    f"{timezone.localtime(capture.captured_at):%d %b %Y}"
                )
    return items

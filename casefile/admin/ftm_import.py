"""The admin's upload of an FtM file into a case: the same import as `manage.py import_ftm`, by the person logged in."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from ..models import Case
from ..workflow import drafts
from .ids import url_id


class FtmUploadForm(forms.Form):
    file = forms.FileField(
        label="FtM file",
        help_text="FollowTheMoney entities, one JSON object a line, as Aleph, OpenAleph, OpenSanctions and the "
        "ftm tool write them.",
    )


class FtmImportMixin:
    """A case's "Import an FtM file" page, linked from its admin page."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/import-ftm/", view(self.import_ftm_view), name="casefile_case_import_ftm"),
        ] + super().get_urls()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and drafts.may_import(request.user):
            context["import_ftm_url"] = reverse("admin:casefile_case_import_ftm", args=[obj.pk])
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def import_ftm_view(self, request, object_id):
        """Read the uploaded file; save what it holds as drafts waiting for review, or say in one line why not."""
        # followthemoney loads its model on import: only this page pays for it.
        from ..ftm.reading import MAX_BYTES, FtmFileRefused, read_ftm

        if not drafts.may_import(request.user):
            raise PermissionDenied
        case = Case.objects.filter(pk=url_id(Case, object_id)).first()
        if case is None:
            raise Http404("No such case.")
        form = FtmUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                # No more than one byte past the largest file read: a larger one is refused, not held in memory.
                found = read_ftm(upload.read(MAX_BYTES + 1), upload.name, case)
                imported = drafts.import_drafts(case, found, request.user, f"imported from {upload.name}")
            except (FtmFileRefused, drafts.DraftsRefused) as refusal:
                form.add_error("file", f"{refusal} Nothing was written.")
            else:
                for line in found.lines():
                    self.message_user(request, line.strip(), messages.SUCCESS if not line.startswith(" ")
                                      else messages.INFO)
                self.message_user(request, f"{imported.count} records wait for review.", messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:casefile_review_queue") + "?" + urlencode({"case": case.pk, "author": request.user.pk})
                )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import an FtM file into “{case}”",
            "opts": self.opts,
            "case": case,
            "form": form,
        }
        return TemplateResponse(request, "admin/casefile/import_ftm.html", context)

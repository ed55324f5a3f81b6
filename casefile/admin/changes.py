"""What a desk changed in a case between two days: the public comparison, over the working versions, for staff."""

import datetime

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from .. import published
from ..models import Case
from ..views import day_in
from .ids import url_id

# What the desk's link compares when no day is given: the last week.
DEFAULT_DAYS = 7


def working_changes_url(case):
    return reverse("admin:casefile_case_changes", args=[case.pk])


class CaseChangesMixin:
    """A case's "What changed" page for staff: every saved version, approved or not, compared between two days."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/changes/", view(self.changes_view), name="casefile_case_changes"),
        ] + super().get_urls()

    def changes_view(self, request, object_id):
        case = Case.objects.filter(pk=url_id(Case, object_id)).first()
        if case is None:
            raise Http404("No such case.")
        if not self.has_view_permission(request, case):
            raise PermissionDenied
        end = timezone.now().date()
        start = end - datetime.timedelta(days=DEFAULT_DAYS)
        try:
            start, end = day_in(request, "from") or start, day_in(request, "to") or end
            if start > end:
                raise BadRequest("The day in ‘from’ comes after the day in ‘to’: give the earlier day first.")
        except BadRequest as refusal:
            # A day mistyped shows the last week, and says why.
            messages.error(request, f"{refusal} Showing the last {DEFAULT_DAYS} days instead.")
            end = timezone.now().date()
            start = end - datetime.timedelta(days=DEFAULT_DAYS)
        context = {
            **self.admin_site.each_context(request),
            "title": f"What changed in {case.title}",
            "opts": self.opts,
            "case": case,
            "original": case,
            "changes": published.case_changes(case, start, end, working=True),
        }
        return TemplateResponse(request, "admin/casefile/case_changes.html", context)

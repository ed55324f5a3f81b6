"""The staff side's site: Django's admin, with the queues each reviewer works from at the top of its menu."""

from django.contrib import admin
from django.urls import reverse

from . import workflow
from .workflow import legal


class CasefileAdminSite(admin.AdminSite):
    site_header = "Casefile"
    site_title = "Casefile"
    index_template = "admin/casefile/index.html"

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        queues = review_menu(request.user) if app_label is None else None
        return [queues, *app_list] if queues else app_list


def legal_queue_url():
    """The review queue at the changes waiting for legal review, oldest first."""
    return reverse("admin:casefile_review_queue") + "?legal=waiting"


def review_menu(user):
    """The menu's section of review queues this person works from: an editor's, a lawyer's; None if neither."""
    queue = reverse("admin:casefile_review_queue")
    entries = []
    if workflow.is_editor(user):
        entries.append(("Waiting for review", "ReviewQueue", queue))
    if legal.is_lawyer(user):
        entries.append(("Waiting for legal review", "LegalQueue", legal_queue_url()))
    if not entries:
        return None
    return {
        "name": "Review", "app_label": "queues", "app_url": queue, "has_module_perms": True,
        "models": [
            {"name": name, "object_name": object_name, "admin_url": url, "add_url": None, "view_only": True,
             "perms": {"view": True}}
            for name, object_name, url in entries
        ],
    }

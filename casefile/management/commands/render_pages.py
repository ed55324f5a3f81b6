"""Render and keep every public page readers get today, as publishing does.

Run once after upgrading to a release that keeps rendered pages (until then
pages are rendered for each reader, as they were before), or after changing a
template, whose change a kept page would not show until its records are next
published.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from casefile.models import Case, Publication
from casefile.workflow.rendering import refresh_public_pages


class Command(BaseCommand):
    help = "Render and keep the public pages of every case (or of the cases named)."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="slugs of the cases to render; every public case by default")

    def handle(self, slugs, **options):
        rows = Publication.objects.of_kind(Case)
        if slugs:
            rows = rows.filter(slug__in=slugs)
        for slug, case_id in rows.order_by("slug").values_list("slug", "object_id"):
            with transaction.atomic():
                refresh_public_pages({case_id})
            self.stdout.write(f"Rendered the pages of {slug}.")

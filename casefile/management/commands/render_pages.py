"""Render and keep every public page readers get today that is not kept by this release.

Pages keep themselves: one a reader finds not kept is queued for the task
worker on the first request. A language added to LANGUAGES gets its pages here. Run this after a release to warm them all at
once, before readers come, instead of rendering each on a reader's request.
"""

from django.core.management.base import BaseCommand

from casefile.models import Case, Publication
from casefile.publishing.kept_pages import keep_case_pages
from casefile.workflow.publication import add_pages_in_new_languages


class Command(BaseCommand):
    help = "Render and keep the public pages of every case (or of the cases named) not kept by this release."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="slugs of the cases to render; every public case by default")

    def handle(self, slugs, **options):
        added = add_pages_in_new_languages()
        if added:
            self.stdout.write(f"Added {added} pages in languages they were not kept in yet.")
        rows = Publication.objects.of_kind(Case)
        if slugs:
            rows = rows.filter(slug__in=slugs)
        for slug, case_id in rows.order_by("slug").values_list("slug", "object_id"):
            kept = keep_case_pages(case_id)
            self.stdout.write(f"Kept {kept} pages of {slug}.")

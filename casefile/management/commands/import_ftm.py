"""Bring an FtM file (an Aleph export, an OpenSanctions extract) into a case as drafts waiting for review.

Each person, company, organisation, tie, event and document of the file is
saved in the case as a working version by the importing person, with the
reason "imported from FILE": nothing is published until an editor approves
it. Schemata and properties Casefile does not keep are listed and skipped;
an actor with the name or an alias of one the case has already is saved
apart and offered as a merge on its review page. A file that cannot be
read is refused in one line, and nothing is written.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from casefile.ftm.reading import FtmFileRefused, read_ftm
from casefile.models import Case
from casefile.workflow.drafts import DraftsRefused, import_drafts, may_import


class Command(BaseCommand):
    help = "Import an FtM file into a case as working versions waiting for review."

    def add_arguments(self, parser):
        parser.add_argument("case", help="The case to import into, by its slug, e.g. fuzhou-genesis")
        parser.add_argument("path", help="The FtM file: JSON, one entity a line (as `ftm` and Aleph write it)")
        parser.add_argument("--user", required=True, help="The username of the staff member the drafts are by")
        parser.add_argument(
            "--dry-run", action="store_true", help="Read the file and say what it would import; write nothing.",
        )

    def handle(self, case, path, user, dry_run=False, **options):
        found_case = Case.objects.filter(slug=case).first()
        if found_case is None:
            raise CommandError(f"No case with the slug {case!r}.")
        author = get_user_model().objects.filter(username=user, is_active=True, is_staff=True).first()
        if author is None:
            raise CommandError(f"No active staff member with the username {user!r}.")
        if not may_import(author):
            raise CommandError(f"{user} may not add actors, ties, events and sources, so cannot import them.")
        name = Path(path).name
        try:
            content = Path(path).read_bytes()
        except OSError as error:
            raise CommandError(f"{path} cannot be read: {error.strerror or error}.") from None
        try:
            found = read_ftm(content, name, found_case)
            self.stdout.write("\n".join(found.lines()))
            if dry_run:
                self.stdout.write("Dry run: nothing was written.")
                return
            imported = import_drafts(found_case, found, author, f"imported from {name}")
        except (FtmFileRefused, DraftsRefused) as refusal:
            raise CommandError(f"{refusal} Nothing was written.") from None
        self.stdout.write(f"{found_case}: {imported.count} records saved by {author}, waiting for review.")

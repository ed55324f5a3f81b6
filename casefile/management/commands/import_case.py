"""Restore a case written by `export_case`, with its history and decisions.

Records, versions and decisions keep their ids, so the restored case shows
readers exactly what it showed before and its history reads the same. The
target database must not hold the case, nor anything under the same ids:
restore into a fresh database, or one the case was never in.

The whole file is checked before anything is written (see casefile.imports):
only the records of the one case it declares are written, and people only as
names. Someone missing from the target database is created inactive, without
a password, groups or email address (unless `--keep-emails`), so that the
history still names them; someone already there is matched by username and
left unchanged. Decisions the approval workflow would have refused are
refused (see casefile.imports.editorial). `--dry-run` checks the file and says
what would be written, keeping nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casefile.imports import ImportRefused, plan_import, read_export, write_import
from casefile.imports.identities import check_identities, opened_identities


class Command(BaseCommand):
    help = "Restore a case, with its full history and approvals, from an export_case file."

    def add_arguments(self, parser):
        parser.add_argument("path", help="A JSON file written by export_case")
        parser.add_argument(
            "--dry-run", action="store_true",
            help="Check the file and say what importing it would write, without writing anything.",
        )
        parser.add_argument(
            "--keep-emails", action="store_true",
            help="Give the people the import creates the email addresses the file lists (by default, none).",
        )
        parser.add_argument(
            "--with-identities", metavar="PASSPHRASE", dest="passphrase",
            help="Restore the identities of confidential sources the file carries, with the passphrase they "
            "were written with.",
        )
        parser.add_argument(
            "--without-identities", action="store_true",
            help="Restore a file that carries identities of confidential sources without them.",
        )

    def handle(self, path, dry_run=False, keep_emails=False, passphrase=None, without_identities=False,
               **options):
        try:
            data = read_export(Path(path))
            entries = self.identities_of(data, path, passphrase, without_identities)
            plan = plan_import(data, path, keep_emails=keep_emails)
            if entries:
                check_identities(entries, plan, path)
            left_out = write_import(plan, dry_run=dry_run, identities=entries)
        except ImportRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write("\n".join(plan.lines()))
        if entries:
            self.stdout.write(f"Identities of confidential sources: {len(entries)} restored"
                              + (f"; not granted to {', '.join(left_out)}, unknown here." if left_out else "."))
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        added = len(plan.new_people)
        self.stdout.write(
            f"{plan.slug}: {plan.count('records')} records, {plan.count('history')} versions and "
            f"{plan.count('decisions')} decisions restored; {added} {'person' if added == 1 else 'people'} added."
        )

    @staticmethod
    def identities_of(data, path, passphrase, without_identities):
        """The identities the file carries, opened; none when it carries none or they are left out."""
        sealed = data.get("identities") if isinstance(data, dict) else None
        if sealed is None:
            if passphrase is not None:
                raise ImportRefused(f"{path} carries no identities of confidential sources: it was written "
                                    "without --with-identities.")
            return []
        if without_identities:
            return []
        if passphrase is None:
            raise ImportRefused(
                f"{path} carries identities of confidential sources, encrypted: give their passphrase with "
                "--with-identities PASSPHRASE, or restore the case without them with --without-identities."
            )
        return opened_identities(sealed, passphrase, path)

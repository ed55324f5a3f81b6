"""Encrypt every identity of a confidential source anew under the newest key of CASEFILE_IDENTITY_KEYS.

Run it after putting a new key first in CASEFILE_IDENTITY_KEYS (the old ones
after it); once it has run, the old keys can be taken out. See docs/production.md.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from casefile.encryption import UnreadableIdentity, reencrypted
from casefile.models import SourceIdentity


class Command(BaseCommand):
    help = "Encrypt every identity of a confidential source again under the newest identity key."

    def handle(self, **options):
        table = SourceIdentity._meta.db_table
        columns = [SourceIdentity._meta.get_field(name).column for name in SourceIdentity.IDENTITY_FIELDS]
        quoted = [connection.ops.quote_name(column) for column in columns]
        count = 0
        with transaction.atomic():
            # The ciphertext as stored, without decrypting: re-encrypted in place, never held as plain text.
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT id, {', '.join(quoted)} FROM {connection.ops.quote_name(table)}")
                rows = cursor.fetchall()
            for pk, *tokens in rows:
                try:
                    fresh = [reencrypted(token) for token in tokens]
                except UnreadableIdentity as error:
                    raise CommandError(f"Identity #{pk}: {error} Nothing was changed.") from error
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {connection.ops.quote_name(table)} SET "
                        + ", ".join(f"{column} = %s" for column in quoted) + " WHERE id = %s",
                        [*fresh, pk],
                    )
                count += 1
        self.stdout.write(f"{count} identit{'y' if count == 1 else 'ies'} encrypted under the newest key.")

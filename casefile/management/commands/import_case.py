"""Restore a case written by `export_case`, with its history and decisions.

Records, versions and decisions keep their ids, so the restored case shows
readers exactly what it showed before and its history reads the same. The
target database must not hold the case, nor anything under the same ids:
restore into a fresh database, or one the case was never in.

People are matched by username. Someone missing from the target database is
created without a password and unable to log in, so that the history still
names them; an administrator can set a password to let them in again.
"""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction

from casefile import published
from casefile.models import Case

from .export_case import EXPORT_FORMAT, EXPORT_VERSION, USER_FIELDS


def restore_users(entries):
    User = get_user_model()
    created = 0
    for entry in entries:
        if User.objects.filter(username=entry["username"]).exists():
            continue
        user = User(**{name: entry.get(name, "") for name in USER_FIELDS}, is_active=False)
        user.set_unusable_password()
        user.save()
        user.groups.set(Group.objects.filter(name__in=entry.get("groups", [])))
        created += 1
    return created


def refuse_collisions(objects):
    """Refuse before writing anything if an id is already taken."""
    by_model = {}
    for item in objects:
        by_model.setdefault(type(item.object), set()).add(item.object.pk)
    taken = []
    for model, pks in by_model.items():
        clashes = model._default_manager.filter(pk__in=pks).count()
        if clashes:
            taken.append(f"{clashes} {model._meta.verbose_name_plural}")
    if taken:
        raise CommandError(
            "The database already holds records under the ids of this export ("
            + ", ".join(taken)
            + "). Restore into a fresh database, or one without this case."
        )
    return list(by_model)


def reset_sequences(models):
    """New rows must be numbered after the restored ones (PostgreSQL sequences)."""
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


class Command(BaseCommand):
    help = "Restore a case, with its full history and approvals, from an export_case file."

    def add_arguments(self, parser):
        parser.add_argument("path", help="A JSON file written by export_case")

    def handle(self, path, **options):
        source = Path(path)
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise CommandError(f"Cannot read {source}: {error}") from error
        if data.get("format") != EXPORT_FORMAT or data.get("version") != EXPORT_VERSION:
            raise CommandError(f"{source} is not a case export this version can read.")
        if Case.objects.filter(slug=data["case"]).exists():
            raise CommandError(f"The case {data['case']!r} is already in this database.")

        with transaction.atomic():
            people = restore_users(data["users"])
            objects = list(serializers.deserialize(
                "python", data["records"] + data["history"] + data["decisions"],
                handle_forward_references=True,
            ))
            models = refuse_collisions(objects)
            # Raw saves write the rows exactly as exported: no new history
            # versions, no signals acting as if someone had edited them.
            for item in objects:
                item.save()
            reset_sequences(models)
            # An export written before approvals were marked current has no mark.
            published.mark_current_approvals(case=Case.objects.get(slug=data["case"]))
            published.advance_generation()

        self.stdout.write(
            f"{data['case']}: {len(data['records'])} records, {len(data['history'])} versions and "
            f"{len(data['decisions'])} decisions restored; {people} people added."
        )

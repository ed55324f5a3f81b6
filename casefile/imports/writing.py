"""Writing a checked plan: all of it in one transaction, or, if the database refuses any of it, none."""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DataError, IntegrityError, connection, transaction

from casefile import pagecache, workflow
from casefile.models import Case, ReplyRequest
from casefile.workflow import replies
from casefile.workflow.identities import restore_identities

from .editorial import refuse_unanswered_allegations
from .rows import SECTIONS, ImportRefused


def reset_sequences(models_written):
    """New rows must be numbered after the imported ones (PostgreSQL sequences)."""
    statements = connection.ops.sequence_reset_sql(no_style(), models_written)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def adopt_answers_shown_unreviewed(plan, models_written):
    """A file written before answers to reply requests were reviewed holds no version of them: the answers
    readers were shown stay shown, as approved when they were entered (`replies.adopt_answers_shown_unreviewed`)."""
    versioned = {row.values["id"] for row in plan.rows["history"] if row.record_model is ReplyRequest}
    unversioned = [row.pk for row in plan.rows["right_of_reply"]
                   if row.model is ReplyRequest and row.pk not in versioned]
    if unversioned:
        # Written after the file's own rows, under ids of their own.
        reset_sequences(models_written)
        replies.adopt_answers_shown_unreviewed(list(ReplyRequest.objects.filter(pk__in=unversioned)))


def write_import(plan, dry_run=False, identities=None):
    """Write what `plan` says, all of it or, if the database or a rule refuses any of it, none.

    With `dry_run`, write it only to check what is checked against the rows
    as written (the right of reply), then take all of it back. `identities`:
    the opened identities of its confidential sources, to write with it
    (`casefile.imports.identities`). Returns the usernames of people they were
    granted to whom this database does not know, left out.
    """
    User = get_user_model()
    try:
        with transaction.atomic():
            user_ids = dict(User.objects.filter(username__in=plan.known_people).values_list("username", "pk"))
            for values in plan.new_people:
                person = User(**values, is_active=False, is_staff=False, is_superuser=False)
                person.set_unusable_password()
                person.save()
                user_ids[person.username] = person.pk
            by_model = defaultdict(list)
            for section in SECTIONS:
                for row in plan.rows[section]:
                    by_model[row.model].append(row.build(user_ids))
            # Written as exported: no new versions, no signal acting as if someone had edited them.
            for model, instances in by_model.items():
                model._default_manager.bulk_create(instances, batch_size=500)
            for row in plan.rows["right_of_reply"]:
                for name, values in row.many.items():
                    getattr(row.model(pk=row.pk), name).through.objects.bulk_create([
                        getattr(row.model(pk=row.pk), name).through(
                            **{f"{row.model._meta.model_name}_id": row.pk,
                               f"{row.model._meta.get_field(name).related_model._meta.model_name}_id": value})
                        for value in values
                    ])
            adopt_answers_shown_unreviewed(plan, list(by_model))
            refuse_unanswered_allegations(plan.allegations)
            left_out = []
            if identities:
                known = dict(User.objects.values_list("username", "pk"))
                left_out = restore_identities(identities, known)
            if dry_run:
                transaction.set_rollback(True)
                return left_out
            reset_sequences(list(by_model))
            # An export written before approvals were marked current has no mark.
            pagecache.advance_generation()
            workflow.republish(case=Case.objects.get(slug=plan.slug))
            return left_out
    except ValidationError as error:
        raise ImportRefused(f"An identity in the file cannot be stored, so nothing was written: "
                            f"{' '.join(error.messages)}") from error
    except (IntegrityError, DataError) as error:
        raise ImportRefused(f"The database refused the import, so nothing was written: {error}") from error

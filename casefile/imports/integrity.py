"""The file is one whole case and nothing else: its ids, links, people and database rules hold.

Checked once every row is read (`rows`): each row belongs to the case the
file declares, directly or through a record of the file; each link leads to
a record of the file; what the database keeps unique or checks holds; every
person named is listed; and no id is taken in the database already.
"""

import operator
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models

from casefile.history import history_model
from casefile.models import Case, Decision, ReviewComment, ReviewReply
from casefile.workflow import TRACKED

from .rows import REPLY_KINDS, SECTIONS, ImportRefused


def declared_case(records, slug, name):
    cases = [row for row in records if row.model is Case]
    declared = next((row for row in cases if row.values["slug"] == slug), None)
    if declared is None:
        raise ImportRefused(
            f"{name} declares the case {slug!r}, but its records hold no casefile.case of that slug."
        )
    for row in cases:
        if row is not declared:
            raise ImportRefused(f"{row.where}: another case; an export holds only the case it declares ({slug!r}).")
    return declared


def refuse_repeated_ids(rows):
    first = {}
    for row in rows:
        earlier = first.setdefault((row.model, row.pk), row)
        if earlier is not row:
            raise ImportRefused(f"{row.where}: the pk {row.pk} is taken by {earlier.where} already.")


@dataclass
class FileIds:
    """The ids the file holds, by kind of record."""

    working: dict = field(default_factory=lambda: defaultdict(set))
    ever: dict = field(default_factory=lambda: defaultdict(set))
    versions: dict = field(default_factory=lambda: defaultdict(dict))

    def add(self, section, rows):
        if section == "records":
            for row in rows:
                self.working[row.model].add(row.pk)
                self.ever[row.model].add(row.pk)
        elif section in ("right_of_reply", "review_comments"):
            for row in rows:
                self.working[row.model].add(row.pk)
                self.ever[row.model].add(row.pk)
        elif section == "history":
            # A deleted record is in the file as its versions only.
            for row in rows:
                self.ever[row.record_model].add(row.values["id"])
                self.versions[row.record_model][row.pk] = row.values["id"]


def check_links(section, rows, case_pk, ids):
    """Every row belongs to the declared case, directly or through a record of the file.

    A working record links to working records of the file (the database holds
    those), a version to any record the file holds, deleted ones included.
    """
    for row in rows:
        if row.model is history_model(Case) and row.values["id"] != case_pk:
            raise ImportRefused(
                f"{row.where}: a version of case {row.values['id']}, not of the case the file declares."
            )
        for attname, value in row.links.items():
            model_field = row.model._meta.get_field(attname)
            target = model_field.related_model
            if target is ContentType:
                continue
            if value is None:
                # A version's links may be empty in the database; the record's may not.
                if not row.record_model._meta.get_field(model_field.name).null:
                    raise ImportRefused(f"{row.where}: {model_field.name} is missing.")
            elif target is Case:
                if value != case_pk:
                    raise ImportRefused(
                        f"{row.where}: {model_field.name} is case {value}, not the case the file declares "
                        f"(case {case_pk})."
                    )
            elif value not in (ids.working if section in ("records", "right_of_reply", "review_comments") else ids.ever)[target]:
                raise ImportRefused(
                    f"{row.where}: {model_field.name} {value} is not among the file's "
                    f"{target._meta.verbose_name_plural}."
                )


def check_decisions(rows, ids):
    """A decision names a version the file holds of a record the file holds."""
    for row in rows:
        kind = ContentType.objects.get_for_id(row.links["content_type_id"]).model_class()
        object_id, history_id = row.values["object_id"], row.values["history_id"]
        name = kind._meta.verbose_name
        if object_id not in ids.ever[kind]:
            raise ImportRefused(f"{row.where}: decides on {name} {object_id}, which is not a record of the file.")
        if ids.versions[kind].get(history_id) != object_id:
            raise ImportRefused(
                f"{row.where}: decides on version {history_id} of {name} {object_id}, which is not a version "
                "of it the file holds."
            )


def check_comments(rows, ids):
    """A review comment is on a version the file holds of a record the file holds."""
    for row in rows:
        if "content_type_id" not in row.links:
            continue
        kind = ContentType.objects.get_for_id(row.links["content_type_id"]).model_class()
        object_id, history_id = row.values["object_id"], row.values["history_id"]
        if kind not in ids.versions or ids.versions[kind].get(history_id) != object_id:
            raise ImportRefused(
                f"{row.where}: a comment on version {history_id} of {kind._meta.verbose_name} {object_id}, "
                "which is not a version the file holds."
            )


def check_many_links(rows, ids):
    """The facts and events a reply request put are records of the file."""
    for row in rows:
        for name, values in row.many.items():
            target = row.model._meta.get_field(name).related_model
            for value in values:
                if value not in ids.working[target]:
                    raise ImportRefused(
                        f"{row.where}: {name} {value} is not among the file's {target._meta.verbose_name_plural}."
                    )


def check_within_file_uniqueness(records):
    """Two records of the file may not share what only one record may have (a slug in the case)."""
    first = {}
    for row in records:
        values = {**row.values, **row.links}
        for constraint in row.model._meta.total_unique_constraints:
            key = tuple(values[row.model._meta.get_field(name).attname] for name in constraint.fields)
            if None in key:
                continue
            earlier = first.setdefault((row.model, constraint.name, key), row)
            if earlier is not row:
                raise ImportRefused(f"{row.where}: {earlier.where} has the same {', '.join(constraint.fields)}.")


def check_constraints(rows):
    """The rules the database keeps on each record and decision, with their own messages."""
    for row in rows["records"] + rows["decisions"] + rows["right_of_reply"] + rows["review_comments"]:
        checks = [c for c in row.model._meta.constraints if isinstance(c, models.CheckConstraint)]
        instance = row.build() if checks else None
        for constraint in checks:
            try:
                kept = holds(constraint.condition, instance) is not False
            except LookupError:
                kept = kept_by_the_database(constraint, instance)
            if not kept:
                raise ImportRefused(f"{row.where}: {constraint.get_violation_error_message()}")


COMPARISONS = {"exact": operator.eq, "gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


def holds(condition, instance):
    """Whether a constraint's condition holds for `instance`: True, False, or None where SQL cannot tell.

    Read here as the database reads it (a comparison with NULL tells nothing,
    and a check that cannot tell passes), so that a file of thousands of rows
    is checked without a query per row. LookupError: a condition this does not read.
    """
    if isinstance(condition, models.Q):
        results = [holds(child, instance) for child in condition.children]
        if condition.connector == models.Q.AND:
            result = False if False in results else None if None in results else True
        else:
            result = True if True in results else None if None in results else False
        return (None if result is None else not result) if condition.negated else result
    name, operand = condition
    field_name, _, lookup = name.partition("__")
    value = field_value(instance, field_name)
    if lookup == "isnull":
        return (value is None) == operand
    if isinstance(operand, models.F):
        operand = field_value(instance, operand.name)
    if lookup not in ("", *COMPARISONS) or hasattr(operand, "resolve_expression"):
        raise LookupError(name)
    if value is None or operand is None:
        return None
    return COMPARISONS[lookup or "exact"](value, operand)


def field_value(instance, name):
    try:
        return getattr(instance, instance._meta.get_field(name).attname)
    except FieldDoesNotExist as error:
        raise LookupError(name) from error


def kept_by_the_database(constraint, instance):
    try:
        constraint.validate(type(instance), instance)
    except ValidationError:
        return False
    return True


def refuse_unlisted_people(rows, people):
    """The usernames the versions and decisions name, each listed in the file."""
    named = set()
    for section in SECTIONS:
        for row in rows[section]:
            for attname, username in row.people.items():
                if username is None:
                    continue
                if username not in people:
                    raise ImportRefused(
                        f"{row.where}: {row.model._meta.get_field(attname).name} names {username!r}, who is not "
                        "among the file's users."
                    )
                named.add(username)
    return named


def existing(queryset, field_name, ids):
    """The ids among `ids` that `queryset` holds in `field_name`, asked a few hundred at a time."""
    ids, found = sorted(ids), set()
    for start in range(0, len(ids), 500):
        found.update(queryset.filter(**{f"{field_name}__in": ids[start:start + 500]})
                     .values_list(field_name, flat=True))
    return found


def refuse_taken_ids(rows, slug, ids):
    """Refuse an id the database uses already: the import would write over it or join it."""
    if Case.objects.filter(slug=slug).exists():
        raise ImportRefused(f"The case {slug!r} is already in this database.")
    taken = []
    for model in TRACKED:
        versions = history_model(model)
        # An id once used, by a record since deleted, still names that record's history.
        records = existing(model.objects.all(), "pk", ids.ever[model]) | existing(
            versions.objects.all(), "id", ids.ever[model]
        )
        version_ids = existing(versions.objects.all(), "history_id", ids.versions[model])
        for clashes, meta in ((records, model._meta), (version_ids, versions._meta)):
            if clashes:
                name = meta.verbose_name_plural if len(clashes) > 1 else meta.verbose_name
                taken.append(f"{len(clashes)} {name}")
    decisions = existing(Decision.objects.all(), "pk", {row.pk for row in rows["decisions"]})
    if decisions:
        taken.append(f"{len(decisions)} decision{'s' if len(decisions) > 1 else ''}")
    for model in (kind for kind in REPLY_KINDS if kind not in TRACKED):
        clashes = existing(model.objects.all(), "pk", {row.pk for row in rows["right_of_reply"] if row.model is model})
        if clashes:
            taken.append(f"{len(clashes)} {model._meta.verbose_name_plural}")
    for model in (ReviewComment, ReviewReply):
        clashes = existing(model.objects.all(), "pk", {row.pk for row in rows["review_comments"] if row.model is model})
        if clashes:
            taken.append(f"{len(clashes)} {model._meta.verbose_name_plural}")
    if taken:
        raise ImportRefused(
            "The database already holds records under the ids of this export (" + ", ".join(taken)
            + "). Restore into a fresh database, or one without this case."
        )

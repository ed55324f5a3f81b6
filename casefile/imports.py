"""Check a case export before anything is written, then write exactly the one case it holds.

A file handed to `import_case` may have been edited since `export_case`
wrote it, so nothing in it is taken on trust. `plan_import` reads it without
writing and refuses, in one line naming the place, anything that is not a
record of the one case the file declares: a row of another kind (a user
account, a group), a record of another case, an id the database already
uses, a version or decision of a record the file does not hold, a person the
file does not list, a value its field does not accept. People are only ever
named: someone new is created inactive, with no password, no staff or
superuser flag and no groups; someone already in the database is matched by
username and left exactly as they are. `write_import` then writes the plan
in one transaction.
"""

import json
import operator
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.management.color import no_style
from django.db import IntegrityError, connection, models, transaction

from casefile import pagecache, workflow
from casefile.history import history_model
from casefile.management.commands.export_case import EXPORT_FORMAT, EXPORT_VERSION, USER_FIELDS
from casefile.models import Case, Decision, LegalReview, ReplyAttempt, ReplyOverride, ReplyRequest
from casefile.workflow import TRACKED

SECTIONS = ("records", "history", "decisions", "right_of_reply")
# Exports written before the right of reply was recorded have no such section.
OPTIONAL_SECTIONS = ("right_of_reply",)
REPLY_KINDS = (ReplyRequest, ReplyAttempt, ReplyOverride, LegalReview)
KINDS = {
    "records": {model._meta.label_lower: model for model in TRACKED},
    "history": {history_model(model)._meta.label_lower: history_model(model) for model in TRACKED},
    "decisions": {Decision._meta.label_lower: Decision},
    "right_of_reply": {model._meta.label_lower: model for model in REPLY_KINDS},
}
# What a decision's content type may name, as the file names it: ["casefile", "fact"].
RECORD_KINDS = {(model._meta.app_label, model._meta.model_name): model for model in TRACKED}
LONGEST_MESSAGE = 400


class ImportRefused(Exception):
    """The file cannot be imported; the message says what is wrong and where, on one line."""

    def __init__(self, message):
        text = " ".join(str(message).split())
        if len(text) > LONGEST_MESSAGE:
            text = text[:LONGEST_MESSAGE - 1] + "…"
        super().__init__(text)


@dataclass
class Row:
    """One row of the file: its values checked field by field, its links once the file's ids are known."""

    where: str
    model: type
    pk: int
    values: dict = field(default_factory=dict)
    links: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)
    # Many-to-many links (the facts and events a reply request put): {field name: [ids]}.
    many: dict = field(default_factory=dict)

    @property
    def record_model(self):
        """The model of this row, or for a version the model it is a version of."""
        return getattr(self.model, "instance_type", self.model)

    def build(self, user_ids=None):
        """The row as an instance: people as their ids in `user_ids`, or as no one while only checking."""
        people = {
            attname: user_ids[username] if username is not None else None
            for attname, username in self.people.items()
        } if user_ids is not None else {}
        return self.model(pk=self.pk, **self.values, **self.links, **people)


@dataclass
class ImportPlan:
    slug: str
    title: str
    rows: dict
    new_people: list
    known_people: list
    unnamed_people: list
    ignored_user_keys: list

    def count(self, section):
        return len(self.rows[section])

    def lines(self):
        """What the import writes, for the person about to run it."""
        by_kind = {section: Counter(row.record_model for row in self.rows[section]) for section in SECTIONS}
        actions = Counter(row.values["action"] for row in self.rows["decisions"])

        def kinds(counts):
            return ", ".join(f"{model._meta.verbose_name} {counts[model]}" for model in TRACKED if counts[model])

        def listed(names):
            return ", ".join(names) or "none"

        lines = [
            f"Case {self.slug!r} ({self.title}):",
            f"  records by kind: {kinds(by_kind['records'])}",
            f"  versions by kind of record: {kinds(by_kind['history']) or 'none'}",
            "  decisions: " + listed(f"{count} {action}" for action, count in sorted(actions.items())),
            "  people to create, inactive, with no password and no groups: "
            + listed(person["username"] for person in self.new_people),
            "  people already here, matched by username and left unchanged: " + listed(self.known_people),
        ]
        if by_kind["right_of_reply"]:
            lines.insert(4, "  right of reply and legal review: " + ", ".join(
                f"{model._meta.verbose_name} {count}" for model, count in by_kind["right_of_reply"].items()))
        if self.unnamed_people:
            lines.append("  listed but named by no version or decision, not created: " + listed(self.unnamed_people))
        if self.ignored_user_keys:
            lines.append("  not applied from the file's people: " + listed(self.ignored_user_keys))
        return lines


def read_export(path):
    """The JSON object in the file at `path`."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ImportRefused(f"Cannot read {path}: {error.strerror or error}.") from error
    except UnicodeDecodeError as error:
        raise ImportRefused(
            f"{path} is not UTF-8 text: the byte 0x{error.object[error.start]:02x} at position {error.start} "
            "is not UTF-8."
        ) from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportRefused(
            f"{path} is not JSON: {error.msg} (line {error.lineno}, column {error.colno})."
        ) from error
    except RecursionError as error:
        raise ImportRefused(f"{path} is not a case export: its JSON is nested too deeply.") from error


def plan_import(data, name):
    """Check the whole export `data` (read from `name`) and say what importing it writes.

    Writes nothing. Raises ImportRefused at the first thing wrong.
    """
    if isinstance(data, dict):
        data = {**{section: [] for section in OPTIONAL_SECTIONS}, **data}
    slug = check_outline(data, name)
    # Section by section, so that what is refused first is what comes first as
    # the case is built: a record before its versions, a version before a decision.
    rows, ids = {}, FileIds()
    for section in SECTIONS:
        rows[section] = [parse_row(section, index, item) for index, item in enumerate(data[section])]
        refuse_repeated_ids(rows[section])
        if section == "records":
            case = declared_case(rows[section], slug, name)
        ids.add(section, rows[section])
        check_links(section, rows[section], case.pk, ids)
    check_decisions(rows["decisions"], ids)
    check_many_links(rows["right_of_reply"], ids)
    check_within_file_uniqueness(rows["records"])
    check_constraints(rows)
    people, ignored_keys = parse_people(data["users"])
    named = refuse_unlisted_people(rows, people)
    refuse_taken_ids(rows, slug, ids)
    existing_people = set(get_user_model().objects.filter(username__in=named).values_list("username", flat=True))
    return ImportPlan(
        slug=slug,
        title=case.values["title"],
        rows=rows,
        new_people=[people[username] for username in sorted(named - existing_people)],
        known_people=sorted(named & existing_people),
        unnamed_people=sorted(set(people) - named),
        ignored_user_keys=ignored_keys,
    )


def check_outline(data, name):
    if not isinstance(data, dict):
        raise ImportRefused(
            f"{name} holds a JSON {json_type(data)} where a case export holds an object "
            '("format", "version", "case", "users", "records", "history", "decisions").'
        )
    if data.get("format") != EXPORT_FORMAT or data.get("version") != EXPORT_VERSION:
        raise ImportRefused(f"{name} is not a case export this version can read.")
    if "case" not in data:
        raise ImportRefused(f'{name} declares no case: the key "case" is missing.')
    if not isinstance(data["case"], str) or not data["case"]:
        raise ImportRefused(f'{name}: "case" must be the slug of the case, not {data["case"]!r}.')
    for key in ("users", *SECTIONS):
        if not isinstance(data.get(key), list):
            raise ImportRefused(f'{name}: "{key}" must be a list, not {json_type(data.get(key), missing=True)}.')
    return data["case"]


def json_type(value, missing=False):
    if value is None:
        return "missing" if missing else "null"
    return {dict: "object", list: "list", str: "string", bool: "boolean"}.get(type(value), "number")


def parse_row(section, index, item):
    where = f"{section}[{index}]"
    if not isinstance(item, dict) or not isinstance(item.get("model"), str):
        raise ImportRefused(f'{where}: not a row of the form {{"model": ..., "pk": ..., "fields": {{...}}}}.')
    where = f"{where} ({item['model']})"
    model = KINDS[section].get(item["model"].lower())
    if model is None:
        raise ImportRefused(
            f"{where}: not a kind of row an export's {section} hold ({', '.join(KINDS[section])})."
        )
    if "pk" not in item or item["pk"] is None:
        raise ImportRefused(f"{where}: no pk; an import keeps the ids of the export.")
    if not isinstance(item.get("fields"), dict):
        raise ImportRefused(f'{where}: "fields" must be an object.')
    row = Row(where=where, model=model, pk=clean_id(model._meta.pk, item["pk"], f"{where}: pk"))
    importable = {f.name: f for f in model._meta.concrete_fields if not f.primary_key and f.editable}
    worked_out = {f.name for f in model._meta.concrete_fields if not f.primary_key and not f.editable}
    many = {f.name: f for f in model._meta.many_to_many} if model in REPLY_KINDS else {}
    for name in item["fields"]:
        if name in worked_out:
            raise ImportRefused(f"{where}: the field {name!r} is not taken from a file; the import works it out.")
        if name not in importable and name not in many:
            raise ImportRefused(f"{where}: unknown field {name!r}.")
    for name, model_field in many.items():
        raw = item["fields"].get(name, [])
        if not isinstance(raw, list):
            raise ImportRefused(f"{where}: {name} must be a list of ids.")
        row.many[name] = [clean_id(model_field.related_model._meta.pk, value, f"{where}: {name}") for value in raw]
    for name, model_field in importable.items():
        raw = item["fields"].get(name)
        if isinstance(model_field, models.ForeignKey):
            parse_link(row, model_field, raw)
        else:
            given = raw if name in item["fields"] else model_field.get_default()
            row.values[model_field.attname] = clean_value(model_field, given, f"{where}: {name}")
    if model is Decision:
        changed = row.values["changed_fields"]
        if not isinstance(changed, list) or not all(isinstance(name, str) for name in changed):
            raise ImportRefused(f"{where}: changed_fields must be a list of field names.")
    return row


def clean_id(model_field, raw, where):
    """An id: a whole number above zero that the column can hold."""
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise ImportRefused(f"{where}: {raw!r} is not an id.")
    try:
        value = model_field.to_python(raw)
        model_field.run_validators(value)
    except ValidationError as error:
        raise ImportRefused(f"{where}: {' '.join(error.messages)}") from error
    if value < 1:
        raise ImportRefused(f"{where}: {raw!r} is not an id.")
    return value


def clean_value(model_field, raw, where):
    """`raw` as its field holds it, checked by the field's own rules, as a form would check it."""
    is_text = isinstance(model_field, (models.CharField, models.TextField))
    if is_text and raw is not None and not isinstance(raw, str):
        raise ImportRefused(f"{where}: {raw!r} is not text.")
    try:
        value = model_field.to_python(raw)
        if value is None:
            if not model_field.null:
                raise ValidationError("This field cannot be null.")
        # A field that may hold nothing (null) may hold an empty text: a version
        # saved with no reason for the change, say.
        elif not (value in model_field.empty_values and (model_field.blank or model_field.null)):
            model_field.validate(value, None)
            model_field.run_validators(value)
    except ValidationError as error:
        raise ImportRefused(f"{where}: {' '.join(error.messages)}") from error
    except (TypeError, ValueError) as error:
        # Some fields take only text to parse (a time given as a number, say).
        raise ImportRefused(f"{where}: {raw!r} is not a valid {model_field.description.lower()}.") from error
    return value


def parse_link(row, model_field, raw):
    where = f"{row.where}: {model_field.name}"
    target = model_field.related_model
    if target is get_user_model():
        if raw is not None and not (isinstance(raw, list) and len(raw) == 1 and isinstance(raw[0], str)):
            raise ImportRefused(f'{where} must name a person of the file as ["username"], not {raw!r}.')
        row.people[model_field.attname] = raw[0] if raw else None
    elif target is ContentType:
        named = isinstance(raw, list) and all(isinstance(part, str) for part in raw)
        kind = RECORD_KINDS.get(tuple(raw)) if named else None
        if kind is None:
            raise ImportRefused(f"{where}: {raw!r} is not a kind of case-file record.")
        row.links[model_field.attname] = ContentType.objects.get_for_model(kind).pk
    else:
        row.links[model_field.attname] = None if raw is None else clean_id(target._meta.pk, raw, where)


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
        elif section == "right_of_reply":
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
            elif value not in (ids.working if section in ("records", "right_of_reply") else ids.ever)[target]:
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
    for row in rows["records"] + rows["decisions"] + rows["right_of_reply"]:
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


def parse_people(entries):
    """{username: the fields a new account gets}, and the keys of the file's people not applied."""
    User = get_user_model()
    people, ignored = {}, set()
    for index, entry in enumerate(entries):
        where = f"users[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("username"), str) or not entry["username"]:
            raise ImportRefused(f'{where}: not a person of the form {{"username": ..., "email": ...}}.')
        values = {
            name: clean_value(User._meta.get_field(name), entry.get(name, ""), f"{where}: {name}")
            for name in USER_FIELDS
        }
        if values["username"] in people:
            raise ImportRefused(f"{where}: {values['username']!r} is listed twice.")
        people[values["username"]] = values
        ignored |= set(entry) - set(USER_FIELDS)
    return people, sorted(ignored)


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
    for model in REPLY_KINDS:
        clashes = existing(model.objects.all(), "pk", {row.pk for row in rows["right_of_reply"] if row.model is model})
        if clashes:
            taken.append(f"{len(clashes)} {model._meta.verbose_name_plural}")
    if taken:
        raise ImportRefused(
            "The database already holds records under the ids of this export (" + ", ".join(taken)
            + "). Restore into a fresh database, or one without this case."
        )


def reset_sequences(models_written):
    """New rows must be numbered after the imported ones (PostgreSQL sequences)."""
    statements = connection.ops.sequence_reset_sql(no_style(), models_written)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def write_import(plan):
    """Write what `plan` says, all of it or, if the database refuses any of it, none."""
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
            reset_sequences(list(by_model))
            # An export written before approvals were marked current has no mark.
            pagecache.advance_generation()
            workflow.republish(case=Case.objects.get(slug=plan.slug))
    except IntegrityError as error:
        raise ImportRefused(f"The database refused the import, so nothing was written: {error}") from error

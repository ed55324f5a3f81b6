"""Reading an export: the file, its rows and its people, each value checked by its field's own rules.

Nothing here reads the database; what a row refers to is checked once the
whole file is read (`integrity`).
"""

import datetime
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from casefile.history import history_model
from casefile.management.commands.export_case import EXPORT_FORMAT, EXPORT_VERSION, ROLES, USER_FIELDS
from casefile.models import Decision, LegalReview, ReplyAttempt, ReplyOverride, ReplyRequest, ReviewComment, ReviewReply
from casefile.workflow import EDITORS, TRACKED
from casefile.workflow.legal import LEGAL

SECTIONS = ("records", "history", "decisions", "right_of_reply", "review_comments")
# Exports written before the right of reply, or review comments, were recorded have no such section.
OPTIONAL_SECTIONS = ("right_of_reply", "review_comments")
REPLY_KINDS = (ReplyRequest, ReplyAttempt, ReplyOverride, LegalReview)
KINDS = {
    # A reply request is in the right of reply; the versions of its answer among every version.
    "records": {model._meta.label_lower: model for model in TRACKED if model not in REPLY_KINDS},
    "history": {history_model(model)._meta.label_lower: history_model(model) for model in TRACKED},
    "decisions": {Decision._meta.label_lower: Decision},
    "right_of_reply": {model._meta.label_lower: model for model in REPLY_KINDS},
    "review_comments": {model._meta.label_lower: model for model in (ReviewComment, ReviewReply)},
}
# What a decision's content type may name, as the file names it: ["casefile", "fact"].
RECORD_KINDS = {(model._meta.app_label, model._meta.model_name): model for model in TRACKED}
LONGEST_MESSAGE = 400


class ImportRefused(Exception):
    """The file cannot be imported; the message says what is wrong and where, on one line."""

    def __init__(self, message):
        text = " ".join(str(message).split())
        # The file's own text may be quoted: a character that does not print is shown escaped.
        text = "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
                       for char in text)
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
    refuse_unstorable_text(raw, where)
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
    if isinstance(value, datetime.datetime) and settings.USE_TZ and timezone.is_naive(value):
        # As the database would store it; so that every time of the file compares with every other.
        value = timezone.make_aware(value)
    return value


def refuse_unstorable_text(raw, where):
    """Refuse text that no database column holds: a NUL character, or half of a character.

    PostgreSQL refuses a NUL in text and in JSON, and no database stores an
    unpaired surrogate (JSON's "\\ud800"), so such a file would pass the
    checks and fail when written. Looked for in JSON values too, at any depth.
    """
    waiting = [raw]
    while waiting:
        value = waiting.pop()
        if isinstance(value, dict):
            waiting.extend(value.keys())
            waiting.extend(value.values())
        elif isinstance(value, list):
            waiting.extend(value)
        elif isinstance(value, str):
            if "\x00" in value:
                raise ImportRefused(
                    f"{where}: contains a NUL character (\\x00) at position {value.index(chr(0))}, which no "
                    "text can hold; remove it from the file."
                )
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                raise ImportRefused(
                    f"{where}: contains half of a character ({value[error.start]!r}, an unpaired surrogate) "
                    f"at position {error.start}, which no text can hold; correct it in the file."
                ) from error


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


def parse_people(entries):
    """{username: the fields a new account gets}, {username: what they may decide (`ROLES`)}, and the keys
    of the file's people not applied."""
    User = get_user_model()
    people, roles, ignored = {}, {}, set()
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
        roles[values["username"]] = roles_of(entry, where)
        ignored |= set(entry) - set(USER_FIELDS)
    return people, roles, sorted(ignored)


# A file written before it said what each person may decide says it by their groups.
GROUP_OF_ROLE = {"approves_changes": EDITORS, "clears_for_legal": LEGAL}


def roles_of(entry, where):
    """The roles of `ROLES` the file gives a person: as it states them, or as their groups imply."""
    groups = entry.get("groups", [])
    if not isinstance(groups, list) or not all(isinstance(name, str) for name in groups):
        raise ImportRefused(f"{where}: groups must be a list of group names, not {groups!r}.")
    roles = set()
    for role in ROLES:
        stated = entry.get(role)
        if stated is not None and not isinstance(stated, bool):
            raise ImportRefused(f"{where}: {role} must be true or false, not {stated!r}.")
        if stated or (stated is None and GROUP_OF_ROLE[role] in groups):
            roles.add(role)
    return roles

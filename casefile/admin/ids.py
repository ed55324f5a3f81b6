"""The records staff URLs and forms name: ids and review keys, checked before any query.

An id that cannot name a record (not a number, or beyond what the column
holds) names no record: a URL answers 404, a form 400, a value an address
presets on a new record's form is left out; never an error of the database.
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection
from django.http import Http404

from .. import workflow


def parse_id(model, raw):
    """The primary key of a `model` record that `raw` names; ValueError if it can name none."""
    field = model._meta.pk
    try:
        pk = field.to_python(raw)
    except ValidationError:
        raise ValueError(f"{raw!r} is not the id of a {model._meta.verbose_name}.") from None
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    if pk is None or not low <= pk <= high:
        raise ValueError(f"{raw!r} is not the id of a {model._meta.verbose_name}.")
    return pk


def url_id(model, raw):
    """The primary key a URL names, or 404."""
    try:
        return parse_id(model, unquote(str(raw)))
    except ValueError as error:
        raise Http404(str(error)) from None


def parse_key(key):
    """(model, pk) of a review key such as "casefile.fact:12"; ValueError if it names no record."""
    model, pk = workflow.model_for_key(key)
    return model, parse_id(model, pk)


def named_records_only(model, initial):
    """A new record's values given in the form's address, without those naming no record.

    `?subject=abc` opens the form as if no subject were given, as a malformed
    id in an address does everywhere else.
    """
    for name, value in list(initial.items()):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not field.is_relation or field.one_to_many:
            continue
        try:
            for raw in value if isinstance(value, list) else [value]:
                parse_id(field.related_model, raw)
        except ValueError:
            del initial[name]
    return initial

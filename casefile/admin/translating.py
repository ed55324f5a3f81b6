"""Translations as staff work on them: each beside the text it translates, on a record's form and on a review,
in its own language, searched with it, and marked where it is older than that text (or that text older than it).
"""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.dateformat import format as formatted
from django.utils.html import format_html

from ..translations import (
    column,
    language_name,
    languages,
    older_texts,
    source_language,
    translated_texts,
    translation_columns,
    translation_languages,
    versions_text_dates,
)

# Django admin's marks before a search field: starts with, exact, full-text.
SEARCH_PREFIXES = "^=@"


def beside_their_texts(fields, model):
    """The names `fields` of a form, each translation moved right after the text it translates."""
    texts = translated_texts(model)
    if not texts:
        return list(fields)
    columns = set(translation_columns(model))
    ordered = []
    for name in fields:
        if name in columns:
            continue
        ordered.append(name)
        if name in texts:
            ordered += [column(name, language) for language in translation_languages()
                        if column(name, language) in fields]
    # A translation whose text the form leaves out keeps its place.
    return ordered + [name for name in fields if name in columns and name not in ordered]


def mark_languages(form):
    """Each text's box says the language it is written in, so that browsers check its spelling and screen
    readers speak it in that language."""
    for text in translated_texts(form._meta.model):
        for language in languages():
            field = form.fields.get(column(text, language))
            if field is not None:
                field.widget.attrs["lang"] = language


def with_translations(search_fields, model):
    """`search_fields`, each searching a translated text followed by the same search in its translations."""
    expanded = []
    for term in search_fields:
        expanded.append(term)
        prefix = term[0] if term[:1] and term[0] in SEARCH_PREFIXES else ""
        *path, name = term[len(prefix):].split("__")
        target = _model_at(model, path)
        if target is not None and name in translated_texts(target):
            expanded += [prefix + "__".join([*path, column(name, language)]) for language in translation_languages()]
    return expanded


def _model_at(model, path):
    """The model a search path's relations lead to from `model`, or None where it leads to no model."""
    for part in path:
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if not field.is_relation:
            return None
        model = field.related_model
    return model


class TranslationsSearched:
    """An admin whose search looks in the translations of the texts it searches as well."""

    def get_search_fields(self, request):
        return with_translations(super().get_search_fields(request), self.model)


def has_translations(version):
    """Whether a record or version holds a translation of any of its texts: only then can one of its texts
    be older than another language's."""
    return any(getattr(version, name, "") for name in translation_columns(type(version)))


def working_text_dates(record):
    """`text_dates()` of a record as its working version stands, read from all its versions in one query."""
    if not has_translations(record):
        return {}
    return versions_text_dates(type(record), {record.pk: None}).get(record.pk, {})


def review_text_dates(changes):
    """`text_dates()` of each change's record as of the version under review, `{(model, pk): dates}`; a query
    per kind of record with a translation."""
    shown = {}
    for change in changes:
        if has_translations(change.latest):
            shown.setdefault(change.model, {})[change.pk] = change.latest.history_id
    return {(model, pk): dates for model, versions in shown.items()
            for pk, dates in versions_text_dates(model, versions).items()}


def out_of_date_notes(dates):
    """`{field name: what it says}` for each text older than the same text in another language: a
    translation the text it translates changed after, or a text translated later than it was written."""
    own = language_name(source_language())
    notes = {}
    for language in translation_languages():
        for text, (_, when) in older_texts(dates, language).items():
            notes[column(text, language)] = format_html("Out of date: the {} text changed on {}.", own, day(when))
    for text, (other, when) in older_texts(dates, source_language()).items():
        notes[text] = format_html('The <span lang="{}">{}</span> text changed on {}, after this {} text.',
                                  other, language_name(other), day(when), own)
    return notes


def day(when):
    return formatted(timezone.localtime(when), "j M Y")


def note_on_form(form, record, pending):
    """Under each text of `record`'s form older than the same text in another language, when the other was
    written; `pending`, the changes waiting of the record and its rows, annotated for review (`comments.annotate`)
    with the dates of their texts."""
    if not translated_texts(type(record)):
        return
    own = [change for change in pending if (change.model, change.pk) == (type(record), record.pk)]
    dates = own[0].text_dates if own else working_text_dates(record)
    for name, note in out_of_date_notes(dates).items():
        field = form.fields.get(name)
        if field is not None:
            field.help_text = format_html('{}<strong class="translation-out-of-date">{}</strong>',
                                          format_html("{} ", field.help_text) if field.help_text else "", note)


@dataclass
class TranslatedRow:
    """One translated text on a review: its row in each language side by side, each a `FieldRow` with the
    language it is in (`lang`, `language`) and its note if it is out of date."""

    name: str
    label: str
    sides: list

    @property
    def threads(self):
        return [thread for side in self.sides for thread in side.threads]


def side_by_side(change, rows, unchanged_row, dates):
    """The rows of a change's review, each translated text that has a translation in one row with its
    translations, wherever the change touches it (in any language); the notes of texts out of date that
    the change does not touch, as `change.translation_notes`.

    `unchanged_row(name)`: the row of a field the change leaves as it is.
    """
    model = change.model
    notes = out_of_date_notes(dates)
    by_name = {row.name: row for row in rows}
    paired = {}
    for text in translated_texts(model):
        names = [column(text, language) for language in languages()]
        if not any(name in by_name for name in names) or not _translated(change, text):
            continue
        sides = []
        for language, name in zip(languages(), names):
            side = by_name.get(name) or unchanged_row(name)
            side.lang, side.language, side.note = language, language_name(language), notes.get(name, "")
            sides.append(side)
        row = TranslatedRow(text, str(model._meta.get_field(text).verbose_name), sides)
        paired.update(dict.fromkeys(names, row))
    shown, result = set(), []
    for row in rows:
        row = paired.get(row.name, row)
        if id(row) not in shown:
            shown.add(id(row))
            result.append(row)
    in_rows = {side.name for row in result for side in getattr(row, "sides", [row])}
    change.translation_notes = [
        (str(model._meta.get_field(name).verbose_name), note) for name, note in notes.items() if name not in in_rows
    ]
    return result


def _translated(change, text):
    """Whether a text has a translation in the version under review or the one readers see."""
    versions = [version for version in (change.latest, change.approved) if version is not None]
    return any(getattr(version, column(text, language), "") for version in versions
               for language in translation_languages())

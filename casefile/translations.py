"""Texts held in more than one language: their columns, which text a page shows, and which is older.

A record's public texts are written in the newsroom's language (LANGUAGE_CODE) and may be translated into
each other language of LANGUAGES. Each translation is a column of the record's own table beside its
source text (`statement`, `statement_zh_hans`), so one version of the record holds every language, is
reviewed with every language side by side, and an approval covers exactly what the editor saw. Pages
read the column of their language through `localize()`, the English text where there is no translation.
"""

import re

from django.conf import settings
from django.utils.translation import get_language

from .history import history_model


def source_language():
    """The language every record is written in first: its texts' own columns hold it."""
    return settings.LANGUAGE_CODE


def translation_languages():
    """The codes of the languages a text may be translated into, in the order of LANGUAGES."""
    return [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def languages():
    """Every language a text is held in, the newsroom's own first."""
    return [source_language(), *translation_languages()]


def language_name(code):
    return dict(settings.LANGUAGES)[code]


def column(name, language):
    """The attribute holding the text `name` in `language`: `statement`, `statement_zh_hans`."""
    if language == source_language():
        return name
    return f"{name}_{language.replace('-', '_').lower()}"


class Translations:
    """Declared in a model's body after the texts it names: a column for each in every other language.

    Each column is its text's field, blank allowed (no translation yet), with the same length and
    validators, so a translation obeys the rules of the text it translates.
    """

    def __init__(self, *names):
        self.names = names

    def contribute_to_class(self, cls, name):
        for text in self.names:
            original = cls._meta.get_field(text)
            for language in translation_languages():
                _, _, args, kwargs = original.deconstruct()
                kwargs.pop("help_text", None)
                kwargs.update(
                    blank=True, default="", verbose_name=f"{original.verbose_name} ({language_name(language)})"
                )
                cls.add_to_class(column(text, language), type(original)(*args, **kwargs))
        setattr(cls, name, self.names)


def translated_texts(model):
    """The names of the texts of `model` that may be translated (none for a model without any)."""
    model = getattr(model, "instance_type", model)
    return getattr(model, "translated_texts", ())


def translation_columns(model):
    """Every column of `model` that holds a translation."""
    return [column(text, language) for text in translated_texts(model) for language in translation_languages()]


def translation_of(model, name):
    """The text and the language the column `name` of `model` holds a translation of, or None."""
    return next(
        ((text, language) for text in translated_texts(model) for language in translation_languages()
         if column(text, language) == name),
        None,
    )


class Shown(str):
    """A text shown on a page in another language than the page's: its `lang` says which."""

    lang = None

    def __new__(cls, value, lang):
        text = super().__new__(cls, value)
        text.lang = lang
        return text

    def __reduce__(self):
        return (Shown, (str(self), self.lang))


def localize(record, language=None):
    """Show `record` in `language` (the active one by default): each translated text in its column of
    that language, or its source text marked with the source language where it has no translation.

    `other_language_texts` then holds, per text, the same text in another language where there is one
    (the name in characters beside its pinyin), and `texts_by_language()` every language's. Works on
    records and their versions; changes the instance in hand only, never saves it.
    """
    texts = translated_texts(type(record))
    if not texts:
        return record
    language = language or get_language() or source_language()
    values = record.__dict__
    values["source_texts"] = {text: values.get(text) or "" for text in texts}
    others = {}
    if language not in translation_languages():
        for text in texts:
            for other in translation_languages():
                if values.get(column(text, other)):
                    others[text] = Shown(values[column(text, other)], other)
                    break
    else:
        for text in texts:
            translated, original = values.get(column(text, language)), values.get(text)
            if translated:
                values[text] = translated
                if original:
                    others[text] = Shown(original, source_language())
            elif original:
                values[text] = Shown(original, source_language())
    values["other_language_texts"] = others
    return record


def texts_by_language(record):
    """Every written text of a `localize()`d record in every language: `{language: {text: value}}`."""
    # A record not `localize()`d (a working version for staff) holds its source texts as they are.
    source = getattr(record, "source_texts", None) or {text: getattr(record, text) for text in translated_texts(type(record))}
    found = {source_language(): {text: str(value) for text, value in source.items() if value}}
    for language in translation_languages():
        found[language] = {
            text: value for text in translated_texts(type(record)) if (value := getattr(record, column(text, language)))
        }
    return {language: texts for language, texts in found.items() if texts}


def text_dates(versions, model):
    """When each text of a record was last changed, per language: `{text: {language: datetime}}`.

    `versions` are the record's historical versions as dicts of their columns and `history_date`, oldest
    first, up to the one shown. A text's date in a language is that of the first version of the run that
    ends with the value shown: the version where it was written. A translation never written has no
    date; a first translation is dated as the source text it translates, since it was made from it: it
    is neither older nor newer than that text until one of the two changes.
    """
    dates = {}
    previous = {}
    for version in versions:
        for text in translated_texts(model):
            written = dates.setdefault(text, {})
            for language in languages():
                name = column(text, language)
                value = version.get(name, "")
                if value == previous.get(name, ""):
                    continue
                first = not previous.get(name)
                previous[name] = value
                if not value:
                    written.pop(language, None)
                elif first and language != source_language() and source_language() in written:
                    written[language] = written[source_language()]
                else:
                    written[language] = version["history_date"]
    return {text: written for text, written in dates.items() if written}


def versions_text_dates(model, shown):
    """`text_dates()` of records of `model` as of the version of each shown, `shown` mapping each
    record's id to that version's history id (None: its latest); one query."""
    if not translated_texts(model) or not shown:
        return {}
    columns = [column(text, language) for text in translated_texts(model) for language in languages()]
    rows = history_model(model).objects.filter(id__in=shown)
    if None not in shown.values():
        rows = rows.filter(history_id__lte=max(shown.values()))
    versions = {}
    for version in rows.order_by("history_id").values("id", "history_id", "history_date", *columns):
        upto = shown[version["id"]]
        if upto is None or version["history_id"] <= upto:
            versions.setdefault(version["id"], []).append(version)
    return {pk: text_dates(found, model) for pk, found in versions.items()}


def older_texts(dates, language):
    """The texts shown in `language` that are older than the same text in another language, as
    `{text: (other language, when that was written)}`.

    On a translation's page: the translations older than their source text. On the source language's
    page: the source texts older than a change of their translation (a first translation is dated as
    its source text: `text_dates()`).
    """
    older = {}
    for text, written in dates.items():
        mine = written.get(language)
        if mine is None:
            continue
        others = [(when, other) for other, when in written.items() if other != language and when > mine]
        if language != source_language():
            others = [(when, other) for when, other in others if other == source_language()]
        if others:
            when, other = max(others)
            older[text] = (other, when)
    return older


# A run of Chinese writing: Han characters, Bopomofo, and the CJK and full-width punctuation between
# them. Narrower than `text.CJK_LETTERS` (each of which counts as a word, Japanese and Korean too): this
# says which language a run is in, and Japanese or Korean letters are not Chinese.
CHINESE_RUN = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3100-\u312f\u31a0-\u31bf\u3400-\u4dbf"
                 r"\u4e00-\u9fff\uf900-\ufaff\uff00-\uff65\U00020000-\U0003134f]+")

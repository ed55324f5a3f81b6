"""Which texts of a public record are older than the same text in another language."""

from django.utils.translation import get_language

from ..translations import older_texts, source_language, translated_texts, versions_text_dates


def older_than_other_language(record):
    """The texts of `record`, as its page shows them, that are older than the same text in another
    language, as `{text: (that language, when it was written)}`.

    Today's pages read the dates their publication keeps; a page as of a past day reads them from the
    versions up to the one it shows (one query), and so says what was older then.
    """
    model = type(record)
    version_id = getattr(record, "version_id", None)
    if not translated_texts(model) or version_id is None:
        return {}
    dates = getattr(record, "text_dates", None)
    if dates is None:
        dates = versions_text_dates(model, {record.pk: version_id}).get(record.pk, {})
    return older_texts(dates, get_language())


def translation_note(record):
    """What a page says of a record whose text it shows is older than another language's: the newest
    such other text, as `(language code, when it was written)`; None when nothing shown is older."""
    older = older_than_other_language(record)
    if not older:
        return None
    language, when = max(older.values(), key=lambda found: found[1])
    return {
        "language": language, "written": when, "texts": sorted(older),
        # On a translation's page the note is of the translation; on the source's, of the source text.
        "of_translation": get_language() != source_language(),
    }

"""Readers' words for the kinds of record and the fields they read, and the lists they are joined in, in the
language of the page.

The models' verbose names are the newsroom's, in English; they are marked here rather than on the models, so
that translating them changes no model state and needs no migration.
"""

from django.utils.translation import pgettext, pgettext_lazy

from ..models import (
    Actor,
    Case,
    Citation,
    Event,
    EventParticipant,
    Fact,
    FactActor,
    FactEvent,
    OpenQuestion,
    QuestionConcern,
    Relationship,
    Source,
)
from ..translations import language_name, translation_of

# Each kind of record readers read of: (one, several, one of them not named).
KINDS = {
    Case: (pgettext_lazy("kind of record", "case"), pgettext_lazy("kinds of record", "cases"),
           pgettext_lazy("a record", "a case")),
    Actor: (pgettext_lazy("kind of record", "actor"), pgettext_lazy("kinds of record", "actors"),
            pgettext_lazy("a record", "an actor")),
    Relationship: (pgettext_lazy("kind of record", "relationship"), pgettext_lazy("kinds of record", "relationships"),
                   pgettext_lazy("a record", "a relationship")),
    Source: (pgettext_lazy("kind of record", "source"), pgettext_lazy("kinds of record", "sources"),
             pgettext_lazy("a record", "a source")),
    Event: (pgettext_lazy("kind of record", "event"), pgettext_lazy("kinds of record", "events"),
            pgettext_lazy("a record", "an event")),
    Fact: (pgettext_lazy("kind of record", "fact"), pgettext_lazy("kinds of record", "facts"),
           pgettext_lazy("a record", "a fact")),
    OpenQuestion: (pgettext_lazy("kind of record", "open question"), pgettext_lazy("kinds of record", "open questions"),
                   pgettext_lazy("a record", "an open question")),
    Citation: (pgettext_lazy("kind of record", "citation"), pgettext_lazy("kinds of record", "citations"),
               pgettext_lazy("a record", "a citation")),
    EventParticipant: (pgettext_lazy("kind of record", "event participant"),
                       pgettext_lazy("kinds of record", "event participants"),
                       pgettext_lazy("a record", "an event participant")),
    FactActor: (pgettext_lazy("kind of record", "actor of a fact"), pgettext_lazy("kinds of record", "actors of facts"),
                pgettext_lazy("a record", "an actor of a fact")),
    FactEvent: (pgettext_lazy("kind of record", "event of a fact"), pgettext_lazy("kinds of record", "events of facts"),
                pgettext_lazy("a record", "an event of a fact")),
    QuestionConcern: (pgettext_lazy("kind of record", "record a question concerns"),
                      pgettext_lazy("kinds of record", "records questions concern"),
                      pgettext_lazy("a record", "a record a question concerns")),
}

# The fields readers read, by the English name the newsroom gives them (a decision records changed fields so).
FIELDS = {
    "title": pgettext_lazy("field", "title"),
    "summary": pgettext_lazy("field", "summary"),
    "kind": pgettext_lazy("field", "kind"),
    "name": pgettext_lazy("field", "name"),
    "web address": pgettext_lazy("field", "web address"),
    "aliases": pgettext_lazy("field", "aliases"),
    "description": pgettext_lazy("field", "description"),
    "subject": pgettext_lazy("field", "subject"),
    "object": pgettext_lazy("field", "object"),
    "starts on": pgettext_lazy("field", "starts on"),
    "ends on": pgettext_lazy("field", "ends on"),
    "status": pgettext_lazy("field", "status"),
    "publisher": pgettext_lazy("field", "publisher"),
    "author": pgettext_lazy("field", "author"),
    "published on": pgettext_lazy("field", "published on"),
    "URL": pgettext_lazy("field", "URL"),
    "language": pgettext_lazy("field", "language"),
    "relayed via": pgettext_lazy("field", "relayed via"),
    "reliability note": pgettext_lazy("field", "reliability note"),
    "paragraph count": pgettext_lazy("field", "paragraph count"),
    "discredited on": pgettext_lazy("field", "discredited on"),
    "discredited note": pgettext_lazy("field", "discredited note"),
    "location": pgettext_lazy("field", "location"),
    "date inferred": pgettext_lazy("field", "date inferred"),
    "actor": pgettext_lazy("field", "actor"),
    "event": pgettext_lazy("field", "event"),
    "role": pgettext_lazy("field", "role"),
    "allegation": pgettext_lazy("field", "allegation"),
    "statement": pgettext_lazy("field", "statement"),
    "assessment": pgettext_lazy("field", "assessment"),
    "fact": pgettext_lazy("field", "fact"),
    "relationship": pgettext_lazy("field", "relationship"),
    "source": pgettext_lazy("field", "source"),
    "stance": pgettext_lazy("field", "stance"),
    "locator": pgettext_lazy("field", "locator"),
    "quote": pgettext_lazy("field", "quote"),
    "note": pgettext_lazy("field", "note"),
    "question": pgettext_lazy("field", "question"),
    "what would settle it": pgettext_lazy("field", "what would settle it"),
    "state": pgettext_lazy("field", "state"),
    "answer": pgettext_lazy("field", "answer"),
    "right of reply": pgettext_lazy("field", "right of reply"),
}
# Where readers' word for a field is not the newsroom's.
ENGLISH_FIELD_WORDS = {"slug": "web address"}


def kind_name(model):
    return str(KINDS[model][0]) if model in KINDS else str(model._meta.verbose_name)


def kinds_name(model):
    return str(KINDS[model][1]) if model in KINDS else str(model._meta.verbose_name_plural)


def a_kind(model):
    """'a fact', 'an actor': one record of the kind, not named."""
    if model in KINDS:
        return str(KINDS[model][2])
    kind = str(model._meta.verbose_name)
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def english_field_name(model_field):
    """The field's name as the newsroom's log records it."""
    return ENGLISH_FIELD_WORDS.get(model_field.name, str(model_field.verbose_name))


def field_name(model_field):
    """The field's name as readers read it, a translation's with its language: 'statement (简体中文)'."""
    translated = translation_of(model_field.model, model_field.name)
    if translated is not None:
        text, language = translated
        return pgettext("a field in a language", "%(field)s (%(language)s)") % {
            "field": field_name(model_field.model._meta.get_field(text)), "language": language_name(language),
        }
    return readers_name(english_field_name(model_field))


def readers_name(english):
    """A field's name readers read, from its English name."""
    return str(FIELDS[english]) if english in FIELDS else english


def joined(names):
    """“a”, “a and b”, “a, b and c”: names in a sentence, in the page's language."""
    names = [str(name) for name in names]
    if len(names) == 1:
        return names[0]
    rest = pgettext("between names of a list", ", ").join(names[:-1])
    return pgettext("the last two names of a list", "%(rest)s and %(last)s") % {"rest": rest, "last": names[-1]}

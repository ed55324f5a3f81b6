"""The case file: actors, relationships, sources, events, facts and citations.

Every record is versioned by simple-history. What readers see is decided by
`Decision` rows: an editor's approval names exactly one historical version.
The public read layer (`casefile.published`) reads only those versions.
"""

from ..text import DIRECTION_CONTROLS, quote_word_count, refuse_direction_controls, validate_single_line
from .captures import Capture, QuoteAnchor, SharedSource, capture_storage
from .decisions import Decision
from .publication import PublicationGeneration, SearchEntry
from .records import (
    LOCATOR_PATTERN,
    MAX_QUOTE_WORDS,
    Actor,
    Case,
    CaseQuerySet,
    CaseRecordQuerySet,
    Citation,
    Event,
    EventParticipant,
    Fact,
    FactActor,
    FactEvent,
    Record,
    Relationship,
    Source,
)

__all__ = [
    "DIRECTION_CONTROLS", "LOCATOR_PATTERN", "MAX_QUOTE_WORDS",
    "Actor", "Capture", "Case", "CaseQuerySet", "CaseRecordQuerySet", "Citation", "Decision", "Event",
    "EventParticipant", "Fact", "FactActor", "FactEvent", "PublicationGeneration", "Record",
    "QuoteAnchor", "Relationship", "SearchEntry", "SharedSource", "Source", "capture_storage",
    "quote_word_count", "refuse_direction_controls", "validate_single_line",
]

"""The case file: actors, relationships, sources, events, facts and citations.

Every record is versioned by simple-history. An editor's approval, a
`Decision` in the log, names exactly one historical version; what readers see
now is one `Publication` per public record, which approvals write. The public
read layer (`casefile.published`) reads only those.
"""

from ..text import DIRECTION_CONTROLS, quote_word_count, refuse_direction_controls, validate_single_line
from .captures import Capture, QuoteAnchor, SharedSource, capture_storage
from .decisions import Decision
from .publication import Publication, PublicationGeneration
from .replies import Channel, LegalReview, ReplyAttempt, ReplyOverride, ReplyRequest
from .records import (
    LOCATOR_PATTERN,
    MAX_QUOTE_WORDS,
    Actor,
    Case,
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
    "Actor", "Capture", "Case", "CaseRecordQuerySet", "Citation", "Decision", "Event",
    "EventParticipant", "Fact", "FactActor", "FactEvent", "Publication", "PublicationGeneration",
    "QuoteAnchor", "Record", "Channel", "LegalReview", "ReplyAttempt", "ReplyOverride", "ReplyRequest", "Relationship", "SharedSource", "Source", "capture_storage",
    "quote_word_count", "refuse_direction_controls", "validate_single_line",
]

"""The case file: actors, relationships, sources, events, facts, citations and open questions.

Every record is versioned by simple-history. An editor's approval, a
`Decision` in the log, names exactly one historical version; what readers see
now is one `Publication` per public record, which approvals write. The public
read layer (`casefile.published`) reads only those.
"""

from ..text import DIRECTION_CONTROLS, quote_word_count, validate_single_line, validate_text
from .captures import Capture, QuoteAnchor, SharedSource, capture_storage
from .comments import CommentNotice, ReviewComment, ReviewReply
from .claims import ClaimStatus, claim_status_problem, rests_only_on
from .decisions import Decision
from .identities import IdentityGrant, IdentityLogEntry, SourceIdentity
from .publication import KeptPage, Publication, PublicationGeneration, PublicationRead
from .schedules import Schedule, ScheduleEvent
from .replies import Channel, LegalReview, ReplyAttempt, ReplyOverride, ReplyRequest
from .questions import OpenQuestion, QuestionConcern
from .records import (
    Actor,
    Case,
    CaseRecordQuerySet,
    Claim,
    Event,
    EventParticipant,
    Fact,
    FactActor,
    FactEvent,
    Record,
    Relationship,
)
from .sources import LOCATOR_PATTERN, MAX_QUOTE_WORDS, Citation, Source

__all__ = [
    "DIRECTION_CONTROLS", "LOCATOR_PATTERN", "MAX_QUOTE_WORDS",
    "Actor", "Capture", "Case", "CaseRecordQuerySet", "Channel", "Citation", "Claim", "ClaimStatus", "Decision",
    "Event", "EventParticipant", "Fact", "FactActor", "FactEvent", "IdentityGrant", "IdentityLogEntry", "LegalReview", "OpenQuestion", "Publication",
    "KeptPage", "PublicationGeneration", "PublicationRead", "QuestionConcern", "QuoteAnchor", "Record", "Relationship", "ReplyAttempt",
    "ReplyOverride", "ReplyRequest", "CommentNotice", "ReviewComment", "ReviewReply", "Schedule", "ScheduleEvent",
    "SharedSource", "Source", "SourceIdentity", "capture_storage",
    "claim_status_problem", "quote_word_count", "rests_only_on", "validate_single_line", "validate_text",
]

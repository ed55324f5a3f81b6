"""Which fields of each model readers may ever see: the one list the corrections log, the feeds and case.json follow.

Every concrete field of every model of the case file is named here once,
either in `READERS_SEE` (its value may appear on a public page, in a feed or
in case.json) or in `STAFF_ONLY` (it serves the newsroom's work: who flagged,
proposed, reviewed or decided what, and the plumbing that keeps the pages).
A historical version of a record has its record's fields, and the fields
simple-history adds to it, which are all staff-only.
"""

from ..models import (
    Actor,
    Capture,
    Case,
    Citation,
    CommentNotice,
    Decision,
    Event,
    EventParticipant,
    Fact,
    FactActor,
    FactEvent,
    IdentityGrant,
    IdentityLogEntry,
    KeptPage,
    LegalReview,
    Schedule,
    ScheduleEvent,
    OpenQuestion,
    Publication,
    PublicationGeneration,
    PublicationRead,
    QuestionConcern,
    QuoteAnchor,
    Relationship,
    ReplyAttempt,
    ReplyOverride,
    ReplyRequest,
    ReviewComment,
    ReviewReply,
    SharedSource,
    Source,
    SourceIdentity,
)
from ..translations import translation_columns

# The workflow fields every record carries: a removal waiting for an editor,
# a change waiting for a lawyer. Readers see what is approved, never why it waited.
WORKFLOW_FIELDS = frozenset({"removal_proposed", "needs_legal_review"})

READERS_SEE = {
    Case: {"id", "title", "slug", "summary"},
    Actor: {"id", "case", "kind", "name", "slug", "aliases", "description"},
    Relationship: {"id", "case", "subject", "kind", "object", "starts_on", "starts_precision", "ends_on",
                   "ends_precision", "description", "status"},
    Source: {"id", "case", "slug", "kind", "title", "publisher", "author", "published_on", "published_precision",
             "url", "language", "relayed_via", "reliability_note", "paragraph_count", "discredited_on",
             "discredited_note"},
    Event: {"id", "case", "slug", "title", "description", "status", "starts_on", "starts_precision", "ends_on",
            "ends_precision", "date_inferred", "location"},
    EventParticipant: {"id", "event", "actor", "role", "alleged"},
    Fact: {"id", "case", "slug", "statement", "status", "assessment"},
    FactActor: {"id", "fact", "actor", "alleged"},
    FactEvent: {"id", "fact", "event"},
    Citation: {"id", "fact", "event", "relationship", "source", "stance", "locator", "quote", "note"},
    OpenQuestion: {"id", "case", "slug", "question", "settled_by", "state", "answer"},
    QuestionConcern: {"id", "question", "fact", "event", "relationship", "source"},
    # The copy line: when it was made, its fingerprint, size and checks; a shared copy is downloaded, and
    # its annotations name, as the download does, what kind of document it is.
    Capture: {"id", "source", "captured_at", "size", "sha256", "content_type", "last_checked_at",
              "last_check_passed", "verified_at", "comparison"},
    SharedSource: {"source"},
    # Where a quoted passage stands in the copy.
    QuoteAnchor: {"citation", "capture", "state", "last_found_in", "paragraph", "exact", "prefix", "suffix",
                  "start", "end"},
    # The corrections log: when, what kind of change, the note for readers; the batch names its entry.
    Decision: {"case", "action", "removes", "for_legal_reasons", "changed_fields", "decided_at", "public_note",
               "batch"},
    Publication: {"case", "published_at", "first_published_at", "slug", "label", "status"},
    KeptPage: {"page", "document"},
    # The right-of-reply line: when they were asked as entered, their answer as approved.
    ReplyRequest: {"case", "actor", "asked_on", "deadline", "outcome", "replied_on", "summary", "quote"},
    ReplyOverride: {"case", "actor", "fact", "event"},
}

# Each translation of a text readers see is theirs too.
for _model, _names in READERS_SEE.items():
    _names.update(translation_columns(_model))

STAFF_ONLY = {
    **{model: set(WORKFLOW_FIELDS) for model in (
        Case, Actor, Relationship, Source, Event, EventParticipant, Fact, FactActor, FactEvent,
        OpenQuestion, QuestionConcern,
    )},
    # An editor's clearance of a quote of a confidential source decides whether readers see the quote, never
    # shown itself.
    Citation: {*WORKFLOW_FIELDS, "quote_cleared"},
    # Who a confidential source is, who may read it and who did: for those granted it, never for readers.
    SourceIdentity: {"id", "source", "name", "role", "contact", "how_we_know", "notes", "added_by", "added_at",
                     "changed_at"},
    IdentityGrant: {"id", "source", "user", "granted_by", "granted_at"},
    IdentityLogEntry: {"id", "source", "action", "user", "person", "at"},
    Capture: {"method", "captured_by", "url", "file_name", "stored_as", "stored_size", "stored_sha256",
              "http_status", "http_headers", "paragraphs", "previous", "mismatch", "review",
              "reviewed_by", "reviewed_at", "review_note"},
    SharedSource: {"id", "shared_by", "shared_at"},
    QuoteAnchor: {"id", "citation_version", "anchored_at", "decided_by", "note", "is_current"},
    Decision: {"id", "content_type", "object_id", "history_id", "object_repr", "decided_by", "comment"},
    PublicationGeneration: {"id", "scope", "number"},
    # The approved version's fields, read back through this list; the search's own columns.
    Publication: {"id", "content_type", "object_id", "history_id", "approval", "content", "body", "vector"},
    KeptPage: {"id", "publication", "language", "rendered_with", "surrogate_keys", "stamp"},
    PublicationRead: {"id", "page", "content_type", "object_id"},
    ReplyRequest: {"id", "questions", "asked_by", "entered_by", "channel", "contact", "full_response",
                   "outcome_recorded_at", "deadline_notice_sent_at", "created_at", *WORKFLOW_FIELDS},
    ReplyAttempt: {"id", "request", "attempted_on", "channel", "made_by", "note"},
    ReplyOverride: {"id", "reason", "granted_by", "granted_at"},
    LegalReview: {"id", "case", "record_key", "history_id", "versions", "verdict", "comment", "reviewed_by",
                  "reviewed_at"},
    # Readers learn when a change went public from its approval in the log, never from its schedule.
    Schedule: {"id", "case", "kind", "batch", "due_at", "state", "scheduled_by", "scheduled_at", "done_at",
               "outcome"},
    ScheduleEvent: {"id", "schedule", "kind", "at", "by", "note"},
    # Review conversations are the newsroom's, forever: no field of them reaches a reader.
    ReviewComment: {"id", "case", "content_type", "object_id", "history_id", "field_name", "passage", "text",
                    "author", "created_at", "resolved_by", "resolved_at"},
    ReviewReply: {"id", "comment", "text", "author", "created_at"},
    CommentNotice: {"id", "recipient", "comment", "reply", "created_at", "sent_at"},
}

# What simple-history adds to each version: who saved it, when and why.
HISTORY_FIELDS = frozenset({
    "history_id", "history_date", "history_change_reason", "history_type", "history_user", "history_relation",
})


def recorded_model(model):
    """The record a historical version is a version of, or the model itself."""
    return getattr(model, "instance_type", model)


def readers_see(model, name):
    """Whether readers may ever see the field `name` of `model` (a record, or a version of one)."""
    return name in READERS_SEE.get(recorded_model(model), ())


def staff_only(model, name):
    """Whether the field `name` of `model` serves the newsroom's work alone."""
    if model is not recorded_model(model) and name in HISTORY_FIELDS:
        return True
    return name in STAFF_ONLY.get(recorded_model(model), ())


def shown_fields(model):
    """The concrete fields of `model` readers may see, in the model's order."""
    return [field for field in model._meta.concrete_fields if readers_see(model, field.name)]

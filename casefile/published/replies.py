"""What readers are told of the right of reply: one line per published allegation and actor.

"We asked <actor> for comment on <date>. Their response: '<quote>'", that
they declined to comment, that they had not responded by the deadline, or,
where an editor published without asking, that no comment was sought.
When and of whom comment was asked is read as staff entered it; the answer
(the outcome, the day it came, the summary and the quote) as an editor last
approved it, from its Publication row (or, as of a day, from the log), and
until then they are waiting. Nothing else of a reply request (the questions,
the contact, the attempts, the full response, an override's reason) is read
here.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import pgettext

from .. import dates
from ..models import Decision, Event, EventParticipant, Fact, FactActor, ReplyOverride, ReplyRequest
from ..models.publication import RECORD_COLUMNS, record_from_content
from .history import NAME, Correction, FieldCorrection, sentence_line
from .rendered import note_read
from .versions import moment, public_version_rows, publications
from .words import kind_name, readers_name

@dataclass
class ReplyLine:
    """The public line of one allegation against one actor."""

    actor: object
    record: object
    outcome: str
    asked_on: object = None
    deadline: object = None
    replied_on: object = None
    summary: str = ""
    quote: str = ""
    recorded_at: object = None

    NOT_SOUGHT = "not sought"
    PENDING = "pending"

    @property
    def as_json(self):
        return {
            "actor": self.actor.slug,
            "about": {"kind": self.record._meta.model_name, "slug": self.record.slug},
            "outcome": self.outcome,
            "asked_on": self.asked_on.isoformat() if self.asked_on else None,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "replied_on": self.replied_on.isoformat() if self.replied_on else None,
            "summary": self.summary or None,
            "quote": self.quote or None,
            "text": self.text,
        }

    @property
    def text(self):
        """The line as plain text, as the pages word it."""
        words = {
            "name": self.actor.name, "day": dates.day(self.asked_on), "deadline": dates.day(self.deadline),
            "summary": self.summary.strip(), "quote": self.quote.strip(),
        }
        if self.outcome == self.NOT_SOUGHT:
            return pgettext("right of reply", "No comment was sought from %(name)s.") % words
        if self.outcome == ReplyRequest.Outcome.REPLIED:
            return self._response() % words
        if self.outcome == ReplyRequest.Outcome.DECLINED:
            return pgettext("right of reply", "We asked %(name)s for comment on %(day)s. %(name)s declined to "
                            "comment.") % words
        if self.outcome == ReplyRequest.Outcome.NO_RESPONSE:
            return pgettext("right of reply", "We asked %(name)s for comment on %(day)s. %(name)s had not "
                            "responded by %(deadline)s.") % words
        return pgettext("right of reply", "We asked %(name)s for comment on %(day)s. They have until "
                        "%(deadline)s to respond.") % words

    def _response(self):
        """The sentences of an answer, with the summary and the quote it has."""
        summary, quote = bool(self.summary.strip()), bool(self.quote.strip())
        if summary and quote:
            return pgettext("right of reply", "We asked %(name)s for comment on %(day)s. %(summary)s Their "
                            "response: “%(quote)s”")
        if summary:
            return pgettext("right of reply", "We asked %(name)s for comment on %(day)s. %(summary)s")
        if quote:
            return pgettext("right of reply", "We asked %(name)s for comment on %(day)s. Their response: "
                            "“%(quote)s”")
        return pgettext("right of reply", "We asked %(name)s for comment on %(day)s.")


def _allegations(snapshot):
    """(record, actor) of each public allegation the snapshot holds, once each."""
    unique = {}
    for record, actor in snapshot.allegations:
        unique.setdefault((type(record), record.pk, actor.pk), (record, actor))
    return list(unique.values())


def attach_reply_lines(snapshot):
    """Give each public fact, event and actor of the snapshot its `reply_lines`; returns every line."""
    for records in (snapshot.facts, snapshot.events, snapshot.actors):
        for record in records.values():
            record.reply_lines = []
    allegations = _allegations(snapshot)
    if not allegations:
        snapshot.reply_lines = []
        return []
    at = moment(snapshot.as_of)
    actor_ids = {actor.pk for _, actor in allegations}
    requests = ReplyRequest.objects.filter(case=snapshot.case.pk, actor_id__in=actor_ids).prefetch_related(
        "facts", "events"
    )
    overrides = ReplyOverride.objects.filter(case=snapshot.case.pk, actor_id__in=actor_ids)
    if at is not None:
        requests, overrides = requests.filter(created_at__lt=at), overrides.filter(granted_at__lt=at)
    requests = answered_as_approved(list(requests), snapshot.case.pk, at)
    asked = defaultdict(list)
    for request in requests:
        for fact in request.facts.all():
            asked[(Fact, fact.pk, request.actor_id)].append(request)
        for event in request.events.all():
            asked[(Event, event.pk, request.actor_id)].append(request)
    not_sought = {
        (Fact, o.fact_id, o.actor_id) if o.fact_id else (Event, o.event_id, o.actor_id)
        for o in overrides.only("fact_id", "event_id", "actor_id")
    }
    lines = []
    for record, actor in sorted(allegations, key=lambda a: (a[0]._meta.model_name, str(a[0].slug), a[1].name)):
        key = (type(record), record.pk, actor.pk)
        if asked[key]:
            request = ReplyRequest.standing(asked[key], at)
            outcome = request.outcome_as_of(at)
            replied = outcome == ReplyRequest.Outcome.REPLIED
            line = ReplyLine(
                actor=actor, record=record, outcome=outcome if outcome != ReplyRequest.Outcome.WAITING
                else ReplyLine.PENDING, asked_on=request.asked_on, deadline=request.deadline,
                replied_on=request.replied_on if replied else None,
                summary=request.summary if replied else "", quote=request.quote if replied else "",
                recorded_at=request.outcome_recorded_at,
            )
        elif key in not_sought:
            line = ReplyLine(actor=actor, record=record, outcome=ReplyLine.NOT_SOUGHT)
        else:
            continue
        lines.append(line)
        record.reply_lines.append(line)
        actor.reply_lines.append(line)
    snapshot.reply_lines = lines
    return lines


def answered_as_approved(requests, case_id, at=None):
    """The reply requests as readers see them at the moment `at` (None for now): each with the answer an
    editor last approved by then (`ReplyRequest.as_approved`), or none."""
    if not requests:
        return []
    if at is None:
        approved = {
            record.id: record for record in (
                record_from_content(ReplyRequest, *row) for row in publications(ReplyRequest, case=case_id)
                .filter(object_id__in=[request.pk for request in requests]).values_list(*RECORD_COLUMNS)
            )
        }
    else:
        approved = {row.id: row for row in public_version_rows(
            ReplyRequest, [request.pk for request in requests], case=case_id, at=at)}
    # A page showing a request's line is rendered again when an answer to it is approved.
    note_read(ReplyRequest, requests)
    return [
        request.as_approved(approved.get(request.pk), getattr(approved.get(request.pk), "approved_at", None))
        for request in requests
    ]


def waits_on_the_clock(case_id):
    """Whether readers of the case are told how long someone has to answer: a request with no answer
    approved and its deadline still ahead. Its pages say so until the deadline passes."""
    open_requests = list(ReplyRequest.objects.filter(case=case_id, deadline__gte=timezone.localdate()))
    return any(
        request.outcome == ReplyRequest.Outcome.WAITING for request in answered_as_approved(open_requests, case_id)
    )


def reply_corrections(snapshot):
    """An answer (or a refusal, or silence) recorded after its allegation was published is an update:
    a `Correction` for the log, newest first."""
    lines = [line for line in attach_reply_lines(snapshot) if line.recorded_at is not None]
    if not lines:
        return []
    first_shown = {}
    for model, link_model in ((Fact, FactActor), (Event, EventParticipant)):
        name = model._meta.model_name
        wanted = [line for line in lines if isinstance(line.record, model)]
        if not wanted:
            continue
        link_ids = dict(
            ((getattr(link, f"{name}_id"), link.actor_id), link.pk)
            for link in link_model.objects.filter(**{f"{name}_id__in": [line.record.pk for line in wanted]})
        )
        published_at = dict(Decision.objects.filter(
            content_type__app_label="casefile", content_type__model=link_model._meta.model_name,
            object_id__in=link_ids.values(), action=Decision.Action.APPROVED,
        ).values("object_id").annotate(first=Min("decided_at")).values_list("object_id", "first"))
        for line in wanted:
            first_shown[id(line)] = published_at.get(link_ids.get((line.record.pk, line.actor.pk)))
    entries = [
        Correction(
            decided_at=line.recorded_at,
            batch=f"reply-{line.record._meta.model_name}-{line.record.pk}-{line.actor.pk}",
            lines=[sentence_line(
                _reply_news(line) % {"name": line.actor.name, "kind": kind_name(type(line.record)), "label": NAME},
                label=str(line.record), url=line.record.get_absolute_url(),
                fields=[FieldCorrection(readers_name("right of reply"), None, line.text)],
            )],
            note="",
        )
        for line in lines
        if first_shown.get(id(line)) is not None and line.recorded_at > first_shown[id(line)]
    ]
    return sorted(entries, key=lambda entry: entry.decided_at, reverse=True)


def _reply_news(line):
    if line.outcome == ReplyRequest.Outcome.REPLIED:
        return pgettext("corrections log", "The response of %(name)s was added on the %(kind)s “%(label)s”.")
    if line.outcome == ReplyRequest.Outcome.DECLINED:
        return pgettext("corrections log", "That %(name)s declined to comment was added on the %(kind)s “%(label)s”.")
    return pgettext("corrections log", "That %(name)s had not responded by the deadline was added on the %(kind)s "
                    "“%(label)s”.")

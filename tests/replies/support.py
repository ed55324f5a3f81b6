"""Builders for the right-of-reply and legal tests."""

import datetime

from django.utils import timezone

from casefile import workflow
from casefile.models import Actor, Fact, FactActor, ReplyRequest
from casefile.workflow import replies

from ..factories import save


def versions_of_change(record):
    """{(model, pk): history_id} of everything that waits in the review of `record`."""
    return {(c.model, c.pk): c.latest.history_id for c in workflow.review_bundle(type(record), record.pk)}


def allege(fact, actor, user, reason="An allegation of wrongdoing"):
    """Mark `fact` as an allegation against `actor` (linking them if needed); returns the link."""
    link = FactActor.objects.filter(fact=fact, actor=actor).first() or FactActor(fact=fact, actor=actor)
    link.alleged = True
    return save(link, user, reason)


def ask(fact, actor, user, days_left=7, **outcome):
    """A reply request putting `fact` to `actor`, asked today with a deadline `days_left` away."""
    today = timezone.localdate()
    request = ReplyRequest(
        case=fact.case, actor=actor, asked_on=today - datetime.timedelta(days=1), asked_by=user,
        channel="email", contact="press@example.org", deadline=today + datetime.timedelta(days=days_left),
        questions="Staff-only questions: did you sign the contract?",
    )
    if days_left < 0:
        request.asked_on = request.deadline - datetime.timedelta(days=3)
    request.full_clean()
    request.save()
    request.facts.add(fact)
    if outcome:
        replies.record_outcome(request, user, **outcome)
    return request


def mayor_and_fact():
    return Actor.objects.get(slug="ana-mayor"), Fact.objects.get(slug="contract-value")

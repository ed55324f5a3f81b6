"""An allegation is published only after the person it concerns was asked, or an editor overrides."""

import datetime

import pytest

from casefile import published, workflow
from casefile.models import ReplyOverride, ReplyRequest
from casefile.workflow import replies

from .support import allege, ask, mayor_and_fact, versions_of_change


@pytest.fixture
def alleged(case_file, reporter):
    mayor, fact = mayor_and_fact()
    fact.statement = "The mayor took a bribe for the contract."
    fact.save()
    allege(fact, mayor, reporter)
    return fact


def test_an_allegation_without_a_reply_request_is_refused_and_nothing_is_saved(alleged, editor):
    with pytest.raises(replies.UnansweredAllegation, match="Ana Mayor"):
        workflow.approve(editor, versions_of_change(alleged))
    assert workflow.record_changes(type(alleged), alleged.pk)
    assert "bribe" not in published.published_page("harbour", "fact", alleged.slug).fact(alleged.slug).statement


def test_an_allegation_whose_deadline_has_not_passed_is_refused(alleged, editor, reporter):
    mayor, _ = mayor_and_fact()
    ask(alleged, mayor, reporter, days_left=3)
    with pytest.raises(replies.UnansweredAllegation, match="deadline"):
        workflow.approve(editor, versions_of_change(alleged))


def test_an_allegation_put_to_someone_else_is_refused(alleged, editor, reporter):
    from casefile.models import Actor

    ask(alleged, Actor.objects.get(slug="quay-builders"), reporter, outcome=ReplyRequest.Outcome.DECLINED)
    with pytest.raises(replies.UnansweredAllegation):
        workflow.approve(editor, versions_of_change(alleged))


@pytest.mark.parametrize("outcome", [
    {"outcome": ReplyRequest.Outcome.REPLIED, "replied_on": datetime.date(2024, 1, 1),
     "summary": "She denies it.", "quote": "I never took money."},
    {"outcome": ReplyRequest.Outcome.DECLINED},
])
def test_an_allegation_with_an_answered_reply_request_is_approved(alleged, editor, reporter, outcome):
    mayor, _ = mayor_and_fact()
    ask(alleged, mayor, reporter, **outcome)
    workflow.approve(editor, versions_of_change(alleged))
    assert "bribe" in published.published_page("harbour", "fact", alleged.slug).fact(alleged.slug).statement


def test_an_allegation_whose_deadline_passed_is_approved(alleged, editor, reporter):
    mayor, _ = mayor_and_fact()
    ask(alleged, mayor, reporter, days_left=-1)
    workflow.approve(editor, versions_of_change(alleged))
    assert not workflow.record_changes(type(alleged), alleged.pk)


def test_an_editor_overrides_with_a_reason_that_is_recorded(alleged, editor):
    replies.approve_without_reply(editor, versions_of_change(alleged), "", "Compiled from court records.")
    override = ReplyOverride.objects.get(fact=alleged)
    assert (override.actor.slug, override.granted_by, override.reason) == (
        "ana-mayor", editor, "Compiled from court records.")
    assert not workflow.record_changes(type(alleged), alleged.pk)


def test_an_override_without_a_reason_is_refused(alleged, editor):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        replies.approve_without_reply(editor, versions_of_change(alleged), "", "  ")
    assert not ReplyOverride.objects.exists()


def test_an_override_refused_for_another_reason_leaves_no_override(alleged, editor, reporter):
    versions = versions_of_change(alleged)
    alleged.statement = "Changed again after the review opened."
    alleged.save()
    with pytest.raises(workflow.StaleReview):
        replies.approve_without_reply(editor, versions, "", "Compiled from court records.")
    assert not ReplyOverride.objects.exists()


def test_a_reporter_cannot_override(alleged, reporter):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        replies.approve_without_reply(reporter, versions_of_change(alleged), "", "Because.")


def test_a_fact_that_alleges_nothing_is_approved_as_before(case_file, editor, reporter):
    _, fact = mayor_and_fact()
    fact.statement = "The contract was worth 6 million."
    fact.save()
    workflow.approve(editor, versions_of_change(fact))
    assert not workflow.record_changes(type(fact), fact.pk)

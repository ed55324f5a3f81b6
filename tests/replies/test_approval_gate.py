"""An allegation is published only after the person it concerns was asked, or an editor overrides."""

import datetime

import pytest
from django.utils import timezone

from casefile import published, workflow
from casefile.models import ReplyOverride, ReplyRequest
from casefile.workflow import replies

from .support import ask, mayor_and_fact, versions_of_change


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


def _posted(fact):
    return [f"{workflow.key_for(m, pk)}@{h}" for (m, pk), h in versions_of_change(fact).items()]


def _review_url(fact):
    from django.urls import reverse

    return reverse("admin:casefile_review", args=[workflow.key_for(type(fact), fact.pk)])


def test_the_review_screen_explains_a_refusal_and_keeps_the_change(alleged, editor_client):
    response = editor_client.post(_review_url(alleged), {"version": _posted(alleged), "_approve": "1"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "were not put to the people they concern" in page
    assert "Publish without their answer, because" in page
    assert workflow.record_changes(type(alleged), alleged.pk)


def test_the_review_screen_and_queue_show_where_the_right_of_reply_stands(alleged, editor_client, reporter):
    from django.urls import reverse

    assert "not yet asked for comment" in editor_client.get(_review_url(alleged)).content.decode()
    mayor, _ = mayor_and_fact()
    ask(alleged, mayor, reporter, outcome=ReplyRequest.Outcome.DECLINED)
    queue = editor_client.get(reverse("admin:casefile_review_queue")).content.decode()
    assert "Allegation against <bdi>Ana Mayor (fact" in queue and "declined to comment" in queue


def test_an_editor_overrides_from_the_review_screen_and_the_history_shows_it(alleged, editor_client):
    from django.urls import reverse

    response = editor_client.post(_review_url(alleged), {
        "version": _posted(alleged), "_approve": "1", "reply_override": "Compiled from court records.",
    })
    assert response.status_code == 302
    assert ReplyOverride.objects.get(fact=alleged).reason == "Compiled from court records."
    history = editor_client.get(reverse("admin:casefile_fact_history", args=[alleged.pk])).content.decode()
    assert "published the allegation against <bdi>Ana Mayor</bdi> without their answer" in history
    assert "Compiled from court records." in history


def test_a_reporter_records_a_reply_request_in_the_admin(alleged, reporter_client, reporter):
    from django.urls import reverse

    mayor, _ = mayor_and_fact()
    today = timezone.localdate()
    response = reporter_client.post(reverse("admin:casefile_replyrequest_add"), {
        "case": alleged.case_id, "actor": mayor.pk, "facts": [alleged.pk], "questions": "Did you?",
        "asked_on": today.isoformat(), "asked_by": reporter.pk, "channel": "letter", "contact": "",
        "deadline": (today + datetime.timedelta(days=7)).isoformat(), "outcome": "declined", "replied_on": "",
        "summary": "", "quote": "", "full_response": "", "change_reason": "Her lawyer wrote back",
        "attempts-TOTAL_FORMS": "1", "attempts-INITIAL_FORMS": "0",
        "attempts-0-attempted_on": today.isoformat(), "attempts-0-channel": "phone", "attempts-0-note": "No answer",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    request = ReplyRequest.objects.get()
    assert request.outcome_recorded_at is not None
    assert request.attempts.get().made_by == reporter


def test_a_reply_request_naming_nothing_put_to_them_is_refused_with_a_message(alleged, reporter_client, reporter):
    from django.urls import reverse

    mayor, _ = mayor_and_fact()
    response = reporter_client.post(reverse("admin:casefile_replyrequest_add"), {
        "case": alleged.case_id, "actor": mayor.pk, "asked_on": "2024-01-02", "asked_by": reporter.pk,
        "channel": "letter", "deadline": "2024-01-01", "outcome": "waiting",
        "attempts-TOTAL_FORMS": "0", "attempts-INITIAL_FORMS": "0",
    })
    page = response.content.decode()
    assert response.status_code == 200
    assert "Name the facts or events put to them." in page
    assert "The deadline cannot come before they were asked." in page
    assert not ReplyRequest.objects.exists()

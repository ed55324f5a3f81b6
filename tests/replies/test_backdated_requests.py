"""A reply request cannot be dated before what it puts to them, a later open one stands, and its author is kept."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casefile import workflow
from casefile.models import Fact, ReplyRequest
from casefile.workflow import replies

from .support import mayor_and_fact, versions_of_change

TODAY = timezone.localdate()


def days_ago(days):
    return TODAY - datetime.timedelta(days=days)


def first_written_days_ago(record, days):
    """Move every version of `record` `days` into the past, as if it had been written then."""
    for version in type(record).history.filter(id=record.pk):
        version.history_date -= datetime.timedelta(days=days)
        version.save()


def request_form(fact, user, asked_on, deadline, **fields):
    mayor, _ = mayor_and_fact()
    return {
        "case": fact.case_id, "actor": mayor.pk, "facts": [fact.pk], "questions": "Did you?",
        "asked_on": asked_on.isoformat(), "asked_by": user.pk, "channel": "letter", "contact": "",
        "deadline": deadline.isoformat(), "outcome": "waiting", "replied_on": "", "summary": "", "quote": "",
        "full_response": "", "attempts-TOTAL_FORMS": "0", "attempts-INITIAL_FORMS": "0", **fields,
    }


def asked(fact, user, asked_on, deadline, outcome=ReplyRequest.Outcome.WAITING):
    """A request as staff entered it, dated as given."""
    mayor, _ = mayor_and_fact()
    request = ReplyRequest(case=fact.case, actor=mayor, asked_on=asked_on, asked_by=user, channel="email",
                           deadline=deadline)
    replies.save_reply_request(request, user)
    request.facts.add(fact)
    if outcome != ReplyRequest.Outcome.WAITING:
        replies.record_outcome(request, user, outcome)
    return request


def test_a_request_dated_before_the_allegation_was_written_is_refused_with_a_message(
    alleged, reporter_client, reporter
):
    response = reporter_client.post(
        reverse("admin:casefile_replyrequest_add"),
        request_form(alleged, reporter, datetime.date(2020, 1, 1), datetime.date(2020, 1, 2)),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "They cannot have been asked on 1 January 2020 about what was not written yet" in page
    assert f"was first written on {TODAY:%-d %B %Y}" in page
    assert not ReplyRequest.objects.exists()


def test_a_request_dated_the_day_the_allegation_was_first_written_is_recorded(
    alleged, reporter_client, reporter
):
    first_written_days_ago(alleged, 10)

    response = reporter_client.post(
        reverse("admin:casefile_replyrequest_add"), request_form(alleged, reporter, days_ago(10), days_ago(3))
    )

    assert response.status_code == 302
    assert ReplyRequest.objects.get().asked_on == days_ago(10)


def test_a_request_dated_on_a_day_still_to_come_is_refused(alleged, reporter_client, reporter):
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = reporter_client.post(
        reverse("admin:casefile_replyrequest_add"),
        request_form(alleged, reporter, tomorrow, tomorrow, outcome="declined"),
    )

    assert response.status_code == 200
    assert "They cannot have been asked on a day still to come." in response.content.decode()
    assert not ReplyRequest.objects.exists()


def test_an_earlier_request_whose_deadline_passed_does_not_settle_what_a_later_open_one_waits_on(
    alleged, editor, reporter
):
    first_written_days_ago(alleged, 30)
    asked(alleged, reporter, asked_on=days_ago(1), deadline=TODAY + datetime.timedelta(days=7))
    asked(alleged, reporter, asked_on=days_ago(30), deadline=days_ago(29))

    with pytest.raises(replies.UnansweredAllegation, match="Ana Mayor"):
        workflow.approve(editor, versions_of_change(alleged))


def test_a_refusal_to_comment_entered_on_an_earlier_request_does_not_settle_a_later_open_one(
    alleged, editor, reporter
):
    first_written_days_ago(alleged, 30)
    asked(alleged, reporter, asked_on=days_ago(2), deadline=TODAY + datetime.timedelta(days=7))
    asked(alleged, reporter, asked_on=days_ago(20), deadline=days_ago(10), outcome=ReplyRequest.Outcome.DECLINED)

    with pytest.raises(replies.UnansweredAllegation):
        workflow.approve(editor, versions_of_change(alleged))


def test_silence_past_a_later_deadline_does_not_end_the_time_an_open_request_gives_them(
    alleged, editor, reporter
):
    first_written_days_ago(alleged, 30)
    asked(alleged, reporter, asked_on=days_ago(10), deadline=TODAY + datetime.timedelta(days=5))
    asked(alleged, reporter, asked_on=days_ago(9), deadline=days_ago(8))

    with pytest.raises(replies.UnansweredAllegation):
        workflow.approve(editor, versions_of_change(alleged))


def test_an_answer_to_a_request_asked_after_an_open_one_settles_the_allegation(alleged, editor, reporter):
    first_written_days_ago(alleged, 30)
    asked(alleged, reporter, asked_on=days_ago(10), deadline=TODAY + datetime.timedelta(days=5))
    asked(alleged, reporter, asked_on=days_ago(3), deadline=TODAY, outcome=ReplyRequest.Outcome.DECLINED)

    workflow.approve(editor, versions_of_change(alleged))

    assert not workflow.record_changes(Fact, alleged.pk)


def test_readers_see_the_later_open_request_not_the_earlier_silence(alleged, editor, reporter, client):
    first_written_days_ago(alleged, 30)
    replies.approve_without_reply(editor, versions_of_change(alleged), "", "From the court records.")
    asked(alleged, reporter, asked_on=days_ago(30), deadline=days_ago(29))
    later = asked(alleged, reporter, asked_on=days_ago(1), deadline=TODAY + datetime.timedelta(days=7))

    page = client.get(reverse("casefile:fact_detail", args=["harbour", alleged.slug])).content.decode()

    assert f"We asked Ana Mayor for comment on {later.asked_on:%-d %B %Y}." in page
    assert f"They have until {later.deadline:%-d %B %Y} to respond." in page
    assert "had not responded" not in page


def test_a_request_records_who_entered_it_and_no_form_changes_that(
    alleged, reporter_client, reporter, editor, editor_client
):
    response = reporter_client.post(
        reverse("admin:casefile_replyrequest_add"),
        request_form(alleged, editor, TODAY, TODAY + datetime.timedelta(days=7), entered_by=editor.pk),
    )
    assert response.status_code == 302
    request = ReplyRequest.objects.get()
    assert (request.asked_by, request.entered_by) == (editor, reporter)

    change = reverse("admin:casefile_replyrequest_change", args=[request.pk])
    response = editor_client.post(change, request_form(
        alleged, editor, TODAY, TODAY + datetime.timedelta(days=7), entered_by=editor.pk, contact="By post"))
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.contact, request.entered_by) == ("By post", reporter)

    review = editor_client.get(reverse("admin:casefile_review", args=[workflow.key_for(Fact, alleged.pk)]))
    assert "asked on" in review.content.decode() and f"by {editor} (entered by {reporter})" in review.content.decode()

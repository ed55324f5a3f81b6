"""A reply request's answer reaches readers once an editor approves exactly that version, as any change does."""

import datetime
import json

import feedparser
import pytest
from django.core import mail
from django.urls import reverse

from casefile import workflow
from casefile.models import Fact, ReplyRequest
from casefile.workflow import legal, replies

from .support import allege, ask, mayor_and_fact, versions_of_change

UNAPPROVED = "ZQ-UNAPPROVED-ANSWER"


@pytest.fixture
def answered_late(case_file, reporter, editor):
    """An allegation against the mayor, published once her deadline passed unanswered; then her answer came."""
    mayor, fact = mayor_and_fact()
    allege(fact, mayor, reporter)
    request = ask(fact, mayor, reporter, days_left=-1)
    workflow.approve(editor, versions_of_change(fact))
    replies.record_outcome(request, reporter, ReplyRequest.Outcome.REPLIED, replied_on=datetime.date.today(),
                           summary="She says the tender was fair.", quote="I never met the builders.",
                           reason="Her letter came in today")
    return request


def what_readers_read(client):
    """The fact's and the actor's pages, case.json, the corrections log and the feed, as text."""
    pages = [client.get(reverse(name, args=args)).content.decode() for name, args in (
        ("casefile:fact_detail", ["harbour", "contract-value"]), ("casefile:actor_detail", ["harbour", "ana-mayor"]),
        ("casefile:case_detail", ["harbour"]), ("casefile:case_json", ["harbour"]),
        ("casefile:corrections", ["harbour"]),
    )]
    feed = feedparser.parse(client.get(reverse("casefile:case_feed", args=["harbour"])).content)
    return pages + [" ".join(f"{entry.title} {entry.summary}" for entry in feed.entries)]


def line_of(client):
    [line] = json.loads(client.get(reverse("casefile:case_json", args=["harbour"])).content)["right_of_reply"]
    return line


def test_saving_an_answer_changes_nothing_readers_see_until_an_editor_approves_it(
        case_file, reporter, editor, client):
    mayor, fact = mayor_and_fact()
    allege(fact, mayor, reporter)
    request = ask(fact, mayor, reporter, days_left=-1)
    workflow.approve(editor, versions_of_change(fact))
    before = what_readers_read(client)

    replies.record_outcome(request, reporter, ReplyRequest.Outcome.REPLIED, replied_on=datetime.date.today(),
                           quote="I never met the builders.", reason="Her letter came in today")

    assert what_readers_read(client) == before
    assert line_of(client)["outcome"] == "no response"


def test_the_review_queue_and_the_desk_list_the_answer_as_waiting(answered_late, editor_client, reporter_client):
    queue = editor_client.get(reverse("admin:casefile_review_queue")).content.decode()
    review = reverse("admin:casefile_review", args=[workflow.key_for(ReplyRequest, answered_late.pk)])
    assert review in queue and "Comment asked of Ana Mayor" in queue

    desk = reporter_client.get(reverse("admin:index")).content.decode()
    assert "Comment asked of Ana Mayor" in desk


def test_the_review_page_shows_the_answer_word_by_word_against_what_readers_see(answered_late, editor_client):
    page = editor_client.get(reverse("admin:casefile_review", args=[workflow.key_for(ReplyRequest, answered_late.pk)]))
    text = page.content.decode()

    assert "Reply request: <bdi>Comment asked of Ana Mayor" in text
    assert "Her letter came in today" in text
    assert "<ins>Replied</ins>" in text and "<ins>I never met the builders.</ins>" in text
    assert "Staff-only questions" not in text and "press@example.org" not in text
    preview = editor_client.get(reverse("admin:casefile_review_preview",
                                        args=[workflow.key_for(ReplyRequest, answered_late.pk)]))
    assert "Their response: “I never met the builders.”" in preview.content.decode()


def test_an_editor_approves_exactly_the_version_reviewed_and_a_later_edit_stays_hidden(
        answered_late, editor, reporter, client):
    workflow.approve(editor, versions_of_change(answered_late))
    assert (line_of(client)["outcome"], line_of(client)["quote"]) == ("replied", "I never met the builders.")

    replies.record_outcome(answered_late, reporter, ReplyRequest.Outcome.REPLIED, replied_on=datetime.date.today(),
                           summary="She says the tender was fair.", quote=UNAPPROVED, reason="A sharper quote")

    assert line_of(client)["quote"] == "I never met the builders."
    assert all(UNAPPROVED not in shown for shown in what_readers_read(client))
    assert workflow.record_changes(ReplyRequest, answered_late.pk)[0].changed_field_names == ["quote"]


def test_a_version_changed_after_the_review_opened_is_not_approved(answered_late, editor, reporter, client):
    reviewed = versions_of_change(answered_late)
    replies.record_outcome(answered_late, reporter, ReplyRequest.Outcome.DECLINED, reason="She withdrew it")

    with pytest.raises(workflow.StaleReview):
        workflow.approve(editor, reviewed)
    assert line_of(client)["outcome"] == "no response"


def test_a_rejection_keeps_the_line_readers_see_and_tells_the_reporter(
        answered_late, editor, client, django_capture_on_commit_callbacks):
    before = what_readers_read(client)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.reject(editor, versions_of_change(answered_late), "Quote the letter exactly.")

    assert what_readers_read(client) == before
    [notice] = mail.outbox
    assert notice.to == ["rita@example.org"] and "rejected" in notice.subject
    assert "Quote the letter exactly." in notice.body
    assert not workflow.record_changes(ReplyRequest, answered_late.pk)


def test_the_history_says_who_changed_the_answer_when_and_why(answered_late, editor, editor_client):
    workflow.approve(editor, versions_of_change(answered_late), "Checked against the letter.")

    history = editor_client.get(reverse("admin:casefile_replyrequest_history", args=[answered_late.pk]))
    text = history.content.decode()

    assert history.status_code == 200
    assert "<bdi>rita</bdi>: <bdi>Her letter came in today</bdi>" in text
    assert "Approved by edna" in text and "Checked against the letter." in text
    assert "<ins>I never met the builders.</ins>" in text
    assert "Staff-only questions" not in text


def test_what_only_staff_read_is_saved_without_review(answered_late, editor, reporter):
    workflow.approve(editor, versions_of_change(answered_late))
    answered_late.full_response = "The whole letter, three pages."
    answered_late.questions = "Did you meet the builders?"
    answered_late.contact = "By post"
    replies.save_reply_request(answered_late, reporter)

    assert not workflow.record_changes(ReplyRequest, answered_late.pk)
    assert ReplyRequest.objects.get(pk=answered_late.pk).full_response == "The whole letter, three pages."


def test_an_answer_flagged_for_legal_waits_for_a_lawyer_before_the_editor(answered_late, editor, lawyer, client):
    answered_late.needs_legal_review = True
    replies.save_reply_request(answered_late, editor, "Her words name the builders")

    with pytest.raises(legal.NotCleared, match="waiting for legal"):
        workflow.approve(editor, versions_of_change(answered_late))
    assert line_of(client)["outcome"] == "no response"

    shown = workflow.fingerprint((c.key, c.latest.history_id)
                                 for c in workflow.record_changes(ReplyRequest, answered_late.pk))
    legal.decide_legal(lawyer, ReplyRequest, answered_late.pk, shown, "cleared", "Fair comment.")
    workflow.approve(editor, versions_of_change(answered_late))
    assert line_of(client)["quote"] == "I never met the builders."


def test_an_allegation_waiting_on_an_answer_is_reviewed_and_approved_with_it(alleged, editor, reporter, client):
    mayor, _ = mayor_and_fact()
    request = ask(alleged, mayor, reporter, outcome=ReplyRequest.Outcome.DECLINED)

    bundle = versions_of_change(alleged)
    assert (ReplyRequest, request.pk) in bundle
    with pytest.raises(replies.UnansweredAllegation, match="approve its answer with the allegation"):
        workflow.approve(editor, {key: version for key, version in bundle.items() if key[0] is not ReplyRequest})

    workflow.approve(editor, bundle)
    assert line_of(client)["outcome"] == "declined"
    assert not workflow.record_changes(Fact, alleged.pk) and not workflow.record_changes(ReplyRequest, request.pk)


def test_only_an_editor_deletes_a_request_whose_answer_readers_were_shown(answered_late, editor, reporter, client):
    from django.core.exceptions import PermissionDenied

    workflow.approve(editor, versions_of_change(answered_late))
    with pytest.raises(PermissionDenied):
        replies.delete_reply_requests([answered_late], reporter, "Entered by mistake")

    replies.delete_reply_requests([answered_late], editor, "Entered by mistake")
    assert json.loads(client.get(reverse("casefile:case_json", args=["harbour"])).content)["right_of_reply"] == []

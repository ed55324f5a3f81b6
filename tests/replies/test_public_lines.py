"""Readers see one line per published allegation: what was asked, when, and what came of it; nothing else."""

import datetime
import json

import pytest
from django.urls import reverse

from casefile import workflow
from casefile.models import ReplyAttempt, ReplyRequest
from casefile.workflow import replies

from .support import allege, ask, mayor_and_fact, versions_of_change

STAFF_ONLY = ("Staff-only questions", "press@example.org", "FULL-RESPONSE-FOR-STAFF", "ATTEMPT-NOTE-FOR-STAFF",
              "OVERRIDE-REASON-FOR-STAFF")


@pytest.fixture
def allegation(case_file, reporter):
    mayor, fact = mayor_and_fact()
    allege(fact, mayor, reporter)
    return fact


def publish(fact, editor):
    workflow.approve(editor, versions_of_change(fact))


def pages(client, fact):
    urls = [reverse("casefile:fact_detail", args=["harbour", fact.slug]),
            reverse("casefile:actor_detail", args=["harbour", "ana-mayor"])]
    return [client.get(url).content.decode() for url in urls]


def case_json(client):
    return json.loads(client.get(reverse("casefile:case_json", args=["harbour"])).content)


def test_an_answer_is_quoted_on_the_allegation_and_on_the_actor(allegation, editor, reporter, client):
    mayor, _ = mayor_and_fact()
    request = ask(allegation, mayor, reporter, outcome=ReplyRequest.Outcome.REPLIED,
                  replied_on=datetime.date.today(), summary="She says the price was fair.",
                  quote="Every contract went through the tender board.",
                  full_response="FULL-RESPONSE-FOR-STAFF")
    publish(allegation, editor)
    asked = f"{request.asked_on:%-d %B %Y}"
    for page in pages(client, allegation):
        assert f"We asked Ana Mayor for comment on {asked}." in page
        assert "Their response: “Every contract went through the tender board.”" in page
    [line] = case_json(client)["right_of_reply"]
    assert (line["actor"], line["outcome"], line["quote"]) == (
        "ana-mayor", "replied", "Every contract went through the tender board.")


def test_a_refusal_to_comment_is_said(allegation, editor, reporter, client):
    mayor, _ = mayor_and_fact()
    ask(allegation, mayor, reporter, outcome=ReplyRequest.Outcome.DECLINED)
    publish(allegation, editor)
    for page in pages(client, allegation):
        assert "Ana Mayor declined to comment." in page
    assert case_json(client)["right_of_reply"][0]["outcome"] == "declined"


def test_silence_past_the_deadline_is_said(allegation, editor, reporter, client):
    mayor, _ = mayor_and_fact()
    request = ask(allegation, mayor, reporter, days_left=-2)
    publish(allegation, editor)
    for page in pages(client, allegation):
        assert f"Ana Mayor had not responded by {request.deadline:%-d %B %Y}." in page
    assert case_json(client)["right_of_reply"][0]["outcome"] == "no response"


def test_an_override_without_asking_says_no_comment_was_sought(allegation, editor, client):
    replies.approve_without_reply(editor, versions_of_change(allegation), "", "OVERRIDE-REASON-FOR-STAFF")
    for page in pages(client, allegation):
        assert "No comment was sought from Ana Mayor." in page
        assert "OVERRIDE-REASON-FOR-STAFF" not in page
    assert case_json(client)["right_of_reply"][0]["outcome"] == "not sought"


def test_an_unpublished_allegation_shows_no_line(allegation, reporter, client):
    mayor, _ = mayor_and_fact()
    ask(allegation, mayor, reporter, outcome=ReplyRequest.Outcome.DECLINED)
    for page in pages(client, allegation):
        assert "declined to comment" not in page
    assert case_json(client)["right_of_reply"] == []


def test_a_reply_after_publication_is_shown_and_listed_as_an_update(allegation, editor, reporter, client):
    mayor, _ = mayor_and_fact()
    request = ask(allegation, mayor, reporter, days_left=-1)
    publish(allegation, editor)
    replies.record_outcome(request, reporter, ReplyRequest.Outcome.REPLIED, replied_on=datetime.date.today(),
                           quote="I deny it.", full_response="FULL-RESPONSE-FOR-STAFF")
    workflow.approve(editor, versions_of_change(request))
    assert "Their response: “I deny it.”" in pages(client, allegation)[0]
    log = client.get(reverse("casefile:corrections", args=["harbour"])).content.decode()
    assert "The response of Ana Mayor was added on the fact" in log and "Their response: “I deny it.”" in log
    feed = client.get(reverse("casefile:case_feed", args=["harbour"])).content.decode()
    assert "The response of Ana Mayor was added on the fact" in feed


def test_nothing_staff_only_reaches_any_public_page_or_export(allegation, editor, reporter, client):
    mayor, _ = mayor_and_fact()
    request = ask(allegation, mayor, reporter, outcome=ReplyRequest.Outcome.REPLIED,
                  replied_on=datetime.date.today(), summary="She denies it.", quote="No.",
                  full_response="FULL-RESPONSE-FOR-STAFF")
    ReplyAttempt.objects.create(request=request, attempted_on=datetime.date.today(), channel="phone",
                                made_by=reporter, note="ATTEMPT-NOTE-FOR-STAFF")
    publish(allegation, editor)
    from casefile.models import Actor

    firm = Actor.objects.get(slug="quay-builders")
    allege(allegation, firm, reporter)
    replies.approve_without_reply(editor, versions_of_change(allegation), "", "OVERRIDE-REASON-FOR-STAFF")
    urls = [reverse(name, args=args) for name, args in (
        ("casefile:case_detail", ["harbour"]), ("casefile:case_json", ["harbour"]),
        ("casefile:corrections", ["harbour"]), ("casefile:fact_detail", ["harbour", allegation.slug]),
        ("casefile:actor_detail", ["harbour", "ana-mayor"]), ("casefile:actor_detail", ["harbour", "quay-builders"]),
        ("casefile:fact_list", ["harbour"]), ("casefile:actor_list", ["harbour"]),
        ("casefile:event_detail", ["harbour", "contract-signed"]), ("casefile:search", []),
    )]
    for url in urls:
        body = client.get(url, {"q": "denies"} if "search" in url else {}).content.decode()
        for secret in STAFF_ONLY:
            assert secret not in body, (url, secret)
    assert "No comment was sought from Quay Builders." in client.get(urls[3]).content.decode()

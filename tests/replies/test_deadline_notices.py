"""Reporters hear once when a reply deadline passes with no outcome recorded."""

import io

from django.core import mail
from django.core.management import call_command

from casefile.models import ReplyRequest

from .support import allege, ask, mayor_and_fact


def run():
    out = io.StringIO()
    call_command("notify_reply_deadlines", stdout=out)
    return out.getvalue()


def test_the_reporter_hears_once_that_a_deadline_passed(case_file, reporter):
    mayor, fact = mayor_and_fact()
    allege(fact, mayor, reporter)
    ask(fact, mayor, reporter, days_left=-1)
    assert run().startswith("1 reporter notice(s) sent")
    [notice] = mail.outbox
    assert notice.to == ["rita@example.org"] and "Reply deadline passed: Ana Mayor" in notice.subject
    assert run().startswith("0 reporter notice(s) sent")
    assert len(mail.outbox) == 1


def test_no_notice_before_the_deadline_or_once_an_outcome_is_in(case_file, reporter):
    mayor, fact = mayor_and_fact()
    ask(fact, mayor, reporter, days_left=2)
    ask(fact, mayor, reporter, days_left=-1, outcome=ReplyRequest.Outcome.DECLINED)
    run()
    assert not mail.outbox

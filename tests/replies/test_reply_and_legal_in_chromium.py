"""In Chromium: a reporter marks an allegation, flags it for legal and records the reply request and its answer;
the lawyer clears it; the editor approves both; readers see the line."""

import datetime

import pytest
from django.utils import timezone

from casefile.models import LegalReview, ReplyRequest

from ..desk.browser import Person, marks

pytestmark = marks


@pytest.fixture
def people(chromium, live_site, served_small_case, served_reporter, served_editor, served_lawyer):
    """Rita, a reporter, Lola, a lawyer, and Edna, an editor, each at a browser window of their own, logged in."""
    found = [Person(chromium, live_site.url, user) for user in (served_reporter, served_lawyer, served_editor)]
    yield found
    for person in found:
        person.close()


def test_the_reporters_and_the_lawyers_steps_before_the_editor_publishes_an_allegation(people):
    rita, lola, edna = people
    rita.open("/admin/")
    rita.go("#content-main a:text-is('Facts')")
    rita.go("#result_list a:has-text('contract-value')")
    rita.fill("#id_statement", "The mayor steered the contract to a friend's firm.")
    rita.check("#id_needs_legal_review")
    rita.check("#id_actor_links-0-alleged")
    rita.fill("#id_change_reason", "What the tender board minutes show")
    rita.save()
    assert "was saved and sent for review" in rita.messages()

    rita.open("/admin/casefile/replyrequest/add/")
    rita.pick("id_case", "Harbour contracts")
    rita.pick("id_actor", "Ana Mayor")
    rita.pick("id_facts", "The mayor steered")
    rita.fill("#id_questions", "Did you steer the contract to a friend?")
    rita.choose("#id_channel", "Letter")
    rita.fill("#id_asked_on", timezone.localdate().isoformat())
    rita.fill("#id_deadline", (timezone.localdate() + datetime.timedelta(days=7)).isoformat())
    rita.choose("#id_outcome", "Declined to comment")
    rita.fill("#id_change_reason", "Her lawyer wrote that she will not comment")
    rita.save()
    assert ReplyRequest.objects.get().outcome == "declined"
    assert "Their answer was sent for review" in rita.messages()

    lola.open("/admin/casefile/decision/review/")
    assert "Waiting for legal" in lola.text("#review-queue")
    assert "Approve selected" not in lola.text()
    lola.go("#review-queue a:has-text('The mayor steered')")
    assert "Legal review: Waiting for legal" in lola.text("#legal-review")
    assert "declined to comment" in lola.text("#right-of-reply")
    lola.fill("#id_comment", "The minutes bear it out.")
    lola.go("input[name=_legal_clear]")
    assert "Cleared on legal grounds" in lola.messages()
    assert LegalReview.objects.get().verdict == "cleared"

    edna.open("/admin/casefile/decision/review/")
    assert "Cleared by legal: waiting for the editor" in edna.text("#review-queue")
    edna.go("#review-queue a:has-text('The mayor steered')")
    edna.go("input[name=_approve]")
    assert "Approved. Readers now see this version." in edna.messages()

    edna.open("/cases/harbour/facts/contract-value/")
    assert "Ana Mayor declined to comment." in edna.text("main")
    assert rita.errors == [] and lola.errors == [] and edna.errors == []

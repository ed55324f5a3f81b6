"""In Chromium: a reporter marks an allegation, flags it for legal and records the reply request and its
answer; the lawyer, one click from her home page, refuses it; the reporter reads why and rewords it; the
lawyer clears it; the editor approves the allegation and its answer together; readers see the line."""

import datetime

import pytest
from django.utils import timezone

from casefile.models import LegalReview, ReplyRequest

from ..browser import serious_violations
from ..desk.browser import Person, marks, shot

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

    # The lawyer's home page: the first change waiting for legal is one click away.
    lola.open("/admin/")
    assert "Waiting for legal review: 1" in lola.text("#desk-legal")
    assert serious_violations(lola.page) == []
    lola.go("#legal-oldest a:has-text('The mayor steered')")
    assert lola.actions == 1
    assert "Legal review: Waiting for legal" in lola.text("#legal-review")
    assert "declined to comment" in lola.text("#right-of-reply")
    assert "Approve all of the above" not in lola.text()
    lola.fill("#id_comment", "Defamatory as worded: say what the minutes show.")
    lola.go("input[name=_legal_refuse]")
    assert "Refused on legal grounds" in lola.messages()

    # The reporter reads the refusal on her desk and on the record, and rewords it.
    rita.open("/admin/")
    assert "Rejected: 1" in rita.text("#desk-work")
    assert "refused on legal grounds by lola" in rita.text("#desk-work")
    rita.go("#desk-rejected + ul a:has-text('The mayor steered')")
    assert "Defamatory as worded: say what the minutes show." in rita.text("#legal-refusal")
    rita.fill("#id_statement", "The tender board minutes show the mayor steered the contract to a friend's firm.")
    rita.fill("#id_change_reason", "Worded as the minutes put it")
    rita.save()

    lola.open("/admin/")
    assert "refused by lola" in lola.text("#desk-legal")
    shot(lola.page, "lawyers-desk", full_page=True)
    lola.go("#legal-oldest a:has-text('The mayor steered')")
    lola.fill("#id_comment", "The minutes bear it out.")
    lola.go("input[name=_legal_clear]")
    assert "Cleared on legal grounds" in lola.messages()
    assert LegalReview.objects.first().verdict == "cleared"

    edna.open("/admin/casefile/decision/review/")
    assert "Cleared by legal: waiting for the editor" in edna.text("#review-queue")
    edna.go("#review-queue a:has-text('The mayor steered')")
    edna.go("input[name=_approve]")
    assert "Approved. Readers now see this version." in edna.messages()

    edna.open("/cases/harbour/facts/contract-value/")
    assert "Ana Mayor declined to comment." in edna.text("main")
    # The correction is public; that it went through legal is not.
    edna.open("/cases/harbour/corrections/")
    assert "The statement of the fact" in edna.text("main")
    assert "legal" not in edna.text("main").lower()
    assert rita.errors == [] and lola.errors == [] and edna.errors == []

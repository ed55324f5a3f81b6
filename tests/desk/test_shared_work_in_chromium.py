"""Working on the same record as colleagues, and reading its history, in Debian's Chromium."""

import pytest

from casefile.models import Citation, Fact

from ..factories import new_actor_shared_by_an_event_and_a_relationship
from .browser import Person, marks, shot
from .pages import review_url

pytestmark = marks


@pytest.fixture
def person(chromium, live_site, served_small_case):
    """Logs a member of staff in at a browser window of their own, closed after the test."""
    opened = []

    def log_in(user):
        opened.append(Person(chromium, live_site.url, user))
        return opened[-1]

    yield log_in
    for someone in opened:
        someone.close()


@pytest.fixture
def fact(served_small_case):
    """The published fact of the small case."""
    return Fact.objects.get(slug="contract-value")


def test_two_reporters_edit_a_fact_and_its_citations_at_once_and_nothing_is_lost(
    person, served_reporter, served_other_reporter, fact
):
    rita, oscar = person(served_reporter), person(served_other_reporter)
    for someone in (rita, oscar):
        someone.open(fact.get_admin_url())
    oscar.fill("#id_statement", "The contract was worth 7 million, per the audit.")
    oscar.fill("#id_citations-0-note", "Paragraph 3 gives the figure.")
    oscar.fill("#id_change_reason", "The audit")
    oscar.save()

    rita.fill("#id_statement", "The contract was worth 9 million, per the ruling.")
    rita.fill("#id_citations-0-quote", "worth 5 million")
    rita.fill("#id_change_reason", "The ruling")
    rita.save()

    assert "Not saved: oscar changed this record" in rita.text()
    assert rita.page.input_value("#id_citations-0-note") == "Paragraph 3 gives the figure."
    assert rita.page.input_value("#id_citations-0-quote") == "worth 5 million"
    choices = rita.text("#conflict-choices")
    assert "Their version (saved) The contract was worth 7 million, per the audit." in choices
    assert "Yours (in the form below) The contract was worth 9 million, per the ruling." in choices
    rita.check("#conflict-choices input[value=theirs]")
    rita.save()

    assert "was saved and sent for review" in rita.messages()
    fact.refresh_from_db()
    citation = Citation.objects.get(fact=fact)
    assert fact.statement == "The contract was worth 7 million, per the audit."
    assert (citation.note, citation.quote) == ("Paragraph 3 gives the figure.", "worth 5 million")


def test_a_reporter_cannot_discard_an_editors_waiting_change_and_an_editor_discards_both_after_confirming(
    person, served_reporter, served_editor, fact
):
    edna, rita = person(served_editor), person(served_reporter)
    edna.open(fact.get_admin_url())
    edna.fill("#id_statement", "The contract was worth 7 million.")
    edna.fill("#id_change_reason", "The audit")
    edna.save()

    rita.open(fact.get_admin_url())
    assert rita.page.locator("#reset-form").count() == 0
    assert "this would throw away the work of edna" in rita.text("#editorial-status")
    rita.fill("#id_assessment", "The audit and the ruling disagree.")
    rita.fill("#id_change_reason", "Assessment")
    rita.go("input[name=_continue]")
    assert rita.page.locator("#reset-form").count() == 0

    edna.open(fact.get_admin_url())
    status = edna.text("#editorial-status")
    assert "Fact “The contract was worth 7 million.”: statement, assessment, by edna, rita" in status
    edna.click("#reset-form input[type=submit]")
    assert edna.page.url.endswith(f"/fact/{fact.pk}/change/"), "reset without confirming"
    fact.refresh_from_db()
    assert fact.statement == "The contract was worth 7 million."
    edna.check("#reset-form input[name=confirm]")
    assert "Yes, discard the changes of edna and rita (not only mine)" in edna.text("#reset-form")
    edna.go("#reset-form input[type=submit]")
    assert "The working version is the approved version again" in edna.messages()
    fact.refresh_from_db()
    assert (fact.statement, fact.assessment) == ("The contract was worth 5 million.", "")


def test_an_editor_compares_two_versions_of_a_fact_and_reads_a_past_one(
    person, served_reporter, served_editor, fact
):
    rita, edna = person(served_reporter), person(served_editor)
    for statement, note in [("The contract was worth 6 million.", "First figure."),
                            ("The contract was worth 7 million.", "The audit's figure."),
                            ("The contract was worth 7 million, the audit says.", "The audit's figure.")]:
        rita.open(fact.get_admin_url())
        rita.fill("#id_statement", statement)
        rita.fill("#id_citations-0-note", note)
        rita.fill("#id_change_reason", f"Now: {statement}")
        rita.save()

    edna.open("/admin/")
    shot(edna.page, "desk", full_page=True)
    edna.go("#desk-review a:has-text('the audit says')")
    shot(edna.page, "review", full_page=True)
    edna.go(".review-links a:has-text('History')")
    timeline = edna.text(".history-timeline")
    assert "Citation “Daily report ¶3 (supports)” changed" in timeline
    assert "Approved by edna" in timeline
    shot(edna.page, "fact-history", full_page=True)

    edna.click(".history-save:has-text('Now: The contract was worth 6 million.') input[name=from]")
    edna.click(".history-save:has-text('Now: The contract was worth 7 million, the audit says.') input[name=to]")
    edna.go("#compare-form input[type=submit]")
    compared = edna.text("#content-main")
    assert "Statement The contract was worth 6 million. The contract was worth 7 million, the audit says." in compared
    assert "Note First figure. The audit's figure." in compared

    edna.page.go_back()
    edna.go(".history-save:has-text('Now: The contract was worth 6 million.') a:has-text('view this version')")
    assert "A past version, for reading" in edna.text()
    assert "The contract was worth 6 million." in edna.text()
    assert edna.page.locator("#content-main textarea, #content-main input[name=change_reason]").count() == 0
    assert edna.errors == []
    assert Fact.objects.get(pk=fact.pk).statement == "The contract was worth 7 million, the audit says."


def test_an_editor_rejects_a_new_event_and_still_approves_the_tie_that_shares_its_new_actor(
    person, served_small_case, served_reporter, served_editor
):
    _, _, meeting, tie = new_actor_shared_by_an_event_and_a_relationship(served_small_case, served_reporter)
    edna = person(served_editor)

    edna.open(review_url(meeting))
    assert "Reject the actor “Li Wei” too" in edna.text()
    edna.fill("#id_comment", "Name the chair of the meeting.")
    edna.go("input[name=_reject]")
    assert "Rejected." in edna.messages()

    edna.open(review_url(tie))
    edna.go("input[name=_approve]")
    assert "Approved. Readers now see this version." in edna.messages()
    edna.open("/cases/harbour/actors/li-wei/")
    assert "Li Wei" in edna.text("main")
    edna.open("/cases/harbour/timeline/")
    assert "Harbour board meeting" not in edna.text("main")
    assert edna.errors == []

"""A reader in Chromium sees the status of each event and tie, the legend, and the open questions."""

from casefile import workflow
from casefile.models import Event, Fact, OpenQuestion, QuestionConcern
from tests.browser import BROWSER_TESTS
from tests.factories import save

pytestmark = BROWSER_TESTS


def test_a_reader_sees_each_claims_status_and_the_open_questions_on_the_case_page(
    live_site, chromium, served_disputed_case, served_reporter, served_editor
):
    event = Event.objects.get(slug="contract-signed")
    event.date_inferred = True
    save(event, served_reporter)
    question = save(OpenQuestion(case=served_disputed_case, slug="who-signed", question="Who signed the contract?",
                                 settled_by="The council minutes."), served_reporter)
    save(QuestionConcern(question=question, fact=Fact.objects.get(slug="contract-value")), served_reporter)
    workflow.approve_case(served_editor, served_disputed_case, "")

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_site.url + "/cases/harbour/")

    timeline = page.locator("#timeline li")
    assert [line for line in timeline.nth(1).inner_text().split("\n") if line] == [
        "May 2020 (inferred)", "Contract signed Unverified"]
    assert timeline.nth(1).locator(".badge.status-unverified").is_visible()
    page.get_by_text("The 1 tie as a list, with their sources").click()
    tie = page.locator("#ties .relationships > li").first
    assert tie.locator(".badge.status-unverified").is_visible()
    assert page.locator("#ties .status-legend").is_visible()
    edges = page.evaluate("JSON.parse(document.getElementById('relationship-graph-data').textContent).edges")
    assert [edge["status"] for edge in edges] == ["unverified"]
    questions = page.locator("#open-questions")
    assert "Who signed the contract?" in questions.inner_text()
    questions.get_by_role("link", name="The contract was worth 5 million.").click()
    page.wait_for_url("**/facts/contract-value/")
    context.close()

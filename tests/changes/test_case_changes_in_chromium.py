"""The changes page as a reader reads it in Chromium: nothing sideways, nothing axe finds serious."""

import datetime

from django.utils import timezone

from tests.browser import BROWSER_TESTS, SCREENSHOTS, saving_screenshots, serious_violations

pytestmark = BROWSER_TESTS


def test_the_changes_of_a_corrected_case_read_on_a_laptop_with_nothing_serious_for_axe(
    live_site, chromium, served_corrected_case
):
    today = timezone.now().date()
    start = today - datetime.timedelta(days=1)
    context = chromium.new_context(viewport={"width": 1366, "height": 1000}, device_scale_factor=1)
    page = context.new_page()
    page.goto(f"{live_site.url}/cases/harbour/changes/?from={start.isoformat()}&to={today.isoformat()}")
    shot = SCREENSHOTS / "case-changes.png"
    if saving_screenshots():
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot))
    heading = page.get_by_role("heading", level=1).inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    violations = serious_violations(page)
    context.close()
    assert heading == "What changed in “Harbour contracts”"
    assert width <= 1366, "the page scrolls sideways"
    assert violations == []
    if saving_screenshots():
        assert shot.stat().st_size > 10_000



def test_a_returning_reader_is_told_how_many_changes_came_since_their_last_visit_and_no_cookie_is_set(
    live_site, chromium, served_corrected_case
):
    context = chromium.new_context()
    page = context.new_page()
    case_page = f"{live_site.url}/cases/harbour/"
    page.goto(case_page)
    page.wait_for_load_state("networkidle")
    first_visit_told = page.locator("#since-last-visit").is_visible()
    # As if this browser had last read the case before it was first published.
    page.evaluate("localStorage.setItem('casefile-last-visit:harbour', '2000-01-01')")
    page.goto(case_page)
    link = page.locator("#since-last-visit a")
    link.wait_for()
    told, address = link.inner_text(), link.get_attribute("href")
    page.goto(case_page)
    page.wait_for_load_state("networkidle")
    told_again = page.locator("#since-last-visit").is_visible()
    page.goto(live_site.url + address)
    counted = page.locator("h1").get_attribute("data-change-count")
    cookies = context.cookies()
    context.close()

    assert not first_visit_told
    assert told == f"{counted} changes since your last visit on 2000-01-01" and int(counted) > 1
    assert address.startswith("/cases/harbour/changes/?from=2000-01-01&to=")
    assert not told_again, "the visit just made is the last one now"
    assert cookies == []

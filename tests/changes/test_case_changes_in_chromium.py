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


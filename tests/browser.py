"""Debian's Chromium, driven by Playwright, for the tests that read pages as people do."""

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

# The marks of every browser test module.
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Debian's chromium is not installed at {CHROMIUM}"),
    # The live server runs in another thread and must see the test's records.
    pytest.mark.django_db(transaction=True),
]


def open_diagram(page):
    """Unfold the ties where they are folded (on a phone) and wait for their diagram."""
    if page.locator("#ties details").get_attribute("open") is None:
        page.locator("#ties summary").click()
    page.wait_for_selector("#relationship-graph canvas")
    page.wait_for_function("() => document.getElementById('relationship-graph')._cyreg?.cy")

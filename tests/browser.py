"""Debian's Chromium, driven by Playwright, for the tests that read pages as people do."""

import os
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


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, opened once per worker for the browser tests, which run last."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, while
    # the fixtures' ORM calls are still plain synchronous calls. Only from the
    # first browser test on: a subprocess started by another test must not inherit it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]

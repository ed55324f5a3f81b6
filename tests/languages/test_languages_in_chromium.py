"""The seeded case read in Chinese in Chromium: the language switch and a search in Chinese."""

from casefile.models import Fact
from tests.browser import BROWSER_TESTS

pytestmark = BROWSER_TESTS

TRANSLATED_FACT = "german-party-was-genesis-mining"


def test_a_reader_switches_to_chinese_searches_in_chinese_and_switches_back(live_site, page, served_seeded_case):
    base = live_site.url
    fact = Fact.objects.get(slug=TRANSLATED_FACT)
    page.goto(f"{base}/cases/{served_seeded_case.slug}/")

    page.get_by_role("navigation", name="Language").get_by_role("link", name="简体中文").click()
    assert page.url == f"{base}/zh-hans/cases/{served_seeded_case.slug}/"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("heading", level=1).inner_text() == served_seeded_case.title_zh_hans
    # What is not translated yet is there in English, marked as English.
    assert page.locator('main [lang="en-gb"]').count() > 0

    page.locator('input[name="q"]').fill("打官司")
    page.locator('input[name="q"]').press("Enter")
    page.wait_for_url(f"{base}/zh-hans/search/**")
    page.locator(f'a[href="/zh-hans/cases/{served_seeded_case.slug}/facts/{TRANSLATED_FACT}/"]').first.click()
    assert page.locator("main").inner_text().count(fact.statement_zh_hans) >= 1

    page.get_by_role("navigation", name="语言").get_by_role("link", name="English").click()
    assert page.url == f"{base}/cases/{served_seeded_case.slug}/facts/{TRANSLATED_FACT}/"
    assert fact.statement in page.locator("main").inner_text()
    assert page.script_errors == []

"""The Chinese pages of the seeded case in Debian's Chromium: accessible, valid, and the switch followed."""

import shutil

from casefile import published
from tests.browser import BROWSER_TESTS, html_errors, open_diagram, seeded_case_pages, serious_violations

pytestmark = BROWSER_TESTS


def chinese_pages(base, case):
    pages = seeded_case_pages(base, case, prefix="/zh-hans")
    pages["search"] = f"{base}/zh-hans/search/?q=Xiao"
    pages["search in Chinese"] = f"{base}/zh-hans/search/?q=打官司"
    # A fact translated, and one shown in English, marked so.
    pages["translated fact"] = f"{base}/zh-hans/cases/{case.slug}/facts/german-party-was-genesis-mining/"
    pages["fact in English"] = f"{base}/zh-hans/cases/{case.slug}/facts/xiao-set-up-the-mining-firms/"
    pages["not found"] = f"{base}/zh-hans/cases/{case.slug}/facts/no-such-fact/"
    return pages


def test_the_chinese_pages_have_no_serious_accessibility_violation_and_are_valid_html(
    live_site, page, served_seeded_case, tmp_path, monkeypatch
):
    monkeypatch.setattr(published, "LIST_PAGE_SIZE", 10)
    found = {}
    for name, url in chinese_pages(live_site.url, served_seeded_case).items():
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == "zh-hans", url
        if name == "case":
            open_diagram(page)
        serious = serious_violations(page)
        if serious:
            found[name] = serious
        (tmp_path / f"{name}.html").write_bytes(page.request.get(url).body())
    assert found == {}
    if shutil.which("java") is not None:
        assert html_errors(tmp_path) == ""
    # Only the page not found may say so, as its 404.
    assert [error for error in page.script_errors if "404 (Not Found)" not in error] == []


def test_a_reader_switches_from_chinese_to_english_and_back_on_the_same_page(live_site, page, served_seeded_case):
    chinese = f"{live_site.url}/zh-hans{served_seeded_case.get_absolute_url()}"
    page.goto(chinese)
    switch = page.get_by_role("navigation", name="语言")
    switch.get_by_role("link", name="English").click()
    page.wait_for_url(f"{live_site.url}{served_seeded_case.get_absolute_url()}")
    assert page.locator("html").get_attribute("lang") == "en-gb"
    assert page.get_by_role("heading", name="Key actors").is_visible()

    page.get_by_role("navigation", name="Language").get_by_role("link", name="简体中文").click()
    page.wait_for_url(chinese)
    assert page.get_by_role("heading", name="主要相关方").is_visible()

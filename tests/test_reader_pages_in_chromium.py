"""The case page as a reader reads it on a phone and a desktop: its length, the diagram, print and the date picker."""

import io
import unicodedata

import pytest

from casefile import published

from .browser import BROWSER_TESTS, open_diagram

pytestmark = BROWSER_TESTS

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
SIZES = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]


@pytest.fixture
def open_context(chromium):
    """Opens browser windows of the given sizes, each closed after the test."""
    contexts = []

    def open_(options):
        context = chromium.new_context(**options)
        contexts.append(context)
        return context

    yield open_
    for context in contexts:
        context.close()


CY = "document.getElementById('relationship-graph')._cyreg.cy"

# The longest the seeded case page may be, on a phone or a desktop.
MAX_CASE_PAGE_HEIGHT = 12_000


@pytest.mark.parametrize("size", SIZES)
def test_the_seeded_case_page_is_a_few_screens_long_with_the_ties_listed_behind_their_diagram(
    live_site, open_context, served_seeded_case, size
):
    page = open_context(size).new_page()
    page.goto(live_site.url + served_seeded_case.get_absolute_url())
    if size is DESKTOP:
        page.wait_for_selector("#relationship-graph canvas")
    assert page.evaluate("document.documentElement.scrollHeight") <= MAX_CASE_PAGE_HEIGHT
    open_diagram(page)
    ties = page.locator(".relationships > li")
    assert page.locator("figure.graph").is_visible() and not ties.first.is_visible()
    page.locator(".ties-list > summary").click()
    assert all(tie.is_visible() for tie in ties.all())
    assert ties.count() == len(published.published_case(served_seeded_case.slug).relationships)


def diagram_measures(page):
    return page.evaluate(f"""() => {{
        const cy = {CY};
        const box = document.getElementById('relationship-graph').getBoundingClientRect();
        const drawn = cy.elements().renderedBoundingBox({{includeLabels: true}});
        return {{
            small: parseFloat(getComputedStyle(document.querySelector('#ties figcaption')).fontSize),
            labels: cy.nodes().map(node => parseFloat(node.renderedStyle('font-size'))),
            width: box.width, height: box.height, drawn: [drawn.x1, drawn.y1, drawn.x2, drawn.y2],
            pageWidth: document.documentElement.scrollWidth,
        }};
    }}""")


@pytest.mark.parametrize("size", SIZES)
def test_the_diagram_names_are_as_large_as_the_small_text_and_drawn_inside_the_box(
    live_site, open_context, served_seeded_case, size
):
    page = open_context(size).new_page()
    page.goto(live_site.url + served_seeded_case.get_absolute_url())
    open_diagram(page)
    measured = diagram_measures(page)
    assert len(measured["labels"]) >= 20
    assert min(measured["labels"]) >= measured["small"] >= 13
    x1, y1, x2, y2 = measured["drawn"]
    assert x1 >= 0 and y1 >= 0
    assert x2 <= measured["width"] and y2 <= measured["height"]
    assert measured["pageWidth"] <= size["viewport"]["width"]


@pytest.mark.parametrize("size", SIZES)
def test_the_diagram_is_laid_out_the_same_on_every_visit(live_site, open_context, served_seeded_case, size):
    positions = []
    for _ in range(2):
        page = open_context(size).new_page()
        page.goto(live_site.url + served_seeded_case.get_absolute_url())
        open_diagram(page)
        positions.append(page.evaluate(
            f"() => Object.fromEntries({CY}.nodes().map(node => [node.data('label'), node.position()]))"
        ))
    assert positions[0] == positions[1]


def swipe_up(context, page, x, y, distance=300):
    """A finger drawn up the screen from (x, y), as the phone's touch screen reports it."""
    cdp = context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 11):
        cdp.send("Input.dispatchTouchEvent",
                 {"type": "touchMove", "touchPoints": [{"x": x, "y": y - step * distance / 10}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    # Until the page stops moving on its own.
    scrolled = None
    while scrolled != page.evaluate("window.scrollY"):
        scrolled = page.evaluate("window.scrollY")
        page.wait_for_timeout(250)


def test_a_swipe_over_the_diagram_scrolls_the_page_and_a_tap_chooses_an_actor_on_a_phone(
    live_site, open_context, served_seeded_case
):
    context = open_context(PHONE)
    page = context.new_page()
    page.goto(live_site.url + served_seeded_case.get_absolute_url())
    open_diagram(page)
    page.evaluate("document.getElementById('relationship-graph').scrollIntoView({block: 'center'})")
    box = page.locator("#relationship-graph").bounding_box()
    x, y = box["x"] + box["width"] / 2, 600
    assert box["y"] < y - 300 and box["y"] + box["height"] > y
    before = page.evaluate("window.scrollY")

    swipe_up(context, page, x, y)

    assert page.evaluate("window.scrollY") >= before + 200
    assert page.evaluate(f"() => JSON.stringify({CY}.pan())") == '{"x":0,"y":0}'

    page.evaluate("document.getElementById('relationship-graph').scrollIntoView({block: 'start'})")
    box = page.locator("#relationship-graph").bounding_box()
    node = next(
        position for position in page.evaluate(f"() => {CY}.nodes().map(node => node.renderedPosition())")
        if 100 < box["y"] + position["y"] < 700
    )
    page.touchscreen.tap(box["x"] + node["x"], box["y"] + node["y"])
    page.wait_for_timeout(300)
    assert page.evaluate(f"() => {CY}.nodes('.chosen').length") == 1
    assert page.get_by_label("Show the ties of").input_value() != ""


def test_choosing_an_actor_shows_only_their_ties_in_the_diagram_and_the_list(
    live_site, open_context, served_seeded_case
):
    page = open_context(DESKTOP).new_page()
    page.goto(live_site.url + served_seeded_case.get_absolute_url())
    open_diagram(page)
    ties = page.locator(".relationships > li")
    everyone = ties.count()
    page.get_by_label("Show the ties of").select_option(label="Lin Qingxing")
    shown = [item.inner_text() for item in ties.all() if item.is_visible()]
    assert 0 < len(shown) < everyone
    assert all("Lin Qingxing" in text for text in shown)
    faded = page.evaluate(f"() => {CY}.nodes('.faded').length")
    assert 0 < faded < page.evaluate(f"() => {CY}.nodes().length")
    assert page.get_by_role("link", name="Open the page of Lin Qingxing").is_visible()
    page.get_by_label("Show the ties of").select_option(label="every actor")
    assert sum(item.is_visible() for item in ties.all()) == everyone


@pytest.mark.parametrize("size", SIZES)
def test_a_printed_case_page_leaves_out_navigation_forms_and_diagram_and_keeps_its_sources(
    live_site, open_context, served_disputed_case, size
):
    page = open_context(size).new_page()
    page.goto(live_site.url + "/cases/harbour/")
    page.emulate_media(media="print")
    for hidden in (".site-header", ".contents", ".as-of-picker", "figure.graph", ".share", ".site-footer"):
        assert not page.locator(hidden).is_visible(), hidden
    # The ties are printed as a list, folded on screen or not.
    assert page.get_by_text("business partner of").is_visible()
    sources = page.locator("#sources").inner_text()
    assert "Company registry extract" in sources and "https://registry.example.org/quay" in sources
    assert page.locator(".cite-text").is_visible()

    page.goto(live_site.url + "/cases/harbour/facts/mayor-owns-shares/")
    assert not page.locator(".site-header").is_visible()
    assert "https://registry.example.org/quay" in page.locator("main").inner_text()
    page.emulate_media(media="screen")
    assert "https://registry.example.org/quay" not in page.locator("main").inner_text()


def printed_text(page):
    """The text of the page as Chromium prints it, its ligatures undone."""
    from pdfminer.high_level import extract_text

    return unicodedata.normalize("NFKC", extract_text(io.BytesIO(page.pdf())))


def test_a_printed_record_page_names_its_case_and_prints_each_address_once(
    live_site, open_context, served_disputed_case
):
    page = open_context(DESKTOP).new_page()
    page.goto(live_site.url + "/cases/harbour/facts/mayor-owns-shares/")
    printed = printed_text(page)
    assert printed.startswith("From the case file “Harbour contracts” of Casefile Newsroom")
    assert printed.count("registry.example.org/quay") == 1
    # The address to cite the fact by.
    assert printed.count("mayor-owns-shares/?") == 1

    page.goto(live_site.url + "/cases/harbour/sources/registry/")
    printed = printed_text(page)
    assert printed.startswith("From the case file “Harbour contracts” of Casefile Newsroom")
    assert printed.count("registry.example.org/quay") == 1


@pytest.mark.parametrize("size", SIZES)
def test_the_date_picker_leads_to_the_case_as_published_that_day(live_site, open_context, served_disputed_case, size):
    from django.utils import timezone

    page = open_context(size).new_page()
    page.goto(live_site.url + "/cases/harbour/")
    today = timezone.now().date().isoformat()
    page.get_by_label("Read the case as published on a given day").fill(today)
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert page.url == f"{live_site.url}/cases/harbour/?as_of={today}"
    assert "You are reading this case as it was published on" in page.locator(".as-of").inner_text()
    assert page.get_by_label("Read the case as published on a given day").input_value() == today

"""Driving the staff pages in Debian's Chromium as a reporter or an editor would, counting what they do."""

from django.conf import settings
from django.test import Client

from tests.browser import BROWSER_TESTS, SCREENSHOTS, saving_screenshots

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

marks = BROWSER_TESTS


class Person:
    """One person at their own browser window, counting each thing they do: a click, a text typed,
    a choice made in a list."""

    def __init__(self, chromium, base, user, viewport=LAPTOP):
        self.base, self.actions = base, 0
        self.context = chromium.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        # Logged in as after the login form, without going through it for every test.
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])

    def open(self, path):
        """Where the count starts: a page the person is on already."""
        self.page.goto(self.base + path)

    def click(self, target):
        """A click that stays on the page: opening a list, adding a row, ticking a box."""
        self.actions += 1
        self._locator(target).click()

    def go(self, target):
        """A click on a link or a button that leads to another page, waiting for it."""
        self.actions += 1
        with self.page.expect_navigation():
            self._locator(target).click()

    def fill(self, target, text):
        self.actions += 1
        self._locator(target).fill(text)

    def choose(self, target, label):
        self.actions += 1
        self._locator(target).select_option(label=label)

    def pick(self, field_id, name):
        """Open an autocomplete box and click one of the records it lists: two actions."""
        self.click(f"#{field_id} + .select2 .select2-selection")
        self.actions += 1
        self.page.locator(".select2-results__option", has_text=name).first.click()

    def check(self, target):
        self.actions += 1
        self._locator(target).check()

    def save(self, name="_save"):
        self.go(f"input[name={name}]")

    def _locator(self, target):
        return self.page.locator(target) if isinstance(target, str) else target

    def text(self, selector="#content"):
        """The text of part of the page as read, each run of spaces, tabs and line breaks one space."""
        return " ".join(self.page.locator(selector).inner_text().split())

    def messages(self):
        found = self.page.locator(".messagelist")
        return found.inner_text() if found.count() else ""

    def close(self):
        self.context.close()


def shot(page, name, **options):
    """A screenshot for the README, taken only when they are renewed on purpose (SAVE_SCREENSHOTS=1)."""
    if saving_screenshots():
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), **options)


def scroll_width(page):
    return page.evaluate("document.documentElement.scrollWidth")

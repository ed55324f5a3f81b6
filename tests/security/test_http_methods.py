"""Public pages answer GET and HEAD alone; any other method gets 405, which is never cached."""

import pytest
from django.test import Client

from tests.public.pages import PUBLIC_PAGES, public_address

REFUSED_METHODS = ["post", "put", "patch", "delete", "options", "trace"]


# A shared copy streams a file, never cached: tests/proof/test_file_access.py reads it with GET and HEAD.
DOWNLOADS = ["shared_copy"]
# Pages about the site as a whole, which do not name the case.
SITE_FILES = ["sitemap", "robots", "favicon"]


@pytest.fixture
def browser():
    """A reader's browser, whose requests carry no CSRF token unless a form gave it one."""
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_every_public_page_refuses_methods_other_than_get_and_head(browser, case_file, page):
    address = public_address(page)

    for method in REFUSED_METHODS:
        response = getattr(browser, method)(address)

        assert response.status_code == 405, method
        assert response["Allow"] == "GET, HEAD", method
        assert b"Harbour" not in response.content, method
        assert "X-Public-Cache" not in response, method


@pytest.mark.parametrize("page", [page for page in PUBLIC_PAGES if page not in DOWNLOADS])
def test_every_public_page_answers_get_and_head(browser, case_file, page):
    address = public_address(page)

    page_itself = browser.get(address)
    head = browser.head(address)

    assert page_itself.status_code == 200
    if page not in SITE_FILES:
        assert b"Harbour" in page_itself.content
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == page_itself["ETag"]


def test_a_refused_method_is_not_answered_with_the_cached_page(browser, case_file):
    address = public_address("fact_detail")
    assert browser.get(address)["X-Public-Cache"] == "miss"

    for method in REFUSED_METHODS:
        assert getattr(browser, method)(address).status_code == 405, method

    again = browser.get(address)
    assert again.status_code == 200
    assert again["X-Public-Cache"] == "hit"


def test_a_refused_method_leaves_nothing_in_the_cache(browser, case_file):
    address = public_address("case_detail")

    for method in REFUSED_METHODS:
        assert getattr(browser, method)(address).status_code == 405, method

    first_reader = browser.get(address)
    assert first_reader.status_code == 200
    assert first_reader["X-Public-Cache"] == "miss"


def test_head_is_answered_from_the_cache_and_fills_it_for_the_next_reader(browser, case_file):
    address = public_address("case_json")

    head = browser.head(address)
    page_itself = browser.get(address)
    head_again = browser.head(address)

    assert head["X-Public-Cache"] == "miss"
    assert page_itself["X-Public-Cache"] == "hit"
    assert b"Harbour contracts" in page_itself.content
    assert head_again["X-Public-Cache"] == "hit"
    assert head_again.content == b""
    assert head_again["ETag"] == page_itself["ETag"]


"""The home page: the list of published cases."""

from casefile.models import Case
from tests.factories import save
from tests.public.pages import page


def test_the_home_page_lists_published_cases_only(client, case_file, reporter):
    save(Case(title="Unpublished dredging case", slug="dredging"), reporter)
    html = page(client, "/")
    assert "Harbour contracts" in html
    assert 'href="/cases/harbour/"' in html
    assert "Unpublished dredging case" not in html


def test_the_home_page_says_so_when_nothing_is_published(client, db):
    assert "No case has been published yet." in page(client, "/")

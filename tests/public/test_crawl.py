"""Following links from the home page: every published record is reached, every page is well formed."""

import pytest

from casefile import published
from tests.factories import SEED_FIXTURE
from tests.public.pages import case_url


@pytest.mark.parametrize("case_fixture", ["disputed_case", "seeded_case"])
def test_a_reader_reaches_every_published_record_from_the_home_page(db, request, case_fixture):
    if case_fixture == "seeded_case" and not SEED_FIXTURE.exists():
        pytest.skip("fixtures/fuzhou-genesis.json is not there yet")
    case = request.getfixturevalue(case_fixture)
    snapshot = published.published_case(case.slug)
    reached = request.getfixturevalue("reached_pages")
    assert {url: status for url, (status, _) in reached.items() if status != 200} == {}
    records = [*snapshot.actors.values(), *snapshot.events.values(),
               *snapshot.facts.values(), *snapshot.sources.values()]
    assert records
    unreached = [record.get_absolute_url() for record in records
                 if record.get_absolute_url() not in reached]
    assert unreached == []
    assert case_url(case, "corrections") in reached


def test_every_page_has_a_skip_link_landmarks_and_one_main_heading(client, disputed_case):
    for url in ["/", case_url(disputed_case), case_url(disputed_case, "fact_detail", "mayor-owns-shares"),
                case_url(disputed_case, "corrections"), "/search/?q=contract", "/cases/nope/"]:
        html = client.get(url).content.decode()
        assert '<a class="skip-link" href="#main">' in html, url
        assert '<main id="main"' in html and "<header" in html and "<footer" in html, url
        assert html.count("<h1") == 1, url
        assert '<html lang="en-gb">' in html, url

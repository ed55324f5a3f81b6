"""What a reader needs to cite, share and find a page again: permalinks, share links, og: and canonical tags."""

import re
from html import unescape

from django.utils import timezone

from casefile.models import Fact
from tests.factories import approve_edit, save
from tests.public.pages import case_url, page


def meta(html, name):
    found = re.search(rf'<meta property="{re.escape(name)}" content="([^"]*)">', html)
    return unescape(found.group(1)) if found else None


def canonical(html):
    found = re.search(r'<link rel="canonical" href="([^"]*)">', html)
    return unescape(found.group(1)) if found else None


def test_a_case_and_a_fact_page_carry_og_tags_and_a_canonical_address(client, case_file):
    html = page(client, case_url(case_file) + "?utm_source=x")
    assert canonical(html) == "http://testserver/cases/harbour/"
    assert meta(html, "og:url") == "http://testserver/cases/harbour/"
    assert meta(html, "og:title") == "Harbour contracts"
    assert meta(html, "og:description") == "Who won the harbour contracts."
    assert meta(html, "og:type") == "article"

    fact = page(client, case_url(case_file, "fact_detail", "contract-value"))
    assert canonical(fact) == "http://testserver/cases/harbour/facts/contract-value/"
    assert meta(fact, "og:title") == "The contract was worth 5 million."
    assert meta(fact, "og:description").startswith("Confirmed")


def test_a_page_as_of_a_day_is_its_own_canonical_address(client, case_file):
    today = timezone.now().date().isoformat()
    html = page(client, case_url(case_file) + f"?as_of={today}&page=3")
    assert canonical(html) == f"http://testserver/cases/harbour/?as_of={today}"


def cite_permalink(html):
    return unescape(re.search(r'<a class="permalink" href="([^"]+)">', html).group(1))


def test_cite_this_gives_a_permalink_that_keeps_showing_the_version_cited(client, case_file, reporter, editor):
    fact_url = case_url(case_file, "fact_detail", "contract-value")
    html = page(client, fact_url)
    permalink = cite_permalink(html)
    today = timezone.now().date()
    assert permalink == f"http://testserver{fact_url}?as_of={today.isoformat()}"
    assert f"fact as published on {today.day} {today:%B %Y}" in re.sub(r"<[^>]+>", "", html)

    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million."
    save(fact, reporter)
    approve_edit(editor, fact, "Per the audit file.")
    cited = page(client, permalink.removeprefix("http://testserver"))
    assert "worth 7 million" in page(client, fact_url)
    # Approved the same day: the page of that day now shows it, as the permalink says.
    assert "as it was published on" in cited

    case_permalink = cite_permalink(page(client, case_url(case_file)))
    assert case_permalink == f"http://testserver/cases/harbour/?as_of={today.isoformat()}"


def test_share_links_are_plain_links_to_the_page(client, case_file):
    html = page(client, case_url(case_file, "fact_detail", "contract-value"))
    share = html[html.index('<p class="share">'):]
    share = share[:share.index("</p>")]
    links = [unescape(link) for link in re.findall(r'href="([^"]+)"', share)]
    address = "http%3A%2F%2Ftestserver%2Fcases%2Fharbour%2Ffacts%2Fcontract-value%2F"
    assert links[0].startswith("mailto:?subject=The%20contract%20was%20worth%205%20million.")
    assert all(address in link for link in links)
    assert {link.split("/")[2] for link in links[1:]} == {"bsky.app", "twitter.com", "www.linkedin.com"}
    assert "<script" not in share


def test_the_case_page_offers_a_date_picker_that_leads_to_the_case_as_of_that_day(client, case_file):
    html = page(client, case_url(case_file))
    form = html[html.index('<form class="as-of-picker"'):]
    form = form[:form.index("</form>")]
    assert 'method="get" action="/cases/harbour/"' in form
    assert '<input type="date" id="as-of" name="as_of" required' in form
    assert f'max="{timezone.now().date().isoformat()}"' in form

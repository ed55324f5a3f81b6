"""The ClaimReview of a fact page names the claim: who made it, where it appeared and when it first did."""

import datetime
import json
import re

from casefile.models import Citation, Fact, Source
from tests.factories import approve_all, save
from tests.public.pages import case_url, page

PAYLOAD = "</script><script>alert(1)</script><!--"


def claim_of(client, case, slug):
    html = page(client, case_url(case, "fact_detail", slug))
    script = re.search(r'<script type="application/ld\+json" id="claim-review">(.*?)</script>', html, re.S)
    return json.loads(script.group(1))["itemReviewed"]


def test_the_claim_is_made_by_the_author_of_the_source_that_supports_it(client, disputed_case):
    claim = claim_of(client, disputed_case, "mayor-owns-shares")
    assert claim["@type"] == "Claim"
    assert claim["author"] == {"@type": "Person", "name": "Registrar"}
    assert claim["appearance"] == [{
        "@type": "CreativeWork",
        "url": "https://registry.example.org/quay",
        "name": "Company registry extract",
        "datePublished": "2019-03-04",
        "author": {"@type": "Person", "name": "Registrar"},
        "publisher": {"@type": "Organization", "name": "Registry office"},
    }]
    assert claim["firstAppearance"] == claim["appearance"][0]
    assert claim["datePublished"] == "2019-03-04"


def test_a_source_that_contradicts_the_claim_is_not_where_it_appeared(client, disputed_case, reporter, editor):
    forum = Source.objects.get(case=disputed_case, slug="forum-post")
    forum.url = "https://forum.example.org/tender"
    save(forum, reporter)
    approve_all(editor, disputed_case)
    claim = claim_of(client, disputed_case, "mayor-owns-shares")
    assert [work["url"] for work in claim["appearance"]] == ["https://registry.example.org/quay"]


def test_a_source_without_an_address_appears_at_its_page_and_undated_is_no_first_appearance(client, case_file):
    claim = claim_of(client, case_file, "contract-value")
    assert claim["author"] == {"@type": "Organization", "name": "The Daily"}
    assert [work["url"] for work in claim["appearance"]] == ["http://testserver/cases/harbour/sources/daily/"]
    assert "firstAppearance" not in claim
    assert "datePublished" not in claim


def test_the_first_appearance_is_the_earliest_source_dated_as_precisely_as_it_is_known(client, seeded_case):
    claim = claim_of(client, seeded_case, "fuzhou-is-in-jiangxi")
    roundup, commentary = claim["appearance"]
    assert roundup["url"] == "http://testserver/cases/fuzhou-genesis/sources/technode-roundup-2021-11/"
    assert roundup["datePublished"] == "2021-11"
    assert commentary["url"] == "http://testserver/cases/fuzhou-genesis/sources/commentary-fuzhou-mining/"
    assert "datePublished" not in commentary
    assert claim["firstAppearance"] == roundup
    assert claim["datePublished"] == "2021-11"
    assert claim["author"] == {"@type": "Person", "name": "Qin (TechNode managing editor)"}


def add_earlier_support(case, reporter):
    fact = Fact.objects.get(case=case, slug="mayor-owns-shares")
    gazette = save(Source(case=case, slug="gazette", kind=Source.Kind.NEWS_REPORT, title="Harbour Gazette",
                          publisher="Gazette Media", published_on=datetime.date(2018, 1, 1),
                          published_precision="year", url="https://gazette.example.org/shares"), reporter)
    save(Citation(fact=fact, source=gazette, locator="¶2", quote="the mayor holds shares"), reporter)


def test_an_earlier_source_is_the_first_appearance_only_once_approved(client, disputed_case, reporter, editor):
    add_earlier_support(disputed_case, reporter)
    pending = claim_of(client, disputed_case, "mayor-owns-shares")
    assert [work["url"] for work in pending["appearance"]] == ["https://registry.example.org/quay"]
    assert pending["datePublished"] == "2019-03-04"

    approve_all(editor, disputed_case)
    claim = claim_of(client, disputed_case, "mayor-owns-shares")
    assert [work["url"] for work in claim["appearance"]] == [
        "https://gazette.example.org/shares", "https://registry.example.org/quay",
    ]
    assert claim["firstAppearance"]["url"] == "https://gazette.example.org/shares"
    assert claim["datePublished"] == "2018"
    assert claim["author"] == {"@type": "Organization", "name": "Gazette Media"}


def test_the_names_of_a_source_cannot_end_the_script_element(client, disputed_case, reporter, editor):
    registry = Source.objects.get(case=disputed_case, slug="registry")
    registry.title, registry.author, registry.publisher = f"Extract {PAYLOAD}", f"By {PAYLOAD}", f"Office {PAYLOAD}"
    save(registry, reporter)
    approve_all(editor, disputed_case)
    html = page(client, case_url(disputed_case, "fact_detail", "mayor-owns-shares"))
    script = re.search(r'<script type="application/ld\+json" id="claim-review">(.*?)</script>', html, re.S).group(1)
    assert "<" not in script
    claim = json.loads(script)["itemReviewed"]
    assert claim["author"]["name"] == f"By {PAYLOAD}"
    assert claim["appearance"][0]["name"] == f"Extract {PAYLOAD}"
    assert claim["appearance"][0]["publisher"]["name"] == f"Office {PAYLOAD}"

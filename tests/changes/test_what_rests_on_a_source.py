"""What rests on a source: the claims it alone supports, on its page and in case.json."""

import json

from casefile.models import Citation, Fact, Source
from tests.factories import approve_all, save
from tests.public.pages import case_url, page, text


def test_the_source_page_says_which_claims_rest_on_it_alone(client, case_file):
    shown = text(page(client, case_url(case_file, "source_detail", "daily")))
    assert "2 claims rest on this source alone." in shown
    assert shown.count("Only source supporting it") == 2


def test_a_second_supporting_source_takes_the_claim_off_the_count(client, case_file, reporter, editor):
    registry = save(Source(case=case_file, slug="registry", kind=Source.Kind.OFFICIAL_ANNOUNCEMENT,
                           title="Company registry", publisher="Registry"), reporter)
    save(Citation(fact=Fact.objects.get(slug="contract-value"), source=registry, locator="¶1"), reporter)
    approve_all(editor, case_file)
    shown = text(page(client, case_url(case_file, "source_detail", "daily")))
    assert "1 claim rests on this source alone." in shown
    assert shown.count("Only source supporting it") == 1
    sources = {s["slug"]: s for s in json.loads(page(client, case_url(case_file, "case_json")))["sources"]}
    assert sources["daily"]["claims_resting_on_it_alone"] == 1
    assert sources["registry"]["claims_resting_on_it_alone"] == 0

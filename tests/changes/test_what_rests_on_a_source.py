"""What rests on a source: the claims it alone supports, on its page and in case.json."""

import datetime
import json

from django.utils import timezone

from casefile import published
from casefile.models import Citation, Fact, Source
from tests.admin.pages import change_url
from tests.factories import approve_all, save
from tests.public.pages import MAX_QUERIES_PER_PAGE, case_url, page, text


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


def test_the_admin_page_of_a_source_lists_the_claims_citing_it_and_which_rest_on_it_alone(
    editor_client, case_file, reporter, editor, django_assert_max_num_queries
):
    registry = save(Source(case=case_file, slug="registry", kind=Source.Kind.OFFICIAL_ANNOUNCEMENT,
                           title="Company registry", publisher="Registry"), reporter)
    save(Citation(fact=Fact.objects.get(slug="contract-value"), source=registry, locator="¶1"), reporter)
    approve_all(editor, case_file)
    daily = text(page(editor_client, change_url(Source.objects.get(slug="daily"))))
    assert "As readers see them, 2 claims cite it; 1 rests on it alone." in daily
    assert "Contract signed (event; supports): the only source supporting it" in daily
    assert "The contract was worth 5 million. (fact; supports): other sources support it too" in daily
    with django_assert_max_num_queries(2):
        claims = published.claims_citing(registry)
    assert [(claim.kind, claim.only_support) for claim in claims] == [("fact", False)]


def test_the_admin_page_of_a_source_no_claim_cites_says_so(editor_client, case_file, reporter):
    unused = save(Source(case=case_file, slug="unused", kind=Source.Kind.OTHER, title="Unused"), reporter)
    assert "No claim readers see cites it." in text(page(editor_client, change_url(unused)))


def test_the_case_page_counts_the_claims_resting_on_each_source_alone_from_every_citation(
    client, case_file, django_assert_max_num_queries
):
    # The case page reads the citations of disputed facts and relationships only; the count reads them all.
    with django_assert_max_num_queries(MAX_QUERIES_PER_PAGE):
        shown = text(page(client, case_url(case_file)))
    assert "Daily report News report · The Daily · date unknown 2 claims rest on it alone" in shown


def test_the_case_page_as_of_an_earlier_day_counts_as_of_that_day(client, case_file, reporter, editor):
    registry = save(Source(case=case_file, slug="registry", kind=Source.Kind.OFFICIAL_ANNOUNCEMENT,
                           title="Company registry", publisher="Registry"), reporter)
    save(Citation(fact=Fact.objects.get(slug="contract-value"), source=registry, locator="¶1"), reporter)
    approve_all(editor, case_file)
    tomorrow = (timezone.now() + datetime.timedelta(days=1)).date().isoformat()
    shown = text(page(client, case_url(case_file) + f"?as_of={tomorrow}"))
    assert "The Daily · date unknown 1 claim rests on it alone" in shown

"""The queries a reader's page takes do not grow with the case."""

import datetime

import pytest
from django.core.cache import cache
from simple_history.utils import bulk_create_with_history

from casefile import published
from casefile.models import Actor, Event, Fact
from tests.factories import grow, publish_everything
from tests.public.pages import MAX_QUERIES_PER_PAGE, case_url, page, queries, reader_pages, text


# The small case grown by ten facts, and the shared case of 601 facts (its lists paged by 25).
@pytest.mark.parametrize("case_fixture,facts", [("case_file", 11), ("large_case", 601)])
def test_queries_per_page_do_not_grow_with_the_case(
    client, request, reporter, editor, django_assert_max_num_queries, case_fixture, facts
):
    case = request.getfixturevalue(case_fixture)
    if case_fixture == "case_file":
        grow(case, reporter, editor, 10)
    assert f"{facts} facts" in page(client, case_url(case, "fact_list"))
    for url in reader_pages(case):
        with django_assert_max_num_queries(MAX_QUERIES_PER_PAGE):
            response = client.get(url)
        assert response.status_code == 200, url


def test_a_case_of_500_facts_takes_as_many_queries_per_page_as_one_of_10(
    client, case_file, reporter, editor
):
    def queries_per_page():
        return {url: queries(client, url) for url in reader_pages(case_file)}

    grow(case_file, reporter, editor, 10)
    small = queries_per_page()
    bulk_create_with_history([
        Fact(case=case_file, slug=f"more-{n}", statement=f"Another statement {n}.")
        for n in range(490)
    ], Fact, default_user=reporter)
    publish_everything(case_file, editor)
    assert "Another statement 489." in page(client, case_url(case_file, "fact_detail", "more-489"))
    assert queries_per_page() == small


def test_a_record_page_takes_the_same_queries_in_a_case_of_500_facts_as_in_one_of_10(
    client, case_file, reporter, editor
):
    grow(case_file, reporter, editor, 10)
    urls = reader_pages(case_file)[4:8]
    small = [queries(client, url) for url in urls]
    bulk_create_with_history([
        Fact(case=case_file, slug=f"more-{n}", statement=f"Another statement {n}.")
        for n in range(490)
    ], Fact, default_user=reporter)
    publish_everything(case_file, editor)

    assert [queries(client, url) for url in urls] == small
    assert max(small) <= 16


def test_a_large_case_page_takes_as_many_queries_as_a_small_one(client, case_file, reporter, editor):
    grow(case_file, reporter, editor, 10)
    small = queries(client, case_url(case_file))
    bulk_create_with_history([
        Fact(case=case_file, slug=f"more-{n}", statement=f"Another statement {n}.", status=[Fact.Status.UNVERIFIED, Fact.Status.FALSE][n % 2])
        for n in range(490)
    ], Fact, default_user=reporter)
    bulk_create_with_history([
        Event(case=case_file, slug=f"more-{n}", title=f"Another meeting {n}", starts_on=datetime.date(2021, 1, 1))
        for n in range(90)
    ], Event, default_user=reporter)
    bulk_create_with_history([
        Actor(case=case_file, kind=Actor.Kind.COMPANY, name=f"Company {n}", slug=f"company-{n}")
        for n in range(90)
    ], Actor, default_user=reporter)
    publish_everything(case_file, editor)
    cache.clear()

    assert f"The first {published.CASE_PAGE_ITEMS} of 92 events." in text(page(client, case_url(case_file)))
    assert queries(client, case_url(case_file)) == small

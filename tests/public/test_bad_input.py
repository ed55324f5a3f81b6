"""Unknown or old addresses, malformed dates and any search query: a clear page, never an error."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casefile.models import Actor, Case, Fact
from tests.factories import approve_all, approve_edit, save
from tests.public.pages import case_url, page, text


@pytest.mark.parametrize("name,args", [
    ("case_detail", ["no-such-case"]),
    ("case_json", ["no-such-case"]),
    ("corrections", ["no-such-case"]),
    ("actor_detail", ["harbour", "no-such-actor"]),
    ("event_detail", ["harbour", "no-such-event"]),
    ("fact_detail", ["harbour", "no-such-fact"]),
    ("source_detail", ["harbour", "no-such-source"]),
])
def test_unknown_slugs_are_not_found(client, case_file, name, args):
    response = client.get(reverse(f"casefile:{name}", args=args))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_record_of_another_case_is_not_found_under_this_one(client, case_file, reporter, editor):
    other = save(Case(title="Other case", slug="other"), reporter)
    approve_all(editor, other)
    assert client.get("/cases/other/facts/contract-value/").status_code == 404


def rename(record, slug, reporter, editor):
    record.slug = slug
    save(record, reporter, "A clearer address")
    approve_edit(editor, record, "Renamed")


def test_a_record_page_under_the_slug_it_was_published_under_before_redirects_to_its_page_now(
    client, case_file, reporter, editor
):
    rename(Fact.objects.get(slug="contract-value"), "contract-worth", reporter, editor)
    response = client.get("/cases/harbour/facts/contract-value/?as_of=" + timezone.now().date().isoformat())
    assert response.status_code == 302
    assert response["Location"] == "/cases/harbour/facts/contract-worth/?as_of=" + timezone.now().date().isoformat()
    assert client.get("/cases/harbour/facts/contract-worth/").status_code == 200


def test_the_pages_of_a_case_under_its_earlier_slug_redirect_to_its_slug_now(client, case_file, reporter, editor):
    rename(case_file, "harbour-deals", reporter, editor)
    rename(Actor.objects.get(slug="ana-mayor"), "mayor-ana", reporter, editor)
    assert client.get("/cases/harbour/")["Location"] == "/cases/harbour-deals/"
    assert client.get("/cases/harbour/timeline/")["Location"] == "/cases/harbour-deals/timeline/"
    assert client.get("/cases/harbour/actors/ana-mayor/")["Location"] == "/cases/harbour-deals/actors/mayor-ana/"


def test_a_slug_never_published_or_given_to_another_record_since_is_not_redirected(
    client, case_file, reporter, editor
):
    mayor = Actor.objects.get(slug="ana-mayor")
    rename(mayor, "mayor-ana", reporter, editor)
    assert client.get("/cases/harbour/actors/never-published/").status_code == 404
    newcomer = save(Actor(case=case_file, kind=Actor.Kind.PERSON, name="Ana Mayor Jr", slug="ana-mayor"), reporter)
    approve_edit(editor, newcomer, "Her daughter")
    assert client.get("/cases/harbour/actors/ana-mayor/").status_code == 200
    assert "Ana Mayor Jr" in text(page(client, "/cases/harbour/actors/ana-mayor/"))


def test_a_draft_slug_is_no_way_to_a_page(client, case_file, reporter):
    fact = Fact.objects.get(slug="contract-value")
    fact.slug = "draft-slug"
    save(fact, reporter)
    assert client.get("/cases/harbour/facts/draft-slug/").status_code == 404
    assert client.get("/cases/harbour/facts/contract-value/").status_code == 200


@pytest.mark.parametrize("as_of", [
    "yesterday", "2021-13-01", "2021-02-30", "16/11/2021", "9999-12-31", "2021-11-16\x00",
    "<script>", "2" * 5000, "١٢٠٢-١١-١٦", "20211116", "2021-W46-2",
])
def test_a_malformed_as_of_gives_a_friendly_bad_request_page(client, case_file, as_of):
    for name in ("case_detail", "corrections", "case_json"):
        response = client.get(case_url(case_file, name), {"as_of": as_of})
        assert response.status_code == 400
    response = client.get(case_url(case_file), {"as_of": as_of})
    assert "must be written YYYY-MM-DD" in response.content.decode()


def test_a_case_as_of_a_day_still_to_come_gives_a_friendly_bad_request_page(client, case_file):
    tomorrow = timezone.now().date() + datetime.timedelta(days=1)
    assert client.get(case_url(case_file), {"as_of": tomorrow.isoformat()}).status_code == 200
    for as_of in [tomorrow + datetime.timedelta(days=1), datetime.date(9999, 12, 30)]:
        response = client.get(case_url(case_file), {"as_of": as_of.isoformat()})
        assert response.status_code == 400
        assert "is in the future" in response.content.decode()


@pytest.mark.parametrize("query", [
    "x" * 10_000, "contract\x00value", "\x00", "🦀 合同 контракт", "' OR 1=1 --", '"unclosed',
    "-", "!!! & | <> :*", "%", "_", "\\", "<script>alert(1)</script>", "\u202e\ufeff",
])
def test_any_search_query_gives_a_page_never_an_error(client, case_file, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_a_search_in_broken_utf8_gives_a_page_never_an_error(client, case_file):
    assert client.get("/search/?q=%ED%A0%80%FF%00contract").status_code == 200


def test_a_long_search_is_shortened_and_the_reader_is_told(client, case_file):
    shown = text(page(client, "/search/?q=" + "contract " * 100))
    assert "only its first 200 characters were used" in shown

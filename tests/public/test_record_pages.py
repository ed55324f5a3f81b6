"""The pages of one actor, event, fact or source: what they show, read from that record and its links only."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from casefile import published, workflow
from casefile.models import Actor, Citation, Event, Fact, FactActor, Source
from tests.factories import approve_all, save
from tests.public.pages import (
    case_url,
    every_record_page,
    page,
    pages_read_from_the_whole_case,
    text,
)


def test_an_actor_page_shows_who_they_are_their_ties_events_and_facts(client, disputed_case):
    shown = text(page(client, case_url(disputed_case, "actor_detail", "ana-mayor")))
    assert "Ana Mayor" in shown and "Person" in shown
    assert "Also known as: A. Mayor; Mayor Ana" in shown
    assert "Ana Mayor business partner of Quay Builders (from 2018)" in shown
    assert "Tender opened as chair of the tender board" in shown
    assert "The mayor owned shares in Quay Builders." in shown
    assert "The contract was worth 5 million." in shown


def test_an_event_page_shows_when_where_who_and_its_sources(client, disputed_case):
    shown = text(page(client, case_url(disputed_case, "event_detail", "tender-opened")))
    assert "When 2019" in shown
    assert "Where City hall" in shown
    assert "Ana Mayor, chair of the tender board" in shown
    assert "The mayor owned shares in Quay Builders." in shown


def test_a_fact_page_shows_status_assessment_and_every_citation(client, disputed_case):
    shown = text(page(client, case_url(disputed_case, "fact_detail", "mayor-owns-shares")))
    assert "Disputed" in shown
    assert "The mayor owned shares in Quay Builders." in shown
    assert "The registry names her; her office denies it." in shown
    assert "Supports Company registry extract, ¶1: Ana Mayor, shareholder" in shown
    assert "Contradicts Forum post about the tender, ¶4: she never held shares" in shown


def test_a_fact_page_lists_its_approved_versions_over_time(client, case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million."
    save(fact, reporter)
    workflow.approve(editor, {(Fact, fact.pk): workflow.latest_version(Fact, fact.pk).history_id},
                     "Checked against the audit file in the shared drive.", "Corrected the value after the audit.")
    html = page(client, case_url(case_file, "fact_detail", "contract-value"))
    versions = text(html[html.index('id="versions-heading"'):])
    assert versions.index("worth 5 million") < versions.index("worth 7 million")
    assert "Editor's note: Corrected the value after the audit." in versions
    assert "shared drive" not in html


def test_a_fact_page_carries_claim_review_json_ld(client, disputed_case):
    html = page(client, case_url(disputed_case, "fact_detail", "mayor-owns-shares"))
    claim = json.loads(re.search(
        r'<script type="application/ld\+json" id="claim-review">(.*?)</script>', html, re.S
    ).group(1))
    assert claim["@type"] == "ClaimReview"
    assert claim["claimReviewed"] == "The mayor owned shares in Quay Builders."
    assert claim["reviewRating"]["alternateName"] == "Disputed"
    assert [work["url"] for work in claim["itemReviewed"]["appearance"]] == ["https://registry.example.org/quay"]
    assert claim["url"] == "http://testserver/cases/harbour/facts/mayor-owns-shares/"


def test_a_source_page_says_unknown_for_what_is_not_known(client, disputed_case):
    shown = text(page(client, case_url(disputed_case, "source_detail", "forum-post")))
    assert "Publisher unknown" in shown
    assert "Author unknown" in shown
    assert "Published unknown" in shown
    assert "An anonymous account." in shown


def test_a_source_page_shows_the_relay_chain_in_both_directions(client, disputed_case):
    relayed = text(page(client, case_url(disputed_case, "source_detail", "forum-post")))
    relay = text(page(client, case_url(disputed_case, "source_detail", "daily")))
    assert "relayed via Daily report" in relayed
    assert "Sources relayed via this one Forum post about the tender" in relay


def test_a_source_page_follows_the_relay_chain_to_its_end_both_ways(client, disputed_case, reporter, editor):
    forum = Source.objects.get(slug="forum-post")
    save(Source(case=disputed_case, slug="screenshot", kind=Source.Kind.SOCIAL_POST,
                title="Screenshot of the forum post", relayed_via=forum), reporter)
    approve_all(editor, disputed_case)
    chain = text(page(client, case_url(disputed_case, "source_detail", "screenshot")))
    assert "relayed via Forum post about the tender relayed via Daily report" in chain
    daily = text(page(client, case_url(disputed_case, "source_detail", "daily")))
    assert "Forum post about the tender Screenshot of the forum post (through 1 other source)" in daily


def test_a_source_page_lists_everything_that_cites_it(client, disputed_case):
    html = page(client, case_url(disputed_case, "source_detail", "registry"))
    shown = text(html)
    assert "fact: The mayor owned shares in Quay Builders." in shown
    assert "relationship: Ana Mayor business partner of Quay Builders" in shown
    daily = text(page(client, case_url(disputed_case, "source_detail", "daily")))
    assert "event: Contract signed" in daily
    assert "fact: The contract was worth 5 million." in daily


def make_pending_changes(case, reporter):
    """Work no editor has approved, touching records that the public pages link to."""
    mayor = Actor.objects.get(case=case, slug="ana-mayor")
    mayor.name = "UNAPPROVED new name"
    save(mayor, reporter)
    fact = Fact.objects.get(case=case, slug="contract-value")
    save(Citation(fact=fact, source=Source.objects.get(case=case, slug="registry"), locator="¶9",
                  quote="UNAPPROVED quote"), reporter)
    workflow.propose_removal(FactActor.objects.get(fact=fact, actor=mayor), reporter, "wrong person")
    save(Event(case=case, slug="unapproved-event", title="UNAPPROVED event",
               starts_on=datetime.date(2021, 1, 1)), reporter)


@pytest.mark.parametrize("as_of", [None, "today"])
def test_a_record_page_shows_exactly_what_the_whole_case_shows_of_that_record(
    client, disputed_case, reporter, editor, monkeypatch, as_of
):
    make_pending_changes(disputed_case, reporter)
    snapshot = published.published_case(disputed_case.slug)
    query = f"?as_of={timezone.now().date().isoformat()}" if as_of else ""
    urls = [url + query for url in every_record_page(snapshot)]

    narrow = {url: page(client, url) for url in urls}
    whole = pages_read_from_the_whole_case(client, urls, monkeypatch)

    assert len(urls) == 9
    for url in urls:
        assert narrow[url] == whole[url], url
        assert "UNAPPROVED" not in narrow[url]

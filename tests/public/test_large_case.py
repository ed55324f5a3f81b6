"""A large case: the case page shows the first part of each section, lists page through the rest."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from casefile import published
from casefile.models import Actor, Case, Decision, Event, Fact
from tests.factories import approve_all, publish_everything, save
from tests.public.pages import case_url, links, list_pages, page, text


def test_a_large_case_page_shows_the_first_part_of_each_section_and_links_to_the_rest(client, large_case):
    html = page(client, case_url(large_case))
    shown = text(html)

    facts = html[html.index('id="facts"'):html.index('id="disputed"')]
    assert len(links(facts, "/cases/harbour/facts/")) == 4 * published.CASE_PAGE_ITEMS
    assert len(links(html, "/cases/harbour/events/")) == published.CASE_PAGE_ITEMS
    assert f"The first {published.CASE_PAGE_ITEMS} of 61 events." in shown
    assert 'href="/cases/harbour/timeline/">The whole timeline: 61 events</a>' in html
    assert "Confirmed: 151" in shown and "Disputed: 150" in shown
    assert 'href="/cases/harbour/facts/?status=confirmed">All 151 confirmed facts</a>' in html
    assert 'href="/cases/harbour/actors/">Who is who: all 62 actors</a>' in html
    assert 'href="/cases/harbour/sources/">All 61 sources</a>' in html
    disputes = html[html.index('id="disputed"'):html.index('id="sources"')]
    assert disputes.count('class="dispute"') == published.CASE_PAGE_DISPUTES
    assert f"The first {published.CASE_PAGE_DISPUTES} of 150 disputed facts" in shown
    assert 'href="/cases/harbour/facts/?status=disputed">All 150 disputed facts</a>' in disputes


def test_the_key_actors_are_those_most_facts_and_events_name(client, large_case, reporter, editor):
    from casefile.models import EventParticipant

    # Every person is named by ten facts; three events make one of them the first.
    last = Actor.objects.get(case=large_case, slug="person-59")
    bulk_create_with_history([
        EventParticipant(event=event, actor=last, role="bidder")
        for event in Event.objects.filter(case=large_case, slug__in=["meeting-1", "meeting-2", "meeting-3"])
    ], EventParticipant, default_user=reporter)
    publish_everything(large_case, editor)
    cache.clear()
    snapshot = published.published_case(large_case.slug)
    html = page(client, case_url(large_case))
    key_actors = html[html.index('id="key-actors"'):html.index('id="timeline"')]

    assert links(key_actors, "/cases/harbour/actors/")[:12] == [
        actor.get_absolute_url() for actor in snapshot.key_actors[:12]
    ]
    assert snapshot.key_actors[0].slug == "person-59"
    assert len(snapshot.key_actors[0].public_events) == 3


@pytest.mark.parametrize("kind, list_url", [
    ("facts", "fact_list"), ("events", "event_list"), ("actors", "actor_list"), ("sources", "source_list"),
])
def test_a_list_pages_through_every_public_record_once_in_reading_order(client, large_case, kind, list_url):
    snapshot = published.published_case(large_case.slug)
    expected = {
        "facts": sorted(snapshot.facts.values(), key=lambda fact: fact.slug),
        "events": snapshot.timeline,
        "actors": snapshot.actors_by_name,
        "sources": snapshot.sources_by_title,
    }[kind]

    pages = list_pages(client, case_url(large_case, list_url))
    listed = [url for html in pages for url in links(html[html.index("<h1"):], f"/cases/harbour/{kind}/")]

    assert len(pages) == -(-len(expected) // published.LIST_PAGE_SIZE) > 1
    assert sorted(listed) == sorted(record.get_absolute_url() for record in expected)
    assert len(listed) == len(set(listed))
    if kind == "events":
        assert listed == [event.get_absolute_url() for event in expected]


def test_a_list_of_one_status_shows_only_facts_of_that_status(client, large_case):
    pages = list_pages(client, case_url(large_case, "fact_list") + "?status=disputed")
    disputed = {fact.slug for fact in Fact.objects.filter(case=large_case, status=Fact.Status.DISPUTED)}

    assert "<h1>Disputed facts</h1>" in pages[0]
    assert 'class="badge' not in pages[0]
    assert 'class="badge status-disputed"' in page(client, case_url(large_case, "fact_list"))
    listed = {url.split("/")[-2] for html in pages for url in links(html, "/cases/harbour/facts/")}
    assert listed == disputed
    assert "?status=disputed&amp;page=2" in pages[0]


def test_a_list_read_as_of_a_date_keeps_the_date_in_every_link(client, large_case):
    today = timezone.now().date().isoformat()
    html = page(client, case_url(large_case, "fact_list") + f"?status=false&as_of={today}")

    assert f"?status=false&amp;as_of={today}&amp;page=2" in html
    for url in re.findall(r'href="(/cases/harbour/facts/[^"]+)"', html[html.index("<h1"):]):
        assert f"as_of={today}" in url
    assert '<a href="/cases/harbour/facts/?status=false">Read it as published today</a>' in html


def test_a_list_as_of_a_date_shows_the_records_public_then(client, case_file, reporter, editor):
    save(Event(case=case_file, slug="later", title="A later meeting", starts_on=datetime.date(2021, 1, 1)),
         reporter)
    approve_all(editor, case_file)
    Decision.objects.filter(object_id=Event.objects.get(slug="later").pk).update(
        decided_at=timezone.now() + datetime.timedelta(days=2)
    )
    tomorrow = (timezone.now() + datetime.timedelta(days=1)).date().isoformat()

    assert "A later meeting" in page(client, case_url(case_file, "event_list"))
    assert "A later meeting" not in page(client, case_url(case_file, "event_list") + f"?as_of={tomorrow}")


def test_a_list_page_is_reached_by_its_number(client, large_case):
    assert "Page 2 of 3" in text(page(client, case_url(large_case, "event_list") + "?page=2"))
    assert "Page 1 of 3" in text(page(client, case_url(large_case, "event_list")))


@pytest.mark.parametrize("number", ["abc", "4", "99", "0", "-1", "02", "1.5", "", "9" * 40])
def test_a_page_the_list_does_not_have_is_not_found(client, large_case, number):
    response = client.get(case_url(large_case, "event_list") + f"?page={number}")
    assert response.status_code == 404


def test_an_unknown_status_gives_a_friendly_bad_request_page(client, case_file):
    response = client.get(case_url(case_file, "fact_list") + "?status=rumoured")
    assert response.status_code == 400
    assert "‘status’ must be one of: confirmed, disputed, unverified, false." in response.content.decode()


def test_the_lists_of_a_case_that_is_not_public_are_not_found(client, case_file, reporter):
    save(Case(title="Unpublished", slug="unpublished"), reporter)
    for name in ["actor_list", "event_list", "fact_list", "source_list"]:
        assert client.get(reverse(f"casefile:{name}", args=["unpublished"])).status_code == 404

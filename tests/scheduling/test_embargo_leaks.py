"""Nothing approved for later reaches any public address before its time, through the page cache and kept pages;
everything does at its time."""

import datetime

import time_machine
from django.test import Client
from django.utils import timezone

from casefile.models import Actor, Fact
from casefile.workflow import scheduling
from tests.factories import committed, save
from tests.public.pages import PUBLIC_PAGES, case_url, public_address
from tests.security.test_http_methods import DOWNLOADS

from .support import MARKER, approve_for_later, soon


def every_public_address(case):
    """Every kind of public page, the new actor's, and the case as of today."""
    return [public_address(name) for name in PUBLIC_PAGES if name not in DOWNLOADS] + [
        case_url(case, "actor_detail", "court-clerk"),
        case_url(case) + "?as_of=" + timezone.localdate().isoformat(),
        case_url(case, "fact_detail", "contract-value") + "?as_of=" + timezone.localdate().isoformat(),
        "/search/?q=Clerk",
    ]


def crawl(addresses):
    reader = Client()
    return {address: reader.get(address) for address in addresses}


def test_every_public_address_shows_nothing_before_the_time_and_everything_after(
    case_file, reporter, editor, keeps_pages
):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = f"The contract was worth 6 million. {MARKER}"
    save(fact, reporter)
    clerk = save(Actor(case=case_file, kind=Actor.Kind.PERSON, name=f"Court Clerk {MARKER}", slug="court-clerk"),
                 reporter)
    goes_live_at = soon(minutes=1)
    approve_for_later(editor, goes_live_at, fact, clerk, public_note=f"Published with the story {MARKER}")
    addresses = every_public_address(case_file)

    before = crawl(addresses)
    leaked = [address for address, response in before.items() if MARKER.encode() in b"".join(response)]
    assert leaked == []
    assert before[case_url(case_file, "actor_detail", "court-clerk")].status_code == 404

    with time_machine.travel(goes_live_at + datetime.timedelta(seconds=1), tick=False):
        with committed():
            scheduling.carry_out_due()
        after = crawl(addresses)

    shown = {address for address, response in after.items() if MARKER.encode() in b"".join(response)}
    expected = {public_address(name) for name in (
        "case_detail", "case_json", "case_entities", "case_graph", "corrections", "feed", "case_feed", "actor_list", "fact_list",
        "actor_detail", "fact_detail", "search",
    )} | {case_url(case_file, "actor_detail", "court-clerk"), "/search/?q=Clerk"}
    assert expected - shown == set()
    sitemap = b"".join(after[public_address("sitemap")])
    assert case_url(case_file, "actor_detail", "court-clerk").encode() in sitemap
    assert case_url(case_file, "actor_detail", "court-clerk").encode() not in b"".join(before[public_address("sitemap")])

"""What a reader without an account sees on the public pages."""

import datetime
import json
import re
import uuid
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from simple_history.utils import bulk_create_with_history

from casefile import published, workflow
from casefile.models import (
    Actor,
    Case,
    Citation,
    Decision,
    Event,
    Fact,
    FactActor,
    Source,
)

from .factories import approve_all, grow, publish_everything, save


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def text(html):
    """The page as a reader reads it: tags dropped, whitespace collapsed."""
    words = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    return re.sub(r" ([,.;:])", r"\1", words)


def case_url(case, name="case_detail", *args):
    return reverse(f"casefile:{name}", args=[case.slug, *args])


# The list of cases


def test_the_home_page_lists_published_cases_only(client, case_file, reporter):
    save(Case(title="Unpublished dredging case", slug="dredging"), reporter)
    html = page(client, "/")
    assert "Harbour contracts" in html
    assert 'href="/cases/harbour/"' in html
    assert "Unpublished dredging case" not in html


def test_the_home_page_says_so_when_nothing_is_published(client, db):
    assert "No case has been published yet." in page(client, "/")


# The case page


def test_the_case_page_shows_the_summary_key_actors_and_sources(client, disputed_case):
    html = page(client, case_url(disputed_case))
    shown = text(html)
    assert "<h1>Harbour contracts</h1>" in html
    assert "Who won the harbour contracts." in shown
    assert 'href="/cases/harbour/actors/ana-mayor/"' in html
    assert 'href="/cases/harbour/actors/quay-builders/"' in html
    assert 'href="/cases/harbour/sources/registry/"' in html
    assert "Forum post about the tender" in shown


def test_the_timeline_is_in_date_order_with_partial_dates_as_known(client, disputed_case):
    shown = text(page(client, case_url(disputed_case)))
    timeline = shown[shown.index("Timeline"):shown.index("Facts Confirmed")]
    assert timeline.index("2019 Tender opened") < timeline.index("May 2020 Contract signed")
    assert "1 January 2019" not in timeline


def test_facts_are_grouped_by_status_with_counts(client, disputed_case):
    shown = text(page(client, case_url(disputed_case)))
    assert "Confirmed: 1" in shown
    assert "Disputed: 1" in shown
    assert "Unverified: 0" in shown
    assert "False: 0" in shown
    assert "Confirmed 1 fact The contract was worth 5 million." in shown


def test_a_disputed_fact_shows_each_side_with_its_sources(client, disputed_case):
    html = page(client, case_url(disputed_case))
    dispute = html[html.index('id="disputed"'):html.index('id="ties"')]
    supports = text(dispute[dispute.index("side-supports"):dispute.index("side-contradicts")])
    contradicts = text(dispute[dispute.index("side-contradicts"):])
    assert "Company registry extract" in supports and "Ana Mayor, shareholder" in supports
    assert "Forum post about the tender" in contradicts and "she never held shares" in contradicts
    assert "Forum post" not in supports
    assert "The registry names her; her office denies it." in text(dispute)


def test_the_case_page_tells_when_it_was_last_updated_and_links_the_corrections(client, disputed_case):
    html = page(client, case_url(disputed_case))
    last = Decision.objects.filter(case=disputed_case).latest("decided_at").decided_at
    assert f'datetime="{last:%Y-%m-%dT%H:%M:%S}+0000"' in html
    assert 'href="/cases/harbour/corrections/"' in html


def test_the_case_page_advertises_its_json(client, case_file):
    html = page(client, case_url(case_file))
    assert '<link rel="alternate" type="application/json" href="/cases/harbour/case.json"' in html


def test_the_relationship_diagram_has_its_data_and_a_text_version_beside_it(client, disputed_case):
    html = page(client, case_url(disputed_case))
    data = json.loads(re.search(
        r'<script id="relationship-graph-data" type="application/json">(.*?)</script>', html, re.S
    ).group(1))
    edge = data["edges"][0]
    assert edge["label"] == "business partner of"
    assert {node["label"] for node in data["nodes"]} == {"Ana Mayor", "Quay Builders"}
    relationship_item = html[html.index(f'id="{edge["url"][1:]}"'):]
    relationship_item = relationship_item[:relationship_item.index("</li>")]
    assert "business partner of" in relationship_item
    assert "Company registry extract" in relationship_item
    assert "casefile/vendor/cytoscape/cytoscape.min.js" in html
    assert "casefile/graph.js" in html


def test_a_case_without_relationships_draws_no_diagram(client, case_file):
    html = page(client, case_url(case_file))
    assert "relationship-graph" not in html
    assert "cytoscape" not in html


# Actor, event, fact and source pages


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
                     "Corrected the value after the audit.")
    html = page(client, case_url(case_file, "fact_detail", "contract-value"))
    versions = text(html[html.index('id="versions-heading"'):])
    assert versions.index("worth 5 million") < versions.index("worth 7 million")
    assert "Editor's note: Corrected the value after the audit." in versions


def test_a_fact_page_carries_claim_review_json_ld(client, disputed_case):
    html = page(client, case_url(disputed_case, "fact_detail", "mayor-owns-shares"))
    claim = json.loads(re.search(
        r'<script type="application/ld\+json" id="claim-review">(.*?)</script>', html, re.S
    ).group(1))
    assert claim["@type"] == "ClaimReview"
    assert claim["claimReviewed"] == "The mayor owned shares in Quay Builders."
    assert claim["reviewRating"]["alternateName"] == "Disputed"
    assert claim["itemReviewed"]["appearance"] == [
        {"@type": "CreativeWork", "url": "https://registry.example.org/quay"}
    ]
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


def test_a_source_page_lists_everything_that_cites_it(client, disputed_case):
    html = page(client, case_url(disputed_case, "source_detail", "registry"))
    shown = text(html)
    assert "fact: The mayor owned shares in Quay Builders." in shown
    assert "relationship: Ana Mayor business partner of Quay Builders" in shown
    daily = text(page(client, case_url(disputed_case, "source_detail", "daily")))
    assert "event: Contract signed" in daily
    assert "fact: The contract was worth 5 million." in daily


# Corrections and the case as published on a date


def approve_edit(editor, record, comment):
    model = type(record)
    return workflow.approve(
        editor, {(model, record.pk): workflow.latest_version(model, record.pk).history_id}, comment
    )


def test_the_corrections_log_lists_changes_after_publication_newest_first(
    client, case_file, reporter, editor
):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million."
    save(fact, reporter)
    approve_edit(editor, fact, "The audit gave a higher value.")
    actor = Actor.objects.get(slug="quay-builders")
    actor.description = "A building firm."
    save(actor, reporter)
    approve_edit(editor, actor, "Added a description.")
    shown = text(page(client, case_url(case_file, "corrections")))
    assert shown.index("Added a description.") < shown.index("The audit gave a higher value.")
    assert "changed: statement" in shown
    assert "Ana Mayor" not in shown  # the first publication is not a correction


def test_the_corrections_log_says_a_record_put_back_after_its_removal_was_restored(
    client, case_file, reporter, editor
):
    actor = Actor.objects.get(slug="quay-builders")
    workflow.propose_removal(actor, reporter, "Wrong firm")
    approve_edit(editor, actor, "Taken down while we check.")
    actor.removal_proposed = False
    save(actor, reporter, "It was the right firm")
    approve_edit(editor, actor, "Checked: the right firm.")
    newly = save(Actor(case=case_file, kind=Actor.Kind.PERSON, name="Tom Clerk", slug="tom-clerk"), reporter)
    approve_edit(editor, newly, "A new name in the story.")

    log = page(client, case_url(case_file, "corrections")).split('<ol class="corrections">')[1]
    entries = [text(entry) for entry in log.split("<li>")[1:]]
    assert "Quay Builders restored. Editor's note: Checked: the right firm." in entries[1]
    assert "Quay Builders removed." in entries[2]
    assert "Tom Clerk added." in entries[0]


@pytest.mark.parametrize("model, slug, field", [
    (Fact, "contract-value", "statement"), (Actor, "ana-mayor", "name"),
    (Source, "daily", "title"), (Event, "contract-signed", "title"),
])
def test_a_record_an_editor_deletes_leaves_the_corrections_log_under_the_text_readers_last_saw(
    client, case_file, reporter, editor, model, slug, field
):
    record = model.objects.get(slug=slug)
    readers_saw = str(record)
    setattr(record, field, "UNAPPROVED working text")
    save(record, reporter, "A draft")
    if model is Source:
        for citation in Citation.objects.filter(source=record):
            workflow.delete_record(citation, editor, "Goes with its source")
    elif model is Actor:
        for link in FactActor.objects.filter(actor=record):
            workflow.delete_record(link, editor, "Goes with the actor")

    workflow.delete_record(record, editor, "Taken down")

    log = text(page(client, case_url(case_file, "corrections")))
    assert re.search(rf"“ ?{re.escape(readers_saw)} ?” removed", log)
    assert "UNAPPROVED" not in log


def test_the_corrections_log_says_so_when_nothing_changed(client, case_file):
    assert "No changes have been made since first publication." in page(
        client, case_url(case_file, "corrections")
    )


def backdate(case, days):
    """Move every decision so far `days` into the past."""
    for decision in Decision.objects.filter(case=case):
        decision.decided_at -= datetime.timedelta(days=days)
        decision.save(update_fields=["decided_at"])


def test_a_case_page_as_of_a_date_shows_the_versions_approved_then_and_says_so(
    client, case_file, reporter, editor
):
    backdate(case_file, 10)
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million."
    save(fact, reporter)
    approve_edit(editor, fact, "Corrected.")
    as_of = (timezone.now() - datetime.timedelta(days=5)).date().isoformat()
    html = page(client, case_url(case_file) + f"?as_of={as_of}")
    assert "worth 5 million" in html and "worth 7 million" not in html
    assert "as it was published on" in text(html)
    assert f'href="/cases/harbour/facts/contract-value/?as_of={as_of}"' in html
    assert f'href="/cases/harbour/case.json?as_of={as_of}"' in html
    fact_page = page(client, case_url(case_file, "fact_detail", "contract-value") + f"?as_of={as_of}")
    assert "worth 7 million" not in fact_page
    assert "worth 7 million" in page(client, case_url(case_file))
    assert "as it was published on" not in text(page(client, case_url(case_file)))


def test_a_case_as_of_a_date_before_it_was_published_is_not_found(client, case_file):
    assert client.get(case_url(case_file) + "?as_of=2000-01-01").status_code == 404


# Search


def test_search_finds_approved_records_grouped_by_case(client, disputed_case):
    html = page(client, reverse("casefile:search") + "?q=shares")
    shown = text(html)
    assert "Harbour contracts" in shown
    assert 'href="/cases/harbour/facts/mayor-owns-shares/"' in html
    assert "1 result for “shares”" in shown


def test_search_results_are_grouped_under_each_case(client, case_file, reporter, editor):
    other = save(Case(title="Dredging deal", slug="dredging"), reporter)
    save(Fact(case=other, slug="dredging-contract", statement="The dredging contract was never tendered."),
         reporter)
    approve_all(editor, other)
    html = page(client, "/search/?q=contract")
    groups = html.split('<section class="search-case"')[1:]
    assert len(groups) == 2
    by_case = {text(group).split(" ", 1)[1].split(" Fact ")[0]: text(group) for group in groups}
    assert "The dredging contract was never tendered." in by_case["Dredging deal"]
    assert "The contract was worth 5 million." in by_case["Harbour contracts"]
    assert "dredging" not in by_case["Harbour contracts"]


def search_text(client, query):
    return text(page(client, "/search/?" + urlencode({"q": query})))


def test_search_finds_a_reporters_edit_only_once_an_editor_approves_it(client, case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million, the auditors found."
    save(fact, reporter)
    assert "Nothing published matches “auditors”" in search_text(client, "auditors")
    assert "The contract was worth 5 million." in search_text(client, "worth")

    approve_all(editor, case_file)

    assert "The contract was worth 7 million, the auditors found." in search_text(client, "auditors")
    assert "5 million" not in search_text(client, "worth")


def test_search_finds_every_searched_field_of_the_approved_version(client, disputed_case):
    assert "The mayor owned shares in Quay Builders." in search_text(client, "denies")  # the assessment
    assert "Ana Mayor" in search_text(client, "Mayor Ana")  # an alias
    assert "Tender opened" in search_text(client, "City hall")  # the location
    assert "Company registry extract" in search_text(client, "Registrar")  # the author


def test_search_finds_records_holding_every_word_in_any_order(client, disputed_case):
    shown = search_text(client, "builders quay")
    assert "Quay Builders" in shown
    assert "Nothing published matches “quay zeppelin”" in search_text(client, "quay zeppelin")


def test_a_fact_found_by_search_shows_its_status(client, disputed_case):
    html = page(client, "/search/?q=shares")
    assert '<span class="badge status-disputed">Disputed</span>' in html


def test_a_record_whose_removal_is_approved_leaves_search(client, case_file, reporter, editor):
    workflow.propose_removal(Fact.objects.get(slug="contract-value"), reporter, "Not borne out")
    assert "The contract was worth 5 million." in search_text(client, "worth")

    approve_all(editor, case_file)

    assert "Nothing published matches “worth”" in search_text(client, "worth")


def test_a_published_record_an_editor_deletes_leaves_search(client, case_file, reporter, editor):
    clerk = save(Actor(case=case_file, kind=Actor.Kind.PERSON, name="Tom Clerk", slug="tom-clerk"), reporter)
    approve_all(editor, case_file)
    assert "Tom Clerk" in search_text(client, "Clerk")

    workflow.delete_record(clerk, editor, "Entered twice")

    assert "Nothing published matches “Clerk”" in search_text(client, "Clerk")


def test_the_records_of_a_case_taken_off_the_public_pages_are_not_found(client, case_file, reporter, editor):
    workflow.propose_removal(case_file, reporter, "Withdrawn pending legal review")
    approve_all(editor, case_file)
    assert "Nothing published matches “contract”" in search_text(client, "contract")


def test_search_links_to_the_public_address_of_a_case_whose_new_slug_waits_for_review(
    client, case_file, reporter
):
    case_file.slug = "harbour-deals"
    save(case_file, reporter)
    html = page(client, "/search/?q=worth")
    assert 'href="/cases/harbour/facts/contract-value/"' in html
    assert "harbour-deals" not in html


def test_search_says_so_when_nothing_matches(client, case_file):
    assert "Nothing published matches “zeppelin”" in text(page(client, "/search/?q=zeppelin"))


def test_search_without_a_query_shows_the_search_form(client, db):
    html = page(client, "/search/")
    assert '<label for="search-q">' in html
    assert "result" not in text(html)


# Bad input


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


# Speed


def reader_pages(case):
    return [
        "/",
        case_url(case),
        case_url(case, "corrections"),
        case_url(case, "case_json"),
        case_url(case, "actor_detail", "person-0"),
        case_url(case, "event_detail", "meeting-0"),
        case_url(case, "fact_detail", "fact-0"),
        case_url(case, "source_detail", "report-0"),
        "/search/?q=statement",
        case_url(case) + "?as_of=" + timezone.now().date().isoformat(),
        case_url(case, "actor_list"),
        case_url(case, "event_list"),
        case_url(case, "fact_list") + "?status=disputed",
        case_url(case, "source_list"),
    ]


MAX_QUERIES_PER_PAGE = 25


def queries(client, url):
    """How many queries a reader's request of `url` takes, rendered afresh."""
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("facts", [10, 500])
def test_queries_per_page_do_not_grow_with_the_case(
    client, case_file, reporter, editor, django_assert_max_num_queries, facts
):
    grow(case_file, reporter, editor, facts)
    assert f"{facts + 1} facts" in page(client, case_url(case_file, "fact_list"))
    for url in reader_pages(case_file):
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


# Following the whole case from the home page


def crawl(client, start="/"):
    """Every page of the site a reader reaches by following links from `start`."""
    seen, queue = {}, [start]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code != 200 or response["Content-Type"] != "text/html; charset=utf-8":
            continue
        for link in re.findall(r'href="(/[^"#]*)', response.content.decode()):
            link = link.replace("&amp;", "&")
            if not link.startswith(("/static/", "/admin")) and link not in seen:
                queue.append(link)
    return seen


@pytest.mark.parametrize("case_fixture", ["disputed_case", "seeded_case"])
def test_a_reader_reaches_every_published_record_from_the_home_page(client, db, request, case_fixture):
    from .conftest import SEED_FIXTURE

    if case_fixture == "seeded_case" and not SEED_FIXTURE.exists():
        pytest.skip("fixtures/fuzhou-genesis.json is not there yet")
    case = request.getfixturevalue(case_fixture)
    snapshot = published.published_case(case.slug)
    reached = crawl(client)
    assert {url: status for url, status in reached.items() if status != 200} == {}
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
        assert '<html lang="en">' in html, url


def test_the_vendored_diagram_library_is_served_with_its_licence():
    from django.contrib.staticfiles import finders

    assert finders.find("casefile/vendor/cytoscape/cytoscape.min.js")
    licence = Path(finders.find("casefile/vendor/cytoscape/LICENSE")).read_text()
    assert "Cytoscape Consortium" in licence


def test_a_source_page_follows_the_relay_chain_to_its_end_both_ways(client, disputed_case, reporter, editor):
    forum = Source.objects.get(slug="forum-post")
    save(Source(case=disputed_case, slug="screenshot", kind=Source.Kind.SOCIAL_POST,
                title="Screenshot of the forum post", relayed_via=forum), reporter)
    approve_all(editor, disputed_case)
    chain = text(page(client, case_url(disputed_case, "source_detail", "screenshot")))
    assert "relayed via Forum post about the tender relayed via Daily report" in chain
    daily = text(page(client, case_url(disputed_case, "source_detail", "daily")))
    assert "Forum post about the tender Screenshot of the forum post (through 1 other source)" in daily


@pytest.fixture
def seeded(request, db):
    from .conftest import SEED_FIXTURE

    if not SEED_FIXTURE.exists():
        pytest.skip("fixtures/fuzhou-genesis.json is not there yet")
    return request.getfixturevalue("seeded_case")


def test_the_seeded_case_page_sets_each_disputed_fact_against_its_sources(client, seeded):
    snapshot = published.published_case(seeded.slug)
    html = page(client, seeded.get_absolute_url())
    disputed = html[html.index('id="disputed"'):]
    assert snapshot.disputed_facts
    for fact in snapshot.disputed_facts:
        assert f'href="{fact.get_absolute_url()}"' in disputed
        for citation in fact.public_citations:
            assert f'href="{citation.source.get_absolute_url()}"' in disputed


def test_the_seeded_case_pages_take_few_queries(client, seeded, django_assert_max_num_queries):
    snapshot = published.published_case(seeded.slug)
    urls = [seeded.get_absolute_url(), case_url(seeded, "corrections"), case_url(seeded, "case_json")] + [
        record.get_absolute_url()
        for records in (snapshot.actors, snapshot.events, snapshot.facts, snapshot.sources)
        for record in list(records.values())[:3]
    ]
    for url in urls:
        with django_assert_max_num_queries(MAX_QUERIES_PER_PAGE):
            assert client.get(url).status_code == 200, url


# The page of one record reads only that record and what it links to


def every_record_page(snapshot):
    return [
        record.get_absolute_url()
        for records in (snapshot.actors, snapshot.events, snapshot.facts, snapshot.sources)
        for record in records.values()
    ]


def pages_read_from_the_whole_case(client, urls, monkeypatch):
    """The same pages, each built from the whole published case instead."""
    with monkeypatch.context() as patch:
        patch.setattr(
            published, "published_page",
            lambda case_slug, kind, slug, as_of=None: published.published_case(case_slug, as_of),
        )
        cache.clear()
        return {url: client.get(url).content.decode() for url in urls}


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


def test_every_seeded_record_page_matches_the_whole_case(client, seeded, monkeypatch):
    urls = every_record_page(published.published_case(seeded.slug))

    narrow = {url: page(client, url) for url in urls}
    whole = pages_read_from_the_whole_case(client, urls, monkeypatch)

    assert len(urls) > 90
    assert [url for url in urls if narrow[url] != whole[url]] == []


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


# A large case: the case page shows the first part of each section, lists page through the rest


def links(html, prefix):
    return re.findall(rf'href="({re.escape(prefix)}[^"?#]+/)', html)


def list_pages(client, url):
    """Every page of a paged list, following its Next links from `url`."""
    pages = []
    while url:
        html = page(client, url)
        pages.append(html)
        following = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = following.group(1).replace("&amp;", "&") if following else None
    return pages


def test_a_large_case_page_shows_the_first_part_of_each_section_and_links_to_the_rest(client, large_case):
    html = page(client, case_url(large_case))
    shown = text(html)

    facts = html[html.index('id="facts"'):html.index('id="disputed"')]
    assert len(links(facts, "/cases/harbour/facts/")) == 4 * published.CASE_PAGE_ITEMS
    assert len(links(html, "/cases/harbour/events/")) == published.CASE_PAGE_ITEMS
    assert "The first 50 of 61 events." in shown
    assert 'href="/cases/harbour/timeline/">The whole timeline: 61 events</a>' in html
    assert "Confirmed: 151" in shown and "Disputed: 150" in shown
    assert 'href="/cases/harbour/facts/?status=confirmed">All 151 confirmed facts</a>' in html
    assert 'href="/cases/harbour/actors/">Who is who: all 62 actors</a>' in html
    assert 'href="/cases/harbour/sources/">All 61 sources</a>' in html
    assert "The first 50 of 150 disputed facts" in shown


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


def test_a_large_case_page_takes_as_many_queries_as_a_small_one(client, case_file, reporter, editor):
    grow(case_file, reporter, editor, 10)
    small = queries(client, case_url(case_file))
    bulk_create_with_history([
        Fact(case=case_file, slug=f"more-{n}", statement=f"Another statement {n}.", status=[*Fact.Status][n % 4])
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

    assert "The first 50 of 92 events." in text(page(client, case_url(case_file)))
    assert queries(client, case_url(case_file)) == small

"""The page of a case: summary, key actors, timeline, facts by status, disputes and the relationship diagram."""

import json
import re
from pathlib import Path

from django.utils import timezone

from casefile import published
from casefile.models import Decision, Event
from tests.factories import approve_edit, save
from tests.public.pages import case_url, links, page, text


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


def test_an_event_the_sources_do_not_date_comes_last_on_the_timeline_as_date_unknown(
    client, disputed_case, reporter, editor
):
    undated = save(Event(case=disputed_case, slug="tender-annulled", title="A tender annulled"), reporter)
    approve_edit(editor, undated, "The report gives no date.")
    today = "?as_of=" + timezone.now().date().isoformat()
    for url in (case_url(disputed_case), case_url(disputed_case, "event_list"),
                case_url(disputed_case) + today, case_url(disputed_case, "event_list") + today):
        shown = text(page(client, url))
        assert shown.index("May 2020 Contract signed") < shown.index("date unknown A tender annulled"), url
    assert "When date unknown" in text(page(client, undated.get_absolute_url()))


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


def test_the_vendored_diagram_library_is_served_with_its_licence():
    from django.contrib.staticfiles import finders

    assert finders.find("casefile/vendor/cytoscape/cytoscape.min.js")
    licence = Path(finders.find("casefile/vendor/cytoscape/LICENSE")).read_text()
    assert "Cytoscape Consortium" in licence


def test_the_seeded_case_page_shows_the_first_few_of_each_long_section_and_leads_to_the_rest(client, seeded_case):
    html = page(client, case_url(seeded_case))
    snapshot = published.published_case(seeded_case.slug)

    by_status = {status: [fact for fact in snapshot.facts.values() if fact.status == status]
                 for status in ("disputed", "unverified")}
    disputes = html[html.index('id="disputed"'):html.index('id="ties"')]
    # Side by side, as many as there is room for; a list of all of them when there are more.
    assert disputes.count('class="dispute"') == min(len(by_status["disputed"]), published.CASE_PAGE_DISPUTES)
    all_disputed = f'href="/cases/fuzhou-genesis/facts/?status=disputed">All {len(by_status["disputed"])} disputed facts</a>'
    assert (all_disputed in disputes) == (len(by_status["disputed"]) > published.CASE_PAGE_DISPUTES)
    unverified = html[html.index('id="facts-unverified"'):html.index('id="disputed"')]
    assert len(by_status["unverified"]) > published.CASE_PAGE_ITEMS
    assert len(links(unverified, "/cases/fuzhou-genesis/facts/")) == published.CASE_PAGE_ITEMS
    assert (f'href="/cases/fuzhou-genesis/facts/?status=unverified">All {len(by_status["unverified"])} '
            'unverified facts</a>') in unverified
    # The ties and the open questions have no list elsewhere: folded here, not left out.
    for relationship in snapshot.relationships:
        assert f'id="relationship-{relationship.pk}"' in html
    questions = html[html.index('id="open-questions"'):html.index('id="sources"')]
    first, folded = questions.split('<details class="more-fold">')
    shown = published.CASE_PAGE_QUESTIONS
    assert len(snapshot.questions) > shown
    assert all(f'id="question-{question.slug}"' in first for question in snapshot.questions[:shown])
    assert all(f'id="question-{question.slug}"' in folded for question in snapshot.questions[shown:])
    assert f"The other {len(snapshot.questions) - shown} questions" in text(folded)

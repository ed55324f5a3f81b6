"""The case as JSON, ClaimReview for each fact, and the data behind the diagram."""

import datetime
import json

from django.test import RequestFactory, override_settings

from casefile import exports, published, workflow
from casefile.models import Decision, Fact

from .conftest import save


def case_json(client, query=""):
    response = client.get("/cases/harbour/case.json" + query)
    assert response.status_code == 200
    return response.json()


def test_the_json_export_holds_every_approved_record_with_ids_and_links(client, disputed_case):
    data = case_json(client)
    assert data["case"]["slug"] == "harbour"
    assert data["case"]["url"] == "http://testserver/cases/harbour/"
    assert {actor["slug"] for actor in data["actors"]} == {"ana-mayor", "quay-builders"}
    assert {source["slug"] for source in data["sources"]} == {"daily", "forum-post", "registry"}
    assert [event["slug"] for event in data["events"]] == ["tender-opened", "contract-signed"]
    assert {fact["slug"] for fact in data["facts"]} == {"contract-value", "mayor-owns-shares"}
    assert all(isinstance(record["id"], int) for record in data["facts"] + data["actors"])


def test_the_json_export_carries_citations_links_and_partial_dates(client, disputed_case):
    data = case_json(client)
    fact = next(f for f in data["facts"] if f["slug"] == "mayor-owns-shares")
    assert fact["status"] == "disputed"
    assert fact["actors"] == ["ana-mayor"] and fact["events"] == ["tender-opened"]
    assert [(c["source"], c["stance"], c["locator"]) for c in fact["citations"]] == [
        ("registry", "supports", "¶1"), ("forum-post", "contradicts", "¶4"),
    ]
    tender = next(e for e in data["events"] if e["slug"] == "tender-opened")
    assert tender["starts"] == "2019" and tender["date_display"] == "2019"
    forum = next(s for s in data["sources"] if s["slug"] == "forum-post")
    assert forum["relayed_via"] == "daily"
    assert forum["publisher"] is None and forum["author"] is None and forum["published"] is None
    relationship = data["relationships"][0]
    assert (relationship["subject"], relationship["kind"], relationship["object"]) == (
        "ana-mayor", "business partner of", "quay-builders",
    )
    assert relationship["citations"][0]["source"] == "registry"


def test_the_json_export_as_of_a_date_holds_what_was_published_then(client, case_file, reporter, editor):
    for decision in Decision.objects.all():
        decision.decided_at -= datetime.timedelta(days=10)
        decision.save(update_fields=["decided_at"])
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million."
    save(fact, reporter)
    workflow.approve_case(editor, case_file, "Corrected.")
    as_of = (datetime.date.today() - datetime.timedelta(days=5)).isoformat()
    then = case_json(client, f"?as_of={as_of}")
    assert then["case"]["as_of"] == as_of
    assert then["facts"][0]["statement"] == "The contract was worth 5 million."
    assert case_json(client)["facts"][0]["statement"] == "The contract was worth 7 million."


def claim_review_for(slug, as_of=None):
    snapshot = published.published_case("harbour", as_of=as_of)
    request = RequestFactory().get("/")
    return exports.claim_review(snapshot.fact(slug), request)


@override_settings(NEWSROOM_NAME="Harbour Herald", NEWSROOM_URL="https://herald.example.org/")
def test_claim_review_names_the_newsroom_the_status_and_where_the_claim_appeared(disputed_case):
    review = claim_review_for("mayor-owns-shares")
    assert review["author"] == {
        "@type": "Organization", "name": "Harbour Herald", "url": "https://herald.example.org/",
    }
    assert review["reviewRating"]["alternateName"] == "Disputed"
    assert review["reviewRating"]["worstRating"] <= review["reviewRating"]["ratingValue"] <= 4
    assert review["itemReviewed"]["@type"] == "Claim"
    assert [work["url"] for work in review["itemReviewed"]["appearance"]] == ["https://registry.example.org/quay"]
    approval = Decision.objects.filter(object_repr__startswith="The mayor owned shares").get()
    assert review["datePublished"] == approval.decided_at.date().isoformat()
    assert review["url"].endswith("/cases/harbour/facts/mayor-owns-shares/")


def test_claim_review_rates_a_false_claim_lowest_and_a_confirmed_one_highest(disputed_case):
    assert claim_review_for("contract-value")["reviewRating"]["ratingValue"] == 4
    assert exports.RATINGS["false"] == 1


def test_json_ld_escapes_what_could_end_its_script_element():
    text = exports.json_ld({"claimReviewed": "</script><!-- & more"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"claimReviewed": "</script><!-- & more"}


def test_the_diagram_ties_actors_by_labelled_edges_that_lead_to_their_citations(disputed_case):
    snapshot = published.published_case("harbour")
    graph = exports.relationship_graph(snapshot, link_query="?as_of=2030-01-01")
    relationship = snapshot.relationships[0]
    assert graph["edges"] == [{
        "id": f"r{relationship.pk}", "source": f"a{relationship.subject.pk}",
        "target": f"a{relationship.object.pk}", "label": "business partner of",
        "status": "unverified", "status_label": "Unverified", "url": f"#relationship-{relationship.pk}",
    }]
    assert {node["url"] for node in graph["nodes"]} == {
        "/cases/harbour/actors/ana-mayor/?as_of=2030-01-01",
        "/cases/harbour/actors/quay-builders/?as_of=2030-01-01",
    }


def test_actors_without_ties_are_left_out_of_the_diagram(case_file):
    graph = exports.relationship_graph(published.published_case("harbour"))
    assert graph["nodes"] == [] and graph["edges"] == []


def test_a_tie_with_a_status_other_than_confirmed_is_marked_for_a_dashed_line(disputed_case):
    snapshot = published.published_case("harbour")
    snapshot.relationships[0].status = "disputed"
    graph = exports.relationship_graph(snapshot)
    assert graph["edges"][0]["status"] == "disputed"
    assert graph["statuses"] == ["disputed"]

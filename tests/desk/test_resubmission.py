"""After a rejection, fixing any part of a record sends the whole record again, and its review publishes it."""

from casefile import workflow
from casefile.models import Actor, Citation, Decision, Event, Fact, Source

from .pages import (
    add_row,
    add_url,
    approve,
    change_url,
    edit,
    form_data,
    messages_after,
    open_form,
    post_form,
    public,
    reject,
    review_url,
    saved,
    text_of,
)


def add_event_with_a_participant(client, case):
    data = open_form(client, add_url(Event) + f"?case={case.pk}", "event_form")
    add_row(data, "participations", {"actor": Actor.objects.get(slug="quay-builders").pk, "role": "bidder"})
    saved(post_form(client, add_url(Event), data, "From the board minutes", title="Harbour board meeting",
                    starts_on="March 2021"))
    return Event.objects.get(slug="harbour-board-meeting")


def test_a_rejected_new_event_fixed_only_in_its_participants_goes_back_whole_and_its_review_publishes_it(
    case_file, reporter_client, editor_client
):
    event = add_event_with_a_participant(reporter_client, case_file)
    assert reject(editor_client, event, "Name the mayor, who chaired it.").status_code == 302

    data = open_form(reporter_client, change_url(event), "event_form")
    add_row(data, "participations", {"actor": Actor.objects.get(slug="ana-mayor").pk, "role": "chair"})
    saved(post_form(reporter_client, change_url(event), data, "Added the mayor, as asked"))

    review = text_of(editor_client.get(review_url(event)))
    assert "Event: Harbour board meeting (new)" in review
    assert "Quay Builders (bidder) in Harbour board meeting" in review
    assert "Ana Mayor (chair) in Harbour board meeting" in review
    response = approve(editor_client, event, "Good")
    assert response.status_code == 302, messages_after(editor_client, response)
    shown = public().event("harbour-board-meeting")
    assert shown is not None
    assert sorted(p.role for p in shown.public_participants) == ["bidder", "chair"]


def test_after_a_rejection_a_change_to_the_record_alone_sends_its_rejected_new_citation_again(
    fact, reporter_client, editor_client
):
    data = open_form(reporter_client, change_url(fact), "fact_form")
    add_row(data, "citations", {"source": Source.objects.get(slug="daily").pk, "stance": "supports",
                                "locator": "¶6", "quote": "worth 9 million"})
    saved(post_form(reporter_client, change_url(fact), data, "The ruling", statement="Worth 9 million."))
    reject(editor_client, fact, "Say where the figure comes from.")

    saved(edit(reporter_client, fact, "Attributed the figure", statement="Worth 9 million, says the ruling."))

    bundle = workflow.review_bundle(Fact, fact.pk)
    assert {change.model for change in bundle} == {Fact, Citation}
    assert approve(editor_client, fact).status_code == 302
    cited = [c.locator for c in public().fact("contract-value").public_citations]
    assert sorted(cited) == ["¶3", "¶6"]


def test_a_fixed_fact_sends_the_rejected_new_source_it_cites_again_and_its_review_publishes_both(
    case_file, fact, reporter_client, editor_client
):
    data = open_form(reporter_client, add_url(Source) + f"?case={case_file.pk}", "source_form")
    saved(post_form(reporter_client, add_url(Source), data, "New document", kind="other",
                    title="Harbour board minutes", paragraph_count="5"))
    minutes = Source.objects.get(slug="harbour-board-minutes")
    data = open_form(reporter_client, change_url(fact), "fact_form")
    add_row(data, "citations", {"source": minutes.pk, "stance": "supports", "locator": "2"})
    saved(post_form(reporter_client, change_url(fact), data, "The minutes", statement="Worth 9 million."))
    reject(editor_client, fact, "The minutes say 8.")
    assert workflow.review_bundle(Fact, fact.pk) == []

    saved(edit(reporter_client, fact, "Corrected", statement="Worth 8 million."))

    assert "Harbour board minutes" in text_of(editor_client.get(review_url(fact)))
    assert approve(editor_client, fact).status_code == 302
    snapshot = public()
    assert snapshot.fact("contract-value").statement == "Worth 8 million."
    assert snapshot.source("harbour-board-minutes") is not None


def test_the_rejection_banner_goes_once_the_record_is_sent_again(case_file, reporter_client, editor_client):
    event = add_event_with_a_participant(reporter_client, case_file)
    reject(editor_client, event, "Name the mayor, who chaired it.")
    page = text_of(reporter_client.get(change_url(event)))
    assert "Your last change was rejected by edna" in page
    assert "Name the mayor, who chaired it." in page

    data = open_form(reporter_client, change_url(event), "event_form")
    add_row(data, "participations", {"actor": Actor.objects.get(slug="ana-mayor").pk, "role": "chair"})
    saved(post_form(reporter_client, change_url(event), data, "Added the mayor, as asked"))

    page = text_of(reporter_client.get(change_url(event)))
    assert "Your last change was rejected" not in page
    assert "3 changes wait for an editor's review" in page


def test_a_save_that_changes_nothing_after_a_rejection_sends_nothing_again(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    reject(editor_client, fact, "No.")
    decisions = Decision.objects.count()

    saved(edit(reporter_client, fact, "Pressed save"))

    assert workflow.record_changes(Fact, fact.pk) == []
    assert "Your last change was rejected" in text_of(reporter_client.get(change_url(fact)))
    assert Decision.objects.count() == decisions
    assert form_data(reporter_client.get(change_url(fact)), "fact_form")["statement"] == ["Worth 9 million."]

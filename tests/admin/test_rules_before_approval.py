"""Every rule an approval would break is shown before the editor acts, on the review and in the queue, by
the same checks that refuse the approval; the form of a claim follows its citations, and says which fields
must be filled in."""

import json
import re
from html import unescape

from django.urls import reverse

from casefile import workflow
from casefile.models import Actor, ClaimStatus, Event, Fact, FactActor, Relationship, Source, claim_status_problem
from tests.admin.pages import approve_on_review_page, edit, form_data, queue_rows, review_url, saved, shown_messages
from tests.desk.pages import add_url, messages_after, public, text_of
from tests.factories import save

QUEUE = reverse("admin:casefile_review_queue")
BULK = reverse("admin:casefile_review_bulk")


def breaking_three_rules(fact, reporter):
    """The fact made disputed with one side cited, alleging wrongdoing by the mayor, flagged for legal."""
    fact.status = Fact.Status.DISPUTED
    fact.needs_legal_review = True
    save(fact, reporter, "Disputed, and for the lawyers")
    link = FactActor.objects.get(fact=fact, actor__slug="ana-mayor")
    link.alleged = True
    save(link, reporter, "An allegation against the mayor")
    return fact


def test_the_review_lists_every_rule_an_approval_would_break_in_the_words_the_refusal_uses(
    fact, reporter, editor_client
):
    breaking_three_rules(fact, reporter)
    review = editor_client.get(review_url(fact))
    warned = text_of(review).split("Approving as it stands would be refused", 1)[1].split("Approving publishes", 1)[0]
    assert "A disputed fact cites at least one source that supports it and one that contradicts it" in warned
    assert "These allegations were not put to the people they concern" in warned and "Ana Mayor" in warned
    assert "A lawyer must clear these changes first" in warned

    refused = approve_on_review_page(editor_client, fact)
    [refusal] = shown_messages(refused)
    assert refusal.startswith("Not approved: ")
    assert unescape(refusal.removeprefix("Not approved: ")[:1].upper() + refusal.removeprefix("Not approved: ")[1:]) \
        in warned
    assert workflow.approved_version(Fact, fact.pk).status == Fact.Status.CONFIRMED


def test_a_review_that_breaks_no_rule_warns_of_none(
    fact, reporter_client, editor_client, django_assert_max_num_queries
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    # Three of them read the sources its claims rest on (whether they are discredited, or one source in
    # effect), one its review conversations.
    with django_assert_max_num_queries(38):
        review = editor_client.get(review_url(fact))
    assert "would be refused" not in text_of(review)


def test_the_queue_warns_of_each_rule_an_approval_would_break(fact, reporter, editor_client):
    breaking_three_rules(fact, reporter)
    [row] = [text_of(row) for row in queue_rows(editor_client.get(QUEUE)) if "The contract was worth" in row]
    assert "An approval would be refused: A disputed fact cites at least one source" in row
    assert "Waiting for legal" in row
    assert "Allegation against Ana Mayor" in row and "not yet asked for comment" in row


def test_bulk_approval_approves_what_it_may_and_says_why_it_may_not_for_each_other_record(
    fact, disputed_case, reporter_client, reporter, editor_client
):
    breaking_three_rules(fact, reporter)
    saved(edit(reporter_client, Actor.objects.get(slug="quay-builders"), description="Builds quays."))
    tie = Relationship.objects.get(case=disputed_case)
    saved(edit(reporter_client, tie, status="disputed", description="Partners since 2018."))
    saved(edit(reporter_client, Event.objects.get(slug="tender-opened"), location="The port office"))

    data = form_data(editor_client.get(QUEUE), action=BULK)
    data["selected"] = [workflow.key_for(type(record), record.pk) for record in (
        fact, Actor.objects.get(slug="quay-builders"), tie, Event.objects.get(slug="tender-opened"))]
    said = messages_after(editor_client, editor_client.post(BULK, data))

    assert "Approved 2 record(s)." in said
    refusals = [message for message in said if message.startswith("Not approved:")]
    assert len(refusals) == 2, said
    assert any(message.startswith("Not approved: fact “The contract was worth 5 million.”: These allegations")
               for message in refusals), refusals
    assert any(message.startswith("Not approved: relationship “Ana Mayor business partner of Quay Builders”: "
                                  "Relationship “Ana Mayor business partner of Quay Builders”: A disputed relationship")
               for message in refusals), refusals
    snapshot = public()
    assert snapshot.actor("quay-builders").description == "Builds quays."
    assert snapshot.event("tender-opened").location == "The port office"
    assert snapshot.fact("contract-value").status == Fact.Status.CONFIRMED


def borne_out_on(html):
    """The statuses a claim's form says each set of stances bears out, read from the page."""
    attribute = re.search(r'<select name="status"[^>]*data-statuses-borne-out="([^"]*)"', html).group(1)
    return json.loads(unescape(attribute))


def test_a_claims_form_knows_the_status_each_set_of_stances_bears_out_from_the_rule_approvals_apply(
    case_file, reporter_client
):
    for model in (Fact, Event, Relationship):
        html = reporter_client.get(add_url(model) + f"?case={case_file.pk}").content.decode()
        assert "casefile/claim_status.js" in html
        table = borne_out_on(html)
        for stances, entry in table.items():
            cited = stances.split(",") if stances else []
            assert entry["borne_out"] == [status for status in ClaimStatus
                                          if claim_status_problem(status, cited) is None], stances
            assert entry["suggested"] in entry["borne_out"]
        assert table["contradicts,supports"] == {"borne_out": ["disputed", "false"], "suggested": "disputed"}
    assert "claim_status.js" not in reporter_client.get(add_url(Actor)).content.decode()


def test_required_fields_are_marked_as_required_before_any_save(case_file, reporter_client):
    html = reporter_client.get(add_url(Event) + f"?case={case_file.pk}").content.decode()
    assert '<label class="required" for="id_change_reason">' in html
    assert '<th class="column-role required">' in html
    assert '<label for="id_location">' in html


def test_the_queue_warns_that_removing_a_source_would_take_it_from_under_a_published_fact(
    case_file, reporter, editor_client
):
    workflow.propose_removal(Source.objects.get(slug="daily"), reporter, "Unreliable")
    [row] = [text_of(row) for row in queue_rows(editor_client.get(QUEUE)) if "Daily report" in row]
    assert "An approval would be refused: Readers would lose source “Daily report”, on which rest" in row
    assert "the citation ¶3 of fact “The contract was worth 5 million.”" in row

"""A reporter's and an editor's daily work in Debian's Chromium, with the actions each common task takes.

The counts are of what a person does from the desk (the admin's home page):
each click, each text typed and each choice made in a list is one action.
Before the desk, editing a fact took 6, adding a fact with two citations 23
and adding an actor and a relationship 30; the README quotes these counts.
"""

import pytest

from casefile import published
from casefile.models import Actor, Citation, Event, Fact, Relationship

from .browser import LAPTOP, PHONE, Person, marks, scroll_width, shot

pytestmark = marks

EDIT_A_FACT = 5
ADD_A_FACT_WITH_TWO_CITATIONS = 12
ADD_AN_ACTOR_AND_A_RELATIONSHIP = 13
ADD_AN_EVENT_WITH_TWO_PARTICIPANTS = 11


@pytest.fixture
def people(chromium, live_site, served_small_case, served_reporter, served_editor):
    """Rita, a reporter, and Edna, an editor, each at a browser window of their own, logged in."""
    rita, edna = Person(chromium, live_site.url, served_reporter), Person(chromium, live_site.url, served_editor)
    yield rita, edna
    rita.close()
    edna.close()


def test_a_reporter_edits_a_fact_an_editor_previews_and_approves_it_and_the_reporter_sees_it_approved(people):
    rita, edna = people
    rita.open("/admin/")
    rita.go("#content-main a:text-is('Facts')")
    rita.go("#result_list a:has-text('contract-value')")
    rita.fill("#id_statement", "The contract was worth 7 million.")
    rita.fill("#id_change_reason", "The audit gives 7 million")
    rita.save()
    assert rita.actions == EDIT_A_FACT < 6
    assert "was saved and sent for review" in rita.messages()
    rita.open("/admin/")
    assert "Waiting for review: 1" in rita.text("#desk-work")

    edna.open("/admin/")
    assert "Waiting for review: 1" in edna.text("#desk-review")
    assert "Harbour contracts: 1" in edna.text("#desk-review")
    edna.go("#desk-review a:has-text('The contract was worth 7 million.')")
    assert "Changed by rita." in edna.text()
    edna.go("#preview-link")
    assert "Preview, not published." in edna.text("body")
    assert "The contract was worth 7 million." in edna.text("main")
    edna.page.go_back()
    edna.fill("#id_comment", "Matches the audit.")
    edna.go("input[name=_approve]")
    assert "Approved. Readers now see this version." in edna.messages()

    rita.open("/admin/")
    assert "approved by edna" in rita.text("#desk-work")
    assert published.published_case("harbour").fact("contract-value").statement == "The contract was worth 7 million."
    assert rita.errors == [] and edna.errors == []


def marked_required(page, field_id):
    """Whether the label of a field says, before any save, that it must be filled in."""
    return "required" in page.evaluate(
        "id => getComputedStyle(document.querySelector(`label[for=${id}]`), '::after').content", field_id)


def add_event(person, title, when):
    person.open("/admin/")
    person.go("#desk-work a.addlink:has-text('Event')")
    person.fill("#id_title", title)
    person.fill("#id_starts_on", when)


def add_participant(person, name, role):
    """Fill in the first empty participant row the form offers, adding a row when none is left."""
    offered = int(person.page.input_value("#id_participations-TOTAL_FORMS"))
    index = next((i for i in range(offered) if not person.page.input_value(f"#id_participations-{i}-actor")), None)
    if index is None:
        person.click("#participations-group .add-row a")
        index = offered
    person.pick(f"id_participations-{index}-actor", name)
    person.fill(f"#id_participations-{index}-role", role)


def test_a_rejected_event_fixed_only_in_its_participants_is_approved_whole_from_its_review(people):
    rita, edna = people
    add_event(rita, "Harbour board meeting", "March 2021")
    add_participant(rita, "Quay Builders", "bidder")
    rita.fill("#id_change_reason", "From the minutes")
    rita.save()

    edna.open("/admin/")
    edna.go("#desk-review a:has-text('Harbour board meeting')")
    edna.fill("#id_comment", "Name the mayor, who chaired it.")
    edna.go("input[name=_reject]")

    rita.open("/admin/")
    assert "Name the mayor, who chaired it." in rita.text("#desk-work")
    rita.go("#desk-work a:has-text('Harbour board meeting')")
    assert "Your last change was rejected by edna" in rita.text("#editorial-status")
    add_participant(rita, "Ana Mayor", "chair")
    rita.fill("#id_change_reason", "Added the mayor, as asked")
    rita.go("input[name=_continue]")
    assert "Your last change was rejected" not in rita.text("#editorial-status")
    assert "wait for an editor's review" in rita.text("#editorial-status")

    edna.open("/admin/")
    edna.go("#desk-review a:has-text('Harbour board meeting')")
    assert "Event: Harbour board meeting (new)" in edna.text()
    assert "Name the mayor, who chaired it." in edna.text("#since-rejection")
    edna.go("input[name=_approve]")
    assert "Approved. Readers now see this version." in edna.messages()
    event = published.published_case("harbour").event("harbour-board-meeting")
    assert sorted(p.role for p in event.public_participants) == ["bidder", "chair"]


def test_a_reporter_adds_a_fact_with_two_citations_in_opposition_on_a_laptop_screen(people):
    rita, edna = people
    rita.open("/admin/")
    rita.go("#desk-work a.addlink:has-text('Fact')")
    assert marked_required(rita.page, "id_change_reason") and marked_required(rita.page, "id_citations-0-locator")
    rita.fill("#id_statement", "The harbour board borrowed 3 million from the port authority.")
    rita.pick("id_citations-0-source", "Daily report")
    rita.fill("#id_citations-0-locator", "4")
    rita.click("#citations-group .add-row a")
    rita.pick("id_citations-1-source", "Daily report")
    assert rita.page.input_value("#id_status") == "unverified"
    rita.choose("#id_citations-1-stance", "Contradicts")
    rita.fill("#id_citations-1-locator", "6")
    # The sources disagree: the status follows them, saying so, before any save.
    assert rita.page.input_value("#id_status") == "disputed"
    assert "Status set to Disputed" in rita.text("#status-suggestion")
    assert scroll_width(rita.page) <= LAPTOP["width"], "the form scrolls sideways"
    rita.fill("#id_change_reason", "The report gives both accounts")
    rita.save()
    assert rita.actions == ADD_A_FACT_WITH_TWO_CITATIONS <= 12
    assert "was saved and sent for review" in rita.messages()
    assert "cannot approve it" not in rita.messages()

    fact = Fact.objects.get(slug="the-harbour-board-borrowed-3-million")
    assert fact.status == Fact.Status.DISPUTED
    assert sorted(Citation.objects.filter(fact=fact).values_list("stance", "locator")) == [
        ("contradicts", "¶6"), ("supports", "¶4")]

    rita.open(fact.get_admin_url())
    assert scroll_width(rita.page) <= LAPTOP["width"]
    delete = rita.page.locator("#citations-1 .delete input[type=checkbox]").bounding_box()
    assert delete is not None and delete["x"] + delete["width"] <= LAPTOP["width"]

    # A status chosen by hand stays as chosen; the form names what the citations bear out.
    rita.choose("#id_status", "Confirmed")
    assert ("an editor cannot approve it as Confirmed: only as Disputed or False. Make it Disputed"
            in rita.text("#status-suggestion"))
    rita.fill("#id_change_reason", "Confirmed, says the desk")
    rita.go("input[name=_continue]")
    # Before approving, the editor reads the rule it breaks, as the approval would refuse it.
    edna.open(f"/admin/casefile/decision/review/casefile.fact:{fact.pk}/")
    assert "A confirmed fact cites at least one supporting source and none contradicting it" in edna.text(
        "#rules-broken")
    shot(edna.page, "review-rules", full_page=True)
    assert "cannot approve it as Confirmed" in rita.text("#status-suggestion")
    rita.click("#status-suggestion button")
    assert rita.page.input_value("#id_status") == "disputed"
    assert rita.errors == [] and edna.errors == []
    rita.page.set_viewport_size(PHONE)
    rita.open(fact.get_admin_url())
    quote = rita.page.locator("#id_citations-1-quote").bounding_box()
    assert quote["x"] + quote["width"] <= PHONE["width"], "a citation is wider than a phone"
    assert scroll_width(rita.page) <= PHONE["width"], "the form scrolls sideways on a phone"


def test_an_event_known_to_the_month_with_two_participants(people):
    rita, edna = people
    add_event(rita, "Tender opened", "March 2018")
    add_participant(rita, "Ana Mayor", "chair of the tender board")
    add_participant(rita, "Quay Builders", "bidder")
    rita.fill("#id_change_reason", "From the tender notice")
    rita.go("input[name=_continue]")
    assert rita.actions == ADD_AN_EVENT_WITH_TWO_PARTICIPANTS <= 12

    assert rita.page.input_value("#id_starts_on") == "March 2018"
    event = Event.objects.get(slug="tender-opened")
    assert (event.starts_on.isoformat(), event.starts_precision) == ("2018-03-01", "month")
    assert event.participations.count() == 2

    edna.open("/admin/")
    edna.go("#desk-review a:has-text('Tender opened')")
    review = edna.text()
    assert "Starts on March 2018" in review and "2018-03-01" not in review


def test_a_reporter_adds_an_actor_and_a_relationship_with_its_citation(people):
    rita, _ = people
    rita.open("/admin/")
    rita.go("#desk-work a.addlink:has-text('Actor')")
    rita.choose("#id_kind", "Person")
    rita.fill("#id_name", "Li Wei")
    rita.fill("#id_change_reason", "Named in the report")
    rita.save("_addrelationship")
    assert "was saved and sent for review" in rita.messages()
    assert "Li Wei" in rita.text("#id_subject + .select2")
    rita.choose("#id_kind", "business partner of")
    rita.pick("id_object", "Quay Builders")
    rita.pick("id_citations-0-source", "Daily report")
    rita.fill("#id_citations-0-locator", "5")
    rita.fill("#id_change_reason", "The report names them partners")
    rita.save()
    assert rita.actions == ADD_AN_ACTOR_AND_A_RELATIONSHIP <= 14
    assert "Li Wei business partner of Quay Builders" in rita.text("#actor-relationships")

    relationship = Relationship.objects.get(subject__slug="li-wei")
    assert (relationship.case.slug, relationship.object.slug) == ("harbour", "quay-builders")
    assert Actor.objects.get(slug="li-wei").case.slug == "harbour"
    assert relationship.citations.get().locator == "¶5"

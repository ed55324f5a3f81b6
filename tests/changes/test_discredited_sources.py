"""A source discredited: approved like any change, told on the pages of what cites it, and what rests on it
listed for another look."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError

from casefile import published, workflow
from casefile.models import Citation, Fact, Source
from tests.admin.pages import review_url
from tests.factories import approve_all, approve_edit, save
from tests.public.pages import case_url, page, text

DISCREDITED_ON = datetime.date(2021, 3, 4)


def discredit(source, reporter, editor=None, note="The Daily retracted the story <b>in full</b>."):
    source.discredited_on, source.discredited_note = DISCREDITED_ON, note
    save(source, reporter)
    if editor is not None:
        approve_edit(editor, source, "Retracted.")
    return source


def test_a_note_on_a_discrediting_without_its_day_is_refused_with_a_clear_message(case_file):
    source = Source.objects.get(slug="daily")
    source.discredited_note = "Retracted."
    with pytest.raises(ValidationError) as refused:
        source.full_clean()
    assert refused.value.message_dict["discredited_on"] == [
        "Give the day the source was discredited, or leave the note empty."]


def test_once_approved_the_pages_of_what_cites_it_say_it_was_discredited_and_on_which_day(
    client, case_file, reporter, editor
):
    discredit(Source.objects.get(slug="daily"), reporter, editor)
    fact_page = text(page(client, case_url(case_file, "fact_detail", "contract-value")))
    assert "One of its sources, “ Daily report ”, was discredited on 4 March 2021." in fact_page
    event_page = text(page(client, case_url(case_file, "event_detail", "contract-signed")))
    assert "was discredited on 4 March 2021" in event_page
    source_html = page(client, case_url(case_file, "source_detail", "daily"))
    assert "Discredited on" in text(source_html)
    assert "&lt;b&gt;in full&lt;/b&gt;" in source_html and "<b>in full" not in source_html
    sources = {s["slug"]: s for s in json.loads(page(client, case_url(case_file, "case_json")))["sources"]}
    assert sources["daily"]["discredited_on"] == "2021-03-04"


def test_a_discrediting_not_yet_approved_shows_nowhere_readers_look_nor_on_the_desk(
    client, editor_client, case_file, reporter
):
    discredit(Source.objects.get(slug="daily"), reporter)
    assert "discredited" not in page(client, case_url(case_file, "fact_detail", "contract-value"))
    assert "retracted" not in page(client, case_url(case_file, "source_detail", "daily"))
    assert "desk-discredited" not in page(editor_client, "/admin/")


def test_the_desk_lists_every_claim_resting_on_a_discredited_source_for_another_look(
    editor_client, case_file, reporter, editor, django_assert_max_num_queries
):
    discredit(Source.objects.get(slug="daily"), reporter, editor)
    with django_assert_max_num_queries(4):
        claims = published.claims_on_discredited_sources()
    assert {(claim.kind, claim.rests_on_discredited_alone) for claim in claims} == {("fact", True), ("event", True)}
    desk = text(page(editor_client, "/admin/"))
    assert "Claims resting on discredited sources: 2" in desk
    assert "The contract was worth 5 million." in desk
    assert "“ Daily report ”, discredited on 4 Mar 2021" in desk


def test_a_confirmed_claim_cannot_be_approved_again_on_discredited_sources_alone(case_file, reporter, editor):
    discredit(Source.objects.get(slug="daily"), reporter, editor)
    fact = Fact.objects.get(slug="contract-value")
    fact.assessment = "Checked once more."
    save(fact, reporter)
    with pytest.raises(workflow.UnfoundedClaim) as refused:
        approve_edit(editor, fact, "")
    assert ("A confirmed fact cannot rest on discredited sources alone, and every source supporting it is "
            "discredited (“Daily report”, discredited on 04 Mar 2021)") in refused.value.message
    fact.status = Fact.Status.UNVERIFIED
    save(fact, reporter)
    approve_edit(editor, fact, "Back to unverified.")
    assert published.claims_on_discredited_sources()[0].kind == "event"


def test_a_second_supporting_source_lets_a_claim_stay_confirmed_and_off_the_bare_list(case_file, reporter, editor):
    discredit(Source.objects.get(slug="daily"), reporter, editor)
    registry = save(Source(case=case_file, slug="registry", kind=Source.Kind.OFFICIAL_ANNOUNCEMENT,
                           title="Company registry", publisher="Registry"), reporter)
    approve_edit(editor, registry, "New source.")
    fact = Fact.objects.get(slug="contract-value")
    save(Citation(fact=fact, source=registry, locator="¶1"), reporter)
    approve_all(editor, case_file)
    resting = {claim.kind: claim.rests_on_discredited_alone for claim in published.claims_on_discredited_sources()}
    assert resting == {"fact": False, "event": True}


def test_the_review_of_a_discrediting_says_what_rests_on_the_source_before_the_editor_approves(
    editor_client, case_file, reporter
):
    source = discredit(Source.objects.get(slug="daily"), reporter)
    shown = text(editor_client.get(review_url(source)).content.decode())
    assert ("Approving marks the source “Daily report” discredited: 2 claims readers see cite it, 2 resting on it "
            "alone.") in shown

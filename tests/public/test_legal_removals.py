"""A removal an editor marks as made for legal reasons is told to readers without the text removed."""

import feedparser
import pytest
from django.urls import reverse

from casefile import workflow
from casefile.models import Decision, Fact
from tests.admin.pages import form_data, review_url
from tests.factories import approve_edit, save
from tests.public.pages import case_url, page, text

FIRST_TEXT = "The contract was worth 5 million."
CORRECTED_TEXT = "The mayor's cousin owns the firm that won the contract."


def approve_removal_on_review_page(client, record, for_legal_reasons):
    review = client.get(review_url(record))
    assert review.status_code == 200
    data = form_data(review, having="_approve")
    if for_legal_reasons:
        data["for_legal_reasons"] = ["on"]
    data["_approve"] = ["Approve all of the above"]
    return client.post(review_url(record), data)


@pytest.fixture
def corrected_then_removed(case_file, reporter, editor):
    """The fact, corrected once after publication, then proposed for removal."""
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = CORRECTED_TEXT
    save(fact, reporter)
    approve_edit(editor, fact, "Per the registry.")
    workflow.propose_removal(fact, reporter, "The cousin's lawyer wrote to us")
    return fact


def what_readers_are_told(client, case_file):
    """The corrections log and both feeds, as text."""
    feeds = [client.get(reverse("casefile:feed")).content, client.get(case_url(case_file, "case_feed")).content]
    for feed in feeds:
        assert not feedparser.parse(feed).bozo
    return [text(page(client, case_url(case_file, "corrections"))), *(feed.decode() for feed in feeds)]


def test_a_removal_for_legal_reasons_says_why_in_general_terms_and_never_the_text(
    client, case_file, corrected_then_removed, editor_client
):
    response = approve_removal_on_review_page(editor_client, corrected_then_removed, for_legal_reasons=True)
    assert response.status_code == 302

    for told in what_readers_are_told(client, case_file):
        assert "A fact was removed for legal reasons." in told
        assert "The statement of a fact was corrected (since removed for legal reasons)." in told
        assert "cousin" not in told and "worth 5 million" not in told
    assert Decision.objects.get(object_id=corrected_then_removed.pk, removes=True).for_legal_reasons


def test_a_removal_not_marked_for_legal_reasons_names_the_fact_removed(
    client, case_file, corrected_then_removed, editor_client
):
    response = approve_removal_on_review_page(editor_client, corrected_then_removed, for_legal_reasons=False)
    assert response.status_code == 302

    for told in what_readers_are_told(client, case_file):
        assert "cousin owns the firm that won the contract." in told
        assert "for legal reasons" not in told


def test_the_review_page_offers_the_mark_only_for_a_removal(case_file, reporter, editor_client):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = CORRECTED_TEXT
    save(fact, reporter)
    assert "Removed for legal reasons" not in editor_client.get(review_url(fact)).content.decode()

    workflow.propose_removal(fact, reporter, "Legal asked us to")
    assert "Removed for legal reasons" in editor_client.get(review_url(fact)).content.decode()


def test_a_change_that_removes_nothing_cannot_be_marked_as_a_removal_for_legal_reasons(
    case_file, reporter, editor
):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = CORRECTED_TEXT
    save(fact, reporter)

    with pytest.raises(workflow.WorkflowError, match="only a removal is made for legal reasons"):
        workflow.approve(editor, {(Fact, fact.pk): workflow.latest_version(Fact, fact.pk).history_id},
                         for_legal_reasons=True)
    assert workflow.record_changes(Fact, fact.pk)


def test_the_records_history_says_the_removal_was_made_for_legal_reasons(
    case_file, corrected_then_removed, editor_client
):
    approve_removal_on_review_page(editor_client, corrected_then_removed, for_legal_reasons=True)

    history = editor_client.get(reverse("admin:casefile_fact_history", args=[corrected_then_removed.pk]))
    assert "Approved as a removal for legal reasons by edna" in history.content.decode()


def test_an_editor_who_deletes_a_published_fact_may_mark_it_as_removed_for_legal_reasons(
    client, case_file, reporter, editor, editor_client
):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = CORRECTED_TEXT
    save(fact, reporter)
    approve_edit(editor, fact, "Per the registry.")
    delete_url = reverse("admin:casefile_fact_delete", args=[fact.pk])
    assert "Removed for legal reasons" in editor_client.get(delete_url).content.decode()

    response = editor_client.post(delete_url, {"post": "yes", "for_legal_reasons": "on"})

    assert response.status_code == 302
    assert not Fact.objects.filter(pk=fact.pk).exists()
    for told in what_readers_are_told(client, case_file):
        assert "A fact was removed for legal reasons." in told
        assert "cousin" not in told and "worth 5 million" not in told

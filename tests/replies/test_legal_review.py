"""A change of a record flagged for legal review is published in two steps: legal clears, then an editor approves."""

import pytest
from django.core import mail
from django.urls import reverse

from casefile import workflow
from casefile.models import Fact, LegalReview
from casefile.workflow import legal

from ..factories import save
from .support import versions_of_change


@pytest.fixture
def flagged(case_file, reporter, lawyer, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.needs_legal_review = True
    fact.statement = "The contract was worth 9 million, double the going rate."
    return save(fact, reporter, "Sharper wording")


def review_url(fact):
    return reverse("admin:casefile_review", args=[workflow.key_for(Fact, fact.pk)])


def seen(fact):
    return workflow.fingerprint((c.key, c.latest.history_id) for c in workflow.record_changes(Fact, fact.pk))


def test_an_editor_cannot_approve_a_flagged_change_before_legal_clears_it(flagged, editor):
    with pytest.raises(legal.NotCleared, match="waiting for legal"):
        workflow.approve(editor, versions_of_change(flagged))
    assert workflow.record_changes(Fact, flagged.pk)


def test_legal_clears_then_the_editor_approves(flagged, editor, lawyer):
    legal.decide_legal(lawyer, Fact, flagged.pk, seen(flagged), "cleared", "Fine: the registry shows it.")
    assert legal.legal_state(Fact, flagged.pk).label == "Cleared by legal: waiting for the editor"
    workflow.approve(editor, versions_of_change(flagged))
    assert not workflow.record_changes(Fact, flagged.pk)


def test_a_refusal_keeps_the_change_from_being_approved(flagged, editor, lawyer):
    legal.decide_legal(lawyer, Fact, flagged.pk, seen(flagged), "refused", "Defamatory as worded.")
    assert legal.legal_state(Fact, flagged.pk).state == legal.LegalState.REFUSED
    with pytest.raises(legal.NotCleared, match="refused by legal"):
        workflow.approve(editor, versions_of_change(flagged))


def test_a_refusal_needs_a_comment(flagged, lawyer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        legal.decide_legal(lawyer, Fact, flagged.pk, seen(flagged), "refused", " ")
    assert not LegalReview.objects.exists()


def test_an_edit_after_clearance_sends_the_change_back_to_legal(flagged, editor, lawyer, reporter):
    legal.decide_legal(lawyer, Fact, flagged.pk, seen(flagged), "cleared", "")
    flagged.statement = "The contract was worth 9 million, triple the going rate."
    save(flagged, reporter, "Another edit")
    assert legal.legal_state(Fact, flagged.pk).state == legal.LegalState.WAITING
    with pytest.raises(legal.NotCleared):
        workflow.approve(editor, versions_of_change(flagged))


def test_unflagging_does_not_skip_legal(flagged, editor, reporter):
    flagged.needs_legal_review = False
    save(flagged, reporter, "No need for legal")
    with pytest.raises(legal.NotCleared):
        workflow.approve(editor, versions_of_change(flagged))


def test_a_clearance_of_what_changed_since_the_lawyer_opened_it_is_refused(flagged, lawyer, reporter):
    shown = seen(flagged)
    flagged.statement = "Changed meanwhile."
    save(flagged, reporter, "Meanwhile")
    with pytest.raises(workflow.WorkflowError, match="changed after you opened it"):
        legal.decide_legal(lawyer, Fact, flagged.pk, shown, "cleared", "")


def test_only_the_legal_group_clears(flagged, editor, reporter):
    from django.core.exceptions import PermissionDenied

    for user in (editor, reporter):
        with pytest.raises(PermissionDenied):
            legal.decide_legal(user, Fact, flagged.pk, seen(flagged), "cleared", "")


def test_the_queue_shows_each_step(flagged, editor_client, lawyer):
    page = editor_client.get(reverse("admin:casefile_review_queue")).content.decode()
    assert "Waiting for legal" in page
    legal.decide_legal(lawyer, Fact, flagged.pk, seen(flagged), "cleared", "Checked against the registry")
    page = editor_client.get(reverse("admin:casefile_review_queue")).content.decode()
    assert "Cleared by legal: waiting for the editor" in page and "Checked against the registry" in page


def test_the_lawyer_clears_from_the_review_page_and_the_reporter_and_editors_hear_of_it(
        flagged, lawyer_client, django_capture_on_commit_callbacks):
    page = lawyer_client.get(review_url(flagged))
    assert page.status_code == 200
    assert "Clear on legal grounds" in page.content.decode()
    assert "Approve all of the above" not in page.content.decode()
    versions = [f"{workflow.key_for(m, pk)}@{h}" for (m, pk), h in versions_of_change(flagged).items()]
    with django_capture_on_commit_callbacks(execute=True):
        response = lawyer_client.post(review_url(flagged), {
            "version": versions, "seen": seen(flagged), "comment": "Fine.", "_legal_clear": "1"})
    assert response.status_code == 302
    assert LegalReview.objects.get().verdict == "cleared"
    [notice] = mail.outbox
    assert "cleared" in notice.subject.lower()
    assert {"rita@example.org", "edna@example.org"} <= set(notice.to)


def test_a_lawyer_cannot_approve_from_the_review_page(flagged, lawyer_client):
    versions = [f"{workflow.key_for(m, pk)}@{h}" for (m, pk), h in versions_of_change(flagged).items()]
    response = lawyer_client.post(review_url(flagged), {"version": versions, "_approve": "1"})
    assert response.status_code == 403
    assert workflow.record_changes(Fact, flagged.pk)


def test_legal_reads_records_and_their_history_but_cannot_edit(flagged, lawyer_client):
    change_url = reverse("admin:casefile_fact_change", args=[flagged.pk])
    assert lawyer_client.get(change_url).status_code == 200
    assert lawyer_client.get(reverse("admin:casefile_fact_history", args=[flagged.pk])).status_code == 200
    response = lawyer_client.post(change_url, {"statement": "A lawyer's edit", "change_reason": "x"})
    assert response.status_code == 403
    assert Fact.objects.get(pk=flagged.pk).statement != "A lawyer's edit"
    assert lawyer_client.get(reverse("admin:casefile_fact_add")).status_code == 403


def test_legal_hears_when_a_flagged_change_waits_and_not_once_it_is_cleared(flagged, reporter, lawyer):
    from casefile.workflow.notify import announce_to_legal

    assert announce_to_legal(flagged, reporter)
    [notice] = mail.outbox
    assert notice.subject.startswith("[Casefile] Waiting for legal") and notice.to == ["lola@example.org"]
    legal.decide_legal(lawyer, Fact, flagged.pk, seen(flagged), "cleared", "")
    mail.outbox.clear()
    announce_to_legal(flagged, reporter)
    assert not mail.outbox


def test_a_change_of_an_unflagged_record_does_not_bother_legal(case_file, reporter, lawyer):
    from casefile.workflow.notify import announce_to_legal

    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "An ordinary edit."
    save(fact, reporter)
    announce_to_legal(fact, reporter)
    assert not mail.outbox

"""Removing a published record is proposed and approved; only a never-approved record may simply be deleted."""

import re

import pytest
from django.urls import reverse

from casefile import workflow
from casefile.models import Actor, Citation, Decision, Event, Fact, FactActor, FactEvent, Publication, Source
from tests.admin.pages import (
    approve_on_review_page,
    change_url,
    edit,
    open_change_form,
    public,
    public_statement,
    review_url,
    saved,
)
from tests.factories import approve_all, save


@pytest.mark.parametrize("model, slug", [(Actor, "ana-mayor"), (Fact, "contract-value")],
                         ids=["actor", "fact"])
def test_a_proposed_removal_stays_public_until_an_editor_approves_it(
    case_file, reporter_client, editor_client, model, slug
):
    record = model.objects.get(slug=slug)
    in_public = {Actor: lambda s: s.actor(slug), Fact: lambda s: s.fact(slug)}[model]
    saved(edit(reporter_client, record, reason="Not backed by the documents", removal_proposed="on"))
    record.refresh_from_db()
    assert record.removal_proposed
    assert in_public(public()) is not None

    page = editor_client.get(review_url(record))
    assert "(removal proposed)" in page.content.decode()
    assert "Not backed by the documents" in page.content.decode()
    assert approve_on_review_page(editor_client, record).status_code == 302
    assert in_public(public()) is None
    assert model.objects.filter(pk=record.pk).exists()


def test_a_reporter_cannot_delete_an_approved_record(fact, reporter_client):
    url = reverse("admin:casefile_fact_delete", args=[fact.pk])
    assert reporter_client.get(url).status_code == 403
    assert reporter_client.post(url, {"post": "yes"}).status_code == 403
    assert Fact.objects.filter(pk=fact.pk).exists()
    assert public_statement() == "The contract was worth 5 million."


def test_a_reporter_cannot_delete_an_approved_record_from_the_changelist(fact, reporter_client):
    response = reporter_client.post(reverse("admin:casefile_fact_changelist"), {
        "action": "delete_selected", "_selected_action": [fact.pk], "post": "yes",
    })
    assert response.status_code == 403
    assert Fact.objects.filter(pk=fact.pk).exists()


def test_a_reporter_can_delete_a_record_that_was_never_approved(case_file, reporter, reporter_client):
    draft = save(Fact(case=case_file, slug="draft", statement="A draft"), reporter)
    save(Citation(fact=draft, source=Source.objects.get(slug="daily"), locator="¶1"), reporter)
    url = reverse("admin:casefile_fact_delete", args=[draft.pk])
    assert reporter_client.get(url).status_code == 200
    assert reporter_client.post(url, {"post": "yes"}).status_code == 302
    assert not Fact.objects.filter(pk=draft.pk).exists()
    assert Fact.history.filter(id=draft.pk, history_type="-").exists()
    assert workflow.review_queue(case=case_file) == []


def test_an_editor_can_delete_an_approved_record_and_it_leaves_the_public(
    case_file, editor_client, reporter
):
    draft = save(Fact(case=case_file, slug="to-go", statement="Soon gone"), reporter)
    approve_all(Decision.objects.first().decided_by, case_file)
    assert public().fact("to-go") is not None
    url = reverse("admin:casefile_fact_delete", args=[draft.pk])
    assert editor_client.post(url, {"post": "yes"}).status_code == 302
    assert public().fact("to-go") is None


def test_deleting_an_approved_citation_inline_proposes_its_removal_instead(
    fact, reporter_client, editor_client
):
    citation = Citation.objects.get(fact=fact)
    data = open_change_form(reporter_client, fact)
    index = next(k.split("-")[1] for k, v in data.items()
                 if re.fullmatch(r"citations-\d+-id", k) and v == [str(citation.pk)])
    data[f"citations-{index}-DELETE"] = ["on"]
    # Without its one supporting source the fact can no longer be confirmed.
    data["status"] = ["unverified"]
    data["change_reason"] = ["This paragraph does not say it"]
    saved(reporter_client.post(change_url(fact), data))

    citation.refresh_from_db()
    assert citation.removal_proposed
    assert [c.locator for c in public().fact("contract-value").public_citations] == ["¶3"]
    assert approve_on_review_page(editor_client, fact).status_code == 302
    assert public().fact("contract-value").public_citations == []
    assert Citation.objects.filter(pk=citation.pk).exists()


def test_deleting_a_published_fact_takes_its_citations_and_links_off_the_queue_and_the_publications(
    case_file, reporter, editor, editor_client
):
    fact = Fact.objects.get(slug="contract-value")
    save(FactEvent(fact=fact, event=Event.objects.get(slug="contract-signed")), reporter)
    approve_all(editor, case_file)
    fact.statement = "The contract was worth 6 million."
    save(fact, reporter)
    children = [(Citation, pk) for pk in fact.citations.values_list("pk", flat=True)] + [
        (FactActor, pk) for pk in fact.actor_links.values_list("pk", flat=True)] + [
        (FactEvent, pk) for pk in fact.event_links.values_list("pk", flat=True)]
    assert len(children) == 3

    assert editor_client.post(reverse("admin:casefile_fact_delete", args=[fact.pk]), {"post": "yes"}).status_code == 302

    assert workflow.review_queue(case=case_file) == []
    for model, pk in [(Fact, fact.pk), *children]:
        assert not Publication.objects.filter(content_type=workflow.content_type(model), object_id=pk).exists()
        gone = model.history.filter(id=pk).first()
        assert (gone.history_type, gone.history_user, gone.history_change_reason) == (
            "-", editor, "Deleted in the admin")
        assert Decision.objects.get(history_id=gone.history_id, content_type=workflow.content_type(model)).removes

"""An editor reviews a change and approves exactly the versions shown, and only those."""

from django.urls import reverse

from casefile import workflow
from casefile.models import Citation, Decision, Fact, Source
from tests.admin.pages import (
    add_source_in_admin,
    approve_on_review_page,
    cite,
    edit,
    form_data,
    history_ids,
    public,
    public_statement,
    review_url,
    saved,
    shown_messages,
    text_of,
)


def test_a_reporters_edit_stays_invisible_to_readers_until_an_editor_approves_it(
    fact, reporter_client, editor_client, editor
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    assert public_statement() == "The contract was worth 5 million."

    review = editor_client.get(review_url(fact))
    assert "Worth 9 million." in review.content.decode()
    assert public_statement() == "The contract was worth 5 million."

    response = approve_on_review_page(editor_client, fact, "Checked")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:casefile_review_queue")
    assert public_statement() == "Worth 9 million."
    decision = Decision.objects.filter(object_id=fact.pk, content_type__model="fact").first()
    assert (decision.action, decision.decided_by, decision.comment) == ("approved", editor, "Checked")
    assert decision.history_id == history_ids(fact)[-1]


def test_the_review_page_shows_the_field_diff_and_the_reporters_reasons(fact, reporter_client, editor_client):
    saved(edit(reporter_client, fact, reason="The ruling says nine", statement="Worth 9 million.",
               status="disputed"))
    page = text_of(editor_client.get(review_url(fact)))
    assert "<del>The contract was worth 5 million.</del>" in page
    assert "<ins>Worth 9 million.</ins>" in page
    assert "<del>Confirmed</del>" in page and "<ins>Disputed</ins>" in page
    assert "rita: The ruling says nine" in page


def test_an_approval_of_versions_that_changed_since_the_review_was_opened_is_refused(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    page = editor_client.get(review_url(fact))
    seen = form_data(page, having="_approve")
    saved(edit(reporter_client, fact, reason="Typo", statement="Worth 9.5 million."))
    decisions = Decision.objects.count()

    response = editor_client.post(review_url(fact), {**seen, "_approve": ["Approve"]})
    assert response.status_code == 200
    assert any("changed after you opened the review" in m for m in shown_messages(response))
    assert Decision.objects.count() == decisions
    assert public_statement() == "The contract was worth 5 million."
    assert "Worth 9.5 million." in response.content.decode()
    fresh = form_data(response, having="_approve")["version"]
    assert fresh != seen["version"]


def test_the_review_of_a_fact_citing_a_new_source_shows_the_source_and_approving_publishes_both(
    fact, case_file, reporter_client, editor_client
):
    source = add_source_in_admin(reporter_client, case_file, "harbour-minutes", "Harbour board minutes")
    cite(reporter_client, fact, source, "¶2")
    page = editor_client.get(review_url(fact))
    assert "Harbour board minutes" in page.content.decode()
    assert any(v.startswith(f"casefile.source:{source.pk}@") for v in form_data(page, having="_approve")["version"])

    assert approve_on_review_page(editor_client, fact).status_code == 302
    snapshot = public()
    assert snapshot.source("harbour-minutes") is not None
    cited = [(c.source.slug, c.locator) for c in snapshot.fact("contract-value").public_citations]
    assert ("harbour-minutes", "¶2") in cited


def test_approving_a_fact_without_the_new_source_it_cites_is_refused_naming_the_source(
    fact, case_file, reporter_client, editor_client
):
    source = add_source_in_admin(reporter_client, case_file, "harbour-minutes", "Harbour board minutes")
    cite(reporter_client, fact, source, "¶2")
    data = form_data(editor_client.get(review_url(fact)), having="_approve")
    data["version"] = [v for v in data["version"] if not v.startswith("casefile.source:")]
    assert len(data["version"]) >= 1
    decisions = Decision.objects.count()

    response = editor_client.post(review_url(fact), {**data, "_approve": ["Approve"]})
    assert response.status_code == 200
    refusal = " ".join(shown_messages(response))
    assert "Harbour board minutes" in refusal and "Not approved" in refusal
    assert Decision.objects.count() == decisions
    snapshot = public()
    assert snapshot.source("harbour-minutes") is None
    assert [c.locator for c in snapshot.fact("contract-value").public_citations] == ["¶3"]


def test_a_citation_added_after_the_review_was_opened_blocks_the_approval(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    seen = form_data(editor_client.get(review_url(fact)), having="_approve")
    cite(reporter_client, fact, Source.objects.get(slug="daily"), "¶6")
    decisions = Decision.objects.count()

    response = editor_client.post(review_url(fact), {**seen, "_approve": ["Approve"]})
    assert response.status_code == 200
    assert any("not part of your review" in m for m in shown_messages(response))
    assert Decision.objects.count() == decisions
    assert public_statement() == "The contract was worth 5 million."
    assert "¶6" in response.content.decode()


def test_the_review_of_a_record_that_never_existed_is_not_found(fact, editor_client):
    missing = reverse("admin:casefile_review", args=["casefile.fact:999999"])
    assert editor_client.get(missing).status_code == 404
    assert editor_client.post(missing, {"_approve": ["Approve"]}).status_code == 404


def test_the_review_of_a_deleted_record_waiting_for_review_still_opens(fact, editor, editor_client):
    citation = Citation.objects.get(fact=fact)
    # Deleted as deletions were before they decided on their children: the removals wait for review.
    deleted = Fact.objects.get(pk=fact.pk)
    deleted._history_user = editor
    deleted.delete()
    assert not Citation.objects.filter(pk=citation.pk).exists()
    assert workflow.pending_change(Citation, citation.pk) is not None

    page = editor_client.get(review_url(citation))
    assert page.status_code == 200
    assert "(removal proposed)" in page.content.decode()
    deleted_fact = editor_client.get(review_url(fact))
    assert deleted_fact.status_code == 200


def test_a_review_key_that_names_no_case_file_record_is_refused(editor_client, admin_user):
    for key in ("auth.user:1", "casefile.decision:1", "casefile.fact", "casefile.fact:x"):
        assert editor_client.get(reverse("admin:casefile_review", args=[key])).status_code == 403

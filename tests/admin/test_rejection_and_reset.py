"""An editor rejects a change with a comment; the reporter reads why and may reset to the approved text."""

from django.urls import reverse

from casefile import workflow
from casefile.models import Citation, Decision, Fact, Source
from tests.admin.pages import (
    add_inline_row,
    change_url,
    edit,
    form_data,
    history_ids,
    open_change_form,
    public_statement,
    reject_on_review_page,
    saved,
    shown_messages,
    text_of,
)


def test_a_rejection_without_a_comment_is_refused(fact, reporter_client, editor_client):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    response = reject_on_review_page(editor_client, fact, "  ")
    assert response.status_code == 200
    assert any("needs a comment" in m for m in shown_messages(response))
    assert not Decision.objects.filter(action="rejected").exists()
    assert "Worth 9 million." in response.content.decode()


def test_a_rejected_change_keeps_the_public_version_and_the_reporter_reads_why(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    response = reject_on_review_page(editor_client, fact, "The ruling says 5, not 9.")
    assert response.status_code == 302
    assert public_statement() == "The contract was worth 5 million."
    assert Decision.objects.filter(action="rejected", comment="The ruling says 5, not 9.").exists()
    page = reporter_client.get(change_url(fact))
    assert "Your last change was rejected by edna" in text_of(page)
    assert "The ruling says 5, not 9." in page.content.decode()


def test_resetting_after_a_rejection_restores_the_approved_text_and_keeps_every_version(
    fact, reporter, reporter_client, editor_client
):
    data = open_change_form(reporter_client, fact)
    add_inline_row(data, "citations", {"source": Source.objects.get(slug="daily").pk,
                                       "stance": "contradicts", "locator": "¶9"})
    data.update(statement=["Worth 9 million."], change_reason=["ruling"])
    saved(reporter_client.post(change_url(fact), data))
    reject_on_review_page(editor_client, fact, "Not what the ruling says.")
    before = history_ids(fact)

    page = reporter_client.get(change_url(fact))
    assert "Reset the working version to the approved one" in page.content.decode()
    reset = reverse("admin:casefile_fact_reset", args=[fact.pk])
    assert f'action="{reset}"' in page.content.decode()
    response = reporter_client.post(reset)
    assert response.status_code == 302
    fact.refresh_from_db()
    assert fact.statement == "The contract was worth 5 million."
    assert not Citation.objects.filter(fact=fact, locator="¶9").exists()
    after = history_ids(fact)
    assert after[: len(before)] == before and len(after) == len(before) + 1
    statements = list(Fact.history.filter(id=fact.pk).values_list("statement", flat=True))
    assert "Worth 9 million." in statements
    assert Citation.history.filter(fact_id=fact.pk, locator="¶9").count() == 2
    latest = Fact.history.filter(id=fact.pk).order_by("-history_id").first()
    assert latest.history_user == reporter
    assert workflow.record_changes(Fact, fact.pk) == []
    assert public_statement() == "The contract was worth 5 million."


def test_reset_is_only_a_post(fact, reporter_client):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    assert reporter_client.get(reverse("admin:casefile_fact_reset", args=[fact.pk])).status_code == 403
    fact.refresh_from_db()
    assert fact.statement == "Worth 9 million."


def test_a_browser_can_still_submit_the_change_form_of_a_record_with_a_pending_change(
    fact, reporter_client
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    page = reporter_client.get(change_url(fact))
    assert "Reset the working version" in page.content.decode()
    data = form_data(page, "fact_form", browser=True)
    assert {"statement", "change_reason", "edit_token", "citations-TOTAL_FORMS"} <= set(data)

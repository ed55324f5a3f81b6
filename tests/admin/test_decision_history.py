"""A record's history page shows every approval and rejection of it."""

from django.urls import reverse

from casefile.models import Decision
from tests.admin.pages import approve_on_review_page, edit, reject_on_review_page, saved, text_of


def test_every_approval_and_rejection_appears_on_the_records_history_page(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    reject_on_review_page(editor_client, fact, "Ruling says 5.")
    saved(edit(reporter_client, fact, statement="Worth 5 million, the ruling says."))
    approve_on_review_page(editor_client, fact, "Matches the ruling.")

    page = text_of(reporter_client.get(reverse("admin:casefile_fact_history", args=[fact.pk])))
    assert "Rejected by edna" in page and "Ruling says 5." in page
    assert "Approved by edna" in page and "Matches the ruling." in page
    assert "approved in test" in page
    assert page.count("Approved by edna") == Decision.objects.filter(
        object_id=fact.pk, content_type__model="fact", action="approved").count()

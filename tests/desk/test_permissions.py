"""Nothing is offered that will be refused, and a refusal explains itself in the admin's own page."""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse

from casefile.admin.refusals import permission_denied

from casefile.models import Citation, Fact, Source

from .pages import change_url, messages_after, text_of
from tests.factories import save


def delete_url(record):
    return reverse(f"admin:casefile_{record._meta.model_name}_delete", args=[record.pk])


def test_a_reporter_is_not_offered_to_delete_a_published_record_and_is_told_why_if_they_try(
    fact, reporter_client
):
    assert f'href="{delete_url(fact)}"' not in reporter_client.get(change_url(fact)).content.decode()

    refused = reporter_client.get(delete_url(fact))

    assert refused.status_code == 403
    text = text_of(refused)
    assert "Not allowed" in text and "Casefile" in text
    assert "This fact has been published, so only an editor can delete it." in text
    assert "tick “Removal proposed” on its page" in text
    assert Fact.objects.filter(pk=fact.pk).exists()


def test_a_reporter_deleting_from_a_list_that_holds_a_published_record_is_told_why_on_the_list(
    case_file, fact, reporter, reporter_client
):
    draft = save(Fact(case=case_file, slug="draft", statement="A draft"), reporter)
    response = reporter_client.post(reverse("admin:casefile_fact_changelist"), {
        "action": "delete_selected", "_selected_action": [fact.pk, draft.pk],
    })
    assert response.status_code == 302
    shown = messages_after(reporter_client, response)
    assert any(m.startswith("Nothing was deleted.") and "has been published" in m for m in shown)
    assert Fact.objects.filter(pk__in=[fact.pk, draft.pk]).count() == 2


def test_a_record_others_rest_on_is_not_offered_for_deletion_and_the_refusal_names_them(
    case_file, fact, reporter, reporter_client
):
    source = save(Source(case=case_file, slug="minutes", kind="other", title="Board minutes"), reporter)
    save(Citation(fact=fact, source=source, locator="¶1"), reporter)
    assert f'href="{delete_url(source)}"' not in reporter_client.get(change_url(source)).content.decode()

    refused = reporter_client.get(delete_url(source))

    assert refused.status_code == 403
    assert ("This source cannot be deleted while other records rest on it: citation “Board minutes ¶1 "
            "(supports)”. Point them at another record or delete them first.") in text_of(refused)


def test_a_reporter_may_delete_a_draft_nothing_rests_on_from_its_page(case_file, reporter, reporter_client):
    draft = save(Fact(case=case_file, slug="draft", statement="A draft"), reporter)
    assert f'href="{delete_url(draft)}"' in reporter_client.get(change_url(draft)).content.decode()
    assert reporter_client.post(delete_url(draft), {"post": "yes"}).status_code == 302
    assert not Fact.objects.filter(pk=draft.pk).exists()


def test_a_reporter_opening_the_review_queue_is_told_in_the_admins_page(reporter_client):
    refused = reporter_client.get(reverse("admin:casefile_review_queue"))
    assert refused.status_code == 403
    assert "Your account may not do this." in text_of(refused)
    assert 'href="/admin/"' in refused.content.decode()


def test_a_refusal_outside_the_admin_is_the_plain_page_and_tells_nothing_of_the_reason(db):
    request = RequestFactory().get("/cases/harbour/")
    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied("an internal detail"))
    assert response.status_code == 403
    assert b"an internal detail" not in response.content

"""What people are told when the site cannot read what they sent: a form too large, or with too many fields."""

from django.conf import settings
from django.test import Client
from django.urls import reverse

from casefile import workflow
from casefile.models import Fact
from tests.admin.pages import change_url, form_data, open_change_form, public_statement


def test_a_form_too_large_to_save_is_refused_in_the_admins_page_saying_nothing_was_saved(fact, reporter):
    # As a browser sends it: the CSRF check reads the form first.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reporter)
    data = open_change_form(browser, fact)
    data["statement"] = ["The contract was worth 5 million. " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 30)]
    data["change_reason"] = ["Pasted the whole ruling"]

    response = browser.post(change_url(fact), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "<h1>Too large to save</h1>" in page
    assert "the text of a form may come to 2.5\xa0MB at most. Nothing was saved." in page
    assert 'href="/admin/">Your desk</a>' in page
    assert workflow.pending_change(Fact, fact.pk) is None
    assert public_statement() == "The contract was worth 5 million."


def test_a_form_too_large_sent_to_a_public_address_gets_the_sites_page(client, case_file):
    response = client.post(reverse("admin:login"), {"username": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

    assert response.status_code == 400
    page = response.content.decode()
    assert "<h1>Too large to save</h1>" in page
    assert "Nothing was saved." in page
    assert 'class="site-header"' in page


def test_a_bulk_approval_of_too_many_fields_says_so_and_approves_nothing(
    settings, fact, reporter_client, editor_client
):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    fact.statement = "Worth 9 million."
    workflow.save_record(fact, Fact.history.first().history_user, "test edit")
    queue = editor_client.get(reverse("admin:casefile_review_queue"))
    data = form_data(queue, action=reverse("admin:casefile_review_bulk"))
    data["selected"] = [workflow.key_for(Fact, fact.pk)]
    data["comment"] = ["Checked"]

    response = editor_client.post(reverse("admin:casefile_review_bulk"), data)

    assert response.status_code == 400
    assert "more than 3 fields, more than a form may send at once. Nothing was saved." in response.content.decode()
    assert public_statement() == "The contract was worth 5 million."

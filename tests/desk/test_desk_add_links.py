"""The desk's links to add to the current case cover open questions and reply requests, the case preset."""

import pytest
from django.urls import reverse

from casefile.models import OpenQuestion, ReplyRequest

from .pages import add_url, change_url, form_data


def add_links_on_the_desk(client):
    html = client.get(reverse("admin:index")).content.decode()
    return html.split('class="desk-add"', 1)[1].split("</p>", 1)[0]


def test_the_desk_adds_open_questions_and_reply_requests_to_the_current_case(case_file, reporter_client):
    reporter_client.get(change_url(case_file))
    links = add_links_on_the_desk(reporter_client)
    for model in (OpenQuestion, ReplyRequest):
        url = f"{add_url(model)}?case={case_file.pk}"
        assert f'href="{url}"' in links
        assert form_data(reporter_client.get(url), f"{model._meta.model_name}_form")["case"] == [str(case_file.pk)]


@pytest.mark.parametrize("case", ["abc", "9" * 25])
def test_a_reply_request_form_whose_address_names_no_case_opens_without_one(case_file, reporter_client, case):
    response = reporter_client.get(add_url(ReplyRequest), {"case": case})
    assert response.status_code == 200
    assert form_data(response, "replyrequest_form").get("case", [""]) == [""]

"""An actor's page leads on to its relationships: a new one starts with the actor as its subject and
saving it comes back to the actor."""

import pytest
from django.urls import reverse

from casefile.models import Actor, Relationship, Source

from .pages import (
    add_url,
    change_url,
    form_data,
    logged_in,
    messages_after,
    open_form,
    post_form,
    saved,
    text_of,
)


def ties_on_the_page_of(client, actor):
    html = client.get(change_url(actor)).content.decode()
    return html.split('id="actor-relationships"', 1)[1].split("</div>", 1)[0]


def test_an_actors_page_lists_its_relationships_and_offers_a_new_one_of_it(disputed_case, reporter_client):
    mayor = Actor.objects.get(slug="ana-mayor")
    ties = ties_on_the_page_of(reporter_client, mayor)
    assert "Ana Mayor business partner of Quay Builders" in text_of(ties)
    assert f'href="{add_url(Relationship)}?case={disputed_case.pk}&amp;subject={mayor.pk}"' in ties

    data = open_form(reporter_client, f"{add_url(Relationship)}?case={disputed_case.pk}&subject={mayor.pk}",
                     "relationship_form")
    assert (data["case"], data["subject"]) == ([str(disputed_case.pk)], [str(mayor.pk)])


def test_a_new_actor_saved_with_save_and_add_a_relationship_opens_a_relationship_of_it(
    case_file, reporter_client
):
    data = open_form(reporter_client, f"{add_url(Actor)}?case={case_file.pk}", "actor_form")
    data.update(kind=["person"], name=["Li Wei"], change_reason=["Named in the report"],
                _addrelationship=["Save and add a relationship"])
    response = saved(reporter_client.post(add_url(Actor), data))

    actor = Actor.objects.get(slug="li-wei")
    assert response["Location"] == f"{add_url(Relationship)}?case={case_file.pk}&subject={actor.pk}"
    assert messages_after(reporter_client, response) == [
        "The actor “Li Wei” was saved and sent for review. Readers will see it once an editor approves it. "
        "You may add its relationship below."]


def test_a_relationship_added_from_an_actors_page_goes_back_to_the_actor_once_saved(
    case_file, reporter_client
):
    mayor, firm = Actor.objects.get(slug="ana-mayor"), Actor.objects.get(slug="quay-builders")
    url = f"{add_url(Relationship)}?case={case_file.pk}&subject={mayor.pk}"
    data = open_form(reporter_client, url, "relationship_form")
    response = saved(post_form(reporter_client, url, data, "The report names them partners",
                               kind="business partner of", object=str(firm.pk),
                               **{"citations-0-source": str(Source.objects.get(slug="daily").pk),
                                  "citations-0-locator": "5"}))

    assert response["Location"] == change_url(mayor)
    assert "Ana Mayor business partner of Quay Builders" in text_of(ties_on_the_page_of(reporter_client, mayor))
    assert Relationship.objects.get(subject=mayor).citations.get().locator == "¶5"


def test_save_and_add_another_from_an_actors_page_starts_from_the_same_actor_again(case_file, reporter_client):
    mayor, firm = Actor.objects.get(slug="ana-mayor"), Actor.objects.get(slug="quay-builders")
    url = f"{add_url(Relationship)}?case={case_file.pk}&subject={mayor.pk}"
    data = open_form(reporter_client, url, "relationship_form")
    data["_addanother"] = ["Save and add another"]
    response = saved(post_form(reporter_client, url, data, kind="controls", object=str(firm.pk)))
    assert response["Location"] == url


@pytest.mark.parametrize("subject", ["abc", "9" * 25, "999999"])
def test_a_relationship_form_whose_address_names_no_actor_opens_without_a_subject(
    case_file, reporter_client, subject
):
    response = reporter_client.get(add_url(Relationship), {"subject": subject})
    assert response.status_code == 200
    assert form_data(response, "relationship_form").get("subject", [""]) == [""]


def test_who_may_not_add_a_relationship_is_not_offered_one_on_an_actors_page(case_file, lawyer):
    page = logged_in(lawyer).get(change_url(Actor.objects.get(slug="ana-mayor"))).content.decode()
    assert 'id="actor-relationships"' in page
    assert reverse("admin:casefile_relationship_add") not in page and "_addrelationship" not in page

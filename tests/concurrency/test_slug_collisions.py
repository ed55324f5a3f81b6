"""Two people saving records under one slug at the same moment: the second is told, as on SQLite, never a 500.

The first is held where it has written its record until the second's write
waits for it; both forms were checked by then, before either committed.
"""

import pytest
from django.db import connection
from django.urls import reverse

from casefile import workflow
from casefile.models import Actor, Fact

from ..admin.pages import change_url, form_data, logged_in, open_change_form, text_of
from ..factories import build_case_file, make_user
from .support import in_turn

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite lets one writer at a time in: the second form is checked after the first is saved",
    ),
]

TAKEN = "Actor with this Case and Slug already exists."


@pytest.fixture
def people(transactional_db):
    return make_user("rita", workflow.REPORTERS), make_user("ruth", workflow.REPORTERS), \
        make_user("edna", workflow.EDITORS)


@pytest.fixture
def case(people):
    return build_case_file(people[0], people[2])


def at_once(first, second):
    return in_turn(first, second, after=(workflow, "save_record"))


def add_form(client, model, **typed):
    url = reverse(f"admin:casefile_{model._meta.model_name}_add")
    data = form_data(client.get(url), f"{model._meta.model_name}_form")
    data.update({name: [str(value)] for name, value in typed.items()})
    return url, data


def test_an_add_form_sent_twice_at_once_saves_one_record_and_shows_the_second_why_not(people, case):
    rita, _, _ = people
    click, double_click = logged_in(rita), logged_in(rita)
    url, data = add_form(click, Actor, case=case.pk, kind="public body", name="Port Authority",
                         slug="port-authority", change_reason="Runs the harbour")

    first, second = at_once(lambda: click.post(url, data), lambda: double_click.post(url, data))

    assert first.status_code == 302
    assert second.status_code == 200, second
    assert TAKEN in text_of(second)
    assert form_data(second, "actor_form")["name"] == ["Port Authority"]
    assert Actor.objects.filter(case=case, slug="port-authority").count() == 1


def test_two_facts_added_at_once_with_the_same_statement_and_no_slug_are_both_saved_under_slugs_of_their_own(
    people, case
):
    rita, ruth, _ = people
    statement = "The port authority paid the first instalment."
    sent = [
        add_form(logged_in(person), Fact, case=case.pk, slug="", statement=statement, status="unverified",
                 change_reason="From the minutes")
        for person in (rita, ruth)
    ]
    clients = [logged_in(rita), logged_in(ruth)]

    first, second = at_once(*(lambda c=client, s=form: c.post(*s) for client, form in zip(clients, sent)))

    assert (first.status_code, second.status_code) == (302, 302), (first, second)
    slugs = set(Fact.objects.filter(case=case, statement=statement).values_list("slug", flat=True))
    assert slugs == {"the-port-authority-paid-the-first-instalment", "the-port-authority-paid-the-first-instalment-2"}


def test_two_actors_renamed_to_one_slug_at_once_keep_the_first_and_show_the_second_why_not(people, case):
    rita, ruth, _ = people
    mayor, firm = Actor.objects.get(case=case, slug="ana-mayor"), Actor.objects.get(case=case, slug="quay-builders")
    forms = []
    for person, actor in ((rita, mayor), (ruth, firm)):
        client = logged_in(person)
        data = open_change_form(client, actor)
        data.update(slug=["harbour-chief"], change_reason=["The name the papers use"])
        forms.append((client, change_url(actor), data))

    first, second = at_once(*(lambda c=c, u=u, d=d: c.post(u, d) for c, u, d in forms))

    assert first.status_code == 302
    assert second.status_code == 200, second
    assert TAKEN in text_of(second)
    assert form_data(second, "actor_form")["slug"] == ["harbour-chief"]
    assert Actor.objects.get(pk=mayor.pk).slug == "harbour-chief"
    assert Actor.objects.get(pk=firm.pk).slug == "quay-builders"

"""Typing a record in: dates as precise as known, bare paragraph numbers, slugs, the case, no field that makes no sense."""

import datetime

import pytest
from django.urls import reverse

from casefile.models import Actor, Case, Citation, Event, Fact, Source

from .pages import (
    add_row,
    add_url,
    change_url,
    edit,
    errors_of,
    form_data,
    open_form,
    post_form,
    saved,
    text_of,
)
from tests.factories import approve_all, save


def add_event(client, case, when):
    data = open_form(client, add_url(Event) + f"?case={case.pk}", "event_form")
    return post_form(client, add_url(Event), data, "From the minutes", title="Board meeting", starts_on=when)


@pytest.mark.parametrize("typed, day, precision, shown", [
    ("2018", datetime.date(2018, 1, 1), "year", "2018"),
    ("2018-03", datetime.date(2018, 3, 1), "month", "March 2018"),
    ("March 2018", datetime.date(2018, 3, 1), "month", "March 2018"),
    ("Mar 2018", datetime.date(2018, 3, 1), "month", "March 2018"),
    ("2018-03-16", datetime.date(2018, 3, 16), "day", "16 March 2018"),
    ("16 March 2018", datetime.date(2018, 3, 16), "day", "16 March 2018"),
])
def test_a_date_is_typed_as_precisely_as_it_is_known_and_shown_back_the_same_way(
    case_file, reporter_client, typed, day, precision, shown
):
    saved(add_event(reporter_client, case_file, typed))
    event = Event.objects.get(slug="board-meeting")
    assert (event.starts_on, event.starts_precision) == (day, precision)
    assert form_data(reporter_client.get(change_url(event)), "event_form")["starts_on"] == [shown]


@pytest.mark.parametrize("typed, message", [
    ("Marchember 2018", "Write the date as precisely as it is known: 2018, 2018-03, March 2018"),
    ("2018-02-30", "There is no such day: 2018-02-30."),
])
def test_a_date_that_cannot_be_read_is_refused_with_the_forms_it_may_take(
    case_file, reporter_client, typed, message
):
    response = add_event(reporter_client, case_file, typed)
    assert response.status_code == 200
    assert message in errors_of(response)
    assert not Event.objects.filter(slug="board-meeting").exists()
    assert form_data(response, "event_form")["starts_on"] == [typed]


def test_an_event_the_sources_do_not_date_is_saved_with_its_date_left_empty(case_file, reporter_client):
    saved(add_event(reporter_client, case_file, ""))
    event = Event.objects.get(slug="board-meeting")
    assert (event.starts_on, event.date_display) == (None, "date unknown")


def test_a_sources_unknown_date_is_left_empty_and_a_year_is_enough(case_file, reporter_client):
    source = Source.objects.get(slug="daily")
    saved(edit(reporter_client, source, published_on="2019"))
    source.refresh_from_db()
    assert (source.published_on, source.published_precision, source.published_display) == (
        datetime.date(2019, 1, 1), "year", "2019")
    saved(edit(reporter_client, source, published_on=""))
    source.refresh_from_db()
    assert source.published_display == "unknown"


@pytest.mark.parametrize("typed", ["8", " 8 ", "¶ 8", "¶8"])
def test_a_bare_paragraph_number_gets_its_paragraph_sign(fact, reporter_client, typed):
    data = open_form(reporter_client, change_url(fact), "fact_form")
    add_row(data, "citations", {"source": Source.objects.get(slug="daily").pk, "stance": "supports",
                                "locator": typed})
    saved(post_form(reporter_client, change_url(fact), data, "Paragraph 8"))
    assert Citation.objects.filter(fact=fact, locator="¶8").exists()


def test_a_new_facts_slug_is_made_from_its_statement_and_kept_free_in_its_case(case_file, reporter_client):
    for _ in range(2):
        data = open_form(reporter_client, add_url(Fact) + f"?case={case_file.pk}", "fact_form")
        saved(post_form(reporter_client, add_url(Fact), data, "From the ruling",
                        statement="The harbour board borrowed 3 million from the port authority in 2019."))
    assert sorted(Fact.objects.filter(case=case_file, slug__startswith="the-harbour").values_list(
        "slug", flat=True)) == ["the-harbour-board-borrowed-3-million", "the-harbour-board-borrowed-3-million-2"]


def test_an_actors_slug_is_filled_in_from_its_name_as_it_is_typed(case_file, reporter_client):
    page = reporter_client.get(add_url(Actor))
    prepopulated = page.content.decode().split("data-prepopulated-fields=", 1)[1].split(">", 1)[0]
    assert "#id_slug" in prepopulated and "#id_name" in prepopulated
    data = form_data(page, "actor_form")
    saved(post_form(reporter_client, add_url(Actor), data, "Named in the ruling", kind="person",
                    name="Li Wei", case=str(case_file.pk)))
    assert Actor.objects.filter(case=case_file, slug="li-wei").exists()


@pytest.fixture
def two_cases(case_file, reporter, editor):
    other = save(Case(title="River dredging", slug="river"), reporter)
    save(Actor(case=other, kind="company", name="Deep Dredgers", slug="deep"), reporter)
    approve_all(editor, other)
    return case_file, other


def test_a_new_record_starts_in_the_case_the_reporter_came_from(two_cases, reporter_client):
    harbour, river = two_cases
    assert form_data(reporter_client.get(add_url(Fact) + f"?case={river.pk}"), "fact_form")["case"] == [
        str(river.pk)]
    filtered = reporter_client.get(add_url(Fact), {"_changelist_filters": f"case__id__exact={harbour.pk}"})
    assert form_data(filtered, "fact_form")["case"] == [str(harbour.pk)]

    reporter_client.get(change_url(Actor.objects.get(slug="deep")))
    assert form_data(reporter_client.get(add_url(Fact)), "fact_form")["case"] == [str(river.pk)]
    # The "+" beside an actor on a fact's form opens this pop-up.
    popup = reporter_client.get(add_url(Actor), {"_to_field": "id", "_popup": "1"})
    assert form_data(popup, "actor_form")["case"] == [str(river.pk)]


def test_removal_proposed_is_offered_only_for_what_readers_once_saw(case_file, fact, reporter_client, reporter):
    assert 'name="removal_proposed"' not in reporter_client.get(add_url(Fact)).content.decode()
    draft = save(Fact(case=case_file, slug="draft", statement="A draft"), reporter)
    assert 'name="removal_proposed"' not in reporter_client.get(change_url(draft)).content.decode()
    assert 'name="removal_proposed"' in reporter_client.get(change_url(fact)).content.decode()


def test_the_page_of_a_case_leads_to_its_records(case_file, reporter_client):
    page = reporter_client.get(change_url(case_file))
    html = page.content.decode()
    records = text_of(html.split('id="case-records"', 1)[1].split("</table>", 1)[0])
    assert "Actors 2" in records and "Facts 1" in records and "Events 1" in records and "Sources 1" in records
    assert f'href="/admin/casefile/fact/?case__id__exact={case_file.pk}"' in html
    assert f'href="/admin/casefile/fact/add/?case={case_file.pk}"' in html


LINK_TABLES = ["citation", "eventparticipant", "factactor", "factevent"]


def test_the_menu_lists_no_link_table_and_their_rows_are_added_on_their_records_form(
    case_file, reporter_client
):
    menu = reporter_client.get(reverse("admin:index")).content.decode()
    for name in LINK_TABLES:
        assert f"/admin/casefile/{name}/" not in menu
        assert reporter_client.get(reverse(f"admin:casefile_{name}_add")).status_code == 403
    for name in ("actor", "event", "fact", "source", "relationship", "case"):
        assert f"/admin/casefile/{name}/" in menu

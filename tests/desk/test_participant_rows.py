"""A new event offers two participant rows; a row left empty is no row at all."""

from casefile.models import Actor, Event

from .pages import add_url, change_url, errors_of, open_form, post_form, saved


def new_event_form(client, case):
    return open_form(client, f"{add_url(Event)}?case={case.pk}", "event_form")


def test_a_new_event_offers_two_participant_rows_and_a_saved_one_only_its_own(case_file, reporter_client):
    assert new_event_form(reporter_client, case_file)["participations-TOTAL_FORMS"] == ["2"]
    signed = Event.objects.get(slug="contract-signed")
    assert open_form(reporter_client, change_url(signed), "event_form")["participations-TOTAL_FORMS"] == ["1"]


def test_an_event_saved_with_its_second_participant_row_left_empty_has_one_participant(
    case_file, reporter_client
):
    data = new_event_form(reporter_client, case_file)
    saved(post_form(reporter_client, add_url(Event), data, "From the tender notice", title="Tender opened",
                    starts_on="March 2018",
                    **{"participations-0-actor": str(Actor.objects.get(slug="ana-mayor").pk),
                       "participations-0-role": "chair of the tender board"}))
    event = Event.objects.get(slug="tender-opened")
    assert [str(p) for p in event.participations.all()] == ["Ana Mayor (chair of the tender board) in Tender opened"]


def test_a_second_participant_row_half_filled_in_is_refused_and_nothing_is_saved(case_file, reporter_client):
    data = new_event_form(reporter_client, case_file)
    response = post_form(reporter_client, add_url(Event), data, "From the tender notice", title="Tender opened",
                         starts_on="March 2018",
                         **{"participations-0-actor": str(Actor.objects.get(slug="ana-mayor").pk),
                            "participations-0-role": "chair of the tender board",
                            "participations-1-actor": str(Actor.objects.get(slug="quay-builders").pk)})
    assert response.status_code == 200
    assert "This field is required." in errors_of(response)
    assert not Event.objects.filter(slug="tender-opened").exists()

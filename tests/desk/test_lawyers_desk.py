"""A lawyer's desk: what waits for legal review, oldest first and per case, on their home page and in the
menu, one click from the change itself; and what legal cleared and refused in the last 30 days."""

import datetime
import re

import pytest
from django.urls import reverse

from casefile.models import Actor, Case, Event, Fact
from tests.factories import save

from .legal import decide, flag, home, section
from .pages import form_data, logged_in, review_url, text_of


@pytest.fixture
def waiting(case_file, reporter, other_reporter):
    """Three changes flagged for legal, in two cases, the fact's the oldest; and one change no lawyer need read."""
    fact = flag(Fact.objects.get(slug="contract-value"), reporter, statement="The contract was worth 9 million.")
    mayor = flag(Actor.objects.get(slug="ana-mayor"), other_reporter, description="Chairs the tender board.")
    port = save(Case(title="Port authority", slug="port", summary="Who runs the port."), reporter)
    chief = flag(Actor(case=port, kind=Actor.Kind.PERSON, name="Pia Chief", slug="pia-chief"), reporter)
    event = Event.objects.get(slug="contract-signed")
    event.location = "City hall"
    save(event, reporter, "Where it was signed")
    return {"fact": fact, "mayor": mayor, "chief": chief, "port": port, "unflagged": event}


def legal_queue(case=None):
    return reverse("admin:casefile_review_queue") + "?legal=waiting" + (f"&case={case.pk}" if case else "")


def test_the_lawyers_home_page_lists_what_waits_for_legal_oldest_first_with_a_count_per_case(
    waiting, case_file, lawyer_client
):
    desk = section(home(lawyer_client), "desk-legal")
    shown = text_of(desk)
    assert "Waiting for legal review: 3" in shown
    assert "Harbour contracts: 2" in shown and "Port authority: 1" in shown
    assert f'href="{legal_queue(case_file)}"'.replace("&", "&amp;") in desk
    assert f'href="{legal_queue(waiting["port"])}"'.replace("&", "&amp;") in desk
    rows = [text_of(row) for row in re.findall(r"<tr><td>(.*?)</tr>", desk, re.S)]
    # Each row: the record, its kind, who changed it, how long it has waited ("0 minutes").
    assert [row.strip().rsplit(" ", 2)[0] for row in rows] == [
        "The contract was worth 9 million. fact rita", "Ana Mayor actor oscar", "Pia Chief actor rita",
    ]
    assert "Contract signed" not in shown


def test_the_first_change_waiting_for_legal_is_one_click_from_the_lawyers_home_page(waiting, lawyer_client):
    first_link = re.search(r'<td><a href="([^"]+)"', section(home(lawyer_client), "desk-legal")).group(1)
    assert first_link == review_url(waiting["fact"])
    review = lawyer_client.get(first_link).content.decode()
    assert "Legal review: Waiting for legal" in text_of(review)
    assert 'name="_legal_clear"' in review and 'name="_legal_refuse"' in review


def test_a_cleared_or_refused_change_leaves_the_waiting_list_for_the_last_30_days(
    waiting, lawyer, lawyer_client
):
    decide(lawyer, waiting["fact"], "cleared", "The registry bears it out.")
    decide(lawyer, waiting["mayor"], "refused", "One witness is not enough.")
    long_ago = decide(lawyer, waiting["chief"], "cleared")
    long_ago.reviewed_at -= datetime.timedelta(days=31)
    long_ago.save(update_fields=["reviewed_at"])

    html = home(lawyer_client)
    shown = text_of(section(html, "desk-legal"))
    assert "Waiting for legal review: 0" in shown and "Nothing waits for legal review." in shown
    assert "Cleared and refused in the last 30 days: 2" in shown
    assert "Ana Mayor (actor): refused by lola" in shown and "One witness is not enough." in shown
    assert "The contract was worth 9 million. (fact): cleared by lola" in shown
    assert "Pia Chief" not in shown


def test_a_lawyers_decision_leads_back_to_what_else_waits_for_legal(waiting, lawyer_client):
    data = form_data(lawyer_client.get(review_url(waiting["fact"])), having="_legal_clear")
    data["comment"] = ["The registry bears it out."]
    data["_legal_clear"] = ["pressed"]
    response = lawyer_client.post(review_url(waiting["fact"]), data)
    assert response["Location"] == legal_queue()
    queue = text_of(lawyer_client.get(response["Location"]))
    assert "Cleared on legal grounds" in queue and "Ana Mayor" in queue
    assert "The contract was worth 9 million." not in queue


def test_the_queue_filtered_by_legal_review_lists_only_the_changes_at_that_step(waiting, lawyer, lawyer_client):
    decide(lawyer, waiting["mayor"], "cleared", "Fine.")
    queue = text_of(lawyer_client.get(legal_queue()))
    assert "The contract was worth 9 million." in queue and "Pia Chief" in queue
    assert "Ana Mayor" not in queue and "Contract signed" not in queue
    cleared = text_of(lawyer_client.get(reverse("admin:casefile_review_queue") + "?legal=cleared"))
    assert "Ana Mayor" in cleared and "Pia Chief" not in cleared
    assert "Nothing in the queue is “Refused by legal”." in text_of(
        lawyer_client.get(reverse("admin:casefile_review_queue") + "?legal=refused"))


def test_the_menu_of_every_page_leads_a_lawyer_to_what_waits_for_legal(
    case_file, lawyer_client, reporter_client, editor_client
):
    fact_list = reverse("admin:casefile_fact_changelist")
    link = f'<a href="{legal_queue()}"'
    assert link in lawyer_client.get(fact_list).content.decode()
    assert link in home(lawyer_client)
    assert link not in reporter_client.get(fact_list).content.decode()
    editors = editor_client.get(fact_list).content.decode()
    assert link not in editors and f'<a href="{reverse("admin:casefile_review_queue")}"' in editors


def test_a_lawyers_home_page_holds_no_desk_of_their_own_edits(case_file, lawyer_client):
    shown = text_of(home(lawyer_client))
    assert "Your work" not in shown and "Waiting for legal review: 0" in shown


def test_the_lawyers_home_page_takes_few_queries(waiting, lawyer, django_assert_max_num_queries):
    client = logged_in(lawyer)
    # As many whatever waits: a few per kind of record.
    with django_assert_max_num_queries(60):
        home(client)

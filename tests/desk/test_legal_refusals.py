"""A lawyer's refusal reaches the reporter as an editor's rejection does: on their desk, counted with the
rejections, and on the record's page, with the lawyer's comment; an edit sends the change back to legal."""

import pytest
from django.urls import reverse

from casefile.models import Fact

from .pages import change_url, edit, logged_in, saved, text_of
from .legal import decide, flag, home, section

REFUSAL = "Defamatory as worded: say what the registry shows."


@pytest.fixture
def refused(case_file, reporter, lawyer):
    fact = flag(Fact.objects.get(slug="contract-value"), reporter,
                statement="The mayor steered the contract to a friend's firm.")
    decide(lawyer, fact, "refused", REFUSAL)
    return fact


def desk_text(client):
    return text_of(section(home(client), "desk-work"))


def test_a_refusal_is_on_the_reporters_desk_with_the_lawyers_comment_among_the_rejections(
    refused, reporter_client
):
    shown = desk_text(reporter_client)
    assert "Rejected: 1" in shown
    rejected = shown.split("Rejected: 1", 1)[1].split("Waiting for review", 1)[0]
    assert "The mayor steered the contract to a friend's firm. (fact): refused on legal grounds by lola" in rejected
    assert REFUSAL in rejected
    assert "Waiting for review: 0" in shown
    assert f'href="{change_url(refused)}"' in section(home(reporter_client), "desk-work")


def test_the_records_page_shows_the_refusal_with_the_lawyers_comment(refused, reporter_client):
    shown = text_of(reporter_client.get(change_url(refused)))
    assert "Editorial status: Refused by legal" in shown
    assert "Your last change was refused on legal grounds by lola on " in shown and REFUSAL in shown
    assert "Fix what the lawyer asks and save: the change goes back to legal review" in shown
    assert "wait for an editor's review" not in shown


def test_the_record_lists_show_the_refusal_and_filter_by_it(refused, reporter_client):
    facts = reverse("admin:casefile_fact_changelist")
    assert "Refused by legal" in text_of(reporter_client.get(facts))
    assert "contract-value" in text_of(reporter_client.get(facts, {"review": "refused"}))
    assert "contract-value" not in text_of(reporter_client.get(facts, {"review": "waiting"}))


def test_an_edit_after_the_refusal_sends_the_change_back_to_legal_and_off_the_rejections(
    refused, reporter_client, lawyer
):
    saved(edit(reporter_client, refused, "Reworded as the lawyer asked",
               statement="The registry lists the mayor's friend as the firm's owner."))
    shown = desk_text(reporter_client)
    assert "Rejected: 0" in shown and "Waiting for review: 1" in shown
    page = text_of(reporter_client.get(change_url(refused)))
    assert "Editorial status: Waiting for review" in page and REFUSAL not in page
    assert "Waiting for legal review: 1" in text_of(section(home(logged_in(lawyer)), "desk-legal"))


def test_nobody_elses_desk_counts_the_refusal_as_theirs(refused, other_reporter):
    assert "Rejected: 0" in desk_text(logged_in(other_reporter))

"""One history per record: its rows' changes in the same timeline, whole words, any two versions, read only."""

import re

from django.contrib.auth.models import Permission
from django.urls import reverse

from casefile.models import Citation, Fact, Source

from .pages import (
    add_row,
    approve,
    change_url,
    edit,
    form_data,
    page_forms,
    history_url,
    logged_in,
    open_form,
    post_form,
    reject,
    row_index,
    saved,
    text_of,
)
from tests.factories import make_user

LONG = ("The harbour board awarded the dredging and quay contracts in a single tender, and the records "
        "of the tender board show that the mayor chaired the meeting at which the bid of Quay Builders "
        "was opened, read and accepted, although the minutes say that she left the room for the vote.")


def entries(response):
    """The timeline's entries, newest first, as text."""
    html = response.content.decode()
    timeline = html.split('class="history-timeline"', 1)[1].split("</ol>", 1)[0]
    return [text_of(entry).strip() for entry in re.split(r"<li class=\"history-", timeline)[1:]]


def test_a_facts_history_shows_its_citations_changes_and_the_decisions_in_one_timeline(
    fact, reporter_client, editor_client
):
    citation = Citation.objects.get(fact=fact)
    data = open_form(reporter_client, change_url(fact), "fact_form")
    data[f"citations-{row_index(data, 'citations', citation.pk)}-note"] = ["Paragraph 3 gives the figure."]
    add_row(data, "citations", {"source": Source.objects.get(slug="daily").pk, "stance": "qualifies",
                                "locator": "¶7"})
    saved(post_form(reporter_client, change_url(fact), data, "Notes on the sources"))
    reject(editor_client, fact, "¶7 says nothing of it.")

    timeline = entries(reporter_client.get(history_url(fact)))

    assert timeline[0].startswith("decision history-rejected")
    assert "Rejected by edna" in timeline[0] and "¶7 says nothing of it." in timeline[0]
    assert "rita: Notes on the sources" in timeline[1]
    assert "Citation “Daily report ¶3 (supports)” changed" in timeline[1]
    assert "Note — Paragraph 3 gives the figure." in timeline[1]
    assert "Citation “Daily report ¶7 (qualifies)” added" in timeline[1]
    assert "Approved by edna" in timeline[2]


def test_a_change_inside_a_long_text_is_shown_whole_with_only_the_changed_words_marked(
    fact, reporter_client
):
    saved(edit(reporter_client, fact, "Longer", statement=LONG))
    saved(edit(reporter_client, fact, "One word", statement=LONG.replace("chaired", "attended")))

    page = reporter_client.get(history_url(fact))
    html = page.content.decode()
    assert "<del>chaired</del>" in html and "<ins>attended</ins>" in html
    newest = entries(page)[0]
    assert LONG.replace("chaired", "attended") in newest.replace("chaired ", "")
    assert "chars]" not in html


def test_two_chosen_versions_are_compared_field_by_field(fact, reporter_client, editor_client):
    saved(edit(reporter_client, fact, "First", statement="Worth 6 million."))
    saved(edit(reporter_client, fact, "Second", statement="Worth 7 million.", status="disputed"))
    saved(edit(reporter_client, fact, "Third", statement="Worth 8 million."))
    page = reporter_client.get(history_url(fact))
    moments = re.findall(r'name="from" value="([^"]+)"', page.content.decode())
    assert len(moments) == 4

    compared = reporter_client.get(reverse("admin:casefile_fact_compare", args=[fact.pk]),
                                   {"from": moments[3], "to": moments[1]})
    assert compared.status_code == 200
    text = text_of(compared.content.decode().split('id="compared-moments"', 1)[1])
    assert "Statement The contract was worth 5 million. Worth 7 million." in text
    assert "Status Confirmed Disputed" in text
    assert "8 million" not in text

    with_current = text_of(reporter_client.get(reverse("admin:casefile_fact_compare", args=[fact.pk]),
                                               {"from": moments[2], "to": "now"}))
    assert "Worth 6 million. Worth 8 million." in with_current


def test_a_comparison_of_a_moment_that_is_no_date_is_a_bad_request(fact, reporter_client):
    url = reverse("admin:casefile_fact_compare", args=[fact.pk])
    assert reporter_client.get(url, {"from": "yesterday", "to": "now"}).status_code == 400


def test_a_past_version_is_shown_for_reading_and_cannot_be_saved(fact, reporter_client):
    saved(edit(reporter_client, fact, "Newer", statement="Worth 9 million."))
    first = Fact.history.filter(id=fact.pk).order_by("history_id").first()
    url = reverse("admin:casefile_fact_simple_history", args=[fact.pk, first.history_id])

    page = reporter_client.get(url)

    assert page.status_code == 200
    text = text_of(page)
    assert "A past version, for reading" in text
    assert "Statement The contract was worth 5 million." in text
    assert "Citation “Daily report ¶3 (supports)”" in text
    names = {name for form in page_forms(page) for name in form["names"]}
    assert not names & {"statement", "change_reason", "_save"}
    response = reporter_client.post(url, {"statement": "Changed from the past", "change_reason": "why not"})
    assert response.status_code == 403
    fact.refresh_from_db()
    assert fact.statement == "Worth 9 million."


def test_approving_from_the_review_shows_in_the_history_with_the_comment(fact, reporter_client, editor_client):
    saved(edit(reporter_client, fact, "Ruling", statement="Worth 9 million."))
    approve(editor_client, fact, "Matches the ruling.")
    assert "Approved by edna" in entries(reporter_client.get(history_url(fact)))[0]
    assert "Matches the ruling." in entries(reporter_client.get(history_url(fact)))[0]
    assert form_data(reporter_client.get(history_url(fact)), "compare-form")


def test_someone_who_may_only_view_reads_a_past_version_and_cannot_save_it(fact):
    viewer = make_user("vera")
    viewer.user_permissions.add(Permission.objects.get(codename="view_fact"))
    client = logged_in(viewer)
    version = Fact.history.filter(id=fact.pk).first().history_id
    url = reverse("admin:casefile_fact_simple_history", args=[fact.pk, version])

    page = client.get(url)

    assert page.status_code == 200
    assert "Statement The contract was worth 5 million." in text_of(page)
    assert not any("statement" in form["names"] for form in page_forms(page))
    assert client.post(url, {"statement": "Changed by someone who may only look."}).status_code == 403
    fact.refresh_from_db()
    assert fact.statement == "The contract was worth 5 million."

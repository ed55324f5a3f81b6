"""The editor's review: links, a preview of the page after approval, dates as readers read them, every author."""

from django.test import Client
from django.urls import reverse

from casefile import workflow
from casefile.models import Decision, Event, Fact, Publication, Source

from .pages import (
    add_row,
    add_url,
    change_url,
    edit,
    form_data,
    history_url,
    logged_in,
    messages_after,
    open_form,
    post_form,
    public,
    review_url,
    saved,
    text_of,
)


def test_the_review_links_to_the_records_form_its_public_page_its_history_and_a_preview(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    html = editor_client.get(review_url(fact)).content.decode()
    assert f'href="{change_url(fact)}"' in html
    assert 'href="/cases/harbour/facts/contract-value/"' in html
    assert f'href="{history_url(fact)}"' in html
    assert f'href="{review_url(fact)}preview/"' in html


def test_the_preview_shows_the_page_as_readers_will_see_it_and_publishes_nothing(
    fact, reporter_client, editor_client, mailoutbox, django_capture_on_commit_callbacks
):
    data = open_form(reporter_client, change_url(fact), "fact_form")
    add_row(data, "citations", {"source": Source.objects.get(slug="daily").pk, "stance": "contradicts",
                                "locator": "¶9", "quote": "nine million"})
    saved(post_form(reporter_client, change_url(fact), data, "The ruling", statement="Worth 9 million.", status="disputed"))
    decisions, entries = Decision.objects.count(), list(Publication.objects.values_list("body", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        preview = editor_client.get(review_url(fact) + "preview/")

    assert preview.status_code == 200
    text = text_of(preview)
    assert "Preview, not published." in text
    assert "Worth 9 million." in text and "nine million" in text
    assert "no-store" in preview["Cache-Control"]
    assert Decision.objects.count() == decisions
    assert list(Publication.objects.values_list("body", flat=True)) == entries
    assert public().fact("contract-value").statement == "The contract was worth 5 million."
    assert mailoutbox == []
    reader_page = text_of(Client().get("/cases/harbour/facts/contract-value/"))
    assert "Worth 9 million." not in reader_page and "Preview" not in reader_page


def test_the_preview_of_a_new_event_in_a_published_case_shows_its_page(case_file, reporter_client, editor_client):
    data = open_form(reporter_client, add_url(Event) + f"?case={case_file.pk}", "event_form")
    saved(post_form(reporter_client, add_url(Event), data, "Minutes", title="Board meeting",
                    starts_on="March 2021"))
    event = Event.objects.get(slug="board-meeting")
    text = text_of(editor_client.get(review_url(event) + "preview/"))
    assert "Board meeting" in text and "March 2021" in text
    assert public().event("board-meeting") is None


def test_a_preview_that_cannot_be_approved_says_why(fact, case_file, reporter_client, editor_client):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    saved(edit(reporter_client, fact, removal_proposed="on"))
    response = editor_client.get(review_url(fact) + "preview/")
    assert response.status_code == 200
    assert "No preview: After approval, readers no longer see this record." in text_of(response)


def test_the_review_shows_a_month_date_as_readers_read_it(case_file, reporter_client, editor_client):
    event = Event.objects.get(slug="contract-signed")
    saved(edit(reporter_client, event, starts_on="March 2021"))
    text = text_of(editor_client.get(review_url(event)))
    assert "Starts on May 2020 March 2021" in text
    assert "2020-05-01" not in text and "precision" not in text.lower()


def test_the_review_and_the_queue_name_every_author_of_the_change(fact, reporter, other_reporter, editor_client):
    saved(edit(logged_in(reporter), fact, statement="Worth 9 million."))
    saved(edit(logged_in(other_reporter), fact, assessment="The ruling says so."))

    assert "Changed by oscar and rita." in text_of(editor_client.get(review_url(fact)))
    queue = text_of(editor_client.get(reverse("admin:casefile_review_queue")))
    assert "oscar, rita" in queue


def test_approving_a_fact_in_bulk_publishes_the_new_source_it_cites_as_its_review_would(
    fact, case_file, reporter_client, editor_client
):
    data = open_form(reporter_client, add_url(Source) + f"?case={case_file.pk}", "source_form")
    saved(post_form(reporter_client, add_url(Source), data, "New document", kind="other",
                    title="Harbour board minutes", paragraph_count="5"))
    minutes = Source.objects.get(slug="harbour-board-minutes")
    data = open_form(reporter_client, change_url(fact), "fact_form")
    add_row(data, "citations", {"source": minutes.pk, "stance": "supports", "locator": "2"})
    saved(post_form(reporter_client, change_url(fact), data, "The minutes", statement="Worth 9 million."))

    queue = editor_client.get(reverse("admin:casefile_review_queue"))
    assert "Publishes with it, as its review does: source “Harbour board minutes” (not yet public)" in text_of(queue)
    selection = form_data(queue, having="selected")
    selection["selected"] = [workflow.key_for(Fact, fact.pk)]
    response = editor_client.post(reverse("admin:casefile_review_bulk"), selection)

    assert messages_after(editor_client, response) == ["Approved 1 record(s)."]
    snapshot = public()
    assert snapshot.fact("contract-value").statement == "Worth 9 million."
    assert snapshot.source("harbour-board-minutes") is not None


def test_the_review_of_a_record_with_nothing_waiting_still_links_to_it(fact, editor_client):
    html = editor_client.get(review_url(fact)).content.decode()
    assert "Nothing of this record is waiting for review." in html
    assert f'href="{change_url(fact)}"' in html

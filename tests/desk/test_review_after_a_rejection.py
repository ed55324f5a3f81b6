"""The review of a record sent again after a rejection shows the rejection and what changed since,
compared with the version rejected rather than with what readers see."""

from casefile.models import Actor, Event

from .pages import (
    add_row,
    add_url,
    change_url,
    edit,
    open_form,
    post_form,
    reject,
    review_url,
    row_index,
    saved,
    text_of,
)


def boxes_of(client, record):
    """{heading: the box's text} of each part of the review."""
    html = client.get(review_url(record)).content.decode()
    boxes = {}
    for box in html.split('<div class="module review-change">')[1:]:
        heading, _, rest = box.partition("</h2>")
        boxes[text_of(heading).strip()] = text_of(rest)
    return boxes, text_of(html)


def test_a_resent_new_event_shows_the_rejection_and_which_rows_are_unchanged_changed_or_deleted(
    case_file, reporter_client, editor_client, django_assert_max_num_queries
):
    firm, mayor = Actor.objects.get(slug="quay-builders"), Actor.objects.get(slug="ana-mayor")
    data = open_form(reporter_client, f"{add_url(Event)}?case={case_file.pk}", "event_form")
    data.update({"participations-0-actor": [str(firm.pk)], "participations-0-role": ["bidder"],
                 "participations-1-actor": [str(mayor.pk)], "participations-1-role": ["guest"]})
    saved(post_form(reporter_client, add_url(Event), data, "From the board minutes", title="Board meeting",
                    starts_on="March 2021"))
    event = Event.objects.get(slug="board-meeting")
    reject(editor_client, event, "The mayor chaired it; the firm was not there.")

    data = open_form(reporter_client, change_url(event), "event_form")
    rows = {p.actor_id: row_index(data, "participations", p.pk) for p in event.participations.all()}
    firm_row, mayor_row = rows[firm.pk], rows[mayor.pk]
    data[f"participations-{firm_row}-DELETE"] = ["on"]
    data[f"participations-{mayor_row}-role"] = ["chair"]
    saved(post_form(reporter_client, change_url(event), data, "As asked"))

    with django_assert_max_num_queries(52):
        boxes, page = boxes_of(editor_client, event)
    assert "Rejected by edna" in page and "The mayor chaired it; the firm was not there." in page
    assert "Unchanged since the rejection." in boxes["Event: Board meeting (new)"]
    chair = boxes["Event participant: Ana Mayor (chair) in Board meeting (new)"]
    assert "Changed since the rejection" in chair and "Role guest chair" in chair
    assert "Deleted since the rejection: Event participant “Quay Builders (bidder) in Board meeting”" in page


def test_a_resent_fact_is_compared_with_the_rejected_version_and_a_new_citation_is_marked_added(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, "The ruling", statement="The contract was worth 9 million."))
    reject(editor_client, fact, "The ruling says 8.")
    data = open_form(reporter_client, change_url(fact), "fact_form")
    add_row(data, "citations", {"source": fact.citations.get().source_id, "stance": "supports", "locator": "7"})
    saved(post_form(reporter_client, change_url(fact), data, "Corrected",
                    statement="The contract was worth 8 million."))

    html = editor_client.get(review_url(fact)).content.decode()
    since = html.split('class="review-diff since-rejection-part"', 1)[1].split("</table>", 1)[0]
    assert "<del>9</del>" in since and "<ins>8</ins>" in since and "worth 5 million" not in text_of(since)
    boxes, _ = boxes_of(editor_client, fact)
    assert "Added since the rejection." in boxes["Citation: Daily report ¶7 (supports) (new)"]


def test_the_review_of_a_change_never_rejected_says_nothing_of_a_rejection(fact, reporter_client, editor_client):
    saved(edit(reporter_client, fact, statement="The contract was worth 9 million."))
    page = editor_client.get(review_url(fact)).content.decode()
    assert 'id="since-rejection"' not in page and "since the rejection" not in page

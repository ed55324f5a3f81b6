"""A rejection applies to what the editor rejected: a new record that several waiting changes share is
rejected only when the editor ticks it, and a change held up by a rejected record is never a dead end."""

from django.urls import reverse

from casefile import workflow
from casefile.models import Actor, Decision, Fact, Relationship, Source
from tests.admin.pages import edit, form_data, queue_rows, saved, shown_messages
from tests.desk.pages import approve, messages_after, public, review_url, text_of
from tests.factories import new_actor_shared_by_an_event_and_a_relationship

BULK = reverse("admin:casefile_review_bulk")


def reject_from_review(client, record, comment, ticked=None):
    """Press Reject on the record's review, the boxes of the records published with it as shown, or as `ticked`."""
    data = form_data(client.get(review_url(record)), having="_reject")
    if ticked is not None:
        data["reject_with"] = [workflow.key_for(type(other), other.pk) for other in ticked]
    data.update(comment=[comment], _reject=["Reject"])
    return client.post(review_url(record), data)


def rejected(record):
    return workflow.record_states(type(record), [record.pk])[record.pk].state == workflow.ReviewState.REJECTED


def test_rejecting_an_event_leaves_the_new_actor_a_waiting_relationship_shares_and_that_relationship_is_approved(
    case_file, reporter, editor_client, django_assert_max_num_queries
):
    li, minutes, meeting, tie = new_actor_shared_by_an_event_and_a_relationship(case_file, reporter)
    with django_assert_max_num_queries(86):
        review = editor_client.get(review_url(meeting))
    choices = text_of(review).split("Published with it", 1)[1]
    assert "Reject the actor “Li Wei” too Also waiting on it: relationship “Li Wei" in choices
    assert "Reject the source “Board minutes” too Nothing else waiting for review refers to it." in choices
    ticked = form_data(review, having="_reject").get("reject_with")
    assert ticked == [workflow.key_for(Source, minutes.pk)], "only the record nothing else waits on starts ticked"

    response = reject_from_review(editor_client, meeting, "Name the chair of the meeting.")
    assert response.status_code == 302, messages_after(editor_client, response)

    assert rejected(meeting) and rejected(minutes)
    assert workflow.pending_change(Actor, li.pk) is not None
    assert Decision.objects.filter(object_id=li.pk, content_type__model="actor").count() == 0
    assert "Held up" not in " ".join(queue_rows(editor_client.get(reverse("admin:casefile_review_queue"))))
    assert approve(editor_client, tie, "Checked").status_code == 302
    assert public().actor("li-wei") is not None and public().actor("li-wei").name == "Li Wei"


def test_a_shared_actor_rejected_on_purpose_holds_up_the_relationship_until_the_editor_sends_it_back(
    case_file, fact, reporter_client, reporter, editor_client
):
    li, _, meeting, tie = new_actor_shared_by_an_event_and_a_relationship(case_file, reporter)
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    reject_from_review(editor_client, meeting, "Not from this meeting.", ticked=[li])
    assert rejected(li)

    row = next(row for row in queue_rows(editor_client.get(reverse("admin:casefile_review_queue")))
               if "Li Wei" in row and "relationship" in row)
    assert "Held up by the actor “Li Wei”, which readers cannot see: edna rejected it" in text_of(row)
    assert "Publishes with it" not in row

    queue = editor_client.get(reverse("admin:casefile_review_queue"))
    data = form_data(queue, action=BULK)
    data["selected"] = [workflow.key_for(Relationship, tie.pk), workflow.key_for(Fact, fact.pk)]
    said = messages_after(editor_client, editor_client.post(BULK, data))
    assert "Approved 1 record(s)." in said
    assert any(message.startswith("Not approved: relationship “Li Wei") and "actor “Li Wei” (rejected by edna" in message
               for message in said), said
    assert public().fact("contract-value").statement == "Worth 9 million."

    review = text_of(editor_client.get(review_url(tie)))
    assert "Approving as it stands would be refused" in review
    assert "Send the actor “Li Wei” back for review" in review
    sent_back = editor_client.post(review_url(tie), {"_reconsider": workflow.key_for(Actor, li.pk)})
    assert sent_back["Location"] == review_url(tie)
    assert "waits for review again, sent back by you" in " ".join(messages_after(editor_client, sent_back))
    assert "Approving as it stands would be refused" not in text_of(editor_client.get(review_url(tie)))
    assert approve(editor_client, tie).status_code == 302
    assert public().actor("li-wei") is not None
    assert rejected(meeting)


def test_sending_back_a_record_nothing_of_which_stands_rejected_is_refused_with_a_reason(
    case_file, reporter, editor_client
):
    li, _, _, tie = new_actor_shared_by_an_event_and_a_relationship(case_file, reporter)
    response = editor_client.post(review_url(tie), {"_reconsider": workflow.key_for(Actor, li.pk)})
    assert response.status_code == 200
    assert any("Nothing of the actor “Li Wei” stands rejected" in message for message in shown_messages(response))
    assert workflow.pending_change(Actor, li.pk) is not None


def test_the_review_of_a_rejected_record_sends_it_back_for_review_without_its_reporter(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    reject_from_review(editor_client, fact, "Too early.")
    review = text_of(editor_client.get(review_url(fact)))
    assert "Nothing of this record is waiting for review." in review
    assert "Its last change was rejected by edna" in review and "Too early." in review

    sent_back = editor_client.post(review_url(fact), {"_reconsider": workflow.key_for(Fact, fact.pk)})
    assert sent_back["Location"] == review_url(fact)
    assert "Fact: Worth 9 million. (changed)" in text_of(editor_client.get(review_url(fact)))
    assert approve(editor_client, fact).status_code == 302
    assert public().fact("contract-value").statement == "Worth 9 million."

"""Approval asks before leaving threads open, a rejection points to them, and each person gets one email a burst."""

from django.urls import reverse

from casefile import workflow
from casefile.models import CommentNotice, Decision, Fact
from casefile.workflow import comments
from tests.desk.pages import form_data, messages_after, review_url

from .support import comment, waiting_change


def approve(client, fact, version, **extra):
    return client.post(review_url(fact), {"version": f"casefile.fact:{fact.pk}@{version.history_id}",
                                          "_approve": "1", **extra})


def test_approving_with_an_open_thread_asks_for_a_confirmation_naming_it(fact, reporter, editor, editor_client):
    version = waiting_change(fact, reporter)
    comment(editor, fact)

    refused = approve(editor_client, fact, version)

    assert refused.status_code == 200 and not Decision.objects.filter(content_type__model="fact", history_id=version.history_id).exists()
    assert "1 thread is still open (statement “9 million yuan”, edna: This figure" in refused.content.decode()
    assert approve(editor_client, fact, version, approve_open_threads="on").status_code == 302
    assert Decision.objects.get(content_type__model="fact", history_id=version.history_id).action == "approved"


def test_a_rejection_can_send_the_reporter_to_the_open_threads(fact, reporter, editor, editor_client):
    version = waiting_change(fact, reporter)
    comment(editor, fact)

    editor_client.post(review_url(fact), {"version": f"casefile.fact:{fact.pk}@{version.history_id}",
                                          "_reject": "1", "see_open_comments": "on"})

    rejection = Decision.objects.get(content_type__model="fact", history_id=version.history_id)
    assert rejection.comment.startswith("See the open comments on the review:\n- statement “9 million yuan”, edna")


def test_the_desk_counts_the_comments_waiting_for_each_person(fact, reporter, editor, reporter_client, editor_client):
    waiting_change(fact, reporter)
    thread = comment(editor, fact)
    comment(editor, fact, words="", text="And the date?")

    assert "Comments waiting for you: 2" in reporter_client.get("/admin/").content.decode()
    assert "Comments waiting for you: 0" in editor_client.get("/admin/").content.decode()
    comments.reply_to(reporter, thread, "TechNode's, fixed.")
    assert "Comments waiting for you: 1" in editor_client.get("/admin/").content.decode()


def test_a_burst_of_comments_sends_one_email_with_a_link_to_each_thread(fact, reporter, editor, mailoutbox):
    waiting_change(fact, reporter)
    first = comment(editor, fact)
    second = comment(editor, fact, words="", text="And the date?")

    comments.tell_of_comments(reporter.pk)
    comments.tell_of_comments(reporter.pk)

    assert len(mailoutbox) == 1 and mailoutbox[0].to == [reporter.email]
    body = mailoutbox[0].body
    assert "2 comments waiting for you" in mailoutbox[0].subject
    assert f"#thread-{first.pk}" in body and f"#thread-{second.pk}" in body and "edna commented on your change" in body
    assert not CommentNotice.objects.filter(sent_at__isnull=True).exists()


def test_a_reply_is_mailed_after_the_commit_to_those_on_the_thread(
    fact, reporter, editor, mailoutbox, django_capture_on_commit_callbacks
):
    waiting_change(fact, reporter)
    thread = comment(editor, fact)
    comments.tell_of_comments(reporter.pk)

    with django_capture_on_commit_callbacks(execute=True):
        comments.reply_to(reporter, thread, "TechNode's, fixed.")

    assert [mail.to for mail in mailoutbox] == [[reporter.email], [editor.email]]
    assert "rita replied to you" in mailoutbox[1].body


def test_approving_in_bulk_leaves_out_a_change_with_an_open_thread_saying_why(fact, reporter, editor, editor_client):
    version = waiting_change(fact, reporter)
    comment(editor, fact)

    queue = editor_client.get(reverse("admin:casefile_review_queue"))
    selection = form_data(queue, having="selected")
    selection["selected"] = [workflow.key_for(Fact, fact.pk)]
    response = editor_client.post(reverse("admin:casefile_review_bulk"), selection)

    [said] = messages_after(editor_client, response)
    assert said.startswith("Not approved: 1 thread is still open (statement “9 million yuan”")
    assert not Decision.objects.filter(content_type__model="fact", history_id=version.history_id).exists()

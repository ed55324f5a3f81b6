"""What an editor or a lawyer is told after deciding names who hears of the decision, and only them."""

from django.core import mail

from casefile import workflow
from casefile.models import Fact
from tests.admin.pages import approve_on_review_page, edit, reject_on_review_page, review_url, saved
from tests.desk.pages import form_data, logged_in, messages_after


def test_rejecting_a_reporters_change_says_the_reporter_was_told(
    fact, reporter_client, editor_client, django_capture_on_commit_callbacks
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    with django_capture_on_commit_callbacks(execute=True):
        response = reject_on_review_page(editor_client, fact, "The ruling says 5.")
    assert messages_after(editor_client, response) == ["Rejected. rita has been told why."]
    assert [notice.to for notice in mail.outbox] == [["rita@example.org"]]


def test_an_editor_rejecting_their_own_change_is_not_told_that_a_reporter_was(
    fact, editor, editor_client, django_capture_on_commit_callbacks
):
    saved(edit(editor_client, fact, statement="Worth 9 million."))
    with django_capture_on_commit_callbacks(execute=True):
        response = reject_on_review_page(editor_client, fact, "On second thoughts, no.")
    assert messages_after(editor_client, response) == ["Rejected. The change was yours alone: nobody else is told."]
    assert mail.outbox == []


def test_an_approval_names_everyone_whose_work_it_publishes(fact, reporter_client, other_reporter, editor_client):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    saved(edit(logged_in(other_reporter), fact, assessment="The ruling gives the figure."))
    response = approve_on_review_page(editor_client, fact)
    assert messages_after(editor_client, response) == [
        "Approved. Readers now see this version. oscar and rita have been told."]


def test_a_lawyers_clearance_names_the_reporter_and_the_editors_told(fact, reporter, editor, lawyer_client):
    fact.needs_legal_review = True
    fact.statement = "Worth 9 million, double the going rate."
    workflow.save_record(fact, reporter, "Sharper wording")
    data = form_data(lawyer_client.get(review_url(fact)), having="_legal_clear")
    data.update(comment=["Fine."], _legal_clear=["Clear on legal grounds"])
    response = lawyer_client.post(review_url(fact), data)
    assert messages_after(lawyer_client, response) == ["Cleared on legal grounds. edna and rita have been told."]
    assert workflow.pending_change(Fact, fact.pk) is not None

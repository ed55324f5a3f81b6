"""Reporters edit, editors approve and readers read, all at once, for a few seconds.

Afterwards nothing is lost and nothing leaked: every approval is one an editor
made, readers only ever saw approved text, every save that succeeded is in the
history, and no request failed.
"""

import pytest
from django.test import Client
from django.urls import reverse

from casefile import workflow
from bench.mixed_load import Newsroom, editor_approving, reader_reading, reporter_editing
from casefile.models import Actor, Fact

from .conftest import make_user, save


def client_fetch():
    client = Client()

    def fetch(url):
        response = client.get(url)
        return response.status_code, response.content.decode()

    return fetch


@pytest.mark.django_db(transaction=True)
def test_a_busy_newsroom_loses_nothing_and_shows_readers_only_approved_text(
    case_file, reporter, other_reporter, editor
):
    fact = Fact.objects.get(slug="contract-value")
    actor = Actor.objects.get(slug="ana-mayor")
    newsroom = Newsroom(seconds=3, longest_seconds=30)
    readers = [
        reverse("casefile:case_json", args=[case_file.slug]),
        reverse("casefile:case_detail", args=[case_file.slug]),
        reverse("casefile:fact_detail", args=[case_file.slug, fact.slug]),
        reverse("casefile:actor_detail", args=[case_file.slug, actor.slug]),
    ]

    all_ended = newsroom.run(
        reporter_editing(newsroom, reporter, Fact, fact.pk, "statement"),
        reporter_editing(newsroom, other_reporter, Actor, actor.pk, "description"),
        editor_approving(newsroom, editor, [(Fact, fact.pk), (Actor, actor.pk)]),
        reader_reading(newsroom, readers, client_fetch()),
        reader_reading(newsroom, list(reversed(readers)), client_fetch()),
    )

    assert all_ended
    assert newsroom.saved and newsroom.approved_by_editor and newsroom.responses
    assert newsroom.seen_by_readers, "readers saw none of the approved edits"
    findings = newsroom.findings([Fact, Actor], [editor])
    assert findings == {check: [] for check in findings}
    assert len(findings) == 7


def test_the_checks_catch_unapproved_text_a_server_error_and_a_lost_save(case_file, editor):
    """The run above passes only because these checks would have failed otherwise."""
    fact = Fact.objects.get(slug="contract-value")
    newsroom = Newsroom(seconds=0, longest_seconds=0)
    newsroom.seen_by_readers.add("MARK-0123456789ab")
    newsroom.responses.append(("/cases/harbour/", 502))
    newsroom.saved.append((Fact, fact.pk, "MARK-ba9876543210"))

    findings = newsroom.findings([Fact], [editor])

    assert findings["unapproved text readers saw"] == ["MARK-0123456789ab"]
    assert findings["5xx responses"] == [("/cases/harbour/", 502)]
    assert findings["successful saves missing from history"] == ["MARK-ba9876543210"]


def test_the_checks_catch_an_approval_made_outside_the_run(case_file, reporter, editor):
    newsroom = Newsroom(seconds=0, longest_seconds=0)
    someone = make_user("someone-else", workflow.EDITORS)
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "Approved by someone outside the run."
    save(fact, reporter)
    approved = workflow.approve(someone, {(Fact, fact.pk): fact.history.latest().history_id})

    findings = newsroom.findings([Fact], [editor])

    assert findings["approvals no editor made here"] == [approved[0].latest.history_id]
    assert findings["approvals by someone else"] == ["someone-else"]


def test_an_editor_of_the_newsroom_reviews_again_when_a_reporter_or_another_editor_came_first(
    case_file, reporter, editor, monkeypatch
):
    fact = Fact.objects.get(slug="contract-value")
    newsroom = Newsroom(seconds=0, longest_seconds=0)
    review = editor_approving(newsroom, editor, [(Fact, fact.pk)])

    review()  # nothing waits: the fact's newest version was approved already
    fact.statement = "The contract was worth 5.1 million."
    save(fact, reporter)
    stale = workflow.latest_version(Fact, fact.pk).history_id
    fact.statement = "The contract was worth 5.2 million."
    save(fact, reporter)
    newest = workflow.latest_version(Fact, fact.pk).history_id
    with monkeypatch.context() as patch:
        # The version the editor looked at is no longer the newest one.
        patch.setattr(workflow, "latest_version", lambda model, pk: Fact.history.get(history_id=stale))
        review()

    assert newsroom.approved_by_editor == set()
    review()
    assert newsroom.approved_by_editor == {newest}

"""Emails to editors and reporters: a mail server that is down or a name on two lines fails no save."""

import logging

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from casefile import workflow
from casefile.models import Actor, Decision, Event, Relationship, Source
from tests.admin.pages import (
    approve_on_review_page,
    edit,
    error_text,
    public_statement,
    saved,
    shown_messages,
)
from tests.factories import approve_all, save

# The save, the commit and the notice sent on commit in one request, as in production.
committing = pytest.mark.django_db(transaction=True)


class UnreachableMailServer(BaseEmailBackend):
    """A mail server that refuses every connection."""

    attempts = 0

    def send_messages(self, email_messages):
        type(self).attempts += 1
        raise ConnectionRefusedError(111, "Connection refused")


def mail_server(settings, backend):
    backend.attempts = 0
    settings.EMAIL_BACKEND = f"{__name__}.{backend.__name__}"
    return backend


@pytest.fixture
def mail_server_down(settings):
    return mail_server(settings, UnreachableMailServer)


def notice_failures(caplog):
    return [r for r in caplog.records if r.name == "casefile.notify" and r.levelno >= logging.ERROR]


def messages_after(client, response):
    """The messages the page a save redirects to shows."""
    return shown_messages(client.get(response["Location"]))


# Tasks run in the request here (TASKS_BACKEND=immediate): the save knows whether its notice went out.
@committing
def test_a_reporters_save_goes_through_and_says_so_when_the_mail_server_is_down(
    fact, editor, reporter_client, mail_server_down, caplog
):
    response = edit(reporter_client, fact, statement="Worth 9 million.")

    assert response.status_code == 302, error_text(response)
    fact.refresh_from_db()
    assert fact.statement == "Worth 9 million."
    assert any("the editors could not be emailed" in m for m in messages_after(reporter_client, response))
    assert mail_server_down.attempts == 1
    [failure] = notice_failures(caplog)
    assert "Waiting for review" in failure.getMessage() and editor.email in failure.getMessage()


@committing
def test_an_editors_approval_is_stored_when_the_mail_server_is_down(
    fact, reporter, reporter_client, editor_client, settings, caplog
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    mail_server(settings, UnreachableMailServer)

    response = approve_on_review_page(editor_client, fact, "Checked")

    assert response.status_code == 302
    assert Decision.objects.filter(object_id=fact.pk, comment="Checked", action="approved").exists()
    assert public_statement() == "Worth 9 million."
    [failure] = notice_failures(caplog)
    assert "Your change was approved" in failure.getMessage() and reporter.email in failure.getMessage()


@pytest.mark.parametrize(
    "model, slug, field",
    [(Actor, "ana-mayor", "name"), (Source, "daily", "title"), (Source, "daily", "publisher"),
     (Event, "contract-signed", "location")],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_a_line_break_in_a_single_line_field_is_refused_with_a_message(
    case_file, reporter_client, model, slug, field
):
    record = model.objects.get(slug=slug)
    before = getattr(record, field)

    response = edit(reporter_client, record, **{field: "Ana\r\nMayor"})

    assert response.status_code == 200
    assert "Write this on one line" in error_text(response)
    record.refresh_from_db()
    assert getattr(record, field) == before


def test_a_line_break_in_a_participants_role_is_refused_with_a_message(case_file, reporter_client):
    event = Event.objects.get(slug="contract-signed")
    participation = event.participations.get()

    response = edit(reporter_client, event, **{"participations-0-role": "contractor\nand owner"})

    assert response.status_code == 200
    assert "Write this on one line" in error_text(response)
    participation.refresh_from_db()
    assert participation.role == "contractor"


@committing
def test_an_actor_stored_with_a_line_break_in_the_name_can_be_saved_once_the_name_is_on_one_line(
    fact, editor, reporter, reporter_client
):
    actor = Actor.objects.get(slug="ana-mayor")
    actor.name = "Ana\nMayor"
    workflow.save_record(actor, reporter, "written before names were checked")
    mail.outbox.clear()

    as_stored = edit(reporter_client, actor, description="Mayor since 2018.")
    assert as_stored.status_code == 200
    assert "Write this on one line" in error_text(as_stored)

    response = edit(reporter_client, actor, name="Ana Mayor", description="Mayor since 2018.")
    assert response.status_code == 302, error_text(response)
    actor.refresh_from_db()
    assert (actor.name, actor.description) == ("Ana Mayor", "Mayor since 2018.")
    assert [m.subject for m in mail.outbox] == ["[Casefile] Waiting for review: Ana Mayor"]


@committing
def test_a_relationship_of_an_actor_named_on_two_lines_is_saved_and_the_editors_emailed(
    case_file, editor, reporter, reporter_client
):
    mayor = Actor.objects.get(slug="ana-mayor")
    mayor.name = "Ana\r\nMayor\u202e"
    workflow.save_record(mayor, reporter, "written before names were checked")
    relationship = save(Relationship(case=case_file, subject=mayor, kind=Relationship.Kind.CONTROLS,
                                     object=Actor.objects.get(slug="quay-builders")), reporter)
    approve_all(editor, case_file)
    mail.outbox.clear()

    response = edit(reporter_client, relationship, description="Through a cousin.")

    assert response.status_code == 302, error_text(response)
    relationship.refresh_from_db()
    assert relationship.description == "Through a cousin."
    [notice] = mail.outbox
    assert notice.subject == "[Casefile] Waiting for review: Ana Mayor controls Quay Builders"
    assert reverse("admin:casefile_review", args=[workflow.key_for(Relationship, relationship.pk)]) in notice.body

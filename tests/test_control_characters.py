"""Control characters, which pasted text brings along and no page or feed can show, are refused where typed."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from casefile import workflow
from casefile.models import Actor, Case, Event, Fact, Source
from tests.admin.pages import edit, error_text, form_data, public_statement, review_url, saved, shown_messages

VERTICAL_TAB = "\x0b"  # a word processor's line break, pasted

# Text the site writes itself, never typed: what a copy recorded (the name of the
# file uploaded, the address fetched, which is the source's), fingerprints, what
# an approval names, the passages quoted from a copy, the pages it keeps, and the
# field a review comment is on (one of the record's own, checked by name).
WRITTEN_BY_THE_SITE = {
    "capture": {"file_name", "stored_as", "stored_sha256", "sha256", "content_type", "mismatch", "url"},
    "decision": {"object_repr"},
    "legalreview": {"record_key", "versions"},
    "quoteanchor": {"exact", "prefix", "suffix"},
    "publication": {"label", "body"},
    "keptpage": {"page", "document", "language", "rendered_with", "surrogate_keys"},
    "publicationgeneration": {"scope"},
    "reviewcomment": {"field_name"},
}


def typed_text_fields():
    """Every text field of the case file that a reporter, an editor or a lawyer types into."""
    fields = []
    for model in apps.get_app_config("casefile").get_models():
        if model.__name__.startswith("Historical"):
            continue
        for field in model._meta.concrete_fields:
            if (isinstance(field, (models.CharField, models.TextField)) and not isinstance(field, models.SlugField)
                    and not field.choices
                    and field.name not in WRITTEN_BY_THE_SITE.get(model._meta.model_name, ())):
                fields.append(pytest.param(field, id=f"{model._meta.model_name}.{field.name}"))
    return fields


@pytest.mark.parametrize("field", typed_text_fields())
@pytest.mark.parametrize("character", [VERTICAL_TAB, "\x01", "\x00", "\x7f", "\u202e"])
def test_every_text_field_people_type_into_refuses_invisible_characters(field, character):
    with pytest.raises(ValidationError) as refusal:
        field.run_validators(f"Signed{character} in May")

    refused = [message for message in refusal.value.messages if message.startswith("Remove the invisible")]
    assert len(refused) == 1
    assert f"(U+{ord(character):04X} after “Signed”)" in refused[0]


@pytest.mark.parametrize(
    "model, slug, field, value, found",
    [(Actor, "quay-builders", "description", f"Builds quays.{VERTICAL_TAB}Founded in 1998.",
      "U+000B after “Builds quays.”"),
     (Fact, "contract-value", "statement", "The contract was worth \x01 5 million.",
      "U+0001 after “…contract was worth”"),
     (Event, "contract-signed", "description", "\x01Signed at the port.", "U+0001 at the start"),
     (Source, "daily", "reliability_note", "Reliable\x1f, \x02mostly.", "U+0002 after “Reliable,”, U+001F after "
      "“Reliable”"),
     (Case, "harbour", "summary", f"Who won{VERTICAL_TAB} the harbour contracts.", "U+000B after “Who won”")],
    ids=["actor description", "fact statement", "event description", "source note", "case summary"],
)
def test_a_control_character_in_typed_text_is_refused_saying_where_it_is_and_the_text_is_kept(
    case_file, reporter_client, model, slug, field, value, found
):
    record = model.objects.get(slug=slug)
    before = getattr(record, field)

    response = edit(reporter_client, record, **{field: value})

    assert response.status_code == 200
    assert f"Remove the invisible control characters ({found})" in error_text(response)
    assert form_data(response, f"{model._meta.model_name}_form")[field] == [value]
    record.refresh_from_db()
    assert getattr(record, field) == before


def test_tabs_and_line_breaks_in_multi_line_text_are_kept(case_file, reporter_client):
    firm = Actor.objects.get(slug="quay-builders")

    saved(edit(reporter_client, firm, description="Builds quays.\r\n\tFounded in 1998.\nListed in 2004."))

    firm.refresh_from_db()
    assert firm.description == "Builds quays.\r\n\tFounded in 1998.\nListed in 2004."


def test_a_change_reason_holding_a_control_character_is_refused(fact, reporter_client):
    response = edit(reporter_client, fact, reason=f"Per the{VERTICAL_TAB}audit", statement="Worth 9 million.")

    assert response.status_code == 200
    assert "Remove the invisible control characters (U+000B after “Per the”)" in error_text(response)
    assert workflow.pending_change(Fact, fact.pk) is None


def test_a_note_for_readers_holding_a_control_character_is_refused_and_nothing_is_approved(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    page = editor_client.get(review_url(fact))
    data = form_data(page, having="_approve")
    data["public_note"] = [f"The audit{VERTICAL_TAB}gave a higher value."]
    data["_approve"] = ["Approve all of the above"]

    response = editor_client.post(review_url(fact), data)

    assert response.status_code == 200
    assert "Remove the invisible control characters (U+000B after “The audit”)" in response.content.decode()
    assert form_data(response, having="_approve")["public_note"] == [f"The audit{VERTICAL_TAB}gave a higher value."]
    assert public_statement() == "The contract was worth 5 million."


def test_a_comment_for_a_bulk_approval_holding_a_control_character_approves_nothing(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    queue = editor_client.get(reverse("admin:casefile_review_queue"))
    data = form_data(queue, action=reverse("admin:casefile_review_bulk"))
    data["selected"] = [workflow.key_for(Fact, fact.pk)]
    data["comment"] = [f"Checked{VERTICAL_TAB}"]

    response = editor_client.post(reverse("admin:casefile_review_bulk"), data, follow=True)

    assert any("Remove the invisible control characters (U+000B after “Checked”)" in message
               for message in shown_messages(response))
    assert public_statement() == "The contract was worth 5 million."

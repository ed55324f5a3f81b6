"""Nothing internal reaches readers: workflow fields stay out of the corrections log, the feeds, case.json and search."""

import json

import feedparser
import pytest
from django.apps import apps

from casefile import dates, search, workflow
from casefile.models import (
    Actor,
    Case,
    Citation,
    Event,
    EventParticipant,
    Fact,
    OpenQuestion,
    Relationship,
    Source,
)
from casefile.published import fields
from casefile.translations import translation_columns
from casefile.workflow import legal
from tests.factories import approve_all, approve_edit, save
from tests.public.pages import case_url, page, text


def every_field():
    for model in apps.get_app_config("casefile").get_models():
        for model_field in model._meta.concrete_fields:
            yield model, model_field.name


@pytest.mark.parametrize("model, name", list(every_field()), ids=lambda v: getattr(v, "__name__", v))
def test_every_field_of_every_model_is_either_shown_to_readers_or_kept_for_staff(model, name):
    assert fields.readers_see(model, name) != fields.staff_only(model, name), (
        f"{model.__name__}.{name} must be listed once, in READERS_SEE or in STAFF_ONLY"
    )


def test_every_field_the_lists_name_exists():
    for listing in (fields.READERS_SEE, fields.STAFF_ONLY):
        for model, names in listing.items():
            assert names <= {f.name for f in model._meta.concrete_fields}, model.__name__


def test_workflow_fields_are_never_shown_to_readers():
    for model, name in every_field():
        if name in {"removal_proposed", "needs_legal_review", "comment", "review", "review_note", "reviewed_by",
                    "decided_by", "verdict", "history_change_reason", "history_user"}:
            assert not fields.readers_see(model, name), f"{model.__name__}.{name}"


def test_search_finds_records_only_by_what_readers_see_of_them():
    for model, names in search.SEARCH_FIELDS.items():
        assert all(fields.readers_see(model, name) for name in names), model.__name__


@pytest.fixture
def cleared_and_approved(case_file, reporter, editor, lawyer):
    """Approve the latest version of `fact` once a lawyer has cleared it."""
    def approve(fact, public_note):
        changes = workflow.record_changes(Fact, fact.pk)
        shown = workflow.fingerprint((c.key, c.latest.history_id) for c in changes)
        legal.decide_legal(lawyer, Fact, fact.pk, shown, "cleared", "Fine: the registry shows it.")
        approve_edit(editor, fact, "Checked.", public_note)
    return approve


def public_log(client, case):
    """The corrections log and the case's feed, as text."""
    log = text(page(client, case_url(case, "corrections")))
    feed = feedparser.parse(client.get(case_url(case, "case_feed")).content)
    entries = " ".join(f"{entry.title} {text(entry.summary)}" for entry in feed.entries)
    # A linked name reads inside its quotation marks.
    return [shown.replace("“ ", "“").replace(" ”", "”") for shown in (log, entries)]


def test_a_flagged_change_cleared_by_legal_is_logged_as_a_change_of_its_statement_only(
    client, case_file, reporter, cleared_and_approved
):
    fact = Fact.objects.get(slug="contract-value")
    fact.needs_legal_review = True
    fact.statement = "The contract was worth 9 million."
    save(fact, reporter, "Sharper wording")
    cleared_and_approved(fact, "A higher value.")

    for shown in public_log(client, case_file):
        assert "The statement of the fact “The contract was worth 9 million.” was corrected." in shown
        assert "Before: The contract was worth 5 million. Now: The contract was worth 9 million." in shown
        assert "legal" not in shown.lower()


def test_flagging_a_fact_for_legal_review_tells_readers_nothing_and_its_next_correction_names_only_what_changed(
    client, case_file, reporter, cleared_and_approved
):
    before = public_log(client, case_file)
    fact = Fact.objects.get(slug="contract-value")
    fact.needs_legal_review = True
    save(fact, reporter, "Legal should see the next change")
    assert public_log(client, case_file) == before

    fact.statement = "The contract was worth 9 million."
    save(fact, reporter, "Sharper wording")
    cleared_and_approved(fact, "")

    for shown in public_log(client, case_file):
        assert "The statement of the fact “The contract was worth 9 million.” was corrected." in shown
        assert "legal" not in shown.lower()


def test_case_json_holds_no_field_kept_for_staff(client, case_file, reporter, cleared_and_approved):
    fact = Fact.objects.get(slug="contract-value")
    fact.needs_legal_review = True
    fact.statement = "The contract was worth 9 million."
    save(fact, reporter, "Sharper wording")
    cleared_and_approved(fact, "")
    document = json.loads(client.get(case_url(case_file, "case_json")).content)

    def keys(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                yield key
                yield from keys(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from keys(inner)

    assert not set(keys(document)) & fields.WORKFLOW_FIELDS
    sections = {"actors": Actor, "relationships": Relationship, "sources": Source, "events": Event, "facts": Fact,
                "open_questions": OpenQuestion}
    for section, model in sections.items():
        names = {f.name for f in model._meta.concrete_fields}
        for record in document[section]:
            assert all(fields.readers_see(model, key) for key in record if key in names), section


def exported_records(document):
    """{model: the records of that kind case.json holds}, nested ones included."""
    found = {Case: [document["case"]], Actor: document["actors"], Relationship: document["relationships"],
             Source: document["sources"], Event: document["events"], Fact: document["facts"],
             OpenQuestion: document["open_questions"]}
    found[EventParticipant] = [p for event in document["events"] for p in event["participants"]]
    found[Citation] = [c for kind in (Relationship, Event, Fact) for record in found[kind] for c in record["citations"]]
    return found


def test_case_json_writes_every_field_readers_see_and_none_kept_for_staff(client, disputed_case, reporter, editor):
    save(OpenQuestion(case=disputed_case, slug="who-signed", question="Who signed the contract?",
                      settled_by="The council minutes."), reporter)
    approve_all(editor, disputed_case)
    document = json.loads(client.get(case_url(disputed_case, "case_json")).content)

    for model, records in exported_records(document).items():
        assert records, model.__name__
        precision_of = dates.precision_fields(model)
        for model_field in model._meta.concrete_fields:
            name = model_field.name
            # A date is written as precisely as it is known, under its name without "_on".
            key = name.removesuffix("_on") if name in precision_of else name
            for record in records:
                if fields.staff_only(model, name):
                    assert key not in record, f"{model.__name__}.{name} is kept for staff"
                elif name in translation_columns(model):
                    # A translation is written under "texts", by its language, where there is one.
                    assert key not in record and "texts" in record
                elif not model_field.is_relation and name not in precision_of.values():
                    assert key in record, f"{model.__name__}.{name} is shown to readers but not in case.json"


def test_every_kind_of_record_flagged_and_corrected_is_logged_by_what_readers_read_alone(
    client, disputed_case, reporter, editor, lawyer
):
    corrected = {
        Actor.objects.get(slug="quay-builders"): ("description", "A builder of quays."),
        Source.objects.get(slug="registry"): ("publisher", "The registry office"),
        Event.objects.get(slug="tender-opened"): ("location", "The council chamber"),
        Relationship.objects.get(case=disputed_case): ("description", "Partners in one firm."),
        Fact.objects.get(slug="mayor-owns-shares"): ("assessment", "The registry names her."),
    }
    for record, (name, value) in corrected.items():
        record.needs_legal_review = True
        setattr(record, name, value)
        save(record, reporter, "Flagged for legal with the correction")
        changes = workflow.record_changes(type(record), record.pk)
        shown = workflow.fingerprint((c.key, c.latest.history_id) for c in changes)
        legal.decide_legal(lawyer, type(record), record.pk, shown, "cleared", "Fine.")
    approve_all(editor, disputed_case)

    for shown in public_log(client, disputed_case):
        for record, (name, value) in corrected.items():
            assert f"Now: {value}" in shown, record
        assert "legal" not in shown.lower()
        assert "Before: no" not in shown

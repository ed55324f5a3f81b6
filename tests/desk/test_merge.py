"""A save refused because a colleague saved first keeps the colleague's rows, and shows fields both changed."""

from casefile import workflow
from casefile.models import Actor, Citation, Event, EventParticipant, Source

from .pages import (
    add_row,
    change_url,
    errors_of,
    form_data,
    logged_in,
    open_form,
    post_form,
    row_index,
    saved,
    text_of,
)


def refused(response):
    assert response.status_code == 200, "the save went through"
    assert "Not saved:" in errors_of(response)
    return response


def test_saving_again_after_a_refused_save_keeps_the_citation_note_a_colleague_changed_meanwhile(
    fact, reporter, other_reporter
):
    rita, oscar = logged_in(reporter), logged_in(other_reporter)
    citation = Citation.objects.get(fact=fact)
    ritas_form = open_form(rita, change_url(fact), "fact_form")
    oscars_form = open_form(oscar, change_url(fact), "fact_form")
    row = row_index(oscars_form, "citations", citation.pk)
    saved(post_form(oscar, change_url(fact), oscars_form, "Checked the paragraph",
                    **{f"citations-{row}-note": "Paragraph 3 gives the figure."}))

    shown = refused(post_form(rita, change_url(fact), ritas_form, "The ruling", statement="Worth 9 million."))
    again = form_data(shown, "fact_form")
    assert again[f"citations-{row_index(again, 'citations', citation.pk)}-note"] == ["Paragraph 3 gives the figure."]
    assert "their changes to citation “Daily report ¶3 (supports)” (note) are now in its row" in text_of(shown)

    saved(post_form(rita, change_url(fact), again, "The ruling"))
    citation.refresh_from_db()
    fact.refresh_from_db()
    assert citation.note == "Paragraph 3 gives the figure."
    assert fact.statement == "Worth 9 million."


def test_rows_a_colleague_added_or_deleted_meanwhile_stay_added_and_deleted(
    fact, reporter, other_reporter
):
    rita, oscar = logged_in(reporter), logged_in(other_reporter)
    daily = Source.objects.get(slug="daily")
    draft = Citation(fact=fact, source=daily, locator="¶6")
    workflow.save_record(draft, reporter, "A draft citation")
    ritas_form = open_form(rita, change_url(fact), "fact_form")
    oscars_form = open_form(oscar, change_url(fact), "fact_form")
    oscars_form[f"citations-{row_index(oscars_form, 'citations', draft.pk)}-DELETE"] = ["on"]
    add_row(oscars_form, "citations", {"source": daily.pk, "stance": "contradicts", "locator": "¶8"})
    saved(post_form(oscar, change_url(fact), oscars_form, "¶6 says nothing of it; ¶8 does"))

    shown = refused(post_form(rita, change_url(fact), ritas_form, "The ruling", statement="Worth 9 million."))
    again = form_data(shown, "fact_form")
    locators = sorted(value[0] for key, value in again.items() if key.endswith("-locator") and value[0])
    assert locators == ["¶3", "¶8"]

    saved(post_form(rita, change_url(fact), again, "The ruling"))
    assert sorted(Citation.objects.filter(fact=fact).values_list("locator", flat=True)) == ["¶3", "¶8"]


def test_a_field_both_changed_is_shown_side_by_side_and_their_version_can_be_kept(
    fact, reporter, other_reporter
):
    rita, oscar = logged_in(reporter), logged_in(other_reporter)
    citation = Citation.objects.get(fact=fact)
    ritas_form = open_form(rita, change_url(fact), "fact_form")
    row = row_index(ritas_form, "citations", citation.pk)
    saved(post_form(oscar, change_url(fact), open_form(oscar, change_url(fact), "fact_form"), "Audit",
                    statement="Worth 7 million, per the audit.",
                    **{f"citations-{row}-note": "The audit's figure."}))

    shown = refused(post_form(rita, change_url(fact), ritas_form, "Ruling", statement="Worth 9 million.",
                              **{f"citations-{row}-note": "The ruling's figure."}))
    choices = text_of(shown.content.decode().split('id="conflict-choices"', 1)[1].split("</fieldset>", 1)[0])
    assert "Statement Their version (saved) Worth 7 million, per the audit. Keep theirs" in choices
    assert "Yours (in the form below) Worth 9 million. Keep yours" in choices
    assert "Their version (saved) The audit's figure." in choices
    assert "Yours (in the form below) The ruling's figure." in choices
    assert "Both you and oscar changed: statement, citation “Daily report ¶3 (supports)”: note." in text_of(shown)

    again = form_data(shown, "fact_form")
    assert again["statement"] == ["Worth 9 million."]
    again[f"conflict-choice-citations-{row}-note"] = ["theirs"]
    saved(post_form(rita, change_url(fact), again, "Ruling"))
    fact.refresh_from_db()
    citation.refresh_from_db()
    assert (fact.statement, citation.note) == ("Worth 9 million.", "The audit's figure.")


def test_an_events_participants_are_merged_too(case_file, reporter, other_reporter):
    rita, oscar = logged_in(reporter), logged_in(other_reporter)
    event = Event.objects.get(slug="contract-signed")
    participant = EventParticipant.objects.get(event=event)
    ritas_form = open_form(rita, change_url(event), "event_form")
    oscars_form = open_form(oscar, change_url(event), "event_form")
    oscars_form[f"participations-{row_index(oscars_form, 'participations', participant.pk)}-role"] = ["builder"]
    add_row(oscars_form, "participations", {"actor": Actor.objects.get(slug="ana-mayor").pk, "role": "signatory"})
    saved(post_form(oscar, change_url(event), oscars_form, "The contract names both"))

    shown = refused(post_form(rita, change_url(event), ritas_form, "Place", location="City hall"))
    saved(post_form(rita, change_url(event), form_data(shown, "event_form"), "Place"))

    event.refresh_from_db()
    assert event.location == "City hall"
    assert sorted(EventParticipant.objects.filter(event=event).values_list("role", flat=True)) == [
        "builder", "signatory"]

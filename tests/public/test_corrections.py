"""The corrections log of a case, and the case as it was published on a date."""

import datetime
import re

import pytest
from django.utils import timezone

from casefile import workflow
from casefile.models import Actor, Citation, Decision, Event, EventParticipant, Fact, FactActor, Source
from tests.factories import approve_edit, save
from tests.public.pages import case_url, page, text


def test_the_corrections_log_lists_changes_after_publication_newest_first_with_before_and_after(
    client, case_file, reporter, editor
):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million."
    save(fact, reporter)
    approve_edit(editor, fact, "Per the audit file.", "The audit gave a higher value.")
    actor = Actor.objects.get(slug="quay-builders")
    actor.description = "A building firm."
    save(actor, reporter)
    approve_edit(editor, actor, "Fine.", "Added a description.")
    shown = quoted_text(page(client, case_url(case_file, "corrections")))
    assert shown.index("Added a description.") < shown.index("The audit gave a higher value.")
    assert "The statement of the fact “The contract was worth 7 million.” was corrected." in shown
    assert "Before: The contract was worth 5 million. Now: The contract was worth 7 million." in shown
    assert "The description of the actor “Quay Builders” was corrected." in shown
    assert "Ana Mayor" not in shown  # the first publication is not a correction


def quoted_text(html):
    """The page's text with a linked name read inside its quotation marks."""
    return text(html).replace("“ ", "“").replace(" ”", "”")


def correction_entries(client, case):
    log = page(client, case_url(case, "corrections")).split('<ol class="corrections">')[1]
    return [quoted_text(entry) for entry in re.split(r'<li id="correction-', log)[1:]]


def test_an_approval_of_several_records_is_one_entry_in_readers_words(client, disputed_case, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million."
    fact.status = Fact.Status.DISPUTED
    save(fact, reporter)
    registry = Source.objects.get(slug="registry")
    save(Citation(fact=fact, source=registry, locator="¶1", stance=Citation.Stance.CONTRADICTS), reporter)
    event = save(Event(case=disputed_case, slug="audit", title="Audit published",
                       starts_on=datetime.date(2021, 3, 1), starts_precision="month"), reporter)
    for slug in ("ana-mayor", "quay-builders"):
        save(EventParticipant(event=event, actor=Actor.objects.get(slug=slug), role="audited"), reporter)
    citation = Citation.objects.get(fact__slug="mayor-owns-shares", stance=Citation.Stance.SUPPORTS)
    citation.quote = "Ana Mayor, shareholder of Quay Builders"
    save(citation, reporter)
    workflow.approve_case(editor, disputed_case, "Checked with Lee on the phone.",
                          public_note="The audit of March 2021 gave a higher value.")

    entry = correction_entries(client, disputed_case)[0]
    assert "The statement and status of the fact “The contract was worth 7 million.” were corrected." in entry
    assert "Before: The contract was worth 5 million. Now: The contract was worth 7 million." in entry
    assert "Before: Confirmed Now: Disputed" in entry
    assert "A source was added to the fact “The contract was worth 7 million.” Quote" not in entry
    assert "A source was added to the fact “The contract was worth 7 million.” Editor's note" in entry
    assert "The event “Audit published” was added." in entry
    # The participants came with their event: its line says it.
    assert "participant" not in entry
    assert ("The quote of a citation on the fact “The mayor owned shares in Quay Builders.” was corrected. "
            "Quote Before: Ana Mayor, shareholder Now: Ana Mayor, shareholder of Quay Builders") in entry
    assert "Editor's note: The audit of March 2021 gave a higher value." in entry
    assert "Lee on the phone" not in page(client, case_url(disputed_case, "corrections"))


def test_participants_added_to_a_published_event_are_one_line(client, disputed_case, reporter, editor):
    event = Event.objects.get(slug="contract-signed")
    for slug in ("ana-mayor",):
        save(EventParticipant(event=event, actor=Actor.objects.get(slug=slug), role="signatory"), reporter)
    save(Citation(event=event, source=Source.objects.get(slug="registry"), locator="¶1"), reporter)
    save(Citation(event=event, source=Source.objects.get(slug="forum-post"), locator="¶2"), reporter)
    workflow.approve_case(editor, disputed_case, "ok")

    entry = correction_entries(client, disputed_case)[0]
    assert "A participant was added to the event “Contract signed”." in entry
    assert "2 sources were added to the event “Contract signed”." in entry


def test_the_corrections_log_says_a_record_put_back_after_its_removal_was_restored(
    client, case_file, reporter, editor
):
    actor = Actor.objects.get(slug="quay-builders")
    workflow.propose_removal(actor, reporter, "Wrong firm")
    approve_edit(editor, actor, "Taken down while we check.")
    actor.removal_proposed = False
    save(actor, reporter, "It was the right firm")
    approve_edit(editor, actor, "Checked with the registry clerk.", "Checked: the right firm.")
    newly = save(Actor(case=case_file, kind=Actor.Kind.PERSON, name="Tom Clerk", slug="tom-clerk"), reporter)
    approve_edit(editor, newly, "A new name in the story.")

    entries = correction_entries(client, case_file)
    assert "The actor “Quay Builders” was published again. Editor's note: Checked: the right firm." in entries[1]
    assert "The actor “Quay Builders” was removed." in entries[2]
    assert "The actor “Tom Clerk” was added." in entries[0]
    assert "registry clerk" not in " ".join(entries)


@pytest.mark.parametrize("model, slug, field", [
    (Fact, "contract-value", "statement"), (Actor, "ana-mayor", "name"),
    (Source, "daily", "title"), (Event, "contract-signed", "title"),
])
def test_a_record_an_editor_deletes_leaves_the_corrections_log_under_the_text_readers_last_saw(
    client, case_file, reporter, editor, model, slug, field
):
    record = model.objects.get(slug=slug)
    readers_saw = str(record)
    setattr(record, field, "UNAPPROVED working text")
    save(record, reporter, "A draft")
    if model is Source:
        for citation in Citation.objects.filter(source=record):
            workflow.delete_record(citation, editor, "Goes with its source")
    elif model is Actor:
        for link in FactActor.objects.filter(actor=record):
            workflow.delete_record(link, editor, "Goes with the actor")

    workflow.delete_record(record, editor, "Taken down")

    log = text(page(client, case_url(case_file, "corrections")))
    assert re.search(rf"“ ?{re.escape(readers_saw)} ?” was removed", log)
    assert "UNAPPROVED" not in log


def test_the_corrections_log_says_so_when_nothing_changed(client, case_file):
    assert "No changes have been made since first publication." in page(
        client, case_url(case_file, "corrections")
    )


def backdate(case, days):
    """Move every decision so far `days` into the past."""
    for decision in Decision.objects.filter(case=case):
        decision.decided_at -= datetime.timedelta(days=days)
        decision.save(update_fields=["decided_at"])


def test_a_case_page_as_of_a_date_shows_the_versions_approved_then_and_says_so(
    client, case_file, reporter, editor
):
    backdate(case_file, 10)
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million."
    save(fact, reporter)
    approve_edit(editor, fact, "Corrected.")
    as_of = (timezone.now() - datetime.timedelta(days=5)).date().isoformat()
    html = page(client, case_url(case_file) + f"?as_of={as_of}")
    assert "worth 5 million" in html and "worth 7 million" not in html
    assert "as it was published on" in text(html)
    assert f'href="/cases/harbour/facts/contract-value/?as_of={as_of}"' in html
    assert f'href="/cases/harbour/case.json?as_of={as_of}"' in html
    fact_page = page(client, case_url(case_file, "fact_detail", "contract-value") + f"?as_of={as_of}")
    assert "worth 7 million" not in fact_page
    assert "worth 7 million" in page(client, case_url(case_file))
    assert "as it was published on" not in text(page(client, case_url(case_file)))


def test_a_case_as_of_a_date_before_it_was_published_says_when_it_was_first_published(client, case_file):
    response = client.get(case_url(case_file) + "?as_of=2000-01-01")
    assert response.status_code == 404
    shown = quoted_text(response.content.decode())
    first = Decision.objects.filter(case=case_file).earliest("decided_at").decided_at
    assert "“Harbour contracts” was not yet published on 1 January 2000" in shown
    assert f"first published on {first.day} {first:%B %Y}" in shown
    assert f'href="/cases/harbour/?as_of={first.date().isoformat()}"' in response.content.decode()


def test_a_case_never_published_is_not_found_on_any_date(client, case_file):
    response = client.get("/cases/no-such-case/?as_of=2000-01-01")
    assert response.status_code == 404
    assert "first published" not in response.content.decode()

"""The corrections log of a case, and the case as it was published on a date."""

import datetime
import re

import pytest
from django.utils import timezone

from casefile import workflow
from casefile.models import Actor, Citation, Decision, Event, Fact, FactActor, Source
from tests.factories import approve_edit, save
from tests.public.pages import case_url, page, text


def test_the_corrections_log_lists_changes_after_publication_newest_first(
    client, case_file, reporter, editor
):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million."
    save(fact, reporter)
    approve_edit(editor, fact, "The audit gave a higher value.")
    actor = Actor.objects.get(slug="quay-builders")
    actor.description = "A building firm."
    save(actor, reporter)
    approve_edit(editor, actor, "Added a description.")
    shown = text(page(client, case_url(case_file, "corrections")))
    assert shown.index("Added a description.") < shown.index("The audit gave a higher value.")
    assert "changed: statement" in shown
    assert "Ana Mayor" not in shown  # the first publication is not a correction


def test_the_corrections_log_says_a_record_put_back_after_its_removal_was_restored(
    client, case_file, reporter, editor
):
    actor = Actor.objects.get(slug="quay-builders")
    workflow.propose_removal(actor, reporter, "Wrong firm")
    approve_edit(editor, actor, "Taken down while we check.")
    actor.removal_proposed = False
    save(actor, reporter, "It was the right firm")
    approve_edit(editor, actor, "Checked: the right firm.")
    newly = save(Actor(case=case_file, kind=Actor.Kind.PERSON, name="Tom Clerk", slug="tom-clerk"), reporter)
    approve_edit(editor, newly, "A new name in the story.")

    log = page(client, case_url(case_file, "corrections")).split('<ol class="corrections">')[1]
    entries = [text(entry) for entry in log.split("<li>")[1:]]
    assert "Quay Builders restored. Editor's note: Checked: the right firm." in entries[1]
    assert "Quay Builders removed." in entries[2]
    assert "Tom Clerk added." in entries[0]


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
    assert re.search(rf"“ ?{re.escape(readers_saw)} ?” removed", log)
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


def test_a_case_as_of_a_date_before_it_was_published_is_not_found(client, case_file):
    assert client.get(case_url(case_file) + "?as_of=2000-01-01").status_code == 404

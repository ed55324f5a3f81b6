"""Search finds the approved version of published records only, grouped by case."""

import re

from django.urls import reverse

from casefile import workflow
from casefile.models import Actor, Case, Fact
from tests.factories import approve_all, committed, save
from tests.public.pages import page, search_text, text


def test_search_finds_approved_records_grouped_by_case(client, disputed_case):
    html = page(client, reverse("casefile:search") + "?q=shares")
    shown = text(html)
    assert "Harbour contracts" in shown
    assert 'href="/cases/harbour/facts/mayor-owns-shares/"' in html
    assert "1 result for “shares”" in shown


def test_search_results_are_grouped_under_each_case(client, case_file, reporter, editor):
    other = save(Case(title="Dredging deal", slug="dredging"), reporter)
    save(Fact(case=other, slug="dredging-contract", statement="The dredging contract was never tendered."),
         reporter)
    approve_all(editor, other)
    html = page(client, "/search/?q=contract")
    groups = html.split('<section class="search-case"')[1:]
    assert len(groups) == 2
    by_case = {re.search(r"<h2[^>]*><a[^>]*>([^<]+)</a>", group).group(1): text(group) for group in groups}
    assert "The dredging contract was never tendered." in by_case["Dredging deal"]
    assert "The contract was worth 5 million." in by_case["Harbour contracts"]
    assert "dredging" not in by_case["Harbour contracts"]


def test_search_finds_a_reporters_edit_only_once_an_editor_approves_it(client, case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million, the auditors found."
    save(fact, reporter)
    assert "Nothing published matches “auditors”" in search_text(client, "auditors")
    assert "The contract was worth 5 million." in search_text(client, "worth")

    with committed():
        approve_all(editor, case_file)

    assert "The contract was worth 7 million, the auditors found." in search_text(client, "auditors")
    assert "5 million" not in search_text(client, "worth")


def test_search_finds_every_searched_field_of_the_approved_version(client, disputed_case):
    assert "The mayor owned shares in Quay Builders." in search_text(client, "denies")  # the assessment
    assert "Ana Mayor" in search_text(client, "Mayor Ana")  # an alias
    assert "Tender opened" in search_text(client, "City hall")  # the location
    assert "Company registry extract" in search_text(client, "Registrar")  # the author


def test_search_finds_records_holding_every_word_in_any_order(client, disputed_case):
    shown = search_text(client, "builders quay")
    assert "Quay Builders" in shown
    assert "Nothing published matches “quay zeppelin”" in search_text(client, "quay zeppelin")


def test_a_fact_found_by_search_shows_its_status(client, disputed_case):
    html = page(client, "/search/?q=shares")
    assert '<span class="badge status-disputed">Disputed</span>' in html


def test_a_record_whose_removal_is_approved_leaves_search(client, case_file, reporter, editor):
    workflow.propose_removal(Fact.objects.get(slug="contract-value"), reporter, "Not borne out")
    assert "The contract was worth 5 million." in search_text(client, "worth")

    with committed():
        approve_all(editor, case_file)

    assert "Nothing published matches “worth”" in search_text(client, "worth")


def test_a_published_record_an_editor_deletes_leaves_search(client, case_file, reporter, editor):
    clerk = save(Actor(case=case_file, kind=Actor.Kind.PERSON, name="Tom Clerk", slug="tom-clerk"), reporter)
    approve_all(editor, case_file)
    assert "Tom Clerk" in search_text(client, "Clerk")

    with committed():
        workflow.delete_record(clerk, editor, "Entered twice")

    assert "Nothing published matches “Clerk”" in search_text(client, "Clerk")


def test_the_records_of_a_case_taken_off_the_public_pages_are_not_found(client, case_file, reporter, editor):
    workflow.propose_removal(case_file, reporter, "Withdrawn pending legal review")
    approve_all(editor, case_file)
    assert "Nothing published matches “contract”" in search_text(client, "contract")


def test_search_links_to_the_public_address_of_a_case_whose_new_slug_waits_for_review(
    client, case_file, reporter
):
    case_file.slug = "harbour-deals"
    save(case_file, reporter)
    html = page(client, "/search/?q=worth")
    assert 'href="/cases/harbour/facts/contract-value/"' in html
    assert "harbour-deals" not in html


def test_search_says_so_when_nothing_matches(client, case_file):
    assert "Nothing published matches “zeppelin”" in text(page(client, "/search/?q=zeppelin"))


def test_search_without_a_query_shows_the_search_form(client, db):
    html = page(client, "/search/")
    assert '<label for="search-q">' in html
    assert "result" not in text(html)

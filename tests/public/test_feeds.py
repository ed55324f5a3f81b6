"""The Atom feeds of corrections and updates: one per case, one for every case."""

import feedparser

from casefile import workflow
from casefile.models import Case, Fact
from tests.factories import approve_edit, save
from tests.public.pages import case_url, page


def read_feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed, response.content.decode()


def test_a_case_feed_is_atom_with_an_entry_per_approval_and_one_for_its_publication(
    client, case_file, reporter, editor
):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million."
    save(fact, reporter)
    approve_edit(editor, fact, "Per the audit file.", "The audit gave a higher value.")

    feed, _ = read_feed(client, case_url(case_file, "case_feed"))

    assert feed.feed.title == "Harbour contracts: corrections and updates"
    assert feed.feed.link == "http://testserver/cases/harbour/"
    titles = [entry.title for entry in feed.entries]
    assert titles == [
        "The statement of the fact “The contract was worth 7 million.” was corrected.",
        "The case “Harbour contracts” was published.",
    ]
    correction = feed.entries[0]
    assert correction.link.startswith("http://testserver/cases/harbour/corrections/#correction-")
    assert "The contract was worth 5 million." in correction.summary
    assert "The audit gave a higher value." in correction.summary
    assert 'href="http://testserver/cases/harbour/facts/contract-value/"' in correction.summary
    assert correction.id.startswith("urn:uuid:") and correction.updated_parsed


def test_the_feed_of_every_case_names_the_case_of_each_correction(client, case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million."
    save(fact, reporter)
    approve_edit(editor, fact, "Per the audit file.")

    feed, _ = read_feed(client, "/feed.atom")

    assert feed.feed.title == "Case files: corrections and updates"
    assert feed.entries[0].title.startswith("Harbour contracts: The statement of the fact")
    assert feed.entries[-1].title == "The case “Harbour contracts” was published."


def test_the_feeds_show_nothing_unapproved_and_no_newsroom_comment(client, disputed_case, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "UNAPPROVED statement of the contract."
    save(fact, reporter)
    unpublished = save(Case(title="UNAPPROVED case", slug="draft-case"), reporter)
    mayor = disputed_case.actors.get(slug="ana-mayor")
    mayor.name = "UNAPPROVED name"
    save(mayor, reporter)
    rejected = Fact.objects.get(slug="mayor-owns-shares")
    rejected.statement = "UNAPPROVED rejected statement."
    save(rejected, reporter)
    workflow.reject(editor, {(Fact, rejected.pk): workflow.latest_version(Fact, rejected.pk).history_id},
                    "UNAPPROVED: not sourced.")

    for url in ("/feed.atom", case_url(disputed_case, "case_feed")):
        _, content = read_feed(client, url)
        assert "UNAPPROVED" not in content, url
        assert "approved in test" not in content, url
    assert client.get(case_url(unpublished, "case_feed")).status_code == 404


def test_every_page_of_a_case_advertises_its_feed_and_the_feed_of_every_case(client, case_file):
    for url in (case_url(case_file), case_url(case_file, "corrections"),
                case_url(case_file, "fact_detail", "contract-value")):
        html = page(client, url)
        assert ('<link rel="alternate" type="application/atom+xml" href="/cases/harbour/feed.atom"'
                in html), url
        assert '<link rel="alternate" type="application/atom+xml" href="/feed.atom"' in html, url
    assert '<link rel="alternate" type="application/atom+xml" href="/feed.atom"' in page(client, "/")


def test_the_feeds_carry_text_saved_with_control_characters_before_they_were_refused(
    client, case_file, reporter, editor
):
    fact = Fact.objects.get(slug="contract-value")
    # Written as older data holds it: straight to the database, never checked.
    fact.statement = "The contract was worth\x0b7 million.\x01"
    workflow.save_record(fact, reporter, "pasted from a word processor")
    approve_edit(editor, fact, "Per the audit file.", "The audit\x0b gave a higher value.")

    for url in ("/feed.atom", case_url(case_file, "case_feed")):
        feed, content = read_feed(client, url)
        assert "\x0b" not in content and "\x01" not in content, url
        assert "The contract was worth 7 million." in feed.entries[0].title, url
        assert "The audit gave a higher value." in feed.entries[0].summary, url

"""Readers see approved content only, and every text they see is escaped."""

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from casefile import workflow
from casefile.models import (
    Actor,
    Case,
    Citation,
    Event,
    EventParticipant,
    Fact,
    Relationship,
    Source,
)

from .conftest import save

MARKER = "zq7unapprovedmarker"


def reader_urls(case_slug="harbour"):
    """Every page, export and search a reader can reach for the test case."""
    case = f"/cases/{case_slug}/"
    today = timezone.now().date().isoformat()
    pages = [
        "/",
        case,
        case + "case.json",
        case + "corrections/",
        case + "actors/ana-mayor/",
        case + "actors/quay-builders/",
        case + "events/contract-signed/",
        case + "events/tender-opened/",
        case + "facts/contract-value/",
        case + "facts/mayor-owns-shares/",
        case + "sources/daily/",
        case + "sources/registry/",
        case + "sources/forum-post/",
        case + "actors/",
        case + "timeline/",
        case + "facts/",
        case + "facts/?status=false",
        case + "sources/",
        "/search/?q=contract",
        "/search/?q=mayor",
    ]
    return pages + [
        url + ("&" if "?" in url else "?") + f"as_of={today}" for url in pages if url.startswith(case)
    ]


def everything_a_reader_can_read(client, urls):
    seen = []
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        seen.append((url, response.status_code, response.content.decode()))
    return seen


def edit(record, user, **changes):
    for name, value in changes.items():
        setattr(record, name, value)
    return save(record, user)


def test_unapproved_edits_and_records_appear_nowhere_a_reader_can_reach(
    client, disputed_case, reporter, editor
):
    case = disputed_case
    mayor = Actor.objects.get(slug="ana-mayor")
    fact = Fact.objects.get(slug="contract-value")
    registry = Source.objects.get(slug="registry")
    tender = Event.objects.get(slug="tender-opened")
    # Unapproved edits of published records, one text field of each kind.
    edit(Case.objects.get(pk=case.pk), reporter, summary=f"Summary {MARKER}")
    edit(mayor, reporter, description=f"Description {MARKER}", aliases=f"Alias {MARKER}")
    edit(fact, reporter, statement=f"Statement {MARKER}", status=Fact.Status.FALSE)
    edit(registry, reporter, title=f"Registry {MARKER}", publisher=f"Publisher {MARKER}")
    edit(tender, reporter, title=f"Tender {MARKER}", location=f"Place {MARKER}")
    edit(Relationship.objects.get(case=case), reporter, description=f"Tie {MARKER}")
    edit(EventParticipant.objects.get(event=tender), reporter, role=f"role {MARKER}")
    edit(Citation.objects.get(fact=fact), reporter, quote=f"quote {MARKER}", note=f"note {MARKER}")
    # Unapproved new records, some tied to published ones.
    save(Fact(case=case, slug=f"new-{MARKER}", statement=f"New fact {MARKER}"), reporter)
    save(Citation(fact=Fact.objects.get(slug="mayor-owns-shares"), source=registry, locator="¶2",
                  quote=f"cited {MARKER}"), reporter)
    newcomer = save(Actor(case=case, kind=Actor.Kind.PERSON, name=f"Actor {MARKER}",
                          slug="newcomer"), reporter)
    save(Relationship(case=case, subject=newcomer, kind=Relationship.Kind.CONTROLS,
                      object=mayor), reporter)
    save(Source(case=case, slug="new-source", kind=Source.Kind.OTHER, title=f"Source {MARKER}",
                relayed_via=registry), reporter)
    save(Event(case=case, slug="new-event", title=f"Event {MARKER}",
               starts_on=datetime.date(2021, 1, 1)), reporter)
    save(Case(title=f"Case {MARKER}", slug="new-case", summary=MARKER), reporter)

    urls = reader_urls() + [
        f"/cases/harbour/facts/new-{MARKER}/", "/cases/harbour/actors/newcomer/",
        "/cases/harbour/sources/new-source/", "/cases/harbour/events/new-event/",
        "/cases/new-case/", "/cases/new-case/case.json",
    ]
    for url, status, content in everything_a_reader_can_read(client, urls):
        assert MARKER not in content, url
    assert "The contract was worth 5 million." in client.get("/cases/harbour/").content.decode()
    assert_search_finds_nothing(client, MARKER)


def assert_search_finds_nothing(client, query):
    content = client.get("/search/", {"q": query}).content.decode()
    assert f"Nothing published matches <bdi>“{query}”</bdi>" in content
    assert 'class="search-results"' not in content


def test_a_rejected_version_appears_nowhere_and_the_approved_one_stays(
    client, disputed_case, reporter, editor
):
    fact = Fact.objects.get(slug="contract-value")
    edit(fact, reporter, statement=f"Rejected {MARKER}")
    workflow.reject(
        editor, {(Fact, fact.pk): workflow.latest_version(Fact, fact.pk).history_id},
        "Not supported by the source.",
    )
    for url, status, content in everything_a_reader_can_read(client, reader_urls()):
        assert MARKER not in content, url
    assert_search_finds_nothing(client, MARKER)
    assert "worth 5 million" in client.get("/cases/harbour/facts/contract-value/").content.decode()


def test_a_proposed_removal_keeps_the_record_public_until_approved(
    client, disputed_case, reporter, editor
):
    fact = Fact.objects.get(slug="mayor-owns-shares")
    workflow.propose_removal(fact, reporter, "Too thin.")
    assert client.get("/cases/harbour/facts/mayor-owns-shares/").status_code == 200
    workflow.approve(editor, {(Fact, fact.pk): workflow.latest_version(Fact, fact.pk).history_id},
                     "Agreed.", "Removed: too thin.")
    assert client.get("/cases/harbour/facts/mayor-owns-shares/").status_code == 404
    assert "mayor owned shares" not in client.get("/cases/harbour/").content.decode()
    assert "mayor owned shares" not in client.get("/search/?q=shares").content.decode()
    assert "Removed: too thin." in client.get("/cases/harbour/corrections/").content.decode()


# Escaping

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SHORT_PAYLOAD = "<script>alert(1)</script>"  # for fields of 50 characters
RAW = ("<script>alert", "<img src=x")


@pytest.fixture
def hostile_case(disputed_case, reporter, editor):
    """Every text field of every record carries a script and an HTML payload."""
    def tag(label):
        return f"{label} {PAYLOAD}"

    case = Case.objects.get(pk=disputed_case.pk)
    edit(case, reporter, title=tag("Case"), summary=tag("Summary"))
    for actor in Actor.objects.filter(case=case):
        edit(actor, reporter, name=tag(actor.name), aliases=tag("Alias"), description=tag("About"))
    for relationship in Relationship.objects.filter(case=case):
        edit(relationship, reporter, description=tag("Tie"))
    for source in Source.objects.filter(case=case):
        edit(source, reporter, title=tag(source.title), publisher=tag("Publisher"),
             author=tag("Author"), language=f"Lang {SHORT_PAYLOAD}", reliability_note=tag("Reliability"))
    for event in Event.objects.filter(case=case):
        edit(event, reporter, title=tag(event.title), description=tag("What"), location=tag("Where"))
    for participant in EventParticipant.objects.filter(event__case=case):
        edit(participant, reporter, role=tag("Role"))
    for fact in Fact.objects.filter(case=case):
        edit(fact, reporter, statement=tag(fact.statement), assessment=tag("Assessment"))
    for citation in Citation.objects.all():
        edit(citation, reporter, quote=tag("Quote"), note=tag("Note"))
    workflow.approve_case(editor, case, "Hostile text", public_note=tag("Editor's note"))
    return case


def test_every_text_field_is_escaped_on_every_page(client, hostile_case):
    urls = [url for url in reader_urls() if "case.json" not in url] + ["/search/?q=alert"]
    for url, status, content in everything_a_reader_can_read(client, urls):
        assert status == 200, url
        for raw in RAW:
            assert raw not in content, url
    shown = client.get("/cases/harbour/").content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in shown


def test_each_kind_of_text_shows_escaped_where_it_is_read(client, hostile_case):
    escaped = "&lt;script&gt;"
    pages = {
        "/cases/harbour/": ["Summary", "Case", "Where"],
        "/cases/harbour/actors/ana-mayor/": ["Alias", "About", "Tie", "Role"],
        "/cases/harbour/events/tender-opened/": ["What", "Where"],
        "/cases/harbour/facts/mayor-owns-shares/": ["Assessment", "Quote", "Note", "Editor&#x27;s note"],
        "/cases/harbour/sources/forum-post/": ["Publisher", "Author", "Lang", "Reliability"],
        "/cases/harbour/corrections/": ["Editor&#x27;s note"],
        "/cases/harbour/timeline/": ["Where"],
        "/cases/harbour/actors/": ["Case"],
        "/cases/harbour/sources/": ["Publisher"],
        "/search/?q=Summary": [],
    }
    for url, labels in pages.items():
        content = client.get(url).content.decode()
        for label in labels:
            assert f"{label} {escaped}" in content, (url, label)


def test_json_ld_and_diagram_data_cannot_close_their_script_element(client, hostile_case):
    fact_page = client.get("/cases/harbour/facts/mayor-owns-shares/").content.decode()
    json_ld = re.search(r'<script type="application/ld\+json" id="claim-review">(.*?)</script>',
                        fact_page, re.S).group(1)
    assert "<" not in json_ld
    assert json.loads(json_ld)["claimReviewed"].endswith(PAYLOAD)
    case_page = client.get("/cases/harbour/").content.decode()
    graph = re.search(r'<script id="relationship-graph-data" type="application/json">(.*?)</script>',
                      case_page, re.S).group(1)
    assert "<" not in graph
    assert any(node["label"].endswith(PAYLOAD) for node in json.loads(graph)["nodes"])


def test_the_json_export_keeps_the_text_as_written(client, hostile_case):
    data = client.get(reverse("casefile:case_json", args=["harbour"])).json()
    assert data["case"]["summary"] == f"Summary {PAYLOAD}"
    assert client.get(reverse("casefile:case_json", args=["harbour"]))["Content-Type"] == "application/json"


def test_the_corrections_log_names_linked_records_only_as_approved(client, case_file, reporter, editor):
    mayor = Actor.objects.get(slug="ana-mayor")
    edit(mayor, reporter, name=f"Unapproved name {MARKER}")
    participant = save(
        EventParticipant(event=Event.objects.get(slug="contract-signed"), actor=mayor, role="witness"),
        reporter,
    )
    workflow.approve(editor, {(EventParticipant, participant.pk): participant.history.first().history_id})

    page = client.get("/cases/harbour/corrections/").content.decode()
    assert "A participant was added to the event" in page and "Contract signed" in page
    assert MARKER not in page

import datetime
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from casefile import workflow
from casefile.models import Actor, Case, Citation, Event, EventParticipant, Fact, FactActor, Source

SEED_FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "fuzhou-genesis.json"


def make_user(username, group=None, **extra):
    user = get_user_model().objects.create_user(
        username=username, password="a-long-test-password", email=f"{username}@example.org",
        is_staff=True, **extra,
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def reporter(db):
    return make_user("rita", workflow.REPORTERS)


@pytest.fixture
def other_reporter(db):
    return make_user("oscar", workflow.REPORTERS)


@pytest.fixture
def editor(db):
    return make_user("edna", workflow.EDITORS)


@pytest.fixture
def reporter_client(reporter):
    client = Client()
    client.force_login(reporter)
    return client


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def save(record, user, reason="test edit"):
    record.full_clean()
    workflow.save_record(record, user, reason)
    return record


def approve_all(editor, case):
    return workflow.approve_case(editor, case, "approved in test")


@pytest.fixture
def case_file(reporter, editor):
    """A small published case: two actors, a source, an event and a fact citing the source."""
    case = save(Case(title="Harbour contracts", slug="harbour", summary="Who won the harbour contracts."), reporter)
    mayor = save(Actor(case=case, kind=Actor.Kind.PERSON, name="Ana Mayor", slug="ana-mayor",
                       aliases="A. Mayor\nMayor Ana"), reporter)
    firm = save(Actor(case=case, kind=Actor.Kind.COMPANY, name="Quay Builders", slug="quay-builders"), reporter)
    paper = save(Source(case=case, slug="daily", kind=Source.Kind.NEWS_REPORT, title="Daily report",
                        publisher="The Daily", paragraph_count=10), reporter)
    event = save(Event(case=case, slug="contract-signed", title="Contract signed",
                       starts_on=datetime.date(2020, 5, 1), starts_precision="month"), reporter)
    save(EventParticipant(event=event, actor=firm, role="contractor"), reporter)
    save(Citation(event=event, source=paper, locator="¶2"), reporter)
    fact = save(Fact(case=case, slug="contract-value", statement="The contract was worth 5 million.",
                     status=Fact.Status.CONFIRMED), reporter)
    save(FactActor(fact=fact, actor=mayor), reporter)
    save(Citation(fact=fact, source=paper, locator="¶3", quote="5 million"), reporter)
    approve_all(editor, case)
    return case


@pytest.fixture
def fact(case_file):
    """The published fact of `case_file`."""
    return Fact.objects.get(slug="contract-value")


@pytest.fixture
def seeded_case(db, editor):
    call_command("load_case", str(SEED_FIXTURE), approve_as=editor.username, stdout=open("/dev/null", "w"))
    return Case.objects.get(slug="fuzhou-genesis")


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with no cached public page from an earlier test.

    Rolled-back tests can hand out the same decision ids again, so a page
    cached by one test could otherwise be served to the next.
    """
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def disputed_case(case_file, reporter, editor):
    """`case_file` grown by a disputed fact with a source on each side, a relayed source
    of unknown origin, a relationship and an event known only to the year."""
    from casefile.models import FactEvent, Relationship

    case = case_file
    daily = Source.objects.get(case=case, slug="daily")
    mayor = Actor.objects.get(case=case, slug="ana-mayor")
    firm = Actor.objects.get(case=case, slug="quay-builders")
    rumour = save(Source(case=case, slug="forum-post", kind=Source.Kind.SOCIAL_POST,
                         title="Forum post about the tender", relayed_via=daily,
                         reliability_note="An anonymous account."), reporter)
    registry = save(Source(case=case, slug="registry", kind=Source.Kind.OFFICIAL_ANNOUNCEMENT,
                           title="Company registry extract", publisher="Registry office",
                           author="Registrar", published_on=datetime.date(2019, 3, 4),
                           url="https://registry.example.org/quay"), reporter)
    tender = save(Event(case=case, slug="tender-opened", title="Tender opened",
                        starts_on=datetime.date(2019, 1, 1), starts_precision="year",
                        location="City hall"), reporter)
    save(EventParticipant(event=tender, actor=mayor, role="chair of the tender board"), reporter)
    relationship = save(Relationship(case=case, subject=mayor, kind=Relationship.Kind.BUSINESS_PARTNER_OF,
                                     object=firm, starts_on=datetime.date(2018, 1, 1),
                                     starts_precision="year"), reporter)
    save(Citation(relationship=relationship, source=registry, locator="¶1"), reporter)
    fact = save(Fact(case=case, slug="mayor-owns-shares", status=Fact.Status.DISPUTED,
                     statement="The mayor owned shares in Quay Builders.",
                     assessment="The registry names her; her office denies it."), reporter)
    save(FactActor(fact=fact, actor=mayor), reporter)
    save(FactEvent(fact=fact, event=tender), reporter)
    save(Citation(fact=fact, source=registry, locator="¶1", quote="Ana Mayor, shareholder"), reporter)
    save(Citation(fact=fact, source=rumour, stance=Citation.Stance.CONTRADICTS, locator="¶4",
                  quote="she never held shares"), reporter)
    approve_all(editor, case)
    return case


@pytest.fixture(autouse=True)
def workflow_groups_in_transactional_tests(request):
    """The reporter and editor groups, in a test that runs outside a transaction.

    A migration makes the groups, but each transactional test (a live server,
    concurrent saves) ends by emptying every table, so the next one must make
    them again.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from django.contrib.auth.models import Permission

    records = [
        "case", "actor", "relationship", "source", "event", "eventparticipant",
        "fact", "factactor", "factevent", "citation",
    ]
    editing = [f"{action}_{model}" for action in ("add", "change", "view", "delete") for model in records]
    granted = list(Permission.objects.filter(
        content_type__app_label="casefile", codename__in=[*editing, "view_decision"]
    ))
    Group.objects.get_or_create(name=workflow.REPORTERS)[0].permissions.set(granted)
    Group.objects.get_or_create(name=workflow.EDITORS)[0].permissions.set([
        *granted, Permission.objects.get(content_type__app_label="casefile", codename="approve_changes"),
    ])

"""Builders of the people and case files the tests work on."""

import contextlib
import datetime
import hashlib
import uuid
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from casefile import workflow
from casefile.models import (
    Actor,
    Capture,
    Case,
    Citation,
    Decision,
    Event,
    EventParticipant,
    Fact,
    FactActor,
    FactEvent,
    LegalReview,
    OpenQuestion,
    QuestionConcern,
    Relationship,
    ReplyAttempt,
    ReplyOverride,
    ReplyRequest,
    Schedule,
    ScheduleEvent,
    Source,
)

SEED_FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "fuzhou-genesis.json"


def make_user(username, group=None, **extra):
    """A staff member; the one of that name if a shared case file already made them."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username, password="a-long-test-password", email=f"{username}@example.org",
            is_staff=True, **extra,
        )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def save(record, user, reason="test edit"):
    record.full_clean()
    workflow.save_record(record, user, reason)
    return record


@contextlib.contextmanager
def committed():
    """What the enclosed work leaves for after its commit runs at the end of the block, as if it committed.

    Tests run inside a transaction that never commits; publishing's
    announcement (and the mail) waits for a commit.
    """
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


def approve_all(editor, case):
    return workflow.approve_case(editor, case, "approved in test")


def approve_edit(editor, record, comment, public_note=""):
    """Approve the latest version of one record."""
    model = type(record)
    return workflow.approve(
        editor, {(model, record.pk): workflow.latest_version(model, record.pk).history_id}, comment,
        public_note,
    )


def backdate(case, days):
    """Move every decision on the case so far `days` into the past."""
    for decision in Decision.objects.filter(case=case):
        decision.decided_at -= datetime.timedelta(days=days)
        decision.save(update_fields=["decided_at"])


def build_case_file(reporter, editor):
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


def build_disputed_case(case, reporter, editor):
    """Grow the small case by a disputed fact with a source on each side, a relayed source
    of unknown origin, a relationship and an event known only to the year."""
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


def load_seeded_case(editor):
    call_command("load_case", str(SEED_FIXTURE), approve_as=editor.username, stdout=open("/dev/null", "w"))
    return Case.objects.get(slug="fuzhou-genesis")


def grow(case, reporter, editor, facts):
    """Add `facts` facts, each citing a source and naming an actor, and a tenth as many
    actors, events and sources; publish them all at once."""
    scale = max(facts // 10, 1)

    def create(model, records):
        return workflow.save_new_records(model, records, reporter, "test edit")

    actors = create(Actor, [
        Actor(case=case, kind=Actor.Kind.PERSON, name=f"Person {n}", slug=f"person-{n}") for n in range(scale)
    ])
    sources = create(Source, [
        Source(case=case, kind=Source.Kind.NEWS_REPORT, slug=f"report-{n}", title=f"Report {n}")
        for n in range(scale)
    ])
    create(Event, [
        Event(case=case, slug=f"meeting-{n}", title=f"Meeting {n}",
              starts_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=n))
        for n in range(scale)
    ])
    new_facts = create(Fact, [
        Fact(case=case, slug=f"fact-{n}", statement=f"Statement number {n}.", status=[*Fact.Status][n % 4])
        for n in range(facts)
    ])
    # Each status cited as the rules ask: a disputed fact on both sides, the rest on one.
    one_side = {Fact.Status.CONFIRMED: Citation.Stance.SUPPORTS, Fact.Status.DISPUTED: Citation.Stance.SUPPORTS,
                Fact.Status.FALSE: Citation.Stance.CONTRADICTS}
    create(Citation, [
        Citation(fact=fact, source=sources[n % scale], locator="¶1",
                 stance=one_side.get(fact.status, [*Citation.Stance][n % 3]))
        for n, fact in enumerate(new_facts)
    ] + [
        Citation(fact=fact, source=sources[n % scale], locator="¶2", stance=Citation.Stance.CONTRADICTS)
        for n, fact in enumerate(new_facts) if fact.status == Fact.Status.DISPUTED
    ])
    create(FactActor, [FactActor(fact=fact, actor=actors[n % scale]) for n, fact in enumerate(new_facts)])
    publish_everything(case, editor)


def publish_everything(case, editor):
    """Approve every change waiting in the case, as an editor approving an import would."""
    return workflow.approve_case(editor, case, "approved in test")


def add_queued_task(case):
    """A task waiting for the worker, as the database backend queues one after an approval."""
    from django_tasks_db import DatabaseBackend

    from casefile.publishing.tasks import keep_pages

    DatabaseBackend("default", {"QUEUES": ["default", "edge"]}).enqueue(keep_pages, (case.pk,), {})


def complete_case_file(case, user):
    """Adds the kinds of record the small case lacks, so every admin has a row to show."""
    mayor, firm = Actor.objects.get(slug="ana-mayor"), Actor.objects.get(slug="quay-builders")
    relationship = save(Relationship(case=case, subject=firm, kind="contracted with", object=mayor), user)
    save(Citation(relationship=relationship, source=Source.objects.get(case=case, slug="daily"),
                  locator="¶4"), user)
    fact = Fact.objects.filter(case=case).first()
    save(FactEvent(fact=fact, event=Event.objects.filter(case=case).first()), user)
    question = save(OpenQuestion(case=case, slug="who-signed", question="Who signed the contract?",
                                 settled_by="The council minutes."), user)
    save(QuestionConcern(question=question, fact=fact), user)
    add_copy_record(Source.objects.get(case=case, slug="daily"), user)
    add_reply_records(case, fact, mayor, user)
    add_schedule_record(question, make_user("edna", workflow.EDITORS))
    add_queued_task(case)
    add_login_records()


def add_reply_records(case, fact, actor, user):
    """A reply request with an attempt, an editor's override and a legal review, as the admin lists them."""
    asked = datetime.date(2024, 1, 2)
    request = ReplyRequest.objects.create(
        case=case, actor=actor, asked_on=asked, asked_by=user, channel="email", deadline=asked + datetime.timedelta(7),
    )
    request.facts.add(fact)
    ReplyAttempt.objects.create(request=request, attempted_on=asked + datetime.timedelta(3), channel="phone",
                                made_by=user)
    ReplyOverride.objects.create(case=case, actor=actor, fact=fact, reason="From court records.", granted_by=user)
    LegalReview.objects.create(case=case, record_key=workflow.key_for(Fact, fact.pk), history_id=1, versions="",
                               verdict="cleared", reviewed_by=user)


def add_schedule_record(record, editor):
    """An editor's approval for later of `record`'s newest version, with its schedule and the first act on it."""
    batch, now = uuid.uuid4(), timezone.now()
    Decision.objects.create(
        case_id=record.case_id, content_type=workflow.content_type(type(record)), object_id=record.pk,
        history_id=record.history.latest().history_id, object_repr=str(record), action=Decision.Action.SCHEDULED,
        decided_by=editor, decided_at=now, batch=batch,
    )
    schedule = Schedule.objects.create(case_id=record.case_id, batch=batch, due_at=now + datetime.timedelta(1),
                                       scheduled_by=editor, scheduled_at=now)
    ScheduleEvent.objects.create(schedule=schedule, kind=ScheduleEvent.Kind.SCHEDULED, by=editor, at=now)


def add_copy_record(source, user):
    """A copy of a source as the admin lists it; its file is never opened here."""
    text = b"Harbour contracts awarded\n"
    digest = hashlib.sha256(text).hexdigest()
    Capture.objects.create(
        source=source, method=Capture.Method.UPLOAD, captured_by=user, captured_at=timezone.now(),
        stored_as=f"{source.case_id}/{source.pk}/daily.txt", stored_size=len(text), stored_sha256=digest,
        size=len(text), sha256=digest, content_type="text/plain", paragraphs=["Harbour contracts awarded"],
        comparison=Capture.Comparison.FIRST,
    )


def add_login_records():
    """A login, a failed login and a lockout, so the admin of each login record has a row to show."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    AccessAttempt.objects.create(username="mallory", ip_address="10.0.0.1", failures_since_start=1)
    AccessLog.objects.create(username="rita", ip_address="10.0.0.2")
    AccessFailureLog.objects.create(username="mallory", ip_address="10.0.0.1")


def give_the_workflow_groups_their_permissions():
    """The reporter, editor and legal groups with their permissions, as the migrations make them.

    Tests that commit put back the rows they found when they end; should
    every table have been emptied instead (a migration test stopped midway),
    the next test that commits, or serves pages, makes them again.
    """
    records = [
        "case", "actor", "relationship", "source", "event", "eventparticipant",
        "fact", "factactor", "factevent", "citation", "openquestion", "questionconcern",
    ]
    editing = [f"{action}_{model}" for action in ("add", "change", "view", "delete") for model in records]
    granted = list(Permission.objects.filter(
        content_type__app_label="casefile", codename__in=[*editing, "view_decision"]
    ))
    contact = list(Permission.objects.filter(content_type__app_label="casefile", codename__in=[
        f"{action}_{model}" for action in ("add", "change", "view") for model in ("replyrequest", "replyattempt")
    ]))
    Group.objects.get_or_create(name=workflow.REPORTERS)[0].permissions.set([*granted, *contact])
    Group.objects.get_or_create(name=workflow.EDITORS)[0].permissions.set([
        *granted, *contact,
        Permission.objects.get(content_type__app_label="casefile", codename="approve_changes"),
    ])
    Group.objects.get_or_create(name="Legal")[0].permissions.set(Permission.objects.filter(
        content_type__app_label="casefile",
        codename__in=[permission.codename for permission in granted if permission.codename.startswith("view_")]
        + ["view_replyrequest", "view_replyattempt", "view_replyoverride", "view_legalreview", "clear_for_legal"],
    ))


def new_actor_shared_by_an_event_and_a_relationship(case, reporter):
    """A new actor, Li Wei, named by a new event (which also cites a new source of its own) and by a new
    relationship, all waiting for review."""
    li = save(Actor(case=case, kind=Actor.Kind.PERSON, name="Li Wei", slug="li-wei"), reporter)
    minutes = save(Source(case=case, slug="minutes", kind=Source.Kind.OTHER, title="Board minutes"), reporter)
    meeting = save(Event(case=case, slug="board-meeting", title="Harbour board meeting",
                         starts_on=datetime.date(2021, 3, 1), starts_precision="month"), reporter)
    save(EventParticipant(event=meeting, actor=li, role="bidder"), reporter)
    save(Citation(event=meeting, source=minutes, locator="¶1"), reporter)
    tie = save(Relationship(case=case, subject=li, kind=Relationship.Kind.BUSINESS_PARTNER_OF,
                            object=Actor.objects.get(slug="quay-builders")), reporter)
    save(Citation(relationship=tie, source=Source.objects.get(slug="daily"), locator="¶5"), reporter)
    return li, minutes, meeting, tie


def add_confidential_source(case, reporter, editor, marker="", cited_by="contract-value"):
    """A confidential source of `case` whose identity holds `marker` in every field, cited with a quote by the fact
    `cited_by`, approved. Returns (source, citation)."""
    from casefile.workflow import identities

    source = save(Source(case=case, slug="municipal-official", kind=Source.Kind.CONFIDENTIAL,
                         title="A municipal official with knowledge of the contract"), reporter)
    identities.record_identity(source, reporter, {
        name: f"{name} {marker}" for name in ("name", "role", "contact", "how_we_know", "notes")
    })
    fact = Fact.objects.get(case=case, slug=cited_by)
    citation = save(Citation(fact=fact, source=source, locator="¶1", quote="I saw the signed contract myself"),
                    reporter)
    approve_all(editor, case)
    return source, citation

"""Migrations that change data run forward over a live database and back again.

Walking over a migration takes up to a couple of seconds, so the tests share
one walk, on one worker: they run newest migration first, each migrating
from wherever the one before left the database. A test whose records today's
code makes (a case file) starts from the newest migrations, and after the
last test the database is the migrated copy it was made from again
(tests/database.py): copying it back is faster than migrating up.
"""

import datetime

import pytest
from django.db import connection
from django.utils import timezone
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from casefile import published, search, workflow
from casefile.history import history_model
from casefile.models import Actor, Capture, Event, Fact, Publication, ReplyRequest
from casefile.workflow import replies

from .database import back_to_migrated_copy
from .factories import approve_all, save
from .replies.support import allege, versions_of_change
from .test_workflow import latest_approvals_in_the_log

BEFORE_SCOPES = [("casefile", "0006_current_approval")]
WITH_SCOPES = [("casefile", "0007_publication_generation_scopes")]
WITH_SEARCH_ENTRIES = [("casefile", "0008_search_entries")]
BEFORE_PUBLICATIONS = [("casefile", "0010_single_line_text_fields")]
WITH_PUBLICATIONS = [("casefile", "0011_publications")]
BEFORE_CLAIM_STATUSES = [("casefile", "0014_right_of_reply_and_legal_review")]
WITH_CLAIM_STATUSES = [("casefile", "0015_claim_statuses_and_open_questions")]
BEFORE_COPY_REVIEW = [("casefile", "0018_kept_pages_apart")]
WITH_COPY_REVIEW = [("casefile", "0019_copies_wait_for_an_editor")]
BEFORE_REVIEWED_ANSWERS = [("casefile", "0023_capture_review_note_refuses_invisible_characters")]
WITH_REVIEWED_ANSWERS = [("casefile", "0024_reply_answers_are_reviewed")]

# On one worker: split over two, each would walk the migrations.
pytestmark = [pytest.mark.migrations, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("migrations")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def newest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes("casefile")


def back_to_newest():
    if not back_to_migrated_copy():
        migrate(newest())


@pytest.fixture(scope="module", autouse=True)
def newest_migrations_after_the_walk(django_db_setup, django_db_blocker):
    # The tests of other modules need today's tables.
    yield
    with django_db_blocker.unblock():
        back_to_newest()


@pytest.fixture(autouse=True)
def no_removed_table_left(transactional_db):
    yield
    # pytest-django then empties the tables of today's models, which
    # PostgreSQL refuses while a table since removed points at one of them
    # (and SQLite while it has rows pointing at theirs).
    known = {*connection.introspection.django_table_names(), MigrationRecorder.Migration._meta.db_table}
    if set(connection.introspection.table_names()) - known:
        back_to_newest()


@pytest.fixture
def newest_migrations(transactional_db):
    back_to_newest()


@pytest.fixture
def case_file(newest_migrations, case_file):
    """The small case file: today's code makes it, so on the newest migrations, wherever the test before stopped."""
    return case_file


def test_answers_readers_already_see_stay_shown_after_the_migration_that_has_new_ones_wait(
        case_file, reporter, editor):
    mayor, fact = Actor.objects.get(slug="ana-mayor"), Fact.objects.get(slug="contract-value")
    allege(fact, mayor, reporter)
    replies.approve_without_reply(editor, versions_of_change(fact), "", "From the court records.")
    apps = migrate(BEFORE_REVIEWED_ANSWERS)
    old_requests = apps.get_model("casefile", "ReplyRequest").objects
    asked = dict(case_id=case_file.pk, actor_id=mayor.pk, asked_on=timezone.localdate(), asked_by_id=reporter.pk,
                 channel="email", deadline=timezone.localdate() + datetime.timedelta(days=7))
    answered = old_requests.create(**asked, outcome="replied", replied_on=timezone.localdate(), quote="I deny it.",
                                   outcome_recorded_at=timezone.now())
    answered.facts.add(fact.pk)
    waiting = old_requests.create(**asked)

    migrate(WITH_REVIEWED_ANSWERS)

    [line] = published.attach_reply_lines(published.published_case("harbour"))
    assert (line.outcome, line.quote) == ("replied", "I deny it.")
    for pk in (answered.pk, waiting.pk):
        assert not workflow.record_changes(ReplyRequest, pk)
        assert history_model(ReplyRequest).objects.filter(id=pk).count() == 1


def test_copies_readers_already_see_stay_shown_after_the_migration_that_has_new_ones_wait(case_file, reporter):
    apps = migrate(BEFORE_COPY_REVIEW)
    daily = apps.get_model("casefile", "Source").objects.get(slug="daily")
    kept_before = apps.get_model("casefile", "Capture").objects.create(
        source=daily, method="upload", captured_by_id=reporter.pk, captured_at=timezone.now(),
        stored_as="1/1/daily.txt", stored_size=1, stored_sha256="0" * 64, size=1, sha256="0" * 64,
        content_type="text/plain", comparison="first",
    )

    migrate(WITH_COPY_REVIEW)

    capture = Capture.objects.get(pk=kept_before.pk)
    assert (capture.review, capture.reviewed_at, capture.reviewed_by) == (
        Capture.Review.CONFIRMED, capture.captured_at, None)
    assert published.published_case("harbour").source("daily") is not None
    assert list(Capture.objects.confirmed()) == [capture]


def test_events_and_ties_readers_already_see_are_shown_unverified_after_the_migration(disputed_case):
    apps = migrate(BEFORE_CLAIM_STATUSES)
    old_rows = apps.get_model("casefile", "Publication").objects.filter(
        content_type__model__in=["event", "relationship"])
    for row in old_rows:
        row.content = {name: value for name, value in row.content.items()
                       if name not in ("status", "date_inferred")}
        row.status = ""
        row.save()

    migrate(WITH_CLAIM_STATUSES)
    rows = Publication.objects.filter(content_type__model__in=["event", "relationship"])
    assert sorted((row.content_type.model, row.status, row.content["status"]) for row in rows) == [
        ("event", "unverified", "unverified"), ("event", "unverified", "unverified"),
        ("relationship", "unverified", "unverified"),
    ]
    assert all(row.content["date_inferred"] is False for row in rows if row.content_type.model == "event")
    assert [event.status for event in published.published_case("harbour").timeline] == ["unverified"] * 2


def test_the_publications_are_built_from_the_log_and_the_migration_goes_back(case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 6 million."
    save(fact, reporter)
    approve_all(editor, case_file)
    workflow.delete_record(Event.objects.get(slug="contract-signed"), editor, "Duplicate")
    fact.statement = "UNAPPROVED DRAFT of the contract"
    save(fact, reporter)
    pages = published_pages()
    publications = sorted(Publication.objects.values_list("content_type__model", "object_id", "history_id"))

    apps = migrate(BEFORE_PUBLICATIONS)
    Decision = apps.get_model("casefile", "Decision")
    current = set(Decision.objects.filter(is_current=True).values_list("id", flat=True))
    assert current == latest_approvals_in_the_log()
    assert ("The contract was worth 6 million.", "contract-value") in search_entries(apps)
    assert "Contract signed" not in dict(search_entries(apps))

    migrate(WITH_PUBLICATIONS)
    assert sorted(Publication.objects.values_list("content_type__model", "object_id", "history_id")) == (
        publications
    )

    migrate(newest())
    # Read with today's models, which know fields added since: the rebuilt rows read as before.
    assert published_pages() == pages


def published_pages():
    snapshot = published.published_case("harbour")
    return (
        sorted((fact.slug, fact.statement) for fact in snapshot.facts.values()),
        sorted(event.slug for event in snapshot.events.values()),
        found("contract"),
    )


def found(query):
    return [
        (case.slug, [(entry.kind_label, entry.label, entry.get_absolute_url()) for entry in entries])
        for case, entries in search.search(query)
    ]


def search_entries(apps):
    return sorted(apps.get_model("casefile", "SearchEntry").objects.values_list("label", "slug"))


def test_the_migration_that_adds_search_entries_indexes_what_readers_already_see(case_file, reporter):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "UNAPPROVED DRAFT of the contract"
    save(fact, reporter)

    migrate(WITH_SCOPES)
    apps = migrate(WITH_SEARCH_ENTRIES)
    assert search_entries(apps) == [
        ("Ana Mayor", "ana-mayor"), ("Contract signed", "contract-signed"), ("Daily report", "daily"),
        ("Quay Builders", "quay-builders"), ("The contract was worth 5 million.", "contract-value"),
    ]
    # Back before it: left with its table, since removed, the database would go back up to the
    # newest migrations, and the next test would walk all the way down again.
    migrate(WITH_SCOPES)


def test_the_single_publication_generation_becomes_the_scope_of_every_page_and_can_go_back():
    old_apps = migrate(BEFORE_SCOPES)
    old_apps.get_model("casefile", "PublicationGeneration").objects.create(pk=1, number=41)

    new_apps = migrate(WITH_SCOPES)
    generations = new_apps.get_model("casefile", "PublicationGeneration")
    assert list(generations.objects.values_list("scope", "number")) == [("everything", 41)]
    # A new scope's row takes the next id without colliding with the row made by hand.
    generations.objects.create(scope="listings", number=42)

    old_apps = migrate(BEFORE_SCOPES)
    assert not old_apps.get_model("casefile", "PublicationGeneration").objects.exists()

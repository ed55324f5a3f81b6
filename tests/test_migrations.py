"""Migrations that change data run forward over a live database and back again.

Each test starts from the database as it stood just before the migration it
checks (a copy kept by tests/database.py, made once per set of migrations),
writes its records with the models of that time, as the code of that time
wrote them and their versions, and migrates over that one migration only.
After the last test the database is the migrated copy of today again.
"""

import datetime
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from casefile import published, workflow
from casefile.history import history_model
from casefile.models import Actor, Fact, ReplyRequest
from casefile.workflow import replies

from .database import back_to_migrated_copy, database_at
from .replies.support import allege, versions_of_change

BEFORE_SCOPES = ("casefile", "0006_current_approval")
WITH_SCOPES = ("casefile", "0007_publication_generation_scopes")
WITH_SEARCH_ENTRIES = ("casefile", "0008_search_entries")
BEFORE_PUBLICATIONS = ("casefile", "0010_single_line_text_fields")
WITH_PUBLICATIONS = ("casefile", "0011_publications")
BEFORE_CLAIM_STATUSES = ("casefile", "0014_right_of_reply_and_legal_review")
WITH_CLAIM_STATUSES = ("casefile", "0015_claim_statuses_and_open_questions")
BEFORE_COPY_REVIEW = ("casefile", "0018_kept_pages_apart")
WITH_COPY_REVIEW = ("casefile", "0019_copies_wait_for_an_editor")
BEFORE_REVIEWED_ANSWERS = ("casefile", "0023_capture_review_note_refuses_invisible_characters")
WITH_REVIEWED_ANSWERS = ("casefile", "0024_reply_answers_are_reviewed")
BEFORE_LANGUAGES = ("casefile", "0031_translated_texts")
WITH_KEPT_PAGES_PER_LANGUAGE = ("casefile", "0032_kept_pages_per_language")

# On one worker: the copies before each migration are made by one walk back, the first time.
pytestmark = [pytest.mark.migrations, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("migrations")]


def migrate(target):
    """Over the migrations from where the database is to `target`; the models of that time."""
    return MigrationExecutor(connection).migrate([target]).apps


def starting_at(target):
    """The database just after `target`, and the models of that time."""
    if not database_at(target):
        migrate(target)
    return MigrationExecutor(connection).loader.project_state([target]).apps


def back_to_today():
    if not back_to_migrated_copy():
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("casefile")[0])


@pytest.fixture(scope="module", autouse=True)
def todays_database_after_the_module(django_db_setup, django_db_blocker):
    # The tests of other modules need today's tables.
    yield
    with django_db_blocker.unblock():
        back_to_today()


@pytest.fixture(autouse=True)
def no_removed_table_left(transactional_db):
    yield
    # pytest-django then empties the tables of today's models, which
    # PostgreSQL refuses while a table since removed points at one of them
    # (and SQLite while it has rows pointing at theirs).
    known = {*connection.introspection.django_table_names(), MigrationRecorder.Migration._meta.db_table}
    if set(connection.introspection.table_names()) - known:
        back_to_today()


class Then:
    """Records and their versions written with the models of one migration, as the code of that time wrote them."""

    def __init__(self, apps):
        self.apps = apps
        self.user = apps.get_model("auth", "User").objects.create(username="edna")
        self.case = self.model("Case").objects.create(title="Harbour contract", slug="harbour")
        self.clock = timezone.now() - timezone.timedelta(days=30)

    def model(self, name):
        return self.apps.get_model("casefile", name)

    def now(self):
        self.clock += timezone.timedelta(minutes=1)
        return self.clock

    def record(self, model_name, **fields):
        """A new record and its first version."""
        record = self.model(model_name).objects.create(case=self.case, **fields)
        return record, self.version(record, history_type="+")

    def version(self, record, history_type="~", **changes):
        """The version simple-history kept of `record`, saved with `changes` first ("-": its deletion)."""
        for field, value in changes.items():
            setattr(record, field, value)
        if changes:
            record.save()
        values = {field.attname: getattr(record, field.attname) for field in record._meta.concrete_fields}
        return self.model(f"Historical{record._meta.object_name}").objects.create(
            **values, history_date=self.now(), history_type=history_type, history_user_id=self.user.pk,
        )

    def content_type(self, version):
        model = version._meta.object_name.removeprefix("Historical").lower()
        return self.apps.get_model("contenttypes", "ContentType").objects.get(app_label="casefile", model=model)

    def approve(self, version, **fields):
        return self.model("Decision").objects.create(
            case=self.case, content_type=self.content_type(version), object_id=version.id,
            history_id=version.history_id, object_repr=str(version.id), action="approved",
            decided_at=self.now(), decided_by_id=self.user.pk, batch=uuid.uuid4(), **fields,
        )

    def publish(self, version, approval):
        """The Publication row `workflow.publish()` wrote for `version` once tables of them existed."""
        record_fields = self.model(version._meta.object_name.removeprefix("Historical"))._meta.concrete_fields
        values = {field.attname: getattr(version, field.attname) for field in record_fields}
        return self.model("Publication").objects.create(
            case=self.case, content_type=approval.content_type, object_id=version.id,
            history_id=version.history_id, approval=approval, published_at=approval.decided_at,
            first_published_at=approval.decided_at, slug=getattr(version, "slug", ""),
            content={**values, "_saved_at": version.history_date.isoformat()},
        )


@pytest.fixture(autouse=True)
def todays_database_first(request):
    # Before `case_file`, which today's code writes into today's tables; its test then takes back
    # its migration alone, the newest.
    if "case_file" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        back_to_today()


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
    # On to today's tables, which today's code reads.
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("casefile")[0])

    [line] = published.attach_reply_lines(published.published_case("harbour"))
    assert (line.outcome, line.quote) == ("replied", "I deny it.")
    for pk in (answered.pk, waiting.pk):
        assert not workflow.record_changes(ReplyRequest, pk)
        assert history_model(ReplyRequest).objects.filter(id=pk).count() == 1


def test_a_page_kept_before_languages_stays_kept_in_english_and_waits_for_the_worker_in_chinese():
    then = Then(starting_at(BEFORE_LANGUAGES))
    _, version = then.record("Fact", slug="contract-value", statement="The contract was worth 5 million.")
    publication = then.publish(version, then.approve(version))
    then.model("KeptPage").objects.create(publication=publication, page="<p>Kept.</p>", rendered_with="release-1")

    apps = migrate(WITH_KEPT_PAGES_PER_LANGUAGE)

    pages = apps.get_model("casefile", "KeptPage").objects.filter(publication_id=publication.pk)
    assert {(page.language, page.page, page.rendered_with) for page in pages} == {
        ("en-gb", "<p>Kept.</p>", "release-1"), ("zh-hans", "", ""),
    }
    apps = migrate(BEFORE_LANGUAGES)
    [page] = apps.get_model("casefile", "KeptPage").objects.filter(publication_id=publication.pk)
    assert page.page == "<p>Kept.</p>"


def test_copies_readers_already_see_stay_shown_after_the_migration_that_has_new_ones_wait():
    then = Then(starting_at(BEFORE_COPY_REVIEW))
    daily, _ = then.record("Source", slug="daily", kind="article", title="Daily report")
    kept_before = then.model("Capture").objects.create(
        source=daily, method="upload", captured_by_id=then.user.pk, captured_at=then.now(),
        stored_as="1/1/daily.txt", stored_size=1, stored_sha256="0" * 64, size=1, sha256="0" * 64,
        content_type="text/plain", comparison="first",
    )

    apps = migrate(WITH_COPY_REVIEW)

    capture = apps.get_model("casefile", "Capture").objects.get(pk=kept_before.pk)
    assert (capture.review, capture.reviewed_at, capture.reviewed_by_id) == (
        "confirmed", kept_before.captured_at, None)


def test_events_and_ties_readers_already_see_are_shown_unverified_after_the_migration():
    then = Then(starting_at(BEFORE_CLAIM_STATUSES))
    mayor, mayor_version = then.record("Actor", kind="person", name="Ana Mayor", slug="ana-mayor")
    builders, builders_version = then.record("Actor", kind="company", name="Quay Builders", slug="quay-builders")
    _, signed = then.record("Event", slug="contract-signed", title="Contract signed", starts_on="2024-03-01")
    _, dated_by_year = then.record("Event", slug="talks", title="Talks", starts_on="2023-01-01")
    _, tie = then.record("Relationship", kind="official of", subject=mayor, object=builders)
    _, fact = then.record("Fact", slug="contract-value", statement="The contract was worth 5 million.",
                          status="confirmed")
    for version in (mayor_version, builders_version, signed, dated_by_year, tie, fact):
        then.publish(version, then.approve(version))

    apps = migrate(WITH_CLAIM_STATUSES)

    rows = apps.get_model("casefile", "Publication").objects.select_related("content_type")
    assert sorted((row.content_type.model, row.status, row.content.get("status")) for row in rows
                  if row.content_type.model != "actor") == [
        ("event", "unverified", "unverified"), ("event", "unverified", "unverified"),
        ("fact", "", "confirmed"), ("relationship", "unverified", "unverified"),
    ]
    assert [row.content["date_inferred"] for row in rows if row.content_type.model == "event"] == [False, False]


def test_the_publications_are_built_from_the_log_and_the_migration_goes_back():
    then = Then(starting_at(BEFORE_PUBLICATIONS))
    fact, first = then.record("Fact", slug="contract-value", statement="The contract was worth 5 million.")
    first_approval = then.approve(first)
    corrected = then.version(fact, statement="The contract was worth 6 million.")
    latest_approval = then.approve(corrected, is_current=True)
    then.version(fact, statement="UNAPPROVED DRAFT of the contract")
    event, signed = then.record("Event", slug="contract-signed", title="Contract signed", starts_on="2024-03-01")
    then.approve(signed)
    deletion = then.approve(then.version(event, history_type="-"), is_current=True)
    _, mayor = then.record("Actor", kind="person", name="Ana Mayor", slug="ana-mayor")
    mayor_approval = then.approve(mayor, is_current=True)

    apps = migrate(WITH_PUBLICATIONS)

    rows = {row.slug: row for row in apps.get_model("casefile", "Publication").objects.all()}
    assert sorted(rows) == ["ana-mayor", "contract-value"]
    value = rows["contract-value"]
    assert (value.history_id, value.approval_id, value.content["statement"], value.label) == (
        corrected.history_id, latest_approval.pk, "The contract was worth 6 million.",
        "The contract was worth 6 million.")
    assert (value.first_published_at, value.published_at) == (first_approval.decided_at, latest_approval.decided_at)

    apps = migrate(BEFORE_PUBLICATIONS)

    decisions = apps.get_model("casefile", "Decision").objects
    assert set(decisions.filter(is_current=True).values_list("pk", flat=True)) == {
        latest_approval.pk, deletion.pk, mayor_approval.pk}
    assert search_entries(apps) == [
        ("Ana Mayor", "ana-mayor"), ("The contract was worth 6 million.", "contract-value")]


def search_entries(apps):
    return sorted(apps.get_model("casefile", "SearchEntry").objects.values_list("label", "slug"))


def test_the_migration_that_adds_search_entries_indexes_what_readers_already_see():
    then = Then(starting_at(WITH_SCOPES))
    for model_name, fields in [
        ("Actor", {"kind": "person", "name": "Ana Mayor", "slug": "ana-mayor"}),
        ("Event", {"slug": "contract-signed", "title": "Contract signed", "starts_on": "2024-03-01"}),
        ("Source", {"slug": "daily", "kind": "article", "title": "Daily report"}),
    ]:
        then.approve(then.record(model_name, **fields)[1], is_current=True)
    fact, approved = then.record("Fact", slug="contract-value", statement="The contract was worth 5 million.")
    then.approve(approved, is_current=True)
    then.version(fact, statement="UNAPPROVED DRAFT of the contract")
    then.record("Fact", slug="never-approved", statement="A draft no editor has seen.")

    apps = migrate(WITH_SEARCH_ENTRIES)

    assert search_entries(apps) == [
        ("Ana Mayor", "ana-mayor"), ("Contract signed", "contract-signed"), ("Daily report", "daily"),
        ("The contract was worth 5 million.", "contract-value"),
    ]
    migrate(WITH_SCOPES)
    assert not [table for table in connection.introspection.table_names() if table.endswith("searchentry")]


def test_the_single_publication_generation_becomes_the_scope_of_every_page_and_can_go_back():
    old_apps = starting_at(BEFORE_SCOPES)
    old_apps.get_model("casefile", "PublicationGeneration").objects.create(pk=1, number=41)

    new_apps = migrate(WITH_SCOPES)
    generations = new_apps.get_model("casefile", "PublicationGeneration")
    assert list(generations.objects.values_list("scope", "number")) == [("everything", 41)]
    # A new scope's row takes the next id without colliding with the row made by hand.
    generations.objects.create(scope="listings", number=42)

    old_apps = migrate(BEFORE_SCOPES)
    assert not old_apps.get_model("casefile", "PublicationGeneration").objects.exists()


def test_the_migration_tests_run_together_on_one_worker(request):
    # Split over workers, each would make the copies before each migration at once, and wait for the other.
    if not hasattr(request.config, "workerinput"):
        pytest.skip("one process: nothing to split")
    assert request.node.nodeid.endswith("@migrations")

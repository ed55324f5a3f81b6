"""Migrations that change data run forward over a live database and back again."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from casefile import published
from casefile.models import Fact

from .conftest import save

BEFORE_SCOPES = [("casefile", "0006_current_approval")]
WITH_SCOPES = [("casefile", "0007_publication_generation_scopes")]
WITH_SEARCH_ENTRIES = [("casefile", "0008_search_entries")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_single_publication_generation_becomes_the_scope_of_every_page_and_can_go_back():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("casefile")
    try:
        old_apps = migrate(BEFORE_SCOPES)
        old_apps.get_model("casefile", "PublicationGeneration").objects.create(pk=1, number=41)

        new_apps = migrate(WITH_SCOPES)
        generations = new_apps.get_model("casefile", "PublicationGeneration")
        assert list(generations.objects.values_list("scope", "number")) == [("everything", 41)]
        # A new scope's row takes the next id without colliding with the row made by hand.
        generations.objects.create(scope="listings", number=42)

        old_apps = migrate(BEFORE_SCOPES)
        assert not old_apps.get_model("casefile", "PublicationGeneration").objects.exists()
    finally:
        migrate(latest)


def found(query):
    return [
        (case.slug, [(entry.kind_label, entry.label, entry.get_absolute_url()) for entry in entries])
        for case, entries in published.search(query)
    ]


@pytest.mark.django_db(transaction=True)
def test_the_migration_that_adds_search_entries_indexes_what_readers_already_see(case_file, reporter):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "UNAPPROVED DRAFT of the contract"
    save(fact, reporter)
    before = found("contract")
    assert before == [("harbour", [
        ("Fact", "The contract was worth 5 million.", "/cases/harbour/facts/contract-value/"),
        ("Event", "Contract signed", "/cases/harbour/events/contract-signed/"),
    ])]
    try:
        migrate(WITH_SCOPES)
        migrate(WITH_SEARCH_ENTRIES)
        assert found("contract") == before
        assert found("Quay") == [("harbour", [("Actor", "Quay Builders", "/cases/harbour/actors/quay-builders/")])]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("casefile"))

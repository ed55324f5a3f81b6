"""Migrations that change data run forward over a live database and back again."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_SCOPES = [("casefile", "0006_current_approval")]
WITH_SCOPES = [("casefile", "0007_publication_generation_scopes")]


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

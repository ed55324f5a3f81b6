from django.db import migrations

from casefile import search


def index_and_refresh_vectors(apps, schema_editor):
    """On PostgreSQL: a GIN index over the searched words and the pairs of Chinese letters, and every
    row's vector made again as search now makes it (with those pairs); SQLite searches the text itself."""
    if schema_editor.connection.vendor != "postgresql":
        return
    Publication = apps.get_model("casefile", "Publication")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS casefile_publication_vector_gin ON casefile_publication USING gin (vector)"
    )
    Publication.objects.exclude(body="").update(vector=search.vector())


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS casefile_publication_vector_gin")


class Migration(migrations.Migration):

    dependencies = [
        ("casefile", "0032_kept_pages_per_language"),
    ]

    operations = [
        migrations.RunPython(index_and_refresh_vectors, drop_index),
    ]

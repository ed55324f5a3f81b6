from django.core.management.color import no_style
from django.db import migrations, models


def continue_ids_after_the_existing_row(apps, schema_editor):
    """The one row there was got its id by hand; new scopes' rows take theirs from the sequence."""
    model = apps.get_model("casefile", "PublicationGeneration")
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(statement)


def forget_the_scopes(apps, schema_editor):
    """Back to one row: the earlier code starts it again from the clock, ahead of every number used."""
    apps.get_model("casefile", "PublicationGeneration").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("casefile", "0006_current_approval"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="publicationgeneration",
            name="one_publication_generation",
        ),
        # The one number there was retired every page: it carries on as "everything".
        migrations.AddField(
            model_name="publicationgeneration",
            name="scope",
            field=models.CharField(default="everything", max_length=120, unique=True),
            preserve_default=False,
        ),
        migrations.RunPython(continue_ids_after_the_existing_row, forget_the_scopes),
    ]

from django.db import migrations, models


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
    ]

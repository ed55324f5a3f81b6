from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casefile", "0019_copies_wait_for_an_editor"),
    ]

    operations = [
        migrations.AddField(
            model_name="keptpage",
            name="stamp",
            field=models.PositiveBigIntegerField(
                default=0,
                help_text="Drawn anew each time the page is kept: a process serving the page holds its bytes "
                "for one stamp and reads the page again only for another.",
            ),
        ),
    ]

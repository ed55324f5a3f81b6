"""Kept pages move out of the Publication rows into KeptPage rows of their own.

Approvals lock Publication rows; the task worker that keeps pages after the
commit must never wait for them. Pages kept before are not carried over:
every page starts stale, rendered for each reader until `render_pages` or
the first reader's request has it kept again, as after any release.
"""

import django.db.models.deletion
from django.db import migrations, models

PAGE_KINDS = ["case", "actor", "event", "fact", "source"]


def forget_reads(apps, schema_editor):
    apps.get_model("casefile", "PublicationRead").objects.all().delete()


def a_stale_page_for_each_publication_with_a_page(apps, schema_editor):
    Publication = apps.get_model("casefile", "Publication")
    KeptPage = apps.get_model("casefile", "KeptPage")
    ContentType = apps.get_model("contenttypes", "ContentType")
    kinds = ContentType.objects.filter(app_label="casefile", model__in=PAGE_KINDS)
    rows = Publication.objects.filter(content_type__in=kinds).values_list("pk", flat=True).iterator()
    batch = []
    for pk in rows:
        batch.append(KeptPage(publication_id=pk))
        if len(batch) == 500:
            KeptPage.objects.bulk_create(batch)
            batch = []
    KeptPage.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ('casefile', '0017_rendered_public_pages'),
    ]

    operations = [
        migrations.RunPython(forget_reads, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='publication',
            name='document',
        ),
        migrations.RemoveField(
            model_name='publication',
            name='page',
        ),
        migrations.RemoveField(
            model_name='publication',
            name='rendered_with',
        ),
        migrations.CreateModel(
            name='KeptPage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('page', models.TextField(blank=True, help_text='The page as readers get it today, rendered since it or what it shows was last published; blank where it is rendered for each reader.')),
                ('document', models.TextField(blank=True, help_text="A case's case.json, rendered as its page is; blank for other records.")),
                ('rendered_with', models.CharField(blank=True, help_text='The release the page was rendered by (`published.rendered.release()`); blank while it is stale, until it is kept again.', max_length=32)),
                ('surrogate_keys', models.TextField(blank=True, help_text="The edge cache's keys of the page: the records it shows (`publishing.edge`).")),
                ('publication', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='kept_page', to='casefile.publication')),
            ],
        ),
        migrations.AlterField(
            model_name='publicationread',
            name='page',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reads', to='casefile.keptpage'),
        ),
        # Backwards, the reads of kept pages go before they point at publications again.
        migrations.RunPython(migrations.RunPython.noop, forget_reads),
        migrations.RunPython(a_stale_page_for_each_publication_with_a_page, migrations.RunPython.noop),
    ]

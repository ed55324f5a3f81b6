import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

# Reporters and editors take copies and read them; nobody changes or deletes one.
GRANTED = ["add_capture", "view_capture", "view_quoteanchor", "view_sharedsource"]


def grant_capture_permissions(apps, schema_editor):
    app_config = apps.get_app_config("casefile")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    granted = list(Permission.objects.filter(content_type__app_label="casefile", codename__in=GRANTED))
    for group in Group.objects.filter(name__in=["Reporters", "Editors"]):
        group.permissions.add(*granted)


def withdraw_capture_permissions(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=["Reporters", "Editors"]):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="casefile", codename__in=GRANTED)
        )


class Migration(migrations.Migration):

    dependencies = [
        ('casefile', '0011_publications'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Capture',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('method', models.CharField(choices=[('upload', 'uploaded in the admin'), ('fetch', "fetched from the source's address")], max_length=10)),
                ('captured_at', models.DateTimeField()),
                ('url', models.URLField(blank=True, help_text='The address fetched, after any redirects.', max_length=2000, verbose_name='URL')),
                ('file_name', models.CharField(blank=True, help_text='The name of the file uploaded.', max_length=255)),
                ('stored_as', models.CharField(help_text="The file's name in the captures storage.", max_length=500, unique=True)),
                ('stored_size', models.BigIntegerField(help_text='Bytes of the stored file.')),
                ('stored_sha256', models.CharField(help_text='SHA-256 of the stored file.', max_length=64)),
                ('size', models.BigIntegerField(help_text='Bytes of the document.')),
                ('sha256', models.CharField(help_text='SHA-256 of the document, as readers holding it can compute it.', max_length=64, verbose_name='SHA-256')),
                ('content_type', models.CharField(help_text='Read from the content itself.', max_length=100)),
                ('http_status', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('http_headers', models.JSONField(blank=True, default=list, help_text='The response headers, in order.')),
                ('paragraphs', models.JSONField(blank=True, default=list, help_text='The text of the document, one entry per non-empty block: ¶N is entry N.')),
                ('comparison', models.CharField(choices=[('first', 'the first copy of this source'), ('identical', 'identical to the copy before'), ('changed', 'changed since the copy before')], max_length=10)),
                ('last_checked_at', models.DateTimeField(blank=True, null=True)),
                ('last_check_passed', models.BooleanField(blank=True, null=True)),
                ('verified_at', models.DateTimeField(blank=True, help_text='When the stored file last matched its SHA-256.', null=True)),
                ('mismatch', models.TextField(blank=True, help_text='What the last check found instead.')),
                ('captured_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('previous', models.ForeignKey(blank=True, help_text='The copy of the same source before this one.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casefile.capture')),
                ('source', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='captures', to='casefile.source')),
            ],
            options={
                'ordering': ['-captured_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='QuoteAnchor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('citation_version', models.BigIntegerField(help_text='The historical version of the citation anchored.')),
                ('state', models.CharField(choices=[('anchored', 'found in our copy'), ('orphaned', 'not found in the newest copy'), ('kept', 'kept on an earlier copy by an editor')], max_length=10)),
                ('paragraph', models.PositiveIntegerField()),
                ('exact', models.TextField(blank=True)),
                ('prefix', models.TextField(blank=True)),
                ('suffix', models.TextField(blank=True)),
                ('start', models.PositiveIntegerField(blank=True, null=True)),
                ('end', models.PositiveIntegerField(blank=True, null=True)),
                ('anchored_at', models.DateTimeField()),
                ('note', models.TextField(blank=True)),
                ('is_current', models.BooleanField(default=True)),
                ('capture', models.ForeignKey(help_text='The copy searched.', on_delete=django.db.models.deletion.PROTECT, related_name='anchors', to='casefile.capture')),
                ('citation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='anchors', to='casefile.citation')),
                ('decided_by', models.ForeignKey(blank=True, help_text='The editor who kept it.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('last_found_in', models.ForeignKey(blank=True, help_text='The latest copy the passage was found in.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casefile.capture')),
            ],
            options={
                'ordering': ['-anchored_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='SharedSource',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('shared_at', models.DateTimeField()),
                ('shared_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('source', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='sharing', to='casefile.source')),
            ],
        ),
        migrations.AddIndex(
            model_name='capture',
            index=models.Index(fields=['source', 'captured_at'], name='casefile_ca_source__a6f9b2_idx'),
        ),
        migrations.AddConstraint(
            model_name='capture',
            constraint=models.CheckConstraint(condition=models.Q(('sha256__regex', '^[0-9a-f]{64}$'), ('stored_sha256__regex', '^[0-9a-f]{64}$')), name='capture_hashes_are_sha256', violation_error_message='A SHA-256 is 64 lower-case hexadecimal digits.'),
        ),
        migrations.AddConstraint(
            model_name='capture',
            constraint=models.CheckConstraint(condition=models.Q(('size__gte', 0), ('stored_size__gte', 0)), name='capture_sizes_not_negative', violation_error_message='A size cannot be negative.'),
        ),
        migrations.AddConstraint(
            model_name='capture',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('comparison', 'first'), ('previous__isnull', True)), models.Q(('comparison__in', ['identical', 'changed']), ('previous__isnull', False)), _connector='OR'), name='capture_compared_with_the_one_before', violation_error_message='Only the first copy of a source has no copy before it.'),
        ),
        migrations.AddConstraint(
            model_name='quoteanchor',
            constraint=models.UniqueConstraint(condition=models.Q(('is_current', True)), fields=('citation',), name='one_current_anchor_per_citation', violation_error_message='A citation has one current anchor at most.'),
        ),
        migrations.AddConstraint(
            model_name='quoteanchor',
            constraint=models.CheckConstraint(condition=models.Q(('state', 'orphaned'), models.Q(('end__gte', models.F('start')), ('end__isnull', False), ('start__isnull', False)), _connector='OR'), name='anchor_found_has_a_position', violation_error_message='A passage found has a position in the copy.'),
        ),
        migrations.AddConstraint(
            model_name='quoteanchor',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('state', 'kept'), _negated=True), models.Q(('decided_by__isnull', False), models.Q(('note', ''), _negated=True)), _connector='OR'), name='anchor_kept_by_an_editor_with_a_reason', violation_error_message='Keeping a citation on an earlier copy needs an editor and a reason.'),
        ),
        migrations.RunPython(grant_capture_permissions, withdraw_capture_permissions),
    ]

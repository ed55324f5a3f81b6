"""A reply request's answer is versioned and reaches readers once an editor approves it.

Answers entered before were shown to readers as they were entered: each
request gets its first version, and the answer readers saw stays shown, as
approved when it was entered, by no editor in particular.
"""

import uuid

import casefile.text
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

ANSWER_FIELDS = ("outcome", "replied_on", "summary", "quote")


def answers_readers_saw_stay_shown(apps, schema_editor):
    ReplyRequest = apps.get_model("casefile", "ReplyRequest")
    HistoricalReplyRequest = apps.get_model("casefile", "HistoricalReplyRequest")
    Decision = apps.get_model("casefile", "Decision")
    Publication = apps.get_model("casefile", "Publication")
    ContentType = apps.get_model("contenttypes", "ContentType")
    requests = list(ReplyRequest.objects.select_related("actor"))
    if not requests:
        return
    content_type, _ = ContentType.objects.get_or_create(app_label="casefile", model="replyrequest")
    for request in requests:
        shown_since = (request.outcome_recorded_at or request.created_at) if request.outcome != "waiting" else None
        version = HistoricalReplyRequest.objects.create(
            id=request.pk, case_id=request.case_id, actor_id=request.actor_id,
            **{name: getattr(request, name) for name in ANSWER_FIELDS},
            history_date=shown_since or request.created_at, history_type="+",
            history_user_id=request.entered_by_id or request.asked_by_id,
            history_change_reason="Entered before answers were reviewed",
        )
        if shown_since is None:
            continue
        approval = Decision.objects.create(
            case_id=request.case_id, content_type=content_type, object_id=request.pk,
            history_id=version.history_id,
            object_repr=f"Comment asked of {request.actor.name} on {request.asked_on:%d %b %Y}"[:300],
            action="approved", changed_fields=[], decided_by=None, decided_at=shown_since,
            comment="Shown to readers as it was entered, before answers were reviewed.", batch=uuid.uuid4(),
        )
        Publication.objects.create(
            case_id=request.case_id, content_type=content_type, object_id=request.pk,
            history_id=version.history_id, approval=approval, published_at=shown_since,
            first_published_at=shown_since,
            content={
                "id": request.pk, "case_id": request.case_id, "actor_id": request.actor_id,
                "removal_proposed": False, "needs_legal_review": False,
                **{name: getattr(request, name) for name in ANSWER_FIELDS},
                "_saved_at": version.history_date,
            },
        )


def answers_go_back_to_being_shown_as_entered(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="casefile", model="replyrequest").first()
    if content_type is None:
        return
    apps.get_model("casefile", "Publication").objects.filter(content_type=content_type).delete()
    apps.get_model("casefile", "Decision").objects.filter(content_type=content_type).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('casefile', '0023_capture_review_note_refuses_invisible_characters'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='replyrequest',
            name='needs_legal_review',
            field=models.BooleanField(default=False, help_text='A lawyer of the Legal group must clear each change of this record before an editor can approve it.'),
        ),
        migrations.AddField(
            model_name='replyrequest',
            name='removal_proposed',
            field=models.BooleanField(default=False, help_text='Marks this record for removal. It leaves the public pages when an editor approves the removal.'),
        ),
        migrations.AlterField(
            model_name='replyrequest',
            name='outcome_recorded_at',
            field=models.DateTimeField(blank=True, help_text='When the outcome was entered; readers see it once an editor approves it.', null=True),
        ),
        migrations.CreateModel(
            name='HistoricalReplyRequest',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('removal_proposed', models.BooleanField(default=False, help_text='Marks this record for removal. It leaves the public pages when an editor approves the removal.')),
                ('needs_legal_review', models.BooleanField(default=False, help_text='A lawyer of the Legal group must clear each change of this record before an editor can approve it.')),
                ('outcome', models.CharField(choices=[('waiting', 'Waiting for an answer'), ('replied', 'Replied'), ('declined', 'Declined to comment'), ('no response', 'No response by the deadline')], default='waiting', max_length=20)),
                ('replied_on', models.DateField(blank=True, help_text='When their answer arrived.', null=True)),
                ('summary', models.TextField(blank=True, help_text='For publication: their answer in a sentence or two, in our words.', validators=[casefile.text.validate_text])),
                ('quote', models.TextField(blank=True, help_text='For publication: a short verbatim quote of their answer, at most 25 words.', validators=[casefile.text.validate_text])),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('actor', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='casefile.actor')),
                ('case', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='casefile.case')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical reply request',
                'verbose_name_plural': 'historical reply requests',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(answers_readers_saw_stay_shown, answers_go_back_to_being_shown_as_entered),
    ]

"""Publishing: the Publication rows that say what readers see now, written with the approvals.

`publish()` is the only writer: an approval of a public version publishes
it, an approval of a removal or a deletion unpublishes the record. It runs
inside the approval's transaction, so readers see the change at the commit
that records it. `republish()` rebuilds the rows, and the pages kept in them, from the decision
log alone, for decisions written in bulk (a restored case, the benchmark's newsroom).
"""

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import Min

from .. import search
from ..history import history_model
from ..models import Case, Decision, Publication
from .changes import batches, is_public_version
from .rendering import render_cases


def publish(approvals):
    """Make readers see what these approvals, just written, approved.

    A query or a few per kind of record and batch of 500, however many records.
    """
    by_model = defaultdict(list)
    for approval in approvals:
        by_model[ContentType.objects.get_for_id(approval.content_type_id).model_class()].append(approval)
    for model, model_approvals in by_model.items():
        content_type = ContentType.objects.get_for_model(model)
        latest = {approval.object_id: approval for approval in model_approvals}
        for batch in batches(latest):
            _publish_batch(model, content_type, [latest[pk] for pk in batch])


def _publish_batch(model, content_type, approvals):
    record_ids = [approval.object_id for approval in approvals]
    versions = history_model(model).objects.in_bulk(
        [approval.history_id for approval in approvals], field_name="history_id"
    )
    public = [a for a in approvals if is_public_version(versions.get(a.history_id))]
    public_ids = {approval.object_id for approval in public}
    Publication.objects.filter(content_type=content_type, object_id__in=record_ids).exclude(
        object_id__in=public_ids
    ).delete()
    if not public:
        return
    existing = {
        row.object_id: row
        for row in Publication.objects.filter(content_type=content_type, object_id__in=public_ids)
    }
    first_published = dict(
        Decision.objects.filter(
            content_type=content_type, object_id__in=public_ids, action=Decision.Action.APPROVED
        ).values("object_id").annotate(first=Min("decided_at")).values_list("object_id", "first")
    )
    rows = []
    for approval in public:
        row = existing.get(approval.object_id) or Publication(content_type=content_type, object_id=approval.object_id)
        row.case_id, row.history_id, row.approval = approval.case_id, approval.history_id, approval
        row.published_at = approval.decided_at
        row.first_published_at = first_published.get(approval.object_id, approval.decided_at)
        row.content = Publication.content_of(model, versions[approval.history_id])
        for name, value in search.searchable(model, versions[approval.history_id]).items():
            setattr(row, name, value)
        rows.append(row)
    fields = ["case", "history_id", "approval", "published_at", "first_published_at", "content", *search.ROW_FIELDS]
    Publication.objects.bulk_update([row for row in rows if row.pk], fields)
    Publication.objects.bulk_create([row for row in rows if not row.pk])
    if connection.vendor == "postgresql" and model in search.SEARCH_FIELDS:
        Publication.objects.filter(content_type=content_type, object_id__in=public_ids).update(
            vector=SearchVector("body", config="english")
        )


def republish(case=None):
    """Rebuild what readers see from the decision log alone: of one case, or of every case.

    With a case, the records ever approved in it, with their approvals in any
    other case (a record moved between cases is shown where its latest
    approval puts it).
    """
    approvals = Decision.objects.filter(action=Decision.Action.APPROVED)
    with transaction.atomic():
        if case is not None:
            # As a subquery: an imported case can hold more records than a
            # query may carry parameters.
            in_case = approvals.filter(case=case)
            records = set(in_case.values_list("content_type_id", "object_id"))
            approvals = approvals.filter(object_id__in=in_case.values("object_id"))
        else:
            Publication.objects.all().delete()
        latest = {}
        for approval in approvals.order_by("decided_at", "id").only(
            "id", "content_type_id", "object_id", "history_id", "case_id", "decided_at"
        ):
            key = (approval.content_type_id, approval.object_id)
            if case is None or key in records:
                latest[key] = approval
        publish(latest.values())
        render_cases(
            [case.pk] if case is not None else
            Publication.objects.of_kind(Case).values_list("object_id", flat=True)
        )

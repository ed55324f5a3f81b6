"""Which version of each record readers see: now, from the Publication rows; as of a day, from the log."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Min, OuterRef, Q, Subquery

from ..history import history_model
from ..translations import localize
from ..models import (
    Case,
    Decision,
    Publication,
    ReplyRequest,
)


def moment(as_of):
    """The end of the day `as_of` (a date), or None for now."""
    if as_of is None:
        return None
    return datetime.datetime.combine(
        as_of + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.timezone.utc
    )


def approving_decisions(model, case=None, at=None, cases=None):
    """The latest approval of each record of `model` made before the moment `at`, from the log."""
    decisions = Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        action=Decision.Action.APPROVED,
    )
    if case is not None:
        decisions = decisions.filter(case=case)
    if cases is not None:
        decisions = decisions.filter(case__in=cases)
    # The latest approval whatever its case: a record moved to another case
    # leaves the first one with its approval there.
    newest = Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        action=Decision.Action.APPROVED,
        decided_at__lt=at,
        object_id=OuterRef("object_id"),
    ).order_by("-decided_at", "-id")
    return decisions.filter(decided_at__lt=at, id=Subquery(newest.values("id")[:1]))


def publications(model, case=None, cases=None):
    """The Publication rows of the records of `model` readers see now, in one case or several."""
    rows = Publication.objects.of_kind(model)
    if case is not None:
        rows = rows.filter(case=case)
    if cases is not None:
        rows = rows.filter(case__in=cases)
    return rows


def public_rows(model, case=None, at=None, cases=None):
    """Historical rows of `model` that are public at the moment `at` (now by default), in one case or several."""
    if at is None:
        return history_model(model).objects.filter(
            history_id__in=publications(model, case, cases).values("history_id")
        ).order_by()
    decisions = approving_decisions(model, case, at, cases)
    return (
        history_model(model).objects.filter(
            history_id__in=decisions.values("history_id"), removal_proposed=False
        )
        .exclude(history_type="-")
        .order_by()
    )


def first_approval(model):
    """When the historical row of `model` at hand was first approved."""
    approval = Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        action=Decision.Action.APPROVED,
        history_id=OuterRef("history_id"),
    ).order_by("decided_at")
    return Subquery(approval.values("decided_at")[:1])


def public_versions(model, case=None, at=None, cases=None):
    """Historical rows of `model` that are public at the moment `at`, with `approved_at`."""
    if at is None:
        published_at = Publication.objects.of_kind(model).filter(history_id=OuterRef("history_id"))
        approved_at = Subquery(published_at.values("published_at")[:1])
    else:
        approved_at = first_approval(model)
    return public_rows(model, case, at, cases).annotate(approved_at=approved_at)


def public_version_rows(model, among, *conditions, case=None, at=None, **lookups):
    """The approved versions of the records `among` (ids, or a query of ids) that meet the conditions.

    The same versions, with the same `approved_at`, as `public_versions()`,
    read in two plain queries: faster when only some records are wanted, and
    quicker for Django to build than one query nesting the other.
    """
    newest, first_approved = {}, {}
    if at is None:
        # What readers see now: only the publications in this case count, so a
        # slug shared with other cases reads no more.
        for object_id, history_id, published_at, case_id in publications(model, case).filter(
            object_id__in=among
        ).values_list("object_id", "history_id", "published_at", "case_id"):
            newest[object_id] = (history_id, case_id)
            first_approved[history_id] = published_at
    else:
        # The latest approval of each record whatever its case, as `approving_decisions()`.
        for object_id, history_id, decided_at, case_id in Decision.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            action=Decision.Action.APPROVED,
            object_id__in=among,
            decided_at__lt=at,
        ).order_by("decided_at", "id").values_list("object_id", "history_id", "decided_at", "case_id"):
            newest[object_id] = (history_id, case_id)
            first_approved.setdefault(history_id, decided_at)
    wanted = [history_id for history_id, case_id in newest.values() if case is None or case_id == case]
    if not wanted:
        return []
    rows = list(
        history_model(model).objects.filter(history_id__in=wanted, removal_proposed=False)
        .exclude(history_type="-")
        .filter(*conditions, **lookups)
    )
    for row in rows:
        row.approved_at = first_approved[row.history_id]
    return rows


def public_case_id(slug):
    """The id of the case readers see under `slug` now, or None."""
    return public_rows(Case).filter(slug=slug).values_list("id", flat=True).first()


def first_publication(slug):
    """(the case readers see under `slug` now, when it was first published), or None if it is not public."""
    row = publications(Case).filter(slug=slug).first()
    if row is None:
        return None
    first = Decision.objects.filter(case=row.object_id, action=Decision.Action.APPROVED).exclude(
        of_answers()
    ).aggregate(first=Min("decided_at"))["first"]
    return row.record(Case), first


def of_answers():
    """The decisions on answers to allegations, as a condition: an answer approved is told on the allegation
    it answers (`replies.reply_corrections`), and publishes no record of its own."""
    return Q(content_type=ContentType.objects.get_for_model(ReplyRequest))


def renamed(model, slug, case=None):
    """The slug that a record once published under `slug` is public under now, or None.

    For the addresses readers kept: a record whose approved slug changed (in
    `case`, for the records of a case) is found under its old one too.
    """
    once_published = Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        action=Decision.Action.APPROVED,
        history_id__in=history_model(model).objects.filter(slug=slug).values("history_id"),
    ).values("object_id")
    now = (
        public_rows(model, case=case).filter(id__in=once_published).exclude(slug=slug)
        .order_by("-history_id").values_list("slug", flat=True).first()
    )
    return now


def public_cases(as_of=None):
    """The published cases, as approved, ordered by title."""
    rows = public_versions(Case, at=moment(as_of)).order_by("title")
    return [_instance(row) for row in rows]


def _instances(model, rows, window=slice(None)):
    """Working-model objects straight from the columns of the historical rows.

    Like `_instance()`, without building a historical object first: on a large
    case that halves the work of reading it. `window` slices the rows in the
    query; rows read without `approved_at` leave it None.
    """
    names = [field.attname for field in model._meta.concrete_fields]
    extra = ["history_id", "history_date"]
    if "approved_at" in rows.query.annotations:
        extra.append("approved_at")
    instances = []
    for values in rows.values_list(*names, *extra)[window]:
        obj = model.from_db(rows.db, names, values[: len(names)])
        obj.version_id, obj.version_date, *approved_at = values[len(names):]
        obj.approved_at = approved_at[0] if approved_at else None
        instances.append(localize(obj))
    return instances


def _instance(row):
    obj = row.instance
    obj.version_id = row.history_id
    obj.version_date = row.history_date
    obj.approved_at = getattr(row, "approved_at", None)
    return localize(obj)

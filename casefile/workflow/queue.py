"""The review queue: every record with changes waiting for an editor."""

from collections import defaultdict
from dataclasses import dataclass
from functools import cache, cached_property

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from ..history import history_model
from ..models import Case, Decision, Publication
from .changes import (
    CHILDREN,
    TOP_LEVEL,
    TRACKED,
    Change,
    VersionLog,
    batches,
    case_id_of,
    content_type,
    key_for,
    latest_version,
    rejection_standing,
    unpublished_references_of,
)
from .compare import REVIEWED_PART



@dataclass
class QueueItem:
    """A record waiting for review, with its changed children."""

    model: type
    pk: int
    changes: list
    case_id: int | None = None

    @property
    def kind(self):
        return self.model._meta.verbose_name

    @cached_property
    def record(self):
        """The working record, or its last version if it was deleted; see `load_records()`."""
        return load_records([self])[0].record

    @property
    def waiting_since(self):
        return min(change["date"] for change in self.changes)

    @property
    def authors(self):
        """Everyone whose versions wait in this change, not only the last to save each part."""
        return sorted({str(user) for c in self.changes for user in c["authors"]})

    @property
    def key(self):
        return key_for(self.model, self.pk)

    @property
    def fingerprint(self):
        return fingerprint((c["key"], c["history_id"]) for c in self.changes)

    @property
    def review_url(self):
        return reverse("admin:casefile_review", args=[key_for(self.model, self.pk)])


QUEUE_FIELDS = ("history_id", "id", "history_user_id")


def _owners(model):
    """(parent model, column) for each record a child row may belong to, in review order."""
    return [
        (parent_model, f"{name}_id")
        for parent_model, children in CHILDREN.items()
        for child, name in children
        if child is model
    ]


@cache
def _queue_queries(model, content_type_id):
    """The queue's two queries of `model`, built once per process and cloned at each use.

    Building them (subqueries, annotations) took most of the queue's time,
    whatever the size of the newsroom's work: thirteen kinds of record, read
    on every desk, every queue page and every approval of a whole case. The
    content type's id is part of the key, as it is part of the queries.

    - The newest version of each record no editor has decided on, with when
      its wait began and which version readers see.
    - (id, author) of every version saved since the record's last decision.
    """
    hist = history_model(model)
    decisions = Decision.objects.filter(content_type_id=content_type_id)
    newer_version = hist.objects.filter(id=OuterRef("id"), history_id__gt=OuterRef("history_id"))
    last_decided = decisions.filter(object_id=OuterRef("id")).order_by("-history_id")
    first_pending = hist.objects.filter(
        id=OuterRef("id"),
        history_id__gt=Coalesce(Subquery(last_decided.values("history_id")[:1]), 0),
    ).order_by("history_id")
    approved = decisions.filter(action=Decision.Action.APPROVED)
    current_approval = Publication.objects.filter(content_type_id=content_type_id, object_id=OuterRef("id"))
    has_case = model is not Case and any(field.name == "case" for field in model._meta.fields)
    # An anti-join, which reads the history once instead of grouping it.
    undecided = (
        hist.objects.filter(~Exists(newer_version))
        .exclude(history_id__in=decisions.values("history_id"))
        .filter(~Q(history_type="-") | Q(id__in=approved.values("object_id")))
        .annotate(
            pending_since=Subquery(first_pending.values("history_date")[:1]),
            approved_history_id=Subquery(current_approval.values("history_id")),
        )
        .order_by()
        .values(*QUEUE_FIELDS, *(column for _, column in _owners(model)), *(["case_id"] if has_case else []),
                "pending_since", "approved_history_id")
    )
    authors_since_decision = (
        hist.objects.filter(history_user__isnull=False)
        .annotate(last_decided=Coalesce(Subquery(last_decided.values("history_id")[:1]), 0))
        .filter(history_id__gt=F("last_decided"))
        .order_by()
        .values_list("id", "history_user_id")
        .distinct()
    )
    return undecided, authors_since_decision


def review_queue(case=None, author=None, kind=None):
    """Records with changes awaiting review, oldest first, in a fixed number of queries.

    Reads only the columns that sort and group the queue, and whole versions
    only of records readers already see, to compare; `load_records()` gives
    the page shown the rest.
    """
    User = get_user_model()
    grouped, case_ids = {}, {}
    for model in TRACKED:
        hist = history_model(model)
        owners = _owners(model)
        undecided, authors_since_decision = _queue_queries(model, content_type(model).pk)
        rows = list(undecided.all())
        # Everyone who saved a version since the last decision, for the queue to name them all.
        authors = defaultdict(set)
        for batch in batches(row["id"] for row in rows):
            for pk, user_id in authors_since_decision.filter(id__in=batch):
                authors[pk].add(user_id)
        # Compared: a record readers see, and one they see only part of, which waits once that part says something.
        edited = [row for row in rows if row["approved_history_id"] or model in REVIEWED_PART]
        versions = hist.objects.in_bulk(
            [row["approved_history_id"] for row in edited if row["approved_history_id"]]
            + [row["history_id"] for row in edited],
            field_name="history_id",
        )
        for row in rows:
            latest = None
            if model in REVIEWED_PART and not row["approved_history_id"]:
                latest = versions[row["history_id"]]
                if not Change(model=model, pk=row["id"], latest=latest, approved=None).has_changes:
                    continue
            elif row["approved_history_id"]:
                # Compared with the version readers see, if they see one.
                latest, public = versions[row["history_id"]], versions[row["approved_history_id"]]
                if public.removal_proposed or public.history_type == "-":
                    public = None
                if not Change(model=model, pk=row["id"], latest=latest, approved=public).has_changes:
                    continue
            if model in TOP_LEVEL:
                owner = (model, row["id"])
                case_ids[owner] = row["id"] if model is Case else row["case_id"]
            else:
                owner = next((parent, row[column]) for parent, column in owners if row[column])
            grouped.setdefault(owner, []).append({
                "date": row["pending_since"],
                "user_id": row["history_user_id"],
                "kind": model._meta.verbose_name,
                "model": model,
                "row": latest,
                "key": key_for(model, row["id"]),
                "history_id": row["history_id"],
                "author_ids": authors.get(row["id"], set()) | ({row["history_user_id"]} - {None}),
            })
    users = User.objects.in_bulk({user_id for cs in grouped.values() for c in cs for user_id in c["author_ids"]})
    unknown = {}
    for model, pk in grouped:
        if (model, pk) not in case_ids:
            unknown.setdefault(model, []).append(pk)
    for model, pks in unknown.items():
        for pk, case_id in model.objects.filter(pk__in=pks).values_list("pk", "case_id"):
            case_ids[(model, pk)] = case_id
    items = []
    for owner, changes in grouped.items():
        for change in changes:
            change["user"] = users.get(change["user_id"])
            change["authors"] = sorted(filter(None, (users.get(pk) for pk in change["author_ids"])), key=str)
        model, pk = owner
        if owner not in case_ids:
            # A record deleted since: its case is the one its last version names.
            case_ids[owner] = case_id_of(model, latest_version(model, pk))
        if case is not None and case_ids[owner] != getattr(case, "pk", case):
            continue
        if kind and model._meta.model_name != kind:
            continue
        if author is not None and not _saved_by(changes, author):
            continue
        items.append(QueueItem(model=model, pk=pk, changes=changes, case_id=case_ids[owner]))
    # The key breaks ties, so a page of the queue holds the same records on every visit.
    items.sort(key=lambda item: (item.waiting_since, item.key))
    return items


def _saved_by(changes, author):
    return any(getattr(author, "pk", author) in change["author_ids"] for change in changes)


def by_author(items, author):
    """Those of the queue's items (`review_queue()`) that `author` saved a version of, as
    `review_queue(author=author)` lists them."""
    return [item for item in items if _saved_by(item.changes, author)]


def load_records(items):
    """Give each queue item its record and each change its full version, one query per kind.

    For the page being shown: the queue itself reads only what sorts and groups it.
    """
    by_model = {}
    for item in items:
        by_model.setdefault(item.model, []).append(item.pk)
    live = {model: model.objects.in_bulk(pks) for model, pks in by_model.items()}
    versions_by_model = {}
    for item in items:
        for change in item.changes:
            versions_by_model.setdefault(change["model"], []).append(change["history_id"])
    full = {}
    for model, history_ids in versions_by_model.items():
        # Each kind numbers its versions on its own: a number names a version of one kind only.
        for history_id, row in history_model(model).objects.in_bulk(history_ids, field_name="history_id").items():
            full[(model, history_id)] = row
    for item in items:
        for change in item.changes:
            change["row"] = full.get((change["model"], change["history_id"]), change["row"])
    for item in items:
        record = live[item.model].get(item.pk)
        item.__dict__["record"] = record or latest_version(item.model, item.pk).instance
    return items


def load_companions(items):
    """Give each queue item the records not yet public that its changes refer to (a new source
    that a new citation cites): approving the item publishes them with it, as its review does
    (`companions`); but not one whose change an editor rejected, which keeps the item from being
    approved until it is sent back for review (`rejected_companions`, each with its rejection).

    For the page being shown, after `load_records()`: a few queries per kind of record.
    """
    changes, owner_of = [], {}
    for item in items:
        for change in item.changes:
            if change["row"] is not None:
                changes.append(Change(model=change["model"], pk=change["row"].id, latest=change["row"],
                                      approved=None))
                owner_of[(change["model"], change["row"].id)] = item
    found, wanted = defaultdict(list), defaultdict(set)
    for key, references in unpublished_references_of(changes).items():
        item = owner_of[key]
        for reference in references:
            if reference != (item.model, item.pk) and reference not in found[item.key]:
                found[item.key].append(reference)
                wanted[reference[0]].add(reference[1])
    records, rejections = {}, {}
    for model, pks in wanted.items():
        records.update({(model, pk): record for pk, record in model.objects.in_bulk(pks).items()})
        log = VersionLog(model, pks)
        rejections.update({(model, pk): rejection_standing(log, pk) for pk in pks})
    for item in items:
        listed = [(model, pk) for model, pk in found.get(item.key, ()) if (model, pk) in records]
        item.companions = [(model._meta.verbose_name, records[(model, pk)])
                           for model, pk in listed if rejections[(model, pk)] is None]
        item.rejected_companions = [(model._meta.verbose_name, records[(model, pk)], rejections[(model, pk)])
                                    for model, pk in listed if rejections[(model, pk)] is not None]
    return items


def fingerprint(pairs):
    """The versions a reviewer saw, as one comparable string."""
    return ",".join(sorted(f"{key}@{history_id}" for key, history_id in pairs))

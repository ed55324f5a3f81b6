"""Where work stands: the review state of records, each person's changes by state, and what waits for whom.

A record's state covers its citations, participants and fact links, as its
review does: a fact whose new citation waits is waiting for review. A change
a lawyer refused waits on its reporter, as a rejected one does: an edit sends
it back to legal.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from ..history import history_model
from ..models import Decision, Publication
from . import legal, scheduling
from .changes import (
    CHILDREN,
    TOP_LEVEL,
    TRACKED,
    VersionLog,
    batches,
    children_of,
    content_type,
    model_for_key,
    parent_of,
)
from .queue import by_author, review_queue
from .rework import rejection_standing


class ReviewState(models.TextChoices):
    WAITING = "waiting", "Waiting for review"
    REJECTED = "rejected", "Rejected"
    REFUSED = "refused", "Refused by legal"
    SCHEDULED = "scheduled", "Approved for later"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Not published"


@dataclass
class RecordState:
    """Where one record stands: what waits, the rejection standing, whether readers see it."""

    state: str
    is_public: bool
    ever_approved: bool
    waiting: list = field(default_factory=list)
    rejection: object = None
    # The lawyer's refusal of exactly the changes waiting, while it stands (a LegalReview).
    legal_refusal: object = None
    # The waiting Schedule of a version approved for later.
    schedule: object = None

    @property
    def label(self):
        return ReviewState(self.state).label

    @property
    def detail(self):
        if self.state == ReviewState.WAITING:
            return "readers see the approved version meanwhile" if self.is_public else "new, not yet public"
        if self.state in (ReviewState.REJECTED, ReviewState.REFUSED):
            return "readers see the approved version" if self.is_public else "not public"
        if self.state == ReviewState.SCHEDULED:
            meanwhile = "readers see the approved version until then" if self.is_public else "not public until then"
            return f"goes live at {scheduling.when(self.schedule.due_at)}; {meanwhile}"
        if self.state == ReviewState.UNPUBLISHED and self.ever_approved:
            return "removed from the public pages"
        return ""


def record_states(model, pks, family=None):
    """{pk: RecordState} of many records of one kind, in a few queries per kind of record.

    For one record whose `Family` (workflow/rework.py) was read already, given as `family`: its versions
    are not read again.
    """
    pks = list(pks)
    if family is not None:
        (pk,) = pks
        children, logs = {pk: family.children_of(model, pk)}, family.logs
    else:
        children = children_of(model, pks)
        wanted = defaultdict(set)
        wanted[model].update(pks)
        for pairs in children.values():
            for child_model, child_pk in pairs:
                wanted[child_model].add(child_pk)
        logs = VersionLog.of_kinds(wanted)
    published = set()
    for batch in batches(pks):
        published.update(Publication.objects.filter(
            content_type=content_type(model), object_id__in=batch
        ).values_list("object_id", flat=True))
    waiting = {}
    for pk in pks:
        members = [(model, pk), *children.get(pk, ())]
        waiting[pk] = [change for kind, id_ in members if (change := logs[kind].change(id_)) is not None]
    # Legal reviews the change of a record whole, as its review shows it.
    refusals = {} if model not in TOP_LEVEL else {
        pk: state.review for (_, pk), state in legal.states_of({(model, pk): waiting[pk] for pk in pks}).items()
        if state.state == legal.LegalState.REFUSED
    }
    scheduled = scheduling.schedules_of([member for pk in pks for member in [(model, pk), *children.get(pk, ())]])
    states = {}
    for pk in pks:
        members = [(model, pk), *children.get(pk, ())]
        rejections = [r for kind, id_ in members if (r := rejection_standing(logs[kind], id_)) is not None]
        approved = logs[model].approved(pk)
        public = pk in published
        if pk in refusals:
            state = ReviewState.REFUSED
        elif waiting[pk]:
            state = ReviewState.WAITING
        elif rejections:
            state = ReviewState.REJECTED
        elif any(member in scheduled for member in members):
            state = ReviewState.SCHEDULED
        elif public:
            state = ReviewState.PUBLISHED
        else:
            state = ReviewState.UNPUBLISHED
        states[pk] = RecordState(
            state=state, is_public=public, ever_approved=approved is not None, waiting=waiting[pk],
            rejection=max(rejections, key=lambda d: d.decided_at) if rejections else None,
            legal_refusal=refusals.get(pk),
            schedule=next((scheduled[member] for member in members if member in scheduled), None),
        )
    return states


def _owners_of_rows(model, rows):
    """{history or row id: (top-level model, pk)} for historical rows of `model`."""
    if model in TOP_LEVEL:
        return {row.history_id: (model, row.id) for row in rows}
    owners = {}
    for row in rows:
        for parent_model, name in parent_of(model, row):
            owners[row.history_id] = (parent_model, getattr(row, f"{name}_id"))
            break
    return owners


def _standing_rejections(kind):
    """Rejections of `kind` that name the newest version of their record."""
    newest = history_model(kind).objects.filter(id=OuterRef("object_id")).order_by("-history_id")
    return (Decision.objects.filter(content_type=content_type(kind), action=Decision.Action.REJECTED)
            .annotate(newest=Subquery(newest.values("history_id")[:1]))
            .filter(history_id=F("newest")))


def pks_in_state(model, state):
    """The ids of the records of `model` in a review state, for a list's filter."""
    waiting = set()
    items = review_queue()
    for item in items:
        if item.model is model:
            waiting.add(item.pk)
        elif model not in TOP_LEVEL:
            waiting.update(int(c["key"].rsplit(":", 1)[1]) for c in item.changes if c["model"] is model)
    refused = {item.pk for item in legal.in_state([i for i in items if i.model is model], legal.LegalState.REFUSED)}
    if state == ReviewState.REFUSED:
        return refused
    waiting -= refused
    if state == ReviewState.WAITING:
        return waiting
    rejected = set()
    kinds = [model, *(child for child, _ in CHILDREN.get(model, ()))]
    for kind in kinds:
        decisions = list(_standing_rejections(kind).values_list("history_id", flat=True))
        rows = history_model(kind).objects.filter(history_id__in=decisions)
        if kind is model:
            rejected.update(rows.values_list("id", flat=True))
        else:
            name = next(name for child, name in CHILDREN[model] if child is kind)
            rejected.update(pk for pk in rows.values_list(f"{name}_id", flat=True) if pk)
    rejected -= waiting | refused
    if state == ReviewState.REJECTED:
        return rejected
    public = set(
        Publication.objects.filter(content_type=content_type(model)).values_list("object_id", flat=True)
    ) - waiting - refused - rejected
    if state == ReviewState.PUBLISHED:
        return public
    return set(model.objects.exclude(pk__in=waiting | refused | rejected | public).values_list("pk", flat=True))


@dataclass
class DeskEntry:
    """A record on someone's desk: its working row (or last version, if deleted) and how it stands."""

    model: type
    pk: int
    record: object
    when: datetime.datetime
    decision: object = None
    authors: list = field(default_factory=list)
    case_id: int | None = None
    # False once the record was deleted: `record` is then its last version.
    exists: bool = True
    # A lawyer's clearance or refusal of the record's change (a LegalReview).
    legal_review: object = None

    @property
    def kind(self):
        return self.model._meta.verbose_name


def _records(pairs):
    """{(model, pk): (working record, or the last version of a deleted one; whether it exists)}."""
    grouped = defaultdict(list)
    for model, pk in pairs:
        grouped[model].append(pk)
    found = {}
    for model, pks in grouped.items():
        live = model.objects.in_bulk(pks)
        for pk in pks:
            record = live.get(pk)
            if record is None:
                version = history_model(model).objects.filter(id=pk).order_by("-history_id").first()
                found[(model, pk)] = (version.instance if version else None, False)
            else:
                found[(model, pk)] = (record, True)
    return found


def _decisions_on_work_of(user, condition):
    """Decisions on versions `user` saved that meet `condition` (a Q), each with the record the version
    belongs to: kind by kind, each kind's newest first."""
    saved_by_user = Q()
    for kind in TRACKED:
        saved_by_user |= Q(content_type=content_type(kind), history_id__in=history_model(kind).objects.filter(
            history_user=user).values("history_id"))
    by_type = defaultdict(list)
    for decision in Decision.objects.filter(condition, saved_by_user).select_related("decided_by"):
        by_type[decision.content_type_id].append(decision)
    found = []
    for kind in TRACKED:
        hist = history_model(kind)
        decisions = by_type.get(content_type(kind).pk, [])
        rows = []
        for batch in batches(d.history_id for d in decisions):
            rows += list(hist.objects.filter(history_id__in=batch))
        owners = _owners_of_rows(kind, rows)
        found += [(decision, owners[decision.history_id]) for decision in decisions
                  if decision.history_id in owners]
    return found


def work_of(user, approved_within=datetime.timedelta(days=30), limit=20, queue=None):
    """The records `user` changed, by state: waiting for review, rejected (with the editor's or the
    lawyer's comment, as long as the rejection or the legal refusal stands) and approved lately,
    newest first. `queue`: the whole `review_queue()`, if read already."""
    queue = legal.annotate_queue(review_queue(author=user) if queue is None else by_author(queue, user))
    refused = [item for item in queue if item.legal is not None and item.legal.state == legal.LegalState.REFUSED]
    waiting = [
        DeskEntry(model=item.model, pk=item.pk, record=None, when=item.waiting_since,
                  authors=item.authors, case_id=item.case_id)
        for item in queue if item.legal is None or item.legal.state != legal.LegalState.REFUSED
    ]
    since = timezone.now() - approved_within
    # Rejections, and approvals lately by an editor (not the import's), read together.
    decided = _decisions_on_work_of(user, Q(action=Decision.Action.REJECTED) | Q(
        action=Decision.Action.APPROVED, decided_at__gte=since, decided_by__isnull=False))
    rejected_owners = {}
    for decision, owner in decided:
        if decision.action != Decision.Action.REJECTED:
            continue
        if owner not in rejected_owners or decision.decided_at > rejected_owners[owner].decided_at:
            rejected_owners[owner] = decision
    rejected = [
        DeskEntry(model=item.model, pk=item.pk, record=None, when=item.legal.review.reviewed_at,
                  case_id=item.case_id, legal_review=item.legal.review)
        for item in refused
    ]
    by_model = defaultdict(list)
    for model, pk in rejected_owners:
        by_model[model].append(pk)
    for model, pks in by_model.items():
        for pk, state in record_states(model, pks).items():
            if state.state == ReviewState.REJECTED:
                rejected.append(DeskEntry(model=model, pk=pk, record=None, when=state.rejection.decided_at,
                                          decision=state.rejection))
    approved = {}
    for decision, owner in decided:
        if decision.action != Decision.Action.APPROVED:
            continue
        if owner not in approved or decision.decided_at > approved[owner].when:
            approved[owner] = DeskEntry(model=owner[0], pk=owner[1], record=None, when=decision.decided_at,
                                        decision=decision)
    lists = {
        "waiting": waiting[:limit],
        "rejected": sorted(rejected, key=lambda e: e.when, reverse=True)[:limit],
        "approved": sorted(approved.values(), key=lambda e: e.when, reverse=True)[:limit],
    }
    records = _records((e.model, e.pk) for entries in lists.values() for e in entries)
    for entries in lists.values():
        for entry in entries:
            entry.record, entry.exists = records[(entry.model, entry.pk)]
    lists["waiting_count"] = len(waiting)
    return lists


def waiting_by_case(limit=10, queue=None):
    """What waits for an editor: the oldest records first, the total and the count per case id.
    `queue`: the `review_queue()`, if read already."""
    items = review_queue() if queue is None else queue
    oldest, counts = _oldest_and_per_case(items, limit)
    records = _records((e.model, e.pk) for e in oldest)
    for entry in oldest:
        entry.record, entry.exists = records[(entry.model, entry.pk)]
    return {"oldest": oldest, "total": len(items), "per_case": counts}


def _oldest_and_per_case(items, limit):
    """The first `limit` queue items as desk entries (their records not read yet), and {case id: count}."""
    counts = defaultdict(int)
    for item in items:
        counts[item.case_id] += 1
    oldest = [
        DeskEntry(model=item.model, pk=item.pk, record=None, when=item.waiting_since,
                  authors=item.authors, case_id=item.case_id)
        for item in items[:limit]
    ]
    return oldest, dict(counts)


def waiting_for_legal(decided_within=datetime.timedelta(days=30), limit=10, queue=None):
    """A lawyer's desk: the changes waiting for legal review, the oldest first, with the total and the
    count per case id; and the clearances and refusals of the last 30 days, the newest first.
    `queue`: the `review_queue()`, if read already."""
    items = legal.in_state(review_queue() if queue is None else queue, legal.LegalState.WAITING)
    oldest, counts = _oldest_and_per_case(items, limit)
    reviews = legal.decided_since(timezone.now() - decided_within)
    decided = [
        DeskEntry(*model_for_key(review.record_key), record=None, when=review.reviewed_at,
                  case_id=review.case_id, legal_review=review)
        for review in reviews[:limit]
    ]
    records = _records((e.model, e.pk) for e in oldest + decided)
    for entry in oldest + decided:
        entry.record, entry.exists = records[(entry.model, entry.pk)]
    return {"oldest": oldest, "total": len(items), "per_case": counts, "decided": decided,
            "decided_count": len(reviews)}

"""Publishing: the one writer of Decision and Publication rows, and the one voice that says what readers now see.

An approval writes its decisions (`record_decisions()`) and `publish()`es
them: the Publication rows say which version readers see, in the approval's
transaction, so readers see it at the commit that records it. Whatever else
changes what readers see (a copy shared, a reply request entered, a deadline
passed) says so through `changed_for_readers()`.

Both do two things in the transaction and one after it:
- the kept pages that show what changed are marked stale (a reader asking
  for one then gets it rendered for the request, from the rows just
  written), and the cached pages of the cases are retired
  (`pagecache.advance_generation`), so no reader gets the previous version
  after the commit, not even for a moment;
- once the transaction commits, and once per transaction however many
  changes it made, `casefile.signals.published` announces the change
  (`ReadersSee`). Keeping pages again, purging the edge and retiring the
  listings are its subscribers' work (`casefile.publishing`): nothing here
  renders a page or calls a reader.

Every transaction that changes what readers see takes its locks in one
order, so that two of them wait for each other instead of deadlocking:
1. the rows of the records it changes (kind of record, then id; an approval
   in `workflow._lock_and_check`, a copy its source's row);
2. the Publication rows of those records and of those they rest on
   (`lock_publications`);
3. the publishing lock of each case (`_lock_cases`), which the task worker
   keeping a page holds shared;
4. the kept pages it marks stale.
PostgreSQL checks a foreign key when the transaction commits, after all of
these, by locking the row it points to (FOR KEY SHARE): so rows are locked
FOR NO KEY UPDATE, which lets those checks through, and a kept page is
marked stale once per transaction, since writing a row twice checks its key
again. A transaction chosen as a deadlock's victim all the same is tried
again as a whole (`casefile.retries`).
"""

import functools
import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Min, Q

from .. import pagecache, search, translations
from ..history import history_model
from ..models import Actor, Case, Decision, Event, Fact, KeptPage, Publication, PublicationRead, Relationship, Source
from ..retries import retried
from ..signals import published
from .changes import BATCH, TRACKED, batches, case_ids_of, content_type, is_public_version, name_changes

logger = logging.getLogger(__name__)

# The records that have pages of their own.
PAGE_KINDS = (Actor, Event, Fact, Source)
# Records whose pages are read through them: an actor's page shows the citations of its ties.
READ_THROUGH = (Relationship,)


@dataclass
class ReadersSee:
    """What a committed transaction changed for readers, as `casefile.signals.published` announces it.

    `cases`: the ids of the cases whose pages change, and `slugs` every slug
    they were ever published under (old addresses may still be cached).
    `records`: (model name, id) of every record shown differently, with the
    records they now point to; `everything` names the cases in which any page
    may have changed (the case itself was changed, or the change is not
    known record by record).
    """

    cases: set = field(default_factory=set)
    slugs: set = field(default_factory=set)
    records: set = field(default_factory=set)
    everything: set = field(default_factory=set)

    def add(self, other):
        self.cases |= other.cases
        self.slugs |= other.slugs
        self.records |= other.records
        self.everything |= other.everything


def record_decisions(changes, action, editor, at, batch, comment, public_note="", for_legal_reasons=False):
    """Write one decision per change in the log; `for_legal_reasons` marks the removals among them."""
    approved = action == Decision.Action.APPROVED
    case_ids = case_ids_of(changes)
    name_changes(changes)
    return Decision.objects.bulk_create([
        Decision(
            case_id=case_ids[(change.model, change.pk)],
            content_type=content_type(change.model),
            object_id=change.pk,
            history_id=change.latest.history_id,
            object_repr=change.label[:300],
            action=action,
            removes=approved and change.is_removal,
            for_legal_reasons=for_legal_reasons and approved and change.is_removal,
            changed_fields=[str(name) for name in change.changed_field_names] if approved else [],
            decided_by=editor,
            decided_at=at,
            comment=comment,
            public_note=public_note,
            batch=batch,
        )
        for change in changes
    ], batch_size=BATCH)


def publish(approvals, shown_in=()):
    """Make readers see what these approvals, just written, approved, and announce it on commit.

    `shown_in`: other cases whose pages showed the records before (a record
    moved to another case leaves the first). A query or a few per kind of
    record and batch of 500, however many records.
    """
    approvals = list(approvals)
    by_model = defaultdict(list)
    for approval in approvals:
        by_model[ContentType.objects.get_for_id(approval.content_type_id).model_class()].append(approval)
    # Held already by an approval; a deletion or a rebuild takes them here, before the cases' locks.
    lock_publications({model: {a.object_id for a in model_approvals} for model, model_approvals in by_model.items()})
    cases, slugs = _lock_cases(set(shown_in) | {approval.case_id for approval in approvals})
    for model, model_approvals in by_model.items():
        content_type_ = ContentType.objects.get_for_model(model)
        latest = {approval.object_id: approval for approval in model_approvals}
        for batch in batches(latest):
            _publish_batch(model, content_type_, [latest[pk] for pk in batch])
    records = {(model, approval.object_id) for model, model_approvals in by_model.items() for approval in model_approvals}
    _mark_stale_and_announce(cases, slugs, records)


def _publish_batch(model, content_type_, approvals):
    record_ids = [approval.object_id for approval in approvals]
    versions = history_model(model).objects.in_bulk(
        [approval.history_id for approval in approvals], field_name="history_id"
    )
    public = [a for a in approvals if is_public_version(versions.get(a.history_id))]
    public_ids = {approval.object_id for approval in public}
    Publication.objects.filter(content_type=content_type_, object_id__in=record_ids).exclude(
        object_id__in=public_ids
    ).delete()
    if not public:
        return
    existing = {
        row.object_id: row
        for row in Publication.objects.filter(content_type=content_type_, object_id__in=public_ids)
    }
    first_published = dict(
        Decision.objects.filter(
            content_type=content_type_, object_id__in=public_ids, action=Decision.Action.APPROVED
        ).values("object_id").annotate(first=Min("decided_at")).values_list("object_id", "first")
    )
    text_dates = translations.versions_text_dates(
        model, {approval.object_id: approval.history_id for approval in public}
    )
    rows = []
    for approval in public:
        row = existing.get(approval.object_id) or Publication(content_type=content_type_, object_id=approval.object_id)
        row.case_id, row.history_id, row.approval = approval.case_id, approval.history_id, approval
        row.published_at = approval.decided_at
        row.first_published_at = first_published.get(approval.object_id, approval.decided_at)
        row.content = Publication.content_of(
            model, versions[approval.history_id],
            text_dates.get(approval.object_id, {}) if translations.translated_texts(model) else None,
        )
        for name, value in search.searchable(model, versions[approval.history_id]).items():
            setattr(row, name, value)
        rows.append(row)
    fields = [
        "case", "history_id", "approval", "published_at", "first_published_at", "content", *search.ROW_FIELDS,
    ]
    Publication.objects.bulk_update([row for row in rows if row.pk], fields)
    created = Publication.objects.bulk_create([row for row in rows if not row.pk])
    if model in (Case, *PAGE_KINDS):
        # Stale until the task worker keeps it.
        KeptPage.objects.bulk_create([page for row in created for page in KeptPage.stale_pages_of(row)])
    if connection.vendor == "postgresql" and model in search.SEARCH_FIELDS:
        Publication.objects.filter(content_type=content_type_, object_id__in=public_ids).update(vector=search.vector())


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
        changed_for_readers(
            [case.pk] if case is not None else Publication.objects.of_kind(Case).values_list("object_id", flat=True)
        )


def changed_for_readers(case_ids, records=None):
    """Say, inside the transaction that made it, that what readers see of these cases changed.

    `records`: the (model, id) of the records shown differently, or None when
    any page of the cases may have changed. Marks the kept pages that show
    them stale and retires the cases' cached pages now; announces the change
    when the transaction commits.
    """
    _mark_stale_and_announce(*_lock_cases(case_ids), records)


def lock_publications(pks_by_model):
    """Hold the Publication rows of these records ({model: ids}) until the transaction ends.

    Every approval takes those of the records it decides on and of those it
    rests on, so a source cannot leave the public pages while a citation of
    it is being published, and two editors deciding on one record take turns.
    Taken in one order (kind of record, then id), before any case's
    publishing lock.
    """
    for model in sorted(pks_by_model, key=TRACKED.index):
        for batch in batches(sorted(pks_by_model[model])):
            list(Publication.objects.select_for_update(no_key=True).filter(
                content_type=content_type(model), object_id__in=batch
            ).order_by("pk").values_list("pk"))


def _lock_cases(case_ids):
    """Take the publishing lock of each case: the row of its page-cache generation, moved on.

    Held until the transaction ends. Taken after the rows of the records
    changed and before any kept page: the task worker keeps a page holding
    its case's lock shared (`keep_stale_pages`), so a change waits for the
    page being rendered, then sees what it read, and the worker waits for the
    change to commit. Returns the case ids and every slug they were published under.
    """
    case_ids = {pk for pk in case_ids if pk is not None}
    if not case_ids:
        return case_ids, set()
    return case_ids, pagecache.advance_generation(case_ids)


def _mark_stale_and_announce(case_ids, slugs, records):
    if not case_ids:
        return
    change = ReadersSee(cases=case_ids, slugs=slugs)
    if records is None or any(model is Case for model, _ in records):
        change.everything |= case_ids
        stale = Q(publication__case__in=case_ids)
    else:
        shown, read = _shown_and_pointed_to(records)
        change.records = {(ContentType.objects.get_for_id(ct).model, pk) for ct, pk in shown | read}
        stale = _pages_showing(case_ids, shown, read, sources=any(model is Source for model, _ in records))
    # Those stale already are left alone: a row written twice in a transaction has its key checked again.
    KeptPage.objects.filter(stale).exclude(rendered_with="").update(rendered_with="")
    _announce(change)


def _shown_and_pointed_to(records):
    """The (content type id, id) of pages to render again (the records and those they point to),
    and of records whose readers' pages change (the records and the ties they point to)."""
    shown, read = set(), set()
    by_model = defaultdict(set)
    for model, pk in records:
        by_model[model].add(pk)
    for model, ids in by_model.items():
        content_type_ = ContentType.objects.get_for_model(model)
        if model in PAGE_KINDS:
            shown.update((content_type_.pk, pk) for pk in ids)
        read.update((content_type_.pk, pk) for pk in ids)
        # The records it points to now show it on their pages.
        targets = [
            (field_.attname, field_.related_model) for field_ in model._meta.concrete_fields
            if field_.many_to_one and field_.related_model in PAGE_KINDS + READ_THROUGH
        ]
        if not targets:
            continue
        for batch in batches(sorted(ids)):
            for content in Publication.objects.filter(content_type=content_type_, object_id__in=batch).values_list(
                "content", flat=True
            ):
                for attname, target in targets:
                    if content.get(attname) is not None:
                        key = (ContentType.objects.get_for_model(target).pk, content[attname])
                        shown.add(key)
                        if target in READ_THROUGH:
                            read.add(key)
    return shown, read


def _pages_showing(case_ids, shown, read, sources):
    """The kept pages of the cases that show, or may now show, the records: a condition on KeptPage rows."""
    in_cases = Q(publication__case__in=case_ids)
    condition = in_cases & Q(publication__content_type=ContentType.objects.get_for_model(Case))
    if read:
        condition |= Q(pk__in=PublicationRead.objects.filter(
            _keys_condition(read), page__publication__case__in=case_ids
        ).values("page_id"))
    if shown:
        condition |= Q(publication__in=Publication.objects.filter(_keys_condition(shown), case__in=case_ids))
    if sources:
        # A source's page follows the chains of sources relayed through others.
        condition |= in_cases & Q(publication__content_type=ContentType.objects.get_for_model(Source))
    return condition


def _keys_condition(keys):
    by_type = defaultdict(set)
    for content_type_id, pk in keys:
        by_type[content_type_id].add(pk)
    condition = Q()
    for content_type_id, ids in by_type.items():
        condition |= Q(content_type_id=content_type_id, object_id__in=ids)
    return condition


class _Pending:
    """The changes of one transaction not yet announced."""

    def __init__(self):
        self.change, self.sent = ReadersSee(), False


def _announce(change):
    """Announce `change` once the transaction commits, together with the others it makes.

    Every change registers a callback, so one made in a savepoint that is
    rolled back takes only its own callback with it; the first callback left
    at the commit announces them all.
    """
    db = transaction.get_connection()
    if not db.in_atomic_block:
        _send(change)
        return
    pending = getattr(db, "casefile_pending_announcement", None)
    if pending is None or pending.sent or not _waiting(db, pending):
        pending = db.casefile_pending_announcement = _Pending()
    pending.change.add(change)
    transaction.on_commit(functools.partial(_flush, pending), robust=True)


def _waiting(db, pending):
    """Whether a callback of `pending` is still waiting for the commit (none is after a rollback)."""
    return any(
        isinstance(callback, functools.partial) and callback.func is _flush and callback.args[0] is pending
        for _, callback, _ in db.run_on_commit
    )


def _flush(pending):
    if pending.sent:
        return
    pending.sent = True
    _send(pending.change)


def _send(change):
    for receiver, outcome in published.send_robust(sender=ReadersSee, change=change):
        if isinstance(outcome, Exception):
            # The change is committed: readers already see it through the
            # rows. A subscriber that failed leaves pages rendered for each
            # reader until they are kept again.
            logger.error("A subscriber to published failed: %r", receiver, exc_info=outcome)


@dataclass
class RenderedPage:
    """A page rendered for keeping: its body (and a case's case.json), what it read, its edge keys."""

    page: str
    reads: dict
    keys: list
    document: str | None = None


def add_pages_in_new_languages():
    """A kept page, stale until the worker keeps it, for each published page in each language of
    LANGUAGES it has none in (a language just added to them); returns how many."""
    kinds = ContentType.objects.get_for_models(Case, *PAGE_KINDS).values()
    have = set(KeptPage.objects.values_list("publication_id", "language"))
    missing = [
        KeptPage(publication_id=pk, language=code)
        for pk in Publication.objects.filter(content_type__in=kinds).values_list("pk", flat=True)
        for code, _ in settings.LANGUAGES if (pk, code) not in have
    ]
    KeptPage.objects.bulk_create(missing, batch_size=1000, ignore_conflicts=True)
    return len(missing)


def keep_stale_pages(case_id, case_slug, release, render, languages=None):
    """Keep again, one at a time, each page of the case not kept by `release`; returns how many.

    `render(kept_page)` renders the page of a KeptPage row in its language
    as readers get it now, as a `RenderedPage` (or None when it cannot be rendered: it then
    stays stale, rendered for each reader). Each page is rendered in a
    transaction holding its case's publishing lock shared (`_lock_cases`), so
    no change commits while it renders, and a change waiting for it then
    sees what it read; a page another worker is keeping is skipped. Safe to
    run twice.
    """
    stale = KeptPage.objects.filter(publication__case=case_id).exclude(rendered_with=release)
    if languages is not None:
        stale = stale.filter(language__in=languages)
    case_type = ContentType.objects.get_for_model(Case).pk
    # The case page and case.json last: they read the whole case, and a
    # large case's take seconds, while each record's page takes milliseconds.
    # Of each, the newsroom's own language first: its pages change first, the
    # translations' follow them.
    pks = sorted(
        stale.values_list("pk", "publication__content_type_id", "language"),
        key=lambda row: (row[1] == case_type, row[2] != settings.LANGUAGE_CODE, row[0]),
    )
    return sum(_keep_page(pk, case_slug, release, render) for pk, _, _ in pks)


@retried
def _keep_page(pk, case_slug, release, render):
    """Keep one page, in a transaction of its own; whether it was kept."""
    with transaction.atomic():
        pagecache.share_generation_lock(case_slug)
        kept_page = KeptPage.objects.select_for_update(skip_locked=True, of=("self",)).filter(pk=pk).exclude(
            rendered_with=release
        ).select_related("publication__content_type").first()
        if kept_page is None:
            return False
        page = render(kept_page)
        if page is None:
            return False
        kept_page.page, kept_page.rendered_with, kept_page.surrogate_keys = page.page, release, " ".join(page.keys)
        if page.document is not None:
            kept_page.document = page.document
        # Drawn, not counted: a database rolled back or restored would count the same numbers again.
        kept_page.stamp = secrets.randbits(63)
        kept_page.save(update_fields=["page", "document", "rendered_with", "surrogate_keys", "stamp"])
        PublicationRead.objects.filter(page=kept_page).delete()
        PublicationRead.objects.bulk_create(
            PublicationRead(page=kept_page, content_type_id=content_type_id, object_id=object_id)
            for content_type_id, ids in page.reads.items() for object_id in ids
        )
        return True

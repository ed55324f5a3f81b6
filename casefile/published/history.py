"""What readers saw before: a fact's approved versions and the corrections log, from the decision log."""

import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, Subquery
from django.utils.text import capfirst
from django.utils.translation import ngettext, npgettext, pgettext

from .. import dates
from ..history import history_model
from ..models import (
    Actor,
    Case,
    Citation,
    Decision,
    Event,
    EventParticipant,
    Fact,
    FactActor,
    FactEvent,
    OpenQuestion,
    QuestionConcern,
    Relationship,
    Source,
)
from .fields import shown_fields
from .versions import moment, of_answers
from .words import a_kind, english_field_name, field_name, joined, kind_name


@dataclass
class ApprovedVersion:
    """One approved version of a record: when, the editor's note, and which fields readers see it changed."""

    row: object
    approved_at: datetime.datetime
    note: str
    changed: list = field(default_factory=list)
    first: bool = False


def fact_versions(fact):
    """The approved versions of a public fact, oldest first, with their approvals, in one query."""
    return record_versions(fact)


def record_versions(record):
    """The approved versions of a public record, oldest first, as readers could see them on the day read."""
    return approved_versions(type(record), [record.pk], record.case.as_of_moment).get(record.pk, [])


def approved_versions(model, pks, at=None):
    """{pk: [ApprovedVersion]} of the records of `model`, oldest first, each with the fields readers see that
    it changed from the one before, as of the moment `at` (now if None): one query, however many records."""
    decisions = Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id__in=list(pks),
        action=Decision.Action.APPROVED,
    )
    if at is not None:
        decisions = decisions.filter(decided_at__lt=at)
    approval = decisions.filter(history_id=OuterRef("history_id")).order_by("decided_at", "id")
    rows = (
        history_model(model).objects.filter(history_id__in=decisions.values("history_id"), removal_proposed=False)
        .exclude(history_type="-")
        .annotate(approved_at=Subquery(approval.values("decided_at")[:1]),
                  note=Subquery(approval.values("public_note")[:1]))
        .order_by("approved_at", "history_id")
    )
    compared = [model_field for model_field in shown_fields(model)
                if model_field.name not in ("id", "case", *dates.precision_fields(model).values())]
    found = defaultdict(list)
    for row in rows:
        earlier = found[row.id]
        version = ApprovedVersion(row=row, approved_at=row.approved_at, note=row.note, first=not earlier)
        if earlier:
            before = earlier[-1].row
            version.changed = [
                _field_name(model_field) for model_field in compared
                if getattr(before, model_field.attname) != getattr(row, model_field.attname)
            ]
        earlier.append(version)
    return dict(found)


@dataclass
class FieldCorrection:
    """One corrected field of a record, as readers read it before and after."""

    name: str
    before: str | None
    after: str | None


@dataclass
class CorrectionLine:
    """One sentence of a correction: `lead`, the record's name (linked where public), `tail`."""

    lead: str
    label: str = ""
    url: str | None = None
    tail: str = "."
    fields: list = field(default_factory=list)

    def __post_init__(self):
        # A statement quoted whole already ends its sentence.
        if self.tail in (".", "。") and self.label.endswith((".", "!", "?", "。", "！", "？")):
            self.tail = ""

    @property
    def text(self):
        return f"{self.lead}“{self.label}”{self.tail}" if self.label else self.lead.rstrip() + self.tail


@dataclass
class Correction:
    """What one approval changed after the case's first publication, in readers' words."""

    decided_at: datetime.datetime
    batch: str
    lines: list
    note: str

    @property
    def anchor(self):
        return f"correction-{self.batch}"

    @property
    def title(self):
        first = self.lines[0].text if self.lines else pgettext("corrections log", "The case was updated.")
        more = len(self.lines) - 1
        if more <= 0:
            return first
        return ngettext(
            "%(first)s (and %(count)s more change)", "%(first)s (and %(count)s more changes)", more
        ) % {"first": first, "count": more}


# Where the record's name stands in a sentence of the log, until the sentence is cut around it.
NAME = "\x00"


def sentence_line(sentence, label="", url=None, fields=()):
    """A line of the log from a whole sentence in the page's language, the record's name (`label`, quoted) where
    the sentence says `NAME`; a sentence without `NAME` is one names nothing."""
    lead, quoted, tail = sentence.partition(f"“{NAME}”")
    if not quoted:
        lead, quoted, tail = sentence.partition(NAME)
    if not quoted:
        return CorrectionLine(lead=sentence, tail="", fields=list(fields))
    return CorrectionLine(lead=lead, label=label, url=url, tail=tail, fields=list(fields))


def corrections(snapshot):
    """Every approval after the case's first publication, one entry each, newest first."""
    if snapshot.first_published is None:
        return []
    decisions = Decision.objects.filter(
        case=snapshot.case.pk,
        action=Decision.Action.APPROVED,
        decided_at__gt=snapshot.first_published,
    ).exclude(of_answers()).select_related("content_type")
    if snapshot.as_of is not None:
        decisions = decisions.filter(decided_at__lt=moment(snapshot.as_of))
    first_batch = (
        Decision.objects.filter(case=snapshot.case.pk, decided_at=snapshot.first_published)
        .values_list("batch", flat=True)
        .first()
    )
    decisions = list(decisions.exclude(batch=first_batch).order_by("-decided_at", "-id"))
    versions = _decided_versions(decisions)
    # A removal is named as readers last saw the record, not by the working
    # text it was removed with, which no editor approved; a correction sets
    # the text readers saw before beside the new one.
    earlier = _previous_approved_versions([d for d in decisions if d.removes or d.changed_fields])
    published_before = _published_before(decisions)
    relationships = {relationship.pk: relationship for relationship in snapshot.relationships}
    public_records = {
        Actor: snapshot.actors, Source: snapshot.sources, Event: snapshot.events,
        Fact: snapshot.facts, Relationship: relationships, OpenQuestion: snapshot.open_questions,
    }
    withheld = _removed_for_legal_reasons(decisions)
    batches = defaultdict(list)
    for decision in decisions:
        batches[decision.batch].append(decision)
    entries = []
    for batch, approved_together in batches.items():
        writer = _LogWriter(public_records, versions, earlier, published_before, approved_together, withheld)
        lines = writer.lines()
        if not lines:
            continue
        entries.append(Correction(
            decided_at=approved_together[0].decided_at,
            batch=str(batch),
            lines=lines,
            note=next((d.public_note for d in approved_together if d.public_note), ""),
        ))
    return entries


# Records whose name is made of their own fields only, so that an approved
# version names itself without reading any working record.
SELF_NAMED = (Case, Actor, Source, Event, Fact, OpenQuestion)
CHILD_PARENTS = {
    Citation: (("fact", Fact), ("event", Event), ("relationship", Relationship)),
    EventParticipant: (("event", Event),),
    FactActor: (("fact", Fact),),
    FactEvent: (("fact", Fact),),
    QuestionConcern: (("question", OpenQuestion),),
}


def _children(model, count):
    """What `count` child records of a kind are to readers: 'a source', '2 sources'."""
    if model is Citation:
        words = npgettext("added to or removed from a record", "a source", "%(count)s sources", count)
    elif model is EventParticipant:
        words = npgettext("added to or removed from a record", "a participant", "%(count)s participants", count)
    elif model is FactActor:
        words = npgettext("added to or removed from a record", "an actor", "%(count)s actors", count)
    else:
        words = npgettext("added to or removed from a record", "an event", "%(count)s events", count)
    return words % {"count": count}


def _changed_child(model):
    """A child record one of whose fields was corrected: 'a citation'."""
    if model is Citation:
        return pgettext("a corrected part of a record", "a citation")
    if model is EventParticipant:
        return pgettext("a corrected part of a record", "a participant")
    if model is FactActor:
        return pgettext("a corrected part of a record", "an actor's link")
    return pgettext("a corrected part of a record", "an event's link")


def _children_news(what, for_legal_reasons, named, count):
    """'%(children)s was added to the %(kind)s “%(label)s”.' and its kin, whole, for the language to order."""
    if what == "removed" and for_legal_reasons:
        if named:
            return npgettext("corrections log", "%(children)s was removed from the %(kind)s “%(label)s” for legal "
                             "reasons.", "%(children)s were removed from the %(kind)s “%(label)s” for legal reasons.",
                             count)
        return npgettext("corrections log", "%(children)s was removed from the %(kind)s for legal reasons.",
                         "%(children)s were removed from the %(kind)s for legal reasons.", count)
    if what == "removed":
        if named:
            return npgettext("corrections log", "%(children)s was removed from the %(kind)s “%(label)s”.",
                             "%(children)s were removed from the %(kind)s “%(label)s”.", count)
        return npgettext("corrections log", "%(children)s was removed from the %(kind)s.",
                         "%(children)s were removed from the %(kind)s.", count)
    if for_legal_reasons:
        if named:
            return npgettext("corrections log", "%(children)s was added to the %(kind)s “%(label)s” for legal "
                             "reasons.", "%(children)s were added to the %(kind)s “%(label)s” for legal reasons.",
                             count)
        return npgettext("corrections log", "%(children)s was added to the %(kind)s for legal reasons.",
                         "%(children)s were added to the %(kind)s for legal reasons.", count)
    if named:
        return npgettext("corrections log", "%(children)s was added to the %(kind)s “%(label)s”.",
                         "%(children)s were added to the %(kind)s “%(label)s”.", count)
    return npgettext("corrections log", "%(children)s was added to the %(kind)s.",
                     "%(children)s were added to the %(kind)s.", count)


def _record_news(what, named):
    """'The %(kind)s “%(label)s” was added.' and its kin."""
    if what == "removed":
        return (pgettext("corrections log", "The %(kind)s “%(label)s” was removed.") if named
                else pgettext("corrections log", "The %(kind)s was removed."))
    if what == "restored":
        return (pgettext("corrections log", "The %(kind)s “%(label)s” was published again.") if named
                else pgettext("corrections log", "The %(kind)s was published again."))
    return (pgettext("corrections log", "The %(kind)s “%(label)s” was added.") if named
            else pgettext("corrections log", "The %(kind)s was added."))


def _record_correction(named, count):
    if named:
        return npgettext("corrections log", "The %(fields)s of the %(kind)s “%(label)s” was corrected.",
                         "The %(fields)s of the %(kind)s “%(label)s” were corrected.", count)
    return npgettext("corrections log", "The %(fields)s of the %(kind)s was corrected.",
                     "The %(fields)s of the %(kind)s were corrected.", count)


def _child_correction(named, count):
    if named:
        return npgettext("corrections log", "The %(fields)s of %(child)s on the %(kind)s “%(label)s” was corrected.",
                         "The %(fields)s of %(child)s on the %(kind)s “%(label)s” were corrected.", count)
    return npgettext("corrections log", "The %(fields)s of %(child)s on the %(kind)s was corrected.",
                     "The %(fields)s of %(child)s on the %(kind)s were corrected.", count)


def _withheld_news(what, count=1):
    """What was done to a record since removed for legal reasons, named by its kind alone."""
    if what == "corrected":
        return npgettext("corrections log", "The %(fields)s of %(a_kind)s was corrected (since removed for legal "
                         "reasons).", "The %(fields)s of %(a_kind)s were corrected (since removed for legal "
                         "reasons).", count)
    if what == "removed":
        return pgettext("corrections log", "%(a_kind)s was removed (since removed for legal reasons).")
    if what == "restored":
        return pgettext("corrections log", "%(a_kind)s was published again (since removed for legal reasons).")
    return pgettext("corrections log", "%(a_kind)s was added (since removed for legal reasons).")


def _removed_for_legal_reasons(decisions):
    """(model, id) of the records whose last approval of `decisions` (newest first) removed them for legal
    reasons: the log names them by their kind alone, in every entry."""
    last = {}
    for decision in decisions:
        last.setdefault((decision.content_type_id, decision.object_id), decision)
    return {(d.content_type.model_class(), d.object_id) for d in last.values() if d.for_legal_reasons}


class _LogWriter:
    """The sentences of one approval: each record changed, with its children folded in."""

    def __init__(self, public_records, versions, earlier, published_before, decisions, withheld=frozenset()):
        self.public_records, self.versions, self.earlier = public_records, versions, earlier
        self.published_before, self.decisions, self.withheld = published_before, decisions, withheld

    def what(self, decision):
        if decision.removes:
            return "removed"
        if decision.changed_fields:
            return "corrected"
        return "restored" if decision.id in self.published_before else "added"

    def version(self, decision):
        model = decision.content_type.model_class()
        if decision.removes:
            return self.earlier.get(decision.id)
        return self.versions.get((model, decision.history_id))

    def public(self, model, pk):
        return self.public_records.get(model, {}).get(pk)

    def lines(self):
        whole = {
            (d.content_type.model_class(), d.object_id) for d in self.decisions
            if self.what(d) != "corrected"
        }
        lines, grouped = [], defaultdict(int)
        for decision in sorted(self.decisions, key=lambda d: d.id):
            model = decision.content_type.model_class()
            if model not in CHILD_PARENTS:
                lines.append(self.record_line(decision, model))
                continue
            version = self.version(decision)
            parent_model, parent_id = self.parent_of(model, version)
            # Added, removed or put back with its record: the record's line says it.
            if (parent_model, parent_id) in whole:
                continue
            what = self.what(decision)
            if what == "corrected":
                lines.append(self.child_correction(decision, model, version, parent_model, parent_id))
            else:
                grouped[(model, what, decision.for_legal_reasons, parent_model, parent_id)] += 1
        for (model, what, for_legal_reasons, parent_model, parent_id), count in grouped.items():
            lines.append(self.named(
                functools.partial(_children_news, what, for_legal_reasons, count=count),
                parent_model, parent_id, {"children": _children(model, count)},
            ))
        # A change of nothing readers read is no correction of theirs.
        return [line for line in lines if line is not None]

    def parent_of(self, model, version):
        for name, parent_model in CHILD_PARENTS[model]:
            parent_id = getattr(version, f"{name}_id", None) if version is not None else None
            if parent_id:
                return parent_model, parent_id
        return None, None

    def named(self, sentence, model, pk, words, fields=()):
        """A sentence about a record, named and linked only if readers see it: `sentence(named)` is the
        sentence with or without the record's name."""
        public = self.public(model, pk) if model is not None else None
        kind = kind_name(model) if model is not None else pgettext("kind of record", "record")
        if public is None:
            return sentence_line(capfirst(sentence(False) % {"kind": kind, **words}), fields=fields)
        url = public.get_absolute_url() if hasattr(public, "slug") else None
        text = capfirst(sentence(True) % {"kind": kind, "label": NAME, **words})
        return sentence_line(text, label=str(public), url=url, fields=fields)

    def record_line(self, decision, model):
        what = self.what(decision)
        kind = kind_name(model)
        version = self.version(decision)
        if (model, decision.object_id) in self.withheld:
            return self.withheld_line(decision, model, what, version)
        public = self.public(model, decision.object_id)
        if public is not None:
            label = str(public)
        elif model in SELF_NAMED and version is not None:
            label = str(version.instance)
        else:
            label = ""
        url = public.get_absolute_url() if public is not None and hasattr(public, "slug") else None
        if what != "corrected":
            return sentence_line(_record_news(what, bool(label)) % {"kind": kind, "label": NAME}, label, url)
        fields = self.fields(model, decision, version)
        names = [f.name for f in fields] or _shown_names(model, decision)
        if not names:
            return None
        sentence = _record_correction(bool(label), len(names)) % {"fields": joined(names), "kind": kind, "label": NAME}
        return sentence_line(sentence, label, url, fields)

    def withheld_line(self, decision, model, what, version):
        """A sentence about a record removed for legal reasons: its kind and what was done, never its text."""
        record = a_kind(model)
        if decision.for_legal_reasons:
            return sentence_line(capfirst(
                pgettext("corrections log", "%(a_kind)s was removed for legal reasons.") % {"a_kind": record}
            ))
        if what == "corrected":
            names = [f.name for f in self.fields(model, decision, version)] or _shown_names(model, decision)
            if not names:
                return None
            return sentence_line(_withheld_news(what, len(names)) % {"fields": joined(names), "a_kind": record})
        return sentence_line(capfirst(_withheld_news(what) % {"a_kind": record}))

    def child_correction(self, decision, model, version, parent_model, parent_id):
        fields = self.fields(model, decision, version)
        names = [f.name for f in fields] or _shown_names(model, decision)
        if not names:
            return None
        return self.named(
            lambda named: _child_correction(named, len(names)), parent_model, parent_id,
            {"fields": joined(names), "child": _changed_child(model)}, fields=fields,
        )

    def fields(self, model, decision, version):
        """Each field readers read that differs from the version approved before, as they read it."""
        before = self.earlier.get(decision.id)
        if before is None or version is None:
            return []
        precision_of = dates.precision_fields(model)
        found = []
        for model_field in shown_fields(model):
            name = model_field.name
            # The case a record belongs to is where readers find it, not a line of it.
            if name == "case" or name in precision_of.values():
                continue
            if name in precision_of:
                shown = [dates.display(getattr(row, name), getattr(row, precision_of[name]),
                                        pgettext("a date", "unknown"))
                         for row in (before, version)]
            elif model_field.is_relation:
                # A record it points to is named only if readers see it.
                related = model_field.related_model
                shown = [
                    str(self.public(related, getattr(row, model_field.attname)) or "") or None
                    for row in (before, version)
                ]
                if getattr(before, model_field.attname) == getattr(version, model_field.attname):
                    continue
                found.append(FieldCorrection(_field_name(model_field), *shown))
                continue
            else:
                shown = [_shown(model_field, getattr(row, model_field.attname)) for row in (before, version)]
            if shown[0] != shown[1]:
                found.append(FieldCorrection(_field_name(model_field), *shown))
        return found


def _shown_names(model, decision):
    """The fields a decision recorded as changed that readers read, when no earlier version says more."""
    # The log records each field by its English name; readers read it in the page's language.
    shown = {}
    for model_field in shown_fields(model):
        shown[str(model_field.verbose_name)] = shown[english_field_name(model_field)] = field_name(model_field)
    return [shown[name] for name in decision.changed_fields if name in shown]


_field_name = field_name


def _shown(model_field, value):
    if value in (None, ""):
        return pgettext("no value", "(none)")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return pgettext("a field's value", "yes") if value else pgettext("a field's value", "no")
    return str(value)


def _published_before(decisions):
    """The ids of those approvals that put back a record readers had seen before, unchanged."""
    unchanged = [d for d in decisions if not d.removes and not d.changed_fields]
    if not unchanged:
        return set()
    earliest = {}
    for content_type_id, object_id, decided_at in Decision.objects.filter(
        action=Decision.Action.APPROVED,
        object_id__in={d.object_id for d in unchanged},
        content_type__in={d.content_type_id for d in unchanged},
    ).values_list("content_type_id", "object_id", "decided_at"):
        key = (content_type_id, object_id)
        earliest[key] = min(decided_at, earliest.get(key, decided_at))
    return {
        d.id for d in unchanged
        if earliest.get((d.content_type_id, d.object_id), d.decided_at) < d.decided_at
    }


def _previous_approved_versions(approvals):
    """{decision id: the version readers saw before that approval}, a query or two a kind."""
    if not approvals:
        return {}
    earlier = defaultdict(list)
    for content_type_id, object_id, history_id, decided_at, pk in Decision.objects.filter(
        action=Decision.Action.APPROVED,
        removes=False,
        content_type__in={d.content_type_id for d in approvals},
        object_id__in={d.object_id for d in approvals},
    ).values_list("content_type_id", "object_id", "history_id", "decided_at", "id"):
        earlier[(content_type_id, object_id)].append(((decided_at, pk), history_id))
    wanted = {}
    for approval in approvals:
        before = [
            (moment_, history_id) for moment_, history_id in earlier[(approval.content_type_id, approval.object_id)]
            if moment_ < (approval.decided_at, approval.id)
        ]
        if before:
            wanted[approval] = max(before)[1]
    by_model = defaultdict(dict)
    for approval, history_id in wanted.items():
        by_model[approval.content_type.model_class()][approval.id] = history_id
    found = {}
    for model, history_ids in by_model.items():
        rows = history_model(model).objects.in_bulk(history_ids.values(), field_name="history_id")
        found.update({pk: rows[history_id] for pk, history_id in history_ids.items() if history_id in rows})
    return found


def _decided_versions(decisions):
    """The historical versions the decisions name, by (model, history_id): one query per kind of record.

    Each kind numbers its versions on its own, so a history id alone names no version.
    """
    by_model = defaultdict(list)
    for decision in decisions:
        by_model[decision.content_type.model_class()].append(decision.history_id)
    versions = {}
    for model, history_ids in by_model.items():
        for history_id, row in history_model(model).objects.in_bulk(history_ids, field_name="history_id").items():
            versions[(model, history_id)] = row
    return versions

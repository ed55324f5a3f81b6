"""How the case changed between two days: every record added, changed or removed between two published states.

The two states are the ones `as_of` shows (the latest approval of each record
before the end of each day, from the decision log), read in a fixed number of
queries: one for the log, one for what readers see of each record now (its
name and address), and one per kind of record that changed, whatever the
number of versions in between. Records named in passing (the source of a
citation, the actors of a relationship) are named as readers see them today,
and only if they see them.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import pgettext, pgettext_lazy

from .. import dates
from ..history import history_model
from ..models.publication import record_from_content
from ..models import (
    Actor,
    Citation,
    Decision,
    Event,
    EventParticipant,
    Fact,
    FactActor,
    FactEvent,
    OpenQuestion,
    Publication,
    QuestionConcern,
    Relationship,
    Source,
)
from ..textdiff import word_diff
from .fields import shown_fields
from .history import _field_name, _shown
from .versions import moment, of_answers
from .words import a_kind, kind_name, kinds_name

# The sections of the page, in reading order; each child record is told under the record it belongs to.
KINDS = (Fact, Event, Actor, Relationship, Source, OpenQuestion)
CHILD_PARENTS = {
    Citation: ("fact", "event", "relationship"),
    EventParticipant: ("event",),
    FactActor: ("fact",),
    FactEvent: ("fact",),
    QuestionConcern: ("question",),
}
# What each child record is to readers, and the field that names it.
CHILD_WORDS = {
    Citation: (pgettext_lazy("part of a record", "source"), "source"),
    EventParticipant: (pgettext_lazy("part of a record", "participant"), "actor"),
    FactActor: (pgettext_lazy("part of a record", "actor"), "actor"),
    FactEvent: (pgettext_lazy("part of a record", "event"), "event"),
    QuestionConcern: (pgettext_lazy("part of a record", "concern"), None),
}
TRACKED = (*KINDS, *CHILD_PARENTS)
WITH_PAGES = {Actor: "actor", Event: "event", Fact: "fact", Source: "source"}
PARENT_MODELS = {"fact": Fact, "event": Event, "relationship": Relationship, "question": OpenQuestion}


@dataclass
class FieldChange:
    """One field readers read, before and after, its changed words marked."""

    name: str
    before: str
    after: str


@dataclass
class Change:
    """One record added, changed or removed between the two days."""

    model: type
    what: str
    label: str
    url: str | None = None
    context: str = ""
    fields: list = field(default_factory=list)
    status_before: str = ""
    status_after: str = ""

    @property
    def kind(self):
        return kind_name(self.model)

    @property
    def status_moved(self):
        return self.status_before != self.status_after and bool(self.status_before and self.status_after)


@dataclass
class CaseChanges:
    start: datetime.date
    end: datetime.date
    sections: list
    statuses: list

    @property
    def count(self):
        return sum(len(changes) for _, changes in self.sections)


def case_changes(case, start, end, working=False):
    """What changed in `case` (its public version, now) between the end of day `start` and the end of day `end`.

    `working`: for staff, the working versions saved by then instead of the approved ones.
    """
    states = _working_states if working else _published_states
    before, after, withheld = states(case, moment(start), moment(end))
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    names, current = _working_names(case) if working else _public_names(case)
    rows = _versions(changed, before, after, current, working)
    writer = _Writer(case, names, withheld)
    sections = defaultdict(list)
    for model, object_id in sorted(changed, key=lambda key: (TRACKED.index(key[0]), key[1])):
        old = _shown_row(rows.get((model, before.get((model, object_id)))), working)
        new = _shown_row(rows.get((model, after.get((model, object_id)))), working)
        change = writer.change(model, object_id, old, new)
        if change is not None:
            sections[writer.section_of(model, old or new)].append(change)
    ordered = [(kinds_name(model), sections[model]) for model in KINDS if sections.get(model)]
    statuses = [change for _, changes in ordered for change in changes if change.status_moved]
    return CaseChanges(start=start, end=end, sections=ordered, statuses=statuses)


def _versions(changed, before, after, current, working):
    """{(model, history id): version} of the versions the changes compare.

    A version readers see today is read from its publication, all kinds in one
    query; the others (what they saw before) one query per kind.
    """
    wanted, published = defaultdict(set), set()
    for key in changed:
        for side in (before, after):
            if key not in side:
                continue
            if not working and current.get(key) == side[key]:
                published.add((key[0], side[key]))
            else:
                wanted[key[0]].add(side[key])
    rows = {}
    if published:
        # Each kind numbers its versions on its own: a history id names a version with its kind.
        kinds = _content_types()
        for content_type_id, history_id, content, published_at in Publication.objects.filter(
            history_id__in={history_id for _, history_id in published},
        ).values_list("content_type_id", "history_id", "content", "published_at"):
            model = kinds.get(content_type_id)
            if (model, history_id) in published:
                rows[(model, history_id)] = record_from_content(model, content, history_id, published_at)
    for model, history_ids in wanted.items():
        for row in history_model(model).objects.filter(history_id__in=history_ids):
            rows[(model, row.history_id)] = row
    return rows


def _shown_row(row, working):
    """The version readers saw, or None if the record was not there for them."""
    if row is None or getattr(row, "history_type", "+") == "-" or (row.removal_proposed and not working):
        return None
    return row


def _content_types():
    return {ContentType.objects.get_for_model(model).id: model for model in TRACKED}


def _published_states(case, start, end):
    """{(model, id): history id} readers saw at `start` and at `end`, and the records removed for legal reasons."""
    kinds = _content_types()
    in_case = Decision.objects.filter(
        case=case.pk, content_type=OuterRef("content_type"), object_id=OuterRef("object_id"),
    )
    # Every approval of the records this case ever approved, whatever their case at the time: a record moved
    # to another case is no longer this case's from its move on.
    decisions = (
        Decision.objects.filter(action=Decision.Action.APPROVED, content_type__in=kinds)
        .filter(Exists(in_case)).exclude(of_answers())
        .order_by("decided_at", "id")
        .values_list("content_type_id", "object_id", "history_id", "case_id", "decided_at", "for_legal_reasons")
    )
    before, after, last = {}, {}, {}
    for content_type_id, object_id, history_id, case_id, decided_at, for_legal_reasons in decisions:
        key = (kinds[content_type_id], object_id)
        value = history_id if case_id == case.pk else None
        if decided_at < start:
            before[key] = value
        if decided_at < end:
            after[key] = value
        last[key] = for_legal_reasons
    withheld = {key for key, for_legal_reasons in last.items() if for_legal_reasons}
    return _present(before), _present(after), withheld


def _working_states(case, start, end):
    """{(model, id): history id} of the working versions saved by `start` and by `end`, for staff: the records
    of the case, then the citations and links of those records, one query per kind."""
    before, after = {}, {}
    in_case = defaultdict(set)

    def read(model, rows):
        for object_id, history_id, history_date in rows.filter(history_date__lt=end).order_by(
            "history_date", "history_id"
        ).values_list("id", "history_id", "history_date"):
            if history_date < start:
                before[(model, object_id)] = history_id
            after[(model, object_id)] = history_id
            in_case[model].add(object_id)

    for model in KINDS:
        read(model, history_model(model).objects.filter(case_id=case.pk))
    for model, parents in CHILD_PARENTS.items():
        under = Q()
        for name in parents:
            under |= Q(**{f"{name}_id__in": in_case[PARENT_MODELS[name]]})
        read(model, history_model(model).objects.filter(under))
    return before, after, set()


def _present(state):
    return {key: history_id for key, history_id in state.items() if history_id is not None}


def _public_names(case):
    """{(model, id): (name, address, confidential)} of every record readers see in the case today,
    and {(model, id): the history id of the version they see}."""
    kinds = _content_types()
    names, current = {}, {}
    for content_type_id, object_id, history_id, slug, label, kind in Publication.objects.filter(
        case=case.pk, content_type__in=kinds,
    ).values_list("content_type_id", "object_id", "history_id", "slug", "label", "content__kind"):
        model = kinds[content_type_id]
        current[(model, object_id)] = history_id
        url = reverse(f"casefile:{WITH_PAGES[model]}_detail", args=[case.slug, slug]) if model in WITH_PAGES else None
        names[(model, object_id)] = (label, url, model is Source and kind == Source.Kind.CONFIDENTIAL)
    return names, current


# What names each record in the staff's comparison: its working name, linked to its form.
WORKING_NAMES = {Actor: "name", Source: "title", Event: "title", Fact: "statement", OpenQuestion: "question"}


def _working_names(case):
    """{(model, id): (name, address of its form, confidential)} of every record of the case as it stands in the
    newsroom, and no version readers see: one query per kind."""
    names = {}
    for model, name in WORKING_NAMES.items():
        columns = ("id", name, "kind") if model is Source else ("id", name)
        for object_id, label, *kind in model.objects.filter(case=case.pk).values_list(*columns):
            url = reverse(f"admin:casefile_{model._meta.model_name}_change", args=[object_id])
            names[(model, object_id)] = (label, url, kind == [Source.Kind.CONFIDENTIAL])
    return names, {}


class _Writer:
    """What readers read of each change: the record's name, its fields before and after."""

    def __init__(self, case, names, withheld):
        self.case, self.names, self.withheld = case, names, withheld

    def name(self, model, object_id):
        return self.names.get((model, object_id), ("", None, False))

    def section_of(self, model, row):
        if model in KINDS:
            return model
        parent_model, _ = self.parent(model, row)
        return parent_model

    def parent(self, model, row):
        for name in CHILD_PARENTS[model]:
            parent_id = getattr(row, f"{name}_id", None)
            if parent_id:
                return PARENT_MODELS[name], parent_id
        return PARENT_MODELS[CHILD_PARENTS[model][0]], None

    def change(self, model, object_id, old, new):
        if old is None and new is None:
            return None
        what = "added" if old is None else "removed" if new is None else "changed"
        row = new or old
        if (model, object_id) in self.withheld:
            return Change(model=model, what=what, label=pgettext(
                "a change of the case", "%(a_kind)s removed for legal reasons") % {"a_kind": a_kind(model)})
        label, url, _ = self.name(model, object_id)
        context = ""
        if model in CHILD_PARENTS:
            parent_model, parent_id = self.parent(model, row)
            parent_label = self.name(parent_model, parent_id)[0] if (parent_model, parent_id) not in self.withheld else ""
            named_as, named_field = CHILD_WORDS[model]
            label = self.name(_related(model, named_field), getattr(row, f"{named_field}_id", None))[0] \
                if named_field else ""
            url = None
            words = {"part": named_as, "kind": kind_name(parent_model), "a_kind": a_kind(parent_model)}
            context = (pgettext("a change of the case", "%(part)s of the %(kind)s “%(label)s”")
                       % {**words, "label": parent_label} if parent_label
                       else pgettext("a change of the case", "%(part)s of %(a_kind)s") % words)
        elif not label and model is Relationship:
            label = " ".join(filter(None, (self.name(Actor, row.subject_id)[0], row.get_kind_display(),
                                           self.name(Actor, row.object_id)[0])))
        elif not label:
            label = str(getattr(row, "instance", row))
        fields = self.fields(model, old, new)
        if what == "changed" and not fields:
            return None
        statuses = [getattr(version, "get_status_display", lambda: "")() if version is not None and
                    hasattr(version, "status") else "" for version in (old, new)]
        return Change(model=model, what=what, label=label or a_kind(model), url=url,
                      context=context, fields=fields, status_before=statuses[0], status_after=statuses[1])

    def fields(self, model, old, new):
        precision_of = dates.precision_fields(model)
        found = []
        for model_field in shown_fields(model):
            name = model_field.name
            if name in ("id", "case", "slug") or name in precision_of.values() or name in CHILD_PARENTS.get(model, ()):
                continue
            shown = [self.shown(model, model_field, row, precision_of) for row in (old, new)]
            if shown[0] == shown[1]:
                continue
            marked = word_diff(shown[0], shown[1])
            found.append(FieldChange(_field_name(model_field), marked.before, marked.after))
        return found

    def shown(self, model, model_field, row, precision_of):
        if row is None:
            return ""
        name = model_field.name
        if name in precision_of:
            return dates.display(getattr(row, name), getattr(row, precision_of[name]), pgettext("a date", "unknown"))
        value = getattr(row, model_field.attname)
        if model_field.is_relation:
            return self.name(model_field.related_model, value)[0] if value else ""
        if model is Citation and name == "quote" and not row.quote_cleared and (
            self.name(Source, row.source_id)[2] or (Source, row.source_id) not in self.names
        ):
            # A confidential source's quote is read only once an editor cleared it.
            return ""
        if value in (None, ""):
            return ""
        return _shown(model_field, value)


def _related(model, name):
    return model._meta.get_field(name).related_model

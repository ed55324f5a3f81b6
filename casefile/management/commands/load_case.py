"""Load a case file from its JSON fixture, idempotently.

Each record is matched by its natural key (slugs, or the records it ties
together) and saved only when something differs, so a second run writes no
new versions. Every saved version is attributed to the import. With
--approve-as, an editor approves what was imported, so readers see it; the
fixture's "allegations" mark facts and events as allegations against some of
their actors, and its "right_of_reply" override is that editor's reason for
publishing them without the answer of those concerned. A record whose slug
changed lists its old ones under "former_slugs": it is saved under the new
slug as a new version of the same record, so the old address still leads to it.
A record taken out of the case is named in "withdrawn"; the links and
citations of the fixture's records that it no longer holds are taken out.
The "translations" section holds texts in another language: they are saved
after the import, as a change of their own with the section's reason, and
approved by that editor after the import's own approval, as a translator's
work would be.
"""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, models, transaction

from casefile import dates, workflow
from casefile.translations import column, translated_texts, translation_languages
from casefile.workflow import replies
from casefile.dates import Precision
from casefile.models import (
    Actor,
    Case,
    Citation,
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


def partial_date(value):
    """'2021-11-13', '2021-11' or '2021' as (date, precision)."""
    try:
        return dates.parse(str(value or "")) or (None, Precision.DAY)
    except ValueError:
        raise CommandError(f"Not a date: {value!r} (write YYYY, YYYY-MM or YYYY-MM-DD)") from None


class Loader:
    """Brings records in line with the fixture, a kind of record at a time.

    What exists is read once per kind and matched by natural key; a record
    that differs is saved as a new version, and new records are written in
    bulk with their first versions, so a whole case loads in a few dozen
    queries.
    """

    def __init__(self, reason):
        self.reason = reason
        self.saved = 0
        self.unchanged = 0

    @staticmethod
    def key(model, lookup):
        return tuple(sorted(
            (name, value.pk if isinstance(value, models.Model) else value) for name, value in lookup.items()
        ))

    @staticmethod
    def key_of(model, names, record):
        return tuple(sorted((name, getattr(record, model._meta.get_field(name).attname)) for name in names))

    def upsert_all(self, model, entries, existing):
        """Match each (lookup, values) entry with a record of `existing`, or make it; in order."""
        entries = list(entries)
        if not entries:
            return []
        names = list(entries[0][0])
        index = {self.key_of(model, names, record): record for record in existing}
        records, new = [], []
        for lookup, values in entries:
            key = self.key(model, lookup)
            record = index.get(key)
            if record is None:
                record = index[key] = model(**lookup)
                new.append(record)
            before = {f.attname: getattr(record, f.attname) for f in model._meta.concrete_fields}
            for name, value in values.items():
                setattr(record, name, value)
            if record.pk is None:
                # Bulk-written below: its references are records of this load.
                self.check(model, record, lookup, exclude=[
                    field.name for field in model._meta.concrete_fields if field.is_relation
                ])
            elif before == {f.attname: getattr(record, f.attname) for f in model._meta.concrete_fields}:
                self.unchanged += 1
            else:
                self.check(model, record, lookup)
                workflow.save_record(record, None, self.reason)
                self.saved += 1
            records.append(record)
        if new:
            try:
                workflow.save_new_records(model, new, None, self.reason)
            except IntegrityError as error:
                raise CommandError(f"{model._meta.verbose_name_plural}: {error}") from error
            self.saved += len(new)
        return records

    @staticmethod
    def check(model, record, lookup, exclude=None):
        try:
            if exclude is None:
                record.full_clean()
            else:
                # The natural key stands in for the unique checks, clean() for the others.
                record.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            raise CommandError(f"{model._meta.verbose_name} {lookup}: {error}") from error

    def citations(self, parent_field, pairs, sources):
        """Each parent's citations, as (parent, its fixture entries) pairs."""
        entries = []
        for parent, citations in pairs:
            for entry in citations:
                source = sources.get(entry["source"])
                if source is None:
                    raise CommandError(f"Citation of unknown source {entry['source']!r} on {parent}")
                # Two passages of one paragraph may bear on a record the same way: the quote tells them apart.
                entries.append((
                    {parent_field: parent, "source": source, "locator": entry["locator"],
                     "stance": entry.get("stance", Citation.Stance.SUPPORTS), "quote": entry.get("quote", "")},
                    {"note": entry.get("note", "")},
                ))
        parents = [parent for parent, _ in pairs if parent.pk is not None]
        existing = list(Citation.objects.filter(**{f"{parent_field}__in": parents}, removal_proposed=False))
        kept = self.upsert_all(Citation, entries, existing)
        self.retire([citation for citation in existing if citation not in kept])
        return kept

    def links(self, model, parent_field, entries, existing, parents):
        """Links between records, as `upsert_all()`; those of `parents` the fixture no longer holds are taken out.

        Links of records the fixture does not hold (added at the desk, say) are left alone.
        """
        existing = list(existing)
        kept = self.upsert_all(model, entries, existing)
        parent_ids = {parent.pk for parent in parents}
        self.retire([link for link in existing if link not in kept and not link.removal_proposed
                     and getattr(link, f"{parent_field}_id") in parent_ids])
        return kept

    def retire(self, records):
        """Take out what the fixture no longer holds: delete it if never published, else propose its removal."""
        for record in records:
            if workflow.ever_approved(record):
                workflow.propose_removal(record, None, self.reason)
            else:
                workflow.delete_record(record, None, self.reason)
            self.saved += 1


def slug_keys(case, entries, existing):
    """Each entry's natural key: its slug, or a former slug under which the case still holds it."""
    held = {record.slug for record in existing}
    keys = []
    for entry in entries:
        slug = entry["slug"]
        if slug not in held:
            slug = next((former for former in entry.get("former_slugs", []) if former in held), slug)
        keys.append({"case": case, "slug": slug})
    return keys


def load(data, reason):
    loader = Loader(reason)
    spec = data["case"]
    [case] = loader.upsert_all(Case, [({"slug": spec["slug"]},
                                       {"title": spec["title"], "summary": spec.get("summary", "")})],
                               Case.objects.filter(slug=spec["slug"]))

    actor_entries, existing = data.get("actors", []), list(Actor.objects.filter(case=case))
    actors = dict(zip(
        (entry["slug"] for entry in actor_entries),
        loader.upsert_all(Actor, ((key, {
            "slug": entry["slug"], "kind": entry["kind"], "name": entry["name"],
            "aliases": "\n".join(entry.get("aliases", [])),
            "description": entry.get("description", ""),
        }) for key, entry in zip(slug_keys(case, actor_entries, existing), actor_entries)), existing),
    ))

    def actor(slug):
        if slug not in actors:
            raise CommandError(f"Unknown actor {slug!r}")
        return actors[slug]

    sources = load_sources(loader, case, data.get("sources", []))

    relationships = data.get("relationships", [])
    loaded = loader.upsert_all(Relationship, ((
        {"case": case, "subject": actor(entry["subject"]), "kind": entry["kind"],
         "object": actor(entry["object"])},
        {**period(entry), "description": entry.get("description", ""), **claim_status(entry)},
    ) for entry in relationships), Relationship.objects.filter(case=case).select_related("subject", "object"))
    loader.citations("relationship", [
        (relationship, entry.get("citations", [])) for relationship, entry in zip(loaded, relationships)
    ], sources)

    event_entries = data.get("events", [])
    if any("starts_on" not in entry for entry in event_entries):
        raise CommandError("Every event needs a starts_on date, or null when the sources do not date it.")
    existing = list(Event.objects.filter(case=case))
    events = dict(zip((entry["slug"] for entry in event_entries), loader.upsert_all(Event, ((
        key,
        {"slug": entry["slug"], "title": entry["title"], "description": entry.get("description", ""),
         **period(entry), "date_inferred": entry.get("date_inferred", False),
         "location": entry.get("location", ""), **claim_status(entry)},
    ) for key, entry in zip(slug_keys(case, event_entries, existing), event_entries)), existing)))
    alleged = allegations(data, actors, events)
    loader.links(EventParticipant, "event", (
        ({"event": events[entry["slug"]], "actor": actor(participant["actor"]), "role": participant["role"]},
         {"alleged": ("event", entry["slug"], participant["actor"]) in alleged})
        for entry in event_entries for participant in entry.get("participants", [])
    ), EventParticipant.objects.filter(event__case=case), events.values())
    loader.citations("event", [
        (events[entry["slug"]], entry.get("citations", [])) for entry in event_entries
    ], sources)

    fact_entries = data.get("facts", [])
    existing = list(Fact.objects.filter(case=case))
    facts = dict(zip((entry["slug"] for entry in fact_entries), loader.upsert_all(Fact, ((
        key,
        {"slug": entry["slug"], "statement": entry["statement"], "status": entry["status"],
         "assessment": entry.get("assessment", "")},
    ) for key, entry in zip(slug_keys(case, fact_entries, existing), fact_entries)), existing)))

    def event(entry, slug):
        if slug not in events:
            raise CommandError(f"Fact {entry['slug']!r} names unknown event {slug!r}")
        return events[slug]

    unknown = [(kind, slug) for kind, slug, _ in alleged if kind == "fact" and slug not in facts]
    if unknown:
        raise CommandError(f"An allegation names an unknown fact: {unknown[0][1]!r}")
    loader.links(FactActor, "fact", (
        ({"fact": facts[entry["slug"]], "actor": actor(slug)}, {"alleged": ("fact", entry["slug"], slug) in alleged})
        for entry in fact_entries for slug in entry.get("actors", [])
    ), FactActor.objects.filter(fact__case=case), facts.values())
    named = {("fact", entry["slug"], slug) for entry in fact_entries for slug in entry.get("actors", [])} | {
        ("event", entry["slug"], participant["actor"])
        for entry in event_entries for participant in entry.get("participants", [])
    }
    if alleged - named:
        kind, slug, actor_slug = sorted(alleged - named)[0]
        raise CommandError(f"The {kind} {slug!r} is alleged against {actor_slug!r}, who is not one of its actors.")
    loader.links(FactEvent, "fact", (
        ({"fact": facts[entry["slug"]], "event": event(entry, slug)}, {})
        for entry in fact_entries for slug in entry.get("events", [])
    ), FactEvent.objects.filter(fact__case=case), facts.values())
    loader.citations("fact", [
        (facts[entry["slug"]], entry.get("citations", [])) for entry in fact_entries
    ], sources)
    load_open_questions(loader, case, data.get("open_questions", []), {
        "fact": facts, "event": events, "source": sources,
        "relationship": {(r.subject.slug, r.kind, r.object.slug): r for r in loaded},
    })
    withdraw(loader, case, data)
    return case, loader


# The sections of a fixture whose records a "withdrawn" entry may name, by slug.
WITHDRAWABLE = {"actors": Actor, "sources": Source, "events": Event, "facts": Fact, "open_questions": OpenQuestion}


def withdraw(loader, case, data):
    """Take out the records the fixture's "withdrawn" section names, as the desk would: deleted if never
    published, else proposed for removal. A record the fixture only leaves out is kept: it may have been
    added at the desk."""
    for section, slugs in (data.get("withdrawn") or {}).items():
        if section not in WITHDRAWABLE:
            raise CommandError(f"Only {', '.join(WITHDRAWABLE)} can be withdrawn, not {section!r}.")
        kept = set(slugs) & {entry["slug"] for entry in data.get(section, [])}
        if kept:
            raise CommandError(f"The {section} {', '.join(sorted(kept))} are both withdrawn and kept.")
        loader.retire(list(WITHDRAWABLE[section].objects.filter(case=case, slug__in=slugs, removal_proposed=False)))


def allegations(data, actors, events):
    """{("fact" or "event", slug, actor slug)} of the fixture's "allegations" section."""
    alleged = set()
    for entry in data.get("allegations", []):
        kinds = [kind for kind in ("fact", "event") if kind in entry]
        if len(kinds) != 1 or not entry.get("against"):
            raise CommandError(f"An allegation names one fact or one event, and whom it is against: {entry!r}")
        kind = kinds[0]
        if kind == "event" and entry["event"] not in events:
            raise CommandError(f"An allegation names an unknown event: {entry['event']!r}")
        for slug in entry["against"]:
            if slug not in actors:
                raise CommandError(f"Unknown actor {slug!r}")
            alleged.add((kind, entry[kind], slug))
    return alleged


# The sections of a fixture whose records a "translations" entry may translate, by slug.
TRANSLATABLE = {"facts": Fact, "events": Event, "actors": Actor, "sources": Source, "open_questions": OpenQuestion}


def load_translations(loader, case, section):
    """Save the texts of the "translations" section in its language; whether any record changed."""
    if not section:
        return False
    language = section.get("language")
    if language not in translation_languages():
        raise CommandError(f"Translations must be in one of {', '.join(translation_languages())}, not {language!r}.")
    wanted = [(case, section.get("case") or {})]
    for name, entries in section.items():
        if name in TRANSLATABLE:
            found = {record.slug: record for record in TRANSLATABLE[name].objects.filter(case=case, slug__in=entries)}
            for slug, texts in entries.items():
                if slug not in found:
                    raise CommandError(f"The translations name unknown {name} {slug!r}")
                wanted.append((found[slug], texts))
        elif name not in ("language", "reason", "case"):
            raise CommandError(f"Only {', '.join(['case', *TRANSLATABLE])} can be translated, not {name!r}.")
    saved_before = loader.saved
    for record, texts in wanted:
        unknown = set(texts) - set(translated_texts(type(record)))
        if unknown:
            raise CommandError(f"{record._meta.verbose_name} {record} has no translated text {', '.join(sorted(unknown))}")
        changed = False
        for text, value in texts.items():
            if getattr(record, column(text, language)) != value:
                setattr(record, column(text, language), value)
                changed = True
        if changed:
            loader.check(type(record), record, {"pk": record.pk})
            workflow.save_record(record, None, section.get("reason") or f"Translated into {language}")
            loader.saved += 1
    return loader.saved > saved_before


def claim_status(entry):
    """An event's or relationship's status; what the fixture does not say stays unverified."""
    return {"status": entry.get("status", Relationship.Status.UNVERIFIED)}


def load_open_questions(loader, case, entries, records):
    """Open questions and the records each concerns, named by slug (a relationship by its three parts)."""
    existing = list(OpenQuestion.objects.filter(case=case))
    questions = loader.upsert_all(OpenQuestion, ((
        key,
        {"slug": entry["slug"], "question": entry["question"], "settled_by": entry["settled_by"],
         "state": entry.get("state", OpenQuestion.State.OPEN), "answer": entry.get("answer", "")},
    ) for key, entry in zip(slug_keys(case, entries, existing), entries)), existing)
    concerns = []
    for question, entry in zip(questions, entries):
        for concern in entry.get("concerns", []):
            [(kind, name)] = concern.items()
            key = tuple(name) if kind == "relationship" else name
            record = records.get(kind, {}).get(key)
            if record is None:
                raise CommandError(f"Open question {entry['slug']!r} concerns unknown {kind} {name!r}")
            concerns.append(({"question": question, **dict.fromkeys(QuestionConcern.RECORD_FIELDS),
                              kind: record}, {}))
    loader.links(QuestionConcern, "question", concerns, QuestionConcern.objects.filter(question__case=case), questions)


def period(entry):
    starts_on, starts_precision = partial_date(entry.get("starts_on"))
    ends_on, ends_precision = partial_date(entry.get("ends_on"))
    return {"starts_on": starts_on, "starts_precision": starts_precision,
            "ends_on": ends_on, "ends_precision": ends_precision}


def load_sources(loader, case, entries):
    """Sources in layers: each after the source it was relayed through, so each is written once."""
    by_slug = {entry["slug"]: entry for entry in entries}
    for entry in entries:
        relay = entry.get("relayed_via")
        if relay and relay not in by_slug:
            raise CommandError(f"Source {entry['slug']!r} is relayed via unknown {relay!r}")
    existing = {source.slug: source for source in Source.objects.filter(case=case)}
    sources, waiting = {}, list(entries)
    while waiting:
        ready = [entry for entry in waiting if not entry.get("relayed_via") or entry["relayed_via"] in sources]
        if not ready:
            raise CommandError(
                "These sources would relay each other in a loop: "
                + ", ".join(sorted(entry["slug"] for entry in waiting))
            )
        waiting = [entry for entry in waiting if entry not in ready]
        rows = []
        for key, entry in zip(slug_keys(case, ready, existing.values()), ready):
            published_on, precision = partial_date(entry.get("published_on"))
            rows.append((key, {
                "slug": entry["slug"], "kind": entry["kind"], "title": entry["title"],
                "publisher": entry.get("publisher", ""), "author": entry.get("author", ""),
                "published_on": published_on, "published_precision": precision,
                "url": entry.get("url", ""), "language": entry.get("language", ""),
                "reliability_note": entry.get("reliability_note", ""),
                "paragraph_count": entry.get("paragraph_count"),
                "relayed_via": sources.get(entry.get("relayed_via")),
            }))
        for record in loader.upsert_all(Source, rows, existing.values()):
            sources[record.slug] = record
    return sources


class Command(BaseCommand):
    help = "Load (or bring up to date) a case from its JSON fixture; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The case fixture, e.g. fixtures/fuzhou-genesis.json")
        parser.add_argument(
            "--approve-as",
            metavar="USERNAME",
            help="An editor who approves the imported versions, publishing them.",
        )

    def handle(self, path, approve_as=None, **options):
        fixture = Path(path)
        try:
            data = json.loads(fixture.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise CommandError(f"Cannot read {fixture}: {error}") from error
        editor = None
        if approve_as:
            editor = get_user_model().objects.filter(username=approve_as).first()
            if not workflow.is_editor(editor):
                raise CommandError(f"{approve_as!r} is not an editor and cannot approve.")
        with transaction.atomic():
            case, loader = load(data, f"Imported from {fixture.name}")
            approved = 0
            if editor is not None:
                reason = (data.get("right_of_reply") or {}).get("override", "")
                if reason:
                    # What the fixture says of its allegations: published from reports, nobody asked.
                    replies.override_case(editor, case, reason)
                approved = len(workflow.approve_case(editor, case, f"Approved on import of {fixture.name}"))
            if load_translations(loader, case, data.get("translations")) and editor is not None:
                approved += len(workflow.approve_case(editor, case, "Translation approved"))
        self.stdout.write(
            f"{case}: {loader.saved} records saved, {loader.unchanged} unchanged, "
            f"{approved} versions approved."
        )

"""Load a case file from its JSON fixture, idempotently.

Each record is matched by its natural key (slugs, or the records it ties
together) and saved only when something differs, so a second run writes no
new versions. Every saved version is attributed to the import. With
--approve-as, an editor approves what was imported, so readers see it.
"""

import datetime
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from casefile import workflow
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
    Relationship,
    Source,
)


def partial_date(value):
    """'2021-11-13', '2021-11' or '2021' as (date, precision)."""
    if not value:
        return None, Precision.DAY
    parts = str(value).split("-")
    try:
        numbers = [int(part) for part in parts]
        if len(numbers) == 1:
            return datetime.date(numbers[0], 1, 1), Precision.YEAR
        if len(numbers) == 2:
            return datetime.date(numbers[0], numbers[1], 1), Precision.MONTH
        return datetime.date(*numbers), Precision.DAY
    except (ValueError, TypeError):
        raise CommandError(f"Not a date: {value!r} (write YYYY, YYYY-MM or YYYY-MM-DD)") from None


class Loader:
    def __init__(self, reason):
        self.reason = reason
        self.saved = 0
        self.unchanged = 0

    def upsert(self, model, lookup, values):
        record = model.objects.filter(**lookup).first()
        if record is None:
            record = model(**lookup)
        before = {f.attname: getattr(record, f.attname) for f in model._meta.concrete_fields}
        for name, value in values.items():
            setattr(record, name, value)
        after = {f.attname: getattr(record, f.attname) for f in model._meta.concrete_fields}
        if record.pk is not None and before == after:
            self.unchanged += 1
            return record
        try:
            record.full_clean()
        except ValidationError as error:
            raise CommandError(f"{model._meta.verbose_name} {lookup or values}: {error}") from error
        workflow.save_record(record, None, self.reason)
        self.saved += 1
        return record

    def citations(self, parent_field, parent, entries, sources):
        for entry in entries:
            source = sources.get(entry["source"])
            if source is None:
                raise CommandError(f"Citation of unknown source {entry['source']!r} on {parent}")
            self.upsert(
                Citation,
                {parent_field: parent, "source": source, "locator": entry["locator"],
                 "stance": entry.get("stance", Citation.Stance.SUPPORTS)},
                {"quote": entry.get("quote", ""), "note": entry.get("note", "")},
            )


def load(data, reason):
    loader = Loader(reason)
    spec = data["case"]
    case = loader.upsert(Case, {"slug": spec["slug"]},
                         {"title": spec["title"], "summary": spec.get("summary", "")})

    actors = {}
    for entry in data.get("actors", []):
        actors[entry["slug"]] = loader.upsert(Actor, {"case": case, "slug": entry["slug"]}, {
            "kind": entry["kind"], "name": entry["name"],
            "aliases": "\n".join(entry.get("aliases", [])),
            "description": entry.get("description", ""),
        })

    def actor(slug):
        if slug not in actors:
            raise CommandError(f"Unknown actor {slug!r}")
        return actors[slug]

    sources = {}
    for entry in data.get("sources", []):
        published_on, precision = partial_date(entry.get("published_on"))
        sources[entry["slug"]] = loader.upsert(Source, {"case": case, "slug": entry["slug"]}, {
            "kind": entry["kind"], "title": entry["title"],
            "publisher": entry.get("publisher", ""), "author": entry.get("author", ""),
            "published_on": published_on, "published_precision": precision,
            "url": entry.get("url", ""), "language": entry.get("language", ""),
            "reliability_note": entry.get("reliability_note", ""),
            "paragraph_count": entry.get("paragraph_count"),
        })
    for entry in data.get("sources", []):
        relay = entry.get("relayed_via")
        if relay and relay not in sources:
            raise CommandError(f"Source {entry['slug']!r} is relayed via unknown {relay!r}")
        loader.upsert(Source, {"case": case, "slug": entry["slug"]},
                      {"relayed_via": sources.get(relay)})

    for entry in data.get("relationships", []):
        starts_on, starts_precision = partial_date(entry.get("starts_on"))
        ends_on, ends_precision = partial_date(entry.get("ends_on"))
        relationship = loader.upsert(Relationship, {
            "case": case, "subject": actor(entry["subject"]), "kind": entry["kind"],
            "object": actor(entry["object"]),
        }, {
            "starts_on": starts_on, "starts_precision": starts_precision,
            "ends_on": ends_on, "ends_precision": ends_precision,
            "description": entry.get("description", ""),
        })
        loader.citations("relationship", relationship, entry.get("citations", []), sources)

    events = {}
    for entry in data.get("events", []):
        starts_on, starts_precision = partial_date(entry["starts_on"])
        ends_on, ends_precision = partial_date(entry.get("ends_on"))
        event = loader.upsert(Event, {"case": case, "slug": entry["slug"]}, {
            "title": entry["title"], "description": entry.get("description", ""),
            "starts_on": starts_on, "starts_precision": starts_precision,
            "ends_on": ends_on, "ends_precision": ends_precision,
            "location": entry.get("location", ""),
        })
        events[entry["slug"]] = event
        for participant in entry.get("participants", []):
            loader.upsert(EventParticipant, {
                "event": event, "actor": actor(participant["actor"]), "role": participant["role"],
            }, {})
        loader.citations("event", event, entry.get("citations", []), sources)

    for entry in data.get("facts", []):
        fact = loader.upsert(Fact, {"case": case, "slug": entry["slug"]}, {
            "statement": entry["statement"], "status": entry["status"],
            "assessment": entry.get("assessment", ""),
        })
        for slug in entry.get("actors", []):
            loader.upsert(FactActor, {"fact": fact, "actor": actor(slug)}, {})
        for slug in entry.get("events", []):
            if slug not in events:
                raise CommandError(f"Fact {entry['slug']!r} names unknown event {slug!r}")
            loader.upsert(FactEvent, {"fact": fact, "event": events[slug]}, {})
        loader.citations("fact", fact, entry.get("citations", []), sources)
    return case, loader


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
                approved = len(workflow.approve_case(editor, case, f"Approved on import of {fixture.name}"))
        self.stdout.write(
            f"{case}: {loader.saved} records saved, {loader.unchanged} unchanged, "
            f"{approved} versions approved."
        )

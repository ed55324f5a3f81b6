"""Write one case, with its full history and every editorial decision, to JSON.

The file holds every version simple-history kept of every record of the case
(deleted records included, and the answers to its reply requests), the
working records, the decisions naming those versions, the record of the
right of reply, legal reviews and review conversations (staff only: an export is a backup, never a
public file), and the people who made or decided them, with what each may
decide. `import_case` restores it with the same ids,
so links, history and approvals mean what they meant.

The identities of confidential sources are left out: they are in no version
or record of the case. `--with-identities PASSPHRASE` adds them, encrypted
under that passphrase (`casefile.imports.identities`).

With `--format ftm` it writes instead the case as FollowTheMoney entities
(`casefile.ftm.export`), one a line, for Aleph and the `ftm` tools: what
readers see, or with `--working` the working versions. Neither holds an
identity: a confidential source is its public description there.
"""

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from casefile import published
from casefile.ftm.export import as_lines, case_entities, working_case
from casefile.models import (
    Actor,
    Case,
    Citation,
    Decision,
    Event,
    EventParticipant,
    Fact,
    FactActor,
    FactEvent,
    LegalReview,
    OpenQuestion,
    QuestionConcern,
    Relationship,
    ReplyAttempt,
    ReplyOverride,
    ReplyRequest,
    ReviewComment,
    ReviewReply,
    Source,
)

EXPORT_FORMAT = "casefile-case-export"
EXPORT_VERSION = 1
MIN_PASSPHRASE = 12

# Parents before children, so the file reads in the order the case was built.
CASE_RECORDS = (Actor, Source, Relationship, Event, Fact, OpenQuestion)
CHILD_RECORDS = {
    Citation: ("fact", "event", "relationship"),
    EventParticipant: ("event",),
    FactActor: ("fact",),
    FactEvent: ("fact",),
    QuestionConcern: ("question",),
}
PARENT_MODELS = {"fact": Fact, "event": Event, "relationship": Relationship, "question": OpenQuestion}
USER_FIELDS = ("username", "first_name", "last_name", "email")
# What each person may decide, as the file says it: an import refuses a
# decision, override or legal review by someone who may not make it.
ROLES = {"approves_changes": "approve_changes", "clears_for_legal": "clear_for_legal"}


def may(user, codename):
    """Whether `user` holds this permission of the case file, through a group or their own, active or not:
    someone who has since left still made the decisions they made."""
    return user.is_superuser or Permission.objects.filter(
        Q(user=user) | Q(group__user=user), content_type__app_label="casefile", codename=codename
    ).exists()


def ids_ever(model, condition):
    """Ids of records of `model` that matched `condition` now or in any version."""
    working = model.objects.filter(condition).values_list("pk", flat=True)
    historical = model.history.model.objects.filter(condition).values_list("id", flat=True)
    return set(working) | set(historical)


class ExactJSONEncoder(DjangoJSONEncoder):
    """Keeps the microseconds that DjangoJSONEncoder drops from times.

    Versions and decisions are ordered and matched by their exact times.
    """

    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        return super().default(o)


def record_ids(case):
    """{model: ids} of every record that belongs, or ever belonged, to the case."""
    ids = {Case: {case.pk}}
    for model in CASE_RECORDS:
        ids[model] = ids_ever(model, Q(case_id=case.pk))
    for model, parents in CHILD_RECORDS.items():
        condition = Q(pk__in=[])
        for name in parents:
            condition |= Q(**{f"{name}_id__in": ids[PARENT_MODELS[name]]})
        ids[model] = ids_ever(model, condition)
    return ids


# The people each row of the right of reply names.
PEOPLE_OF_REPLIES = {
    ReplyRequest: ("asked_by_id", "entered_by_id"), ReplyAttempt: ("made_by_id",), ReplyOverride: ("granted_by_id",),
    LegalReview: ("reviewed_by_id",),
}


def right_of_reply_of(case):
    """The case's reply requests with their attempts, the editors' overrides and the legal reviews."""
    requests = list(ReplyRequest.objects.filter(case=case).order_by("pk"))
    return [
        *requests,
        *ReplyAttempt.objects.filter(request__in=requests).order_by("pk"),
        *ReplyOverride.objects.filter(case=case).order_by("pk"),
        *LegalReview.objects.filter(case=case).order_by("pk"),
    ]


def case_export(case):
    ids = record_ids(case)
    working, historical = [], []
    for model, pks in ids.items():
        working.extend(model.objects.filter(pk__in=pks).order_by("pk"))
        historical.extend(model.history.model.objects.filter(id__in=pks).order_by("history_id"))
    # A reply request is with the right of reply; the versions of its answer with every version.
    historical.extend(ReplyRequest.history.model.objects.filter(
        id__in=ids_ever(ReplyRequest, Q(case_id=case.pk))).order_by("history_id"))
    decisions = list(Decision.objects.filter(case=case).order_by("id"))
    right_of_reply = right_of_reply_of(case)
    threads = list(ReviewComment.objects.filter(case=case).order_by("pk"))
    conversation = [*threads, *ReviewReply.objects.filter(comment__in=threads).order_by("pk")]

    user_ids = {row.history_user_id for row in historical} | {d.decided_by_id for d in decisions} | {
        getattr(row, name) for row in right_of_reply for name in PEOPLE_OF_REPLIES.get(type(row), ())
    } | {row.author_id for row in conversation} | {row.resolved_by_id for row in threads}
    users = get_user_model().objects.filter(pk__in=user_ids - {None}).order_by("username")

    def serialized(objects, **options):
        return serializers.serialize(
            "python", objects, use_natural_foreign_keys=True, use_natural_primary_keys=False, **options
        )

    # Which approval is current follows from the log; the import works it out,
    # so the file reads the same to versions of Casefile with and without it.
    decision_fields = [f.name for f in Decision._meta.concrete_fields if f.name != "id"]

    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "case": case.slug,
        "exported_at": timezone.now(),
        "users": [
            {**{name: getattr(user, name) for name in USER_FIELDS},
             "groups": sorted(user.groups.values_list("name", flat=True)),
             **{role: may(user, codename) for role, codename in ROLES.items()}}
            for user in users
        ],
        "records": serialized(working),
        "history": serialized(historical),
        "decisions": serialized(decisions, fields=decision_fields),
        "right_of_reply": serialized(right_of_reply),
        "review_comments": serialized(conversation),
    }


class Command(BaseCommand):
    help = (
        "Export a case with its full history and approvals to a JSON file (see import_case), or, with "
        "--format ftm, as FollowTheMoney entities: what readers see, or the working versions with --working."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The case to export, e.g. fuzhou-genesis")
        parser.add_argument("path", help="The file to write")
        parser.add_argument(
            "--format", choices=["json", "ftm"], default="json",
            help="json (default): the whole case with its history, for import_case; ftm: FollowTheMoney "
            "entities, one a line, for Aleph and the ftm tools.",
        )
        parser.add_argument(
            "--working", action="store_true",
            help="With --format ftm: the working versions, waiting for review or not, instead of what readers see.",
        )
        parser.add_argument(
            "--with-identities", metavar="PASSPHRASE", dest="passphrase",
            help="With the JSON format: add the identities of the case's confidential sources, encrypted under "
            "this passphrase (left out otherwise).",
        )

    def handle(self, slug, path, format="json", working=False, passphrase=None, **options):
        case = Case.objects.filter(slug=slug).first()
        if case is None:
            raise CommandError(f"No case with the slug {slug!r}.")
        if working and format != "ftm":
            raise CommandError("--working goes with --format ftm: the JSON export holds every version already.")
        if passphrase is not None and format != "json":
            raise CommandError("--with-identities goes with the JSON format: an FtM file never holds an identity.")
        if format == "ftm":
            self.write_entities(case, Path(path), working)
            return
        if passphrase is not None and len(passphrase) < MIN_PASSPHRASE:
            raise CommandError(f"A passphrase for identities has at least {MIN_PASSPHRASE} characters.")
        # One consistent snapshot, even while the newsroom keeps working.
        with transaction.atomic():
            data = case_export(case)
            if passphrase is not None:
                # Here, not at the top: casefile.imports reads this module's format.
                from casefile.imports.identities import sealed_identities

                data["identities"] = sealed_identities(record_ids(case)[Source], passphrase)
        target = Path(path)
        target.write_text(
            json.dumps(data, cls=ExactJSONEncoder, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        self.stdout.write(
            f"{case}: {len(data['records'])} records, {len(data['history'])} versions and "
            f"{len(data['decisions'])} decisions written to {target}"
            + (f", with {data['identities']['count']} identities of confidential sources, encrypted." if passphrase
               is not None else "; identities of confidential sources left out.")
        )

    def write_entities(self, case, target, working):
        with transaction.atomic():
            if working:
                snapshot = working_case(case)
            else:
                snapshot = published.published_case(case.slug)
                if snapshot is None:
                    raise CommandError(
                        f"Readers see nothing of {case.slug!r} yet: add --working to export the working versions."
                    )
            entities = case_entities(snapshot, lambda address: settings.SITE_URL.rstrip("/") + address)
        target.write_text(as_lines(entities), encoding="utf-8")
        which = "working versions" if working else "approved versions readers see"
        self.stdout.write(f"{case}: {len(entities)} FollowTheMoney entities of the {which} written to {target}.")

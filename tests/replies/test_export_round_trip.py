"""A case's export keeps its record of contact and its legal reviews; an import restores them as they were."""

import datetime
import io
import json

from django.core.management import call_command

from casefile import published, workflow
from casefile.history import history_model
from casefile.models import Decision, Fact, LegalReview, ReplyAttempt, ReplyOverride, ReplyRequest
from casefile.workflow import legal, replies

from ..factories import save
from ..imports.test_import_case import empty_the_database, run_import
from .support import allege, ask, mayor_and_fact, versions_of_change


def snapshot_of_replies():
    return {
        "requests": [
            (r.pk, r.actor.slug, sorted(r.facts.values_list("slug", flat=True)), r.asked_on, r.deadline, r.outcome,
             r.quote, r.full_response, r.asked_by.username, r.entered_by.username, r.outcome_recorded_at,
             r.questions, r.contact)
            for r in ReplyRequest.objects.order_by("pk")
        ],
        "attempts": list(ReplyAttempt.objects.order_by("pk").values_list("request_id", "channel", "note",
                                                                           "made_by__username")),
        "overrides": list(ReplyOverride.objects.order_by("pk").values_list("actor__slug", "fact__slug", "reason",
                                                                            "granted_by__username", "granted_at")),
        "legal": list(LegalReview.objects.order_by("pk").values_list("record_key", "versions", "verdict", "comment",
                                                                      "reviewed_by__username")),
    }


def test_reply_requests_overrides_and_legal_reviews_survive_an_export_and_import(
        case_file, reporter, other_reporter, editor, lawyer, tmp_path):
    mayor, fact = mayor_and_fact()
    allege(fact, mayor, reporter)
    request = ask(fact, mayor, reporter, outcome=ReplyRequest.Outcome.REPLIED, replied_on=datetime.date(2024, 2, 1),
                  summary="She denies it.", quote="No.", full_response="The whole letter.")
    request.entered_by = other_reporter
    request.save(update_fields=["entered_by"])
    ReplyAttempt.objects.create(request=request, attempted_on=datetime.date(2024, 1, 20), channel="phone",
                                made_by=reporter, note="Left a message")
    from casefile import workflow
    from casefile.models import Actor

    workflow.approve(editor, versions_of_change(fact))
    allege(fact, Actor.objects.get(slug="quay-builders"), reporter)
    replies.approve_without_reply(editor, versions_of_change(fact), "", "From court records.")
    fact.needs_legal_review = True
    fact.statement = "Flagged wording."
    save(fact, reporter)
    shown = workflow.fingerprint((c.key, c.latest.history_id) for c in workflow.record_changes(Fact, fact.pk))
    legal.decide_legal(lawyer, Fact, fact.pk, shown, "refused", "Too strong.")
    before = snapshot_of_replies()
    backup = tmp_path / "harbour.json"
    call_command("export_case", "harbour", str(backup), stdout=io.StringIO())

    empty_the_database()
    assert "right of reply and legal review: reply request 1, reply attempt 1" in run_import(backup, "--dry-run")
    run_import(backup)

    assert snapshot_of_replies() == before
    assert legal.legal_state(Fact, fact.pk).state == legal.LegalState.REFUSED


def test_answers_of_an_export_written_before_they_were_reviewed_stay_shown_on_import(
        case_file, reporter, editor, tmp_path):
    mayor, fact = mayor_and_fact()
    allege(fact, mayor, reporter)
    request = ask(fact, mayor, reporter, outcome=ReplyRequest.Outcome.DECLINED)
    workflow.approve(editor, versions_of_change(fact))
    backup = tmp_path / "harbour.json"
    call_command("export_case", "harbour", str(backup), stdout=io.StringIO())
    data = json.loads(backup.read_text())
    data["history"] = [row for row in data["history"] if row["model"] != "casefile.historicalreplyrequest"]
    data["decisions"] = [row for row in data["decisions"]
                         if row["fields"]["content_type"] != ["casefile", "replyrequest"]]
    backup.write_text(json.dumps(data))

    empty_the_database()
    run_import(backup)

    [line] = published.attach_reply_lines(published.published_case("harbour"))
    assert (line.actor.slug, line.outcome) == ("ana-mayor", "declined")
    [version] = history_model(ReplyRequest).objects.filter(id=request.pk)
    assert Decision.objects.get(history_id=version.history_id, content_type__model="replyrequest").decided_by is None
    assert not workflow.record_changes(ReplyRequest, request.pk)

"""import_case refuses what the approval workflow would have refused, at the dry run as at the import, in one line."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from casefile import workflow
from casefile.models import Case, Fact
from casefile.workflow import legal

from ..factories import save
from ..replies.support import versions_of_change
from .test_import_case import (
    CASE_ID, FACT_ID, WHEN, approval, empty_the_database, nothing_of_the_small_case_written, page, run_import,
    small_export, version, write,
)

ACTOR_ID, LINK_ID = 900_010, 900_011
LATER = "2024-03-02T10:00:00+00:00"


def refused_alike(path):
    """The one-line refusal of `path`, the same from the dry run and the import."""
    messages = []
    for options in (("--dry-run",), ()):
        with pytest.raises(CommandError) as refusal:
            run_import(path, *options)
        messages.append(str(refusal.value))
    assert messages[0] == messages[1]
    assert "\n" not in messages[0]
    return messages[0]


def exported(slug, tmp_path, spoil=None):
    """The case exported, edited by `spoil`, with the database then emptied as for a restore."""
    path = tmp_path / f"{slug}.json"
    call_command("export_case", slug, str(path), stdout=io.StringIO())
    if spoil is not None:
        data = json.loads(path.read_text(encoding="utf-8"))
        spoil(data)
        path.write_text(json.dumps(data), encoding="utf-8")
    empty_the_database()
    return path


def without_overrides(data):
    data["right_of_reply"] = [row for row in data["right_of_reply"] if row["model"] != "casefile.replyoverride"]


def test_the_seeded_case_without_its_right_of_reply_overrides_is_refused(seeded_case, tmp_path):
    path = exported(seeded_case.slug, tmp_path, without_overrides)

    message = refused_alike(path)

    assert message.startswith("decisions[")
    assert "publishes an allegation against" in message
    assert ("that was not put to them: the file holds no reply request covering it with an answer or a passed "
            "deadline, and no editor's override (nor for ") in message
    assert not Case.objects.filter(slug=seeded_case.slug).exists()



def with_allegation(data, approved=True):
    """The small case with Xiao Yi, its fact alleged against them, approved with the rest unless not `approved`."""
    actor = {"removal_proposed": False, "case": CASE_ID, "kind": "person", "name": "Xiao Yi", "slug": "xiao-yi",
             "aliases": "", "description": ""}
    link = {"removal_proposed": False, "fact": FACT_ID, "actor": ACTOR_ID, "alleged": True}
    data["records"] += [{"model": "casefile.actor", "pk": ACTOR_ID, "fields": actor},
                        {"model": "casefile.factactor", "pk": LINK_ID, "fields": link}]
    data["history"] += [version("actor", ACTOR_ID, actor), version("factactor", LINK_ID, link)]
    data["decisions"].append(approval(CASE_ID + 2, "actor", ACTOR_ID, ACTOR_ID, "Xiao Yi"))
    if approved:
        data["decisions"].append(approval(CASE_ID + 3, "factactor", LINK_ID, LINK_ID, "Xiao Yi"))
    return data


def override(granted_by="ed"):
    return {"model": "casefile.replyoverride", "pk": 900_020, "fields": {
        "case": CASE_ID, "actor": ACTOR_ID, "fact": FACT_ID, "event": None, "reason": "From the court's records.",
        "granted_by": [granted_by], "granted_at": WHEN}}


def test_an_allegation_approved_with_no_reply_request_or_override_is_refused(db, tmp_path):
    message = refused_alike(write(tmp_path, with_allegation(small_export())))

    assert message == (
        "decisions[3] (casefile.decision): publishes an allegation against Xiao Yi (fact “The tender leaked in "
        "March.”) that was not put to them: the file holds no reply request covering it with an answer or a "
        "passed deadline, and no editor's override."
    )
    assert nothing_of_the_small_case_written()


def test_an_allegation_published_on_an_editor_s_override_is_imported(client, db, tmp_path):
    data = with_allegation(small_export())
    data["right_of_reply"] = [override()]

    run_import(write(tmp_path, data))

    assert "The tender leaked in March." in page(client, "fact_detail", "leak", "leak-date")


def test_an_allegation_still_waiting_for_review_is_imported_waiting(client, db, tmp_path):
    run_import(write(tmp_path, with_allegation(small_export(), approved=False)))

    assert [change.kind for change in workflow.record_changes(Fact, FACT_ID)] == ["actor of a fact"]


def test_an_override_granted_by_a_reporter_is_refused(db, tmp_path):
    data = with_allegation(small_export())
    data["right_of_reply"] = [override(granted_by="nina")]

    assert refused_alike(write(tmp_path, data)) == (
        "right_of_reply[0] (casefile.replyoverride): granted_by is 'nina', who is not an editor in the file; "
        "only editors override the right of reply."
    )
    assert nothing_of_the_small_case_written()


def flagged_for_legal(data):
    for row in (data["records"][1], data["history"][1]):
        row["fields"]["needs_legal_review"] = True
    data["users"].append({"username": "lola", "first_name": "", "last_name": "", "email": "", "groups": ["Legal"]})
    return data


def legal_review(verdict="cleared", reviewed_at=WHEN, reviewed_by="lola",
                 versions=f"casefile.fact:{FACT_ID}@{FACT_ID}"):
    return {"model": "casefile.legalreview", "pk": 900_030, "fields": {
        "case": CASE_ID, "record_key": f"casefile.fact:{FACT_ID}", "history_id": FACT_ID, "versions": versions,
        "verdict": verdict, "comment": "Too strong." if verdict == "refused" else "", "reviewed_by": [reviewed_by],
        "reviewed_at": reviewed_at}}


FLAGGED_REFUSAL = (
    "decisions[1] (casefile.decision): approves a change of fact “The tender leaked in March.” flagged for legal "
    "review, which a lawyer had not cleared in these versions ({state}); a flagged change is approved once cleared."
)


@pytest.mark.parametrize("reviews, state", [
    ([], "waiting for legal"),
    ([legal_review(verdict="refused")], "refused by legal"),
    ([legal_review(reviewed_at=LATER)], "waiting for legal"),
    ([legal_review(versions=f"casefile.fact:{FACT_ID}@1")], "waiting for legal"),
])
def test_a_flagged_fact_approved_without_a_lawyer_s_clearance_of_it_is_refused(db, tmp_path, reviews, state):
    data = flagged_for_legal(small_export())
    data["right_of_reply"] = reviews

    assert refused_alike(write(tmp_path, data)) == FLAGGED_REFUSAL.format(state=state)
    assert nothing_of_the_small_case_written()


def test_a_flagged_fact_a_lawyer_cleared_before_its_approval_is_imported(client, db, tmp_path):
    data = flagged_for_legal(small_export())
    data["right_of_reply"] = [legal_review()]

    run_import(write(tmp_path, data))

    assert "The tender leaked in March." in page(client, "fact_detail", "leak", "leak-date")


def test_a_clearance_by_someone_outside_the_legal_group_is_refused(db, tmp_path):
    data = flagged_for_legal(small_export())
    data["right_of_reply"] = [legal_review(reviewed_by="nina")]

    assert refused_alike(write(tmp_path, data)) == (
        "right_of_reply[0] (casefile.legalreview): reviewed_by is 'nina', who is not a member of the Legal group "
        "in the file; only members of the Legal group clear or refuse changes."
    )


def test_a_flagged_change_cleared_and_approved_in_the_newsroom_comes_back_from_an_export(
        client, case_file, reporter, editor, lawyer, tmp_path):
    fact = Fact.objects.get(slug="contract-value")
    fact.needs_legal_review = True
    fact.statement = "The contract was worth 9 million, double the going rate."
    save(fact, reporter, "Sharper wording")
    shown = workflow.fingerprint((c.key, c.latest.history_id) for c in workflow.record_changes(Fact, fact.pk))
    legal.decide_legal(lawyer, Fact, fact.pk, shown, "cleared", "The registry shows it.")
    workflow.approve(editor, versions_of_change(fact))
    before = page(client, "fact_detail", "harbour", "contract-value")

    run_import(exported("harbour", tmp_path))

    assert page(client, "fact_detail", "harbour", "contract-value") == before
    assert "double the going rate" in before


def test_a_second_approval_of_the_same_version_is_refused(db, tmp_path):
    data = small_export()
    data["decisions"].append(approval(CASE_ID + 2, "fact", FACT_ID, FACT_ID, "Again", decided_at=LATER))

    assert refused_alike(write(tmp_path, data)) == (
        f"decisions[2] (casefile.decision): decides again on version {FACT_ID} of fact {FACT_ID}, which "
        "decisions[1] (casefile.decision) approved already; a version is approved or rejected once."
    )
    assert nothing_of_the_small_case_written()


def test_decisions_made_by_a_reporter_are_refused(db, tmp_path):
    data = small_export()
    for decision in data["decisions"]:
        decision["fields"]["decided_by"] = ["nina"]

    assert refused_alike(write(tmp_path, data)) == (
        "decisions[0] (casefile.decision): decided_by is 'nina', who is not an editor in the file; only editors "
        "approve or reject changes."
    )
    assert nothing_of_the_small_case_written()


def test_a_file_that_says_someone_is_no_editor_is_believed_over_their_groups(db, tmp_path):
    data = small_export()
    data["users"][0]["approves_changes"] = False

    assert refused_alike(write(tmp_path, data)).startswith(
        "decisions[0] (casefile.decision): decided_by is 'ed', who is not an editor in the file")


def test_approvals_by_a_superuser_outside_the_editors_group_come_back_from_an_export(
        client, case_file, reporter, tmp_path):
    admin = get_user_model().objects.create_user("root", is_superuser=True, is_staff=True)
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 5.2 million."
    save(fact, reporter, "The ministry corrected the figure")
    workflow.approve(admin, versions_of_change(fact), "Corrected")

    run_import(exported("harbour", tmp_path))

    assert "5.2 million" in page(client, "fact_detail", "harbour", "contract-value")


def test_a_confirmed_fact_approved_without_a_supporting_citation_is_refused(db, tmp_path):
    data = small_export()
    for row in (data["records"][1], data["history"][1]):
        row["fields"]["status"] = "confirmed"

    assert refused_alike(write(tmp_path, data)) == (
        "decisions[1] (casefile.decision): Fact “The tender leaked in March.”: A confirmed fact cites at least one "
        "supporting source and none contradicting it; it has 0 supporting and 0 contradicting citations. Mark it "
        "disputed or unverified, or correct the stances."
    )
    assert nothing_of_the_small_case_written()

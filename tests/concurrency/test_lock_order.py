"""Work that changes what readers see, at the same moment as an approval: both go through, neither is lost.

Each takes its locks in one order (records, publications, the case's
publishing lock, kept pages; `casefile.workflow.publication`), and locks rows
so that another's foreign-key checks at its commit pass. Each test holds the
first piece of work where it has taken its case's publishing lock until the
second waits for a lock, then lets both go on: where the order is broken,
PostgreSQL finds a deadlock there and rolls one back.
"""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casefile import pagecache, published, workflow
from casefile.models import Actor, Capture, Citation, Fact, ReplyRequest, Source
from casefile.publishing.kept_pages import keep_case_pages
from casefile.workflow import captures

from ..admin.pages import logged_in
from ..factories import build_case_file, make_user, save
from ..proof.support import DAILY, text_document, upload
from ..public.pages import case_url
from .support import in_turn, versions_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks are PostgreSQL's; SQLite lets one writer at a time in (tests/security)",
    ),
]


@pytest.fixture
def people(transactional_db):
    reporter, editor = make_user("rita", workflow.REPORTERS), make_user("edna", workflow.EDITORS)
    editor.user_permissions.add(Permission.objects.get(codename="add_capture"))
    return reporter, type(editor).objects.get(pk=editor.pk)


@pytest.fixture
def case(people):
    return build_case_file(*people)


@pytest.fixture
def copies_folder(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "captures": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


def statement_edited(reporter, fact, statement):
    fact = Fact.objects.get(pk=fact.pk)
    fact.statement = statement
    return save(fact, reporter)


def test_a_reply_request_saved_with_another_fact_while_an_editor_approves_that_fact_saves_both(people, case):
    reporter, editor = people
    contract = Fact.objects.get(case=case, slug="contract-value")
    signing = save(Fact(case=case, slug="signing", statement="The mayor signed.", status=Fact.Status.UNVERIFIED),
                   reporter)
    workflow.approve(editor, versions_of(signing), "")
    mayor = Actor.objects.get(case=case, slug="ana-mayor")
    # Asked today: a request may not be dated before the facts it puts to the mayor were written.
    asked_on, deadline = timezone.localdate(), timezone.localdate() + datetime.timedelta(days=7)
    request = ReplyRequest.objects.create(case=case, actor=mayor, asked_on=asked_on,
                                          asked_by=reporter, channel="email", deadline=deadline)
    request.facts.add(contract)
    edited = statement_edited(reporter, signing, "The mayor signed in May.")
    client = logged_in(reporter)

    saved, approved = in_turn(
        lambda: client.post(reverse("admin:casefile_replyrequest_change", args=[request.pk]), {
            "case": case.pk, "actor": mayor.pk, "facts": [contract.pk, signing.pk], "questions": "Did you sign?",
            "asked_on": asked_on.isoformat(), "asked_by": reporter.pk, "channel": "email", "contact": "",
            "deadline": deadline.isoformat(), "outcome": "waiting", "replied_on": "", "summary": "", "quote": "",
            "full_response": "", "attempts-TOTAL_FORMS": "0", "attempts-INITIAL_FORMS": "0",
        }),
        lambda: workflow.approve(editor, versions_of(edited), "Checked"),
    )

    assert not isinstance(approved, Exception), approved
    assert saved.status_code == 302
    assert set(ReplyRequest.objects.get(pk=request.pk).facts.all()) == {contract, signing}
    assert published.public_rows(Fact).get(id=signing.pk).statement == "The mayor signed in May."


def test_a_copy_taken_while_an_editor_approves_a_citation_of_its_source_keeps_both(
    people, case, copies_folder
):
    reporter, editor = people
    daily = Source.objects.get(case=case, slug="daily")
    upload(daily, text_document(DAILY), editor)
    contract = Fact.objects.get(case=case, slug="contract-value")
    citation = Citation.objects.get(fact=contract)
    citation.quote = "worth 5 million"
    save(citation, reporter)
    edited = statement_edited(reporter, contract, "The contract was worth 5 million euros.")

    copy, approved = in_turn(
        lambda: upload(daily, text_document([*DAILY, "Updated on 2 June."]), editor, name="daily-june.txt"),
        lambda: workflow.approve(editor, versions_of(edited, citation), "Checked against our copy"),
    )

    assert not isinstance(copy, Exception), copy
    assert not isinstance(approved, Exception), approved
    assert Capture.objects.filter(source=daily).count() == 2
    assert published.public_rows(Citation).get(id=citation.pk).quote == "worth 5 million"


def test_a_fixity_check_while_an_editor_approves_a_quote_found_in_that_copy_records_both(
    people, case, copies_folder
):
    reporter, editor = people
    daily = Source.objects.get(case=case, slug="daily")
    copy = upload(daily, text_document(DAILY), editor)
    citation = Citation.objects.get(fact__slug="contract-value")
    citation.quote = "worth 5 million"
    save(citation, reporter)

    approved, checked = in_turn(
        lambda: workflow.approve(editor, versions_of(citation), "Checked against our copy"),
        lambda: captures.verify_capture(copy),
    )

    assert not isinstance(approved, Exception), approved
    assert checked is None
    assert Capture.objects.get(pk=copy.pk).last_check_passed
    assert published.public_rows(Citation).get(id=citation.pk).quote == "worth 5 million"


def test_an_approval_while_the_pages_of_its_case_are_kept_waits_and_readers_get_the_approved_version(people, case):
    reporter, editor = people
    edited = statement_edited(reporter, Fact.objects.get(case=case, slug="contract-value"),
                              "The contract was worth 6 million.")

    kept, approved = in_turn(
        lambda: keep_case_pages(case.pk),
        lambda: workflow.approve(editor, versions_of(edited), "Checked"),
        after=(pagecache, "share_generation_lock"),
    )

    assert not isinstance(kept, Exception), kept
    assert not isinstance(approved, Exception), approved
    page = Client().get(case_url(case, "fact_detail", "contract-value"))
    assert "The contract was worth 6 million." in page.content.decode()

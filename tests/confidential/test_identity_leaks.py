"""The identity of a confidential source reaches no one who was not granted it: not readers, not a colleague or an
editor without a grant, not a version, a review, an email, the log output, an export or a raw database column,
whatever happens to the source and the facts citing it."""

import io
import logging
import re

from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from casefile import workflow
from casefile.workflow import identities
from casefile.models import Citation, Fact, Source
from tests.factories import add_confidential_source, approve_all, committed, save
from tests.public.pages import PUBLIC_PAGES, case_url, crawl_pages, public_address
from tests.security.test_http_methods import DOWNLOADS

MARKER = "Qv8Zt3-kept-apart"


def client_of(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def approve_waiting(editor, case):
    with committed():
        approve_all(editor, case)


def live_through_its_life(case, reporter, editor):
    """Change, grant and revoke the identity; approve, reject, edit, restore, remove and bring back the source and the
    facts citing it."""
    with committed():
        source, _ = add_confidential_source(case, reporter, editor, MARKER)
        identities.record_identity(source, reporter, {"notes": f"notes {MARKER}, met again in March"})
        identities.grant_identity(source, editor, editor)
        identities.revoke_identity(source, editor, editor)
    source.title = "An official in the city's procurement office"
    save(source, reporter)
    with committed():
        workflow.reject(editor, {(Source, source.pk): workflow.latest_version(Source, source.pk).history_id},
                        "That narrows it to three people.")
    workflow.reset_to_approved(Source.objects.get(pk=source.pk), reporter)

    fact = Fact.objects.get(case=case, slug="contract-value")
    fact.statement = "The contract was worth 5 million, an official says."
    save(fact, reporter)
    approve_waiting(editor, case)

    second = save(Fact(case=case, slug="signed-at-night", statement="The contract was signed at night.",
                       status=Fact.Status.UNVERIFIED), reporter)
    save(Citation(fact=second, source=source, locator="¶2", quote="they signed it after midnight"), reporter)
    approve_waiting(editor, case)
    with committed():
        workflow.delete_record(Fact.objects.get(pk=second.pk), editor, "Not enough to stand on.")

    citation = Citation.objects.get(source=source)
    workflow.propose_removal(citation, reporter, "We may lose this source.")
    workflow.propose_removal(Source.objects.get(pk=source.pk), reporter, "We may lose this source.")
    approve_waiting(editor, case)
    for record in (Source.objects.get(pk=source.pk), Citation.objects.get(pk=citation.pk)):
        record.removal_proposed = False
        save(record, reporter, "They agreed to stay on the record, anonymously.")
    approve_waiting(editor, case)

    # A change waiting, for the review pages.
    source = Source.objects.get(pk=source.pk)
    source.reliability_note = "Checked against the tender documents."
    save(source, reporter)
    return Source.objects.get(pk=source.pk), Fact.objects.get(pk=fact.pk)


def public_addresses(case, source, fact):
    today = timezone.localdate().isoformat()
    return {public_address(name) for name in PUBLIC_PAGES if name not in DOWNLOADS} | {
        source.get_absolute_url(), fact.get_absolute_url(),
        source.get_absolute_url() + "?as_of=" + today, fact.get_absolute_url() + "?as_of=" + today,
        case_url(case) + "?as_of=" + today, case_url(case, "source_list"),
        "/search/?q=official", "/search/?q=name", "/search/?q=contact",
    }


def moments(client, record):
    """The moments a record's history offers to compare."""
    url = reverse(f"admin:casefile_{record._meta.model_name}_history", args=[record.pk])
    return re.findall(r'name="from" value="([^"]+)"', client.get(url).content.decode())


def staff_addresses(source, fact):
    addresses = [reverse("admin:index"), reverse("admin:casefile_review_queue")]
    for record in (source, fact):
        model = record._meta.model_name
        key = workflow.key_for(type(record), record.pk)
        addresses += [
            reverse(f"admin:casefile_{model}_change", args=[record.pk]),
            reverse(f"admin:casefile_{model}_changelist"),
            reverse(f"admin:casefile_{model}_history", args=[record.pk]),
            reverse("admin:casefile_review", args=[key]),
            reverse("admin:casefile_review_preview", args=[key]),
        ]
    return addresses


def read_all(client, addresses):
    """{address: (status, body)} of each address, read once."""
    responses = {address: client.get(address) for address in addresses}
    return {address: (response.status_code, b"".join(response)) for address, response in responses.items()}


def leaked_in(read):
    return [address for address, (_, body) in read.items() if MARKER.encode() in body]


def test_no_identity_reaches_any_page_email_log_export_or_database_column(
    case_file, reporter, editor, other_reporter, caplog, tmp_path
):
    caplog.set_level(logging.DEBUG)
    mail.outbox.clear()
    source, fact = live_through_its_life(case_file, reporter, editor)

    reader = client_of()
    public = read_all(reader, public_addresses(case_file, source, fact))
    assert leaked_in(public) == []
    assert {status for status, _ in public.values()} == {200}
    reached = crawl_pages(reader)
    assert source.get_absolute_url() in reached
    assert leaked_in(reached) == []
    assert "A confidential source" in reader.get(source.get_absolute_url()).content.decode()
    assert "Nothing published matches" in reader.get("/search/?q=" + MARKER).content.decode()

    staff_pages = staff_addresses(source, fact)
    for person in (editor, other_reporter):
        client = client_of(person)
        compared = [
            reverse(f"admin:casefile_{record._meta.model_name}_compare", args=[record.pk])
            + "?" + urlencode({"from": found[-1], "to": "now"})
            for record in (source, fact) if (found := moments(client, record))
        ]
        assert len(compared) == 2
        read = read_all(client, staff_pages + compared)
        # A reporter reads no review: refused, never a server error.
        statuses = {address: status for address, (status, _) in read.items()}
        assert set(statuses.values()) <= ({200} if person == editor else {200, 403}), statuses
        assert leaked_in(read) == []
    identity_page = reverse("admin:casefile_source_identity", args=[source.pk])
    assert client_of(other_reporter).get(identity_page).status_code == 403
    assert MARKER not in client_of(editor).get(identity_page).content.decode()
    assert client_of(reporter).get(identity_page).content.decode().count(MARKER) == 5

    assert mail.outbox, "the workflow sent its notices"
    assert [message.subject for message in mail.outbox if MARKER in message.message().as_string()] == []
    assert MARKER not in caplog.text

    exported = tmp_path / "harbour.json"
    call_command("export_case", "harbour", str(exported), stdout=io.StringIO())
    assert MARKER not in exported.read_text(encoding="utf-8")

    history_tables = sorted(model._meta.label for model in apps.get_app_config("casefile").get_models()
                            if model._meta.model_name.startswith("historical"))
    dumped = io.StringIO()
    call_command("dumpdata", *history_tables, stdout=dumped)
    assert "municipal official" in dumped.getvalue().lower()
    assert MARKER not in dumped.getvalue()

    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            assert MARKER not in repr(cursor.fetchall()), table

"""Who reads the identity of a confidential source: the person who entered it and those granted it, each reading
logged beside it; nobody else, by link or by address."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from casefile.models import IdentityLogEntry, Source, SourceIdentity
from casefile.workflow import identities
from tests.factories import add_confidential_source, make_user

MARKER = "Pz7Kw-secret-person"


@pytest.fixture
def confidential(case_file, reporter, editor):
    source, _ = add_confidential_source(case_file, reporter, editor, MARKER)
    return source


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def identity_url(source_id):
    return reverse("admin:casefile_source_identity", args=[source_id])


def test_the_reporter_who_entered_an_identity_reads_it_and_the_reading_is_logged_beside_it(confidential, reporter):
    response = client_of(reporter).get(identity_url(confidential.pk))
    assert response.status_code == 200
    assert MARKER in response.content.decode()
    log = list(IdentityLogEntry.objects.filter(source=confidential).values_list("action", "user__username"))
    assert log[0] == ("viewed", "rita")
    assert 'id="identity-log"' in response.content.decode()


def test_a_colleague_without_a_grant_is_refused_and_told_whom_to_ask(confidential, other_reporter):
    response = client_of(other_reporter).get(identity_url(confidential.pk))
    assert response.status_code == 403
    assert MARKER not in response.content.decode()
    assert "Ask an editor or the legal desk" in response.content.decode()


def test_an_editor_sees_who_may_read_it_and_the_log_but_not_the_identity_until_granted(confidential, editor):
    page = client_of(editor).get(identity_url(confidential.pk)).content.decode()
    assert MARKER not in page
    assert "has not been granted to you" in page
    assert 'id="grant-form"' in page


def test_a_grant_lets_a_colleague_read_it_and_a_revocation_stops_them_at_once(confidential, editor, other_reporter):
    colleague = client_of(other_reporter)
    identities.grant_identity(confidential, other_reporter, editor)
    assert MARKER in colleague.get(identity_url(confidential.pk)).content.decode()

    identities.revoke_identity(confidential, other_reporter, editor)
    assert colleague.get(identity_url(confidential.pk)).status_code == 403
    actions = list(IdentityLogEntry.objects.filter(source=confidential).order_by("at", "id").values_list(
        "action", flat=True))
    assert actions == ["added", "granted", "viewed", "revoked"]


def test_the_legal_desk_grants_through_the_page_and_the_log_names_whom(confidential, lawyer, other_reporter):
    response = client_of(lawyer).post(identity_url(confidential.pk), {"person": other_reporter.pk, "_grant": "1"})
    assert response.status_code == 302
    assert identities.may_read_identity(other_reporter, confidential)
    entry = IdentityLogEntry.objects.filter(source=confidential, action="granted").get()
    assert (entry.user, entry.person) == (lawyer, other_reporter)


def test_a_reporter_cannot_grant_even_by_posting_the_form(confidential, reporter, other_reporter):
    response = client_of(reporter).post(identity_url(confidential.pk), {"person": other_reporter.pk, "_grant": "1"})
    assert response.status_code == 403
    assert not identities.may_read_identity(other_reporter, confidential)


def test_a_colleague_cannot_overwrite_an_identity_they_were_not_granted(confidential, other_reporter):
    response = client_of(other_reporter).post(identity_url(confidential.pk), {"name": "someone else"})
    assert response.status_code == 403
    assert SourceIdentity.objects.get(source=confidential).name == f"name {MARKER}"


def test_guessed_addresses_are_not_found_never_a_server_error(confidential, other_reporter, case_file):
    colleague = client_of(other_reporter)
    daily = Source.objects.get(case=case_file, slug="daily")
    assert colleague.get(identity_url(999999)).status_code == 404
    assert colleague.get(identity_url(daily.pk)).status_code == 404
    assert colleague.get("/admin/casefile/source/not-a-number/identity/").status_code == 404
    assert colleague.get(reverse("admin:casefile_source_identity_erase", args=[confidential.pk])).status_code == 403
    assert Client().get(identity_url(confidential.pk)).status_code == 302



def test_an_editor_finds_no_identity_page_for_a_source_that_is_not_confidential(case_file, editor):
    daily = Source.objects.get(case=case_file, slug="daily")
    assert client_of(editor).get(identity_url(daily.pk)).status_code == 404


def test_a_reporter_enters_the_identity_of_a_new_confidential_source_and_only_they_read_it(
    case_file, other_reporter, reporter
):
    from tests.factories import save

    source = save(Source(case=case_file, slug="miner", kind=Source.Kind.CONFIDENTIAL,
                         title="An employee of the mining firm"), other_reporter)
    response = client_of(other_reporter).post(identity_url(source.pk), {
        "name": "Wu Jian", "role": "shift lead", "contact": "", "how_we_know": "", "notes": "",
    })
    assert response.status_code == 302
    assert SourceIdentity.objects.get(source=source).added_by == other_reporter
    assert client_of(reporter).get(identity_url(source.pk)).status_code == 403


def test_erasing_an_identity_leaves_only_that_it_existed_and_who_erased_it(confidential, editor, other_reporter):
    identities.grant_identity(confidential, other_reporter, editor)
    response = client_of(editor).post(reverse("admin:casefile_source_identity_erase", args=[confidential.pk]),
                                      {"confirm": "erase"})
    assert response.status_code == 302
    assert not SourceIdentity.objects.filter(source=confidential).exists()
    assert list(IdentityLogEntry.objects.filter(source=confidential).values_list("action", "user")) == [
        ("erased", editor.pk)]
    assert not identities.may_read_identity(other_reporter, confidential)
    page = client_of(editor).get(identity_url(confidential.pk)).content.decode()
    assert "erased the identity" in page


def test_an_identity_page_reads_what_it_shows_in_few_queries(confidential, reporter, django_assert_max_num_queries):
    client = client_of(reporter)
    with django_assert_max_num_queries(14):
        assert client.get(identity_url(confidential.pk)).status_code == 200


def test_deleting_the_source_erases_its_identity_and_logs_who(case_file, editor, confidential):
    from casefile import workflow

    Source.objects.get(pk=confidential.pk).citations.all().delete()
    workflow.delete_record(Source.objects.get(pk=confidential.pk), editor, "never used")
    assert not SourceIdentity.objects.exists()
    assert list(IdentityLogEntry.objects.filter(source_id=confidential.pk).values_list("action", flat=True)) == [
        "erased"]


def test_only_newsroom_staff_can_be_granted_an_identity(confidential, editor):
    reader = make_user("nostaff")
    reader.is_staff = False
    reader.save()
    with pytest.raises(ValidationError, match="no staff account"):
        identities.grant_identity(confidential, reader, editor)

"""Citing a confidential source: readers see "a confidential source" and its public description, a quote only once
an editor cleared it, and the rules of a claim's status and of a source work as for any source."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casefile import workflow
from casefile.models import Citation, Fact, Source
from tests.admin.pages import change_url, form_data, logged_in, open_change_form, saved
from tests.factories import add_confidential_source, approve_all, save
from tests.public.pages import case_url, page, text

QUOTE = "I saw the signed contract myself"


@pytest.fixture
def cited(case_file, reporter, editor):
    return add_confidential_source(case_file, reporter, editor)


def fact_page(client, case):
    return text(page(client, case_url(case, "fact_detail", "contract-value")))


def test_readers_see_a_confidential_source_by_its_public_description_without_its_quote(cited, case_file, client):
    shown = fact_page(client, case_file)
    assert "a confidential source ( A municipal official with knowledge of the contract )" in shown
    assert QUOTE not in shown
    source_page = text(page(client, case_url(case_file, "source_detail", "municipal-official")))
    assert source_page.count("A confidential source") >= 1
    assert "Publisher" not in source_page and QUOTE not in source_page
    exported = client.get(case_url(case_file, "case_json")).json()
    quotes = [c["quote"] for fact in exported["facts"] for c in fact["citations"]]
    assert QUOTE not in quotes and "" in quotes
    assert QUOTE not in client.get(case_url(case_file, "case_annotations")).content.decode()


def test_a_quote_an_editor_cleared_reaches_readers(cited, case_file, editor, client):
    _, citation = cited
    citation.quote_cleared = True
    save(citation, editor)
    approve_all(editor, case_file)
    assert QUOTE in fact_page(client, case_file)


def test_a_reporter_cannot_clear_a_quote_and_changing_a_cleared_one_takes_the_clearance_away(
    cited, case_file, editor, reporter
):
    _, citation = cited
    fact = Fact.objects.get(slug="contract-value")
    assert not re.search(r'name="citations-\d+-quote_cleared"', logged_in(reporter).get(change_url(fact)).content.decode())

    citation.quote_cleared = True
    save(citation, editor)
    client = logged_in(reporter)
    data = open_change_form(client, fact)
    row = next(name.removesuffix("-id") for name, value in data.items()
               if name.endswith("-id") and value == [str(citation.pk)])
    data[f"{row}-quote"] = ["I saw the contract signed in the mayor's office"]
    data[f"{row}-quote_cleared"] = ["on"]  # posted by hand: not a field of a reporter's form
    data["change_reason"] = ["Fuller quote"]
    data["_save"] = ["Save"]
    saved(client.post(change_url(fact), data))
    assert Citation.objects.get(pk=citation.pk).quote_cleared is False


def test_an_editor_clears_a_quote_on_the_form(cited, editor):
    _, citation = cited
    fact = Fact.objects.get(slug="contract-value")
    client = logged_in(editor)
    data = open_change_form(client, fact)
    row = next(name.removesuffix("-id") for name, value in data.items()
               if name.endswith("-id") and value == [str(citation.pk)])
    data[f"{row}-quote_cleared"] = ["on"]
    data["change_reason"] = ["Nothing in it narrows who they are"]
    data["_save"] = ["Save"]
    saved(client.post(change_url(fact), data))
    assert Citation.objects.get(pk=citation.pk).quote_cleared is True


def test_status_rules_count_a_confidential_source_like_any_other(cited, case_file, reporter, editor):
    _, citation = cited
    citation.stance = Citation.Stance.CONTRADICTS
    save(citation, reporter)
    with pytest.raises(workflow.WorkflowError, match="confirmed fact"):
        approve_all(editor, case_file)
    fact = Fact.objects.get(slug="contract-value")
    fact.status = Fact.Status.DISPUTED
    save(fact, reporter)
    approve_all(editor, case_file)
    assert Fact.objects.get(pk=fact.pk).status == Fact.Status.DISPUTED


def test_a_confidential_source_names_no_publisher_author_or_address(case_file):
    source = Source(case=case_file, slug="insider", kind=Source.Kind.CONFIDENTIAL, title="An insider",
                    author="Wu Jian", url="https://example.org/wu")
    with pytest.raises(ValidationError) as refusal:
        source.full_clean()
    assert set(refusal.value.message_dict) == {"author", "url"}


def test_a_reporter_adds_a_confidential_source_in_the_admin_and_finds_the_way_to_its_identity(case_file, reporter):
    client = logged_in(reporter)
    data = form_data(client.get(reverse("admin:casefile_source_add")), "source_form")
    data.update(case=[str(case_file.pk)], slug=["insider"], kind=["confidential"],
                title=["An employee of the harbour authority"], change_reason=["New source"])
    saved(client.post(reverse("admin:casefile_source_add"), data))
    source = Source.objects.get(slug="insider")
    assert reverse("admin:casefile_source_identity", args=[source.pk]) in client.get(change_url(source)).content.decode()
    daily = Source.objects.get(slug="daily")
    assert "/identity/" not in client.get(change_url(daily)).content.decode()


def test_readers_are_told_of_no_copy_of_a_confidential_source(cited, case_file, editor, client):
    from django.utils import timezone

    from casefile.models import Capture
    from tests.factories import add_copy_record

    source, _ = cited
    add_copy_record(source, editor)
    Capture.objects.filter(source=source).update(review=Capture.Review.CONFIRMED, reviewed_by=editor,
                                                 reviewed_at=timezone.now())
    sha256 = Capture.objects.get(source=source).sha256
    for address in (case_url(case_file, "source_detail", "municipal-official"),
                    case_url(case_file, "fact_detail", "contract-value"), case_url(case_file, "case_annotations")):
        assert sha256[:12] not in page(client, address), address


def test_a_source_with_an_identity_stays_confidential_until_the_identity_is_erased(cited):
    source, _ = cited
    source.kind = Source.Kind.NEWS_REPORT
    with pytest.raises(ValidationError) as refusal:
        source.full_clean()
    assert "stays confidential" in refusal.value.message_dict["kind"][0]

"""A transaction PostgreSQL rolls back to break a deadlock is tried again; nothing sent is lost.

Another transaction is made to deadlock with the work under test (`Deadlock`):
it holds a row the work needs at its commit and then asks for one the work
holds, so PostgreSQL rolls the work back.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from casefile import retries, workflow
from casefile.models import Citation, Fact, KeptPage, PublicationGeneration, Source
from casefile.pagecache import case_scope
from casefile.publishing.kept_pages import keep_case_pages

from ..admin.pages import add_inline_row, change_url, form_data, logged_in, open_change_form, text_of
from ..factories import build_case_file, make_user
from .support import Deadlock

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite lets one writer at a time in: no deadlock"),
]


@pytest.fixture
def people(transactional_db):
    return make_user("rita", workflow.REPORTERS), make_user("edna", workflow.EDITORS)


@pytest.fixture
def case(people):
    return build_case_file(*people)


def citing_paragraph_7(client, fact):
    """The fact's form with a citation of the Daily report's ¶7 added, as the reporter sends it."""
    data = open_change_form(client, fact)
    add_inline_row(data, "citations", {"source": Source.objects.get(slug="daily").pk, "stance": "supports",
                                       "locator": "¶7", "quote": "worth 5 million"})
    data["change_reason"] = ["Paragraph 7 gives the amount"]
    return data


def holding_the_daily_report_then_asking_for(fact, times=1):
    """A deadlock with a save that cites the Daily report: checked at its commit, the source is held."""
    return Deadlock(held=lambda: Source.objects.filter(slug="daily"), wanted=lambda: Fact.objects.filter(pk=fact.pk),
                    times=times)


def test_a_save_rolled_back_to_break_a_deadlock_is_saved_on_its_next_try(people, case):
    reporter, _ = people
    fact = Fact.objects.get(case=case, slug="contract-value")
    client = logged_in(reporter)
    sent = citing_paragraph_7(client, fact)

    with holding_the_daily_report_then_asking_for(fact) as other:
        response = client.post(change_url(fact), sent)

    assert other.error is None
    assert response.status_code == 302
    assert Citation.objects.filter(fact=fact, locator="¶7").count() == 1
    assert Citation.history.filter(fact_id=fact.pk, locator="¶7").count() == 1


def test_a_save_rolled_back_at_every_try_says_nothing_was_saved_and_gives_the_input_back_to_send_again(
    people, case
):
    reporter, _ = people
    fact = Fact.objects.get(case=case, slug="contract-value")
    client = logged_in(reporter)
    sent = citing_paragraph_7(client, fact)

    with holding_the_daily_report_then_asking_for(fact, times=retries.ATTEMPTS):
        response = client.post(change_url(fact), sent)

    assert response.status_code == 503
    assert "Nothing of it was recorded" in text_of(response)
    assert not Citation.objects.filter(fact=fact, locator="¶7").exists()
    again = form_data(response, having="change_reason")
    assert again["change_reason"] == ["Paragraph 7 gives the amount"]
    assert {name: values for name, values in sent.items() if name.startswith("citations-")} == {
        name: values for name, values in again.items() if name.startswith("citations-")
    }
    assert client.post(change_url(fact), again).status_code == 302
    assert Citation.objects.filter(fact=fact, locator="¶7").count() == 1


def test_keeping_a_page_rolled_back_to_break_a_deadlock_keeps_it_on_its_next_try(case):
    KeptPage.objects.update(rendered_with="")
    pages = KeptPage.objects.filter(publication__case=case).count()

    with Deadlock(held=lambda: ContentType.objects.filter(app_label="casefile"),
                  wanted=lambda: PublicationGeneration.objects.filter(scope=case_scope(case.slug))) as other:
        kept = keep_case_pages(case.pk)

    assert other.error is None
    assert kept == pages
    assert not KeptPage.objects.filter(publication__case=case, rendered_with="").exists()

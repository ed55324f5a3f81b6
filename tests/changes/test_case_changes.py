"""The whole case compared between two days, as readers saw it on each."""

import datetime

from django.utils import timezone

from casefile.models import Actor, Citation, Decision, Fact, Source
from tests.factories import approve_edit, backdate, save
from tests.public.pages import case_url, page, text

TODAY = timezone.now().date()
WEEK_AGO = TODAY - datetime.timedelta(days=7)


def changes_url(case, start, end):
    return case_url(case, "case_changes") + f"?from={start.isoformat()}&to={end.isoformat()}"


def corrected_and_unconfirmed(case, reporter, editor):
    """The case published ten days ago; today its fact is corrected and unconfirmed, a source added."""
    backdate(case, 10)
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was NOT worth 5 million."
    fact.status = Fact.Status.UNVERIFIED
    save(fact, reporter)
    approve_edit(editor, fact, "Per the audit.")
    registry = save(Source(case=case, slug="registry", kind=Source.Kind.OFFICIAL_ANNOUNCEMENT,
                           title="Company registry", publisher="Registry"), reporter)
    approve_edit(editor, registry, "New source.")
    return fact


def test_the_changes_page_marks_each_changed_word_and_puts_moved_statuses_first(
    client, case_file, reporter, editor
):
    corrected_and_unconfirmed(case_file, reporter, editor)
    html = page(client, changes_url(case_file, WEEK_AGO, TODAY))
    assert "<ins>NOT </ins>" in html
    assert html.index("Statuses that moved") < html.index("<h2 id=\"changes-1\">")
    shown = text(html)
    assert "confirmed → unverified" in shown
    assert "Added: the source “ Company registry ”" in shown
    assert "2 changes" in shown


def test_the_changes_between_two_days_before_a_change_show_nothing_of_it(client, case_file, reporter, editor):
    corrected_and_unconfirmed(case_file, reporter, editor)
    html = page(client, changes_url(case_file, TODAY - datetime.timedelta(days=9), WEEK_AGO))
    assert "NOT" not in html and "Company registry" not in html
    assert "Nothing readers see changed between these two days." in text(html)


def test_a_change_not_yet_approved_is_not_in_the_public_changes(client, case_file, reporter, editor):
    corrected_and_unconfirmed(case_file, reporter, editor)
    actor = Actor.objects.get(slug="ana-mayor")
    actor.name = "UNAPPROVED NAME"
    save(actor, reporter)
    citation = Citation.objects.get(fact__slug="contract-value")
    citation.quote = "UNAPPROVED QUOTE"
    save(citation, reporter)
    html = page(client, changes_url(case_file, WEEK_AGO, TODAY))
    assert "UNAPPROVED" not in html


def test_a_period_or_a_missing_day_leads_to_the_page_naming_both_days(client, case_file):
    response = client.get(case_url(case_file, "case_changes") + "?period=week")
    assert response.status_code == 302
    assert response["Location"].endswith(f"?from={WEEK_AGO.isoformat()}&to={TODAY.isoformat()}")
    first = Decision.objects.filter(case=case_file).earliest("decided_at").decided_at.date()
    response = client.get(case_url(case_file, "case_changes"))
    assert response["Location"].endswith(f"?from={first.isoformat()}&to={TODAY.isoformat()}")


def test_days_in_the_wrong_order_or_form_get_a_clear_message(client, case_file):
    response = client.get(changes_url(case_file, TODAY, WEEK_AGO))
    assert response.status_code == 400
    assert "give the earlier day first" in response.content.decode()
    response = client.get(case_url(case_file, "case_changes") + "?from=yesterday&to=2021-01-01")
    assert response.status_code == 400
    assert "‘from’ must be written YYYY-MM-DD" in response.content.decode()


def test_the_changes_of_the_seeded_case_since_its_first_publication_take_few_queries(
    client, seeded_case, django_assert_max_num_queries
):
    first = Decision.objects.filter(case=seeded_case).earliest("decided_at").decided_at.date()
    with django_assert_max_num_queries(10):
        response = client.get(changes_url(seeded_case, first - datetime.timedelta(days=1), TODAY))
    assert response.status_code == 200
    assert "Added:" in text(response.content.decode())


def test_the_case_page_links_to_this_weeks_and_this_months_changes_and_compares_with_today(client, case_file):
    html = page(client, case_url(case_file))
    assert f'href="{case_url(case_file, "case_changes")}?period=week"' in html
    assert f'href="{case_url(case_file, "case_changes")}?period=month"' in html
    assert "Compare with today" in html


def test_compare_with_today_from_the_day_picker_leads_to_the_changes_since_that_day(client, case_file):
    response = client.get(case_url(case_file, "case_changes") + f"?as_of={WEEK_AGO.isoformat()}")
    assert response["Location"].endswith(f"?from={WEEK_AGO.isoformat()}&to={TODAY.isoformat()}")


def test_the_case_page_is_the_same_for_every_reader_and_leaves_the_last_visit_to_the_browser(client, case_file):
    html = page(client, case_url(case_file))
    assert 'id="since-last-visit"' in html and "casefile/last_visit.js" in html
    client.cookies["casefile-last-visit"] = "2020-01-01"
    assert page(client, case_url(case_file)) == html

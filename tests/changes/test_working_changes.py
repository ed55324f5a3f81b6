"""What the desk changed: the case compared between two days over every saved version, for staff only."""

import datetime

from django.urls import reverse
from django.utils import timezone

from casefile.history import history_model
from casefile.models import Actor, Citation, Event, EventParticipant, Fact, FactActor, Source
from tests.factories import save
from tests.public.pages import case_url, page, text

TODAY = timezone.now().date()
WEEK_AGO = TODAY - datetime.timedelta(days=7)


def saved_ten_days_ago(*models):
    for model in models:
        for version in history_model(model).objects.all():
            version.history_date -= datetime.timedelta(days=10)
            version.save(update_fields=["history_date"])


def unapproved_rewording(reporter):
    saved_ten_days_ago(Fact, Citation, Source, Actor, Event, EventParticipant, FactActor)
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth UNAPPROVED 7 million."
    save(fact, reporter)
    citation = Citation.objects.get(fact=fact)
    citation.quote = "UNAPPROVED QUOTE"
    save(citation, reporter)


def staff_changes_url(case, query=""):
    return reverse("admin:casefile_case_changes", args=[case.pk]) + query


def test_staff_see_what_the_desk_changed_this_week_before_any_approval_and_readers_never_do(
    client, editor_client, case_file, reporter, django_assert_max_num_queries
):
    unapproved_rewording(reporter)
    with django_assert_max_num_queries(26):
        html = page(editor_client, staff_changes_url(case_file))
    assert "<td>The contract was worth <ins>UNAPPROVED 7</ins> million.</td>" in html
    shown = text(html)
    assert "2 changes." in shown
    assert "Changed: source of the fact “The contract was worth UNAPPROVED 7 million.”, “ Daily report ”" in shown
    assert "Quote 5 million UNAPPROVED QUOTE" in shown
    public = page(client, case_url(case_file, "case_changes") + f"?from={WEEK_AGO}&to={TODAY}")
    assert "UNAPPROVED" not in public


def test_the_desk_links_to_what_changed_this_week_in_each_case(editor_client, case_file):
    assert f'href="{staff_changes_url(case_file)}"' in page(editor_client, "/admin/")


def test_a_mistyped_day_shows_the_last_week_and_says_why(editor_client, case_file):
    shown = text(page(editor_client, staff_changes_url(case_file, "?from=last-monday&to=2021-01-01")))
    assert "The date in ‘from’ must be written YYYY-MM-DD" in shown
    assert "Showing the last 7 days instead." in shown


def test_readers_cannot_open_the_staff_comparison(client, case_file):
    response = client.get(staff_changes_url(case_file))
    assert response.status_code == 302 and "/login/" in response["Location"]

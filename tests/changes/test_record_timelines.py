"""Each public record's approved versions, with when and what changed in each, as the fact page lists them."""

import datetime

from django.utils import timezone

from casefile.models import Actor, Relationship, Source
from tests.factories import approve_edit, backdate, save
from tests.public.pages import MAX_QUERIES_PER_PAGE, case_url, page, text


def versions_of(html):
    return text(html[html.index('id="versions-heading"'):])


def test_an_actor_page_lists_each_approved_version_with_what_it_changed_and_the_note(
    client, case_file, reporter, editor, django_assert_max_num_queries
):
    actor = Actor.objects.get(slug="ana-mayor")
    actor.name = "Ana Mayor-Costa"
    actor.description = "Mayor since 2018."
    save(actor, reporter)
    approve_edit(editor, actor, "", public_note="Her full name, <i>as registered</i>.")
    with django_assert_max_num_queries(MAX_QUERIES_PER_PAGE):
        html = page(client, case_url(case_file, "actor_detail", "ana-mayor"))
    shown = versions_of(html)
    assert shown.count("Approved") == 2
    assert "First published." in shown and "Changed: name, description." in shown
    assert "&lt;i&gt;as registered&lt;/i&gt;" in html


def test_event_and_source_pages_list_their_versions(client, case_file):
    assert "Versions of this event" in page(client, case_url(case_file, "event_detail", "contract-signed"))
    assert "First published." in versions_of(page(client, case_url(case_file, "source_detail", "daily")))


def test_a_relationship_on_an_actor_page_lists_its_own_versions(
    client, disputed_case, reporter, editor, django_assert_max_num_queries
):
    relationship = Relationship.objects.get()
    relationship.description = "Partners in the tender."
    save(relationship, reporter)
    approve_edit(editor, relationship, "")
    with django_assert_max_num_queries(MAX_QUERIES_PER_PAGE):
        html = page(client, case_url(disputed_case, "actor_detail", "quay-builders"))
    rows = text(html[html.index("Versions of this relationship"):])
    assert rows.startswith("Versions of this relationship (2)")
    assert "Changed: description." in rows


def test_a_page_as_of_an_earlier_day_lists_only_the_versions_approved_by_then(client, case_file, reporter, editor):
    backdate(case_file, 10)
    source = Source.objects.get(slug="daily")
    source.title = "Daily report, corrected"
    save(source, reporter)
    approve_edit(editor, source, "")
    five_days_ago = (timezone.now() - datetime.timedelta(days=5)).date().isoformat()
    html = page(client, case_url(case_file, "source_detail", "daily") + f"?as_of={five_days_ago}")
    assert versions_of(html).count("Approved") == 1
    assert versions_of(page(client, case_url(case_file, "source_detail", "daily"))).count("Approved") == 2

"""Today's pages are rendered when they are published, kept, and served as kept."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from casefile import workflow
from casefile.models import Actor, Case, Citation, Fact, KeptPage, Publication, ReplyRequest, Source
from casefile.published.rendered import RENDERED_HOST, release
from tests.factories import approve_all, build_disputed_case, committed, save
from tests.public.pages import case_url, page, text

# Every page of these tests is kept after each commit, as in production.
pytestmark = pytest.mark.usefixtures("keeps_pages")

KEPT_PAGES = [
    ("case_detail",),
    ("case_json",),
    ("actor_detail", "ana-mayor"),
    ("event_detail", "contract-signed"),
    ("fact_detail", "contract-value"),
    ("source_detail", "daily"),
]


def kept_page(model, slug):
    return KeptPage.objects.get(publication__in=Publication.objects.of_kind(model).filter(slug=slug), language="en-gb")


def kept(model, slug, column="page"):
    return getattr(kept_page(model, slug), column)


def forget_kept_pages():
    KeptPage.objects.update(page="", document="", rendered_with="")


def stale_pages(case):
    """The slugs of the case's pages not kept again since the last change."""
    return sorted(
        KeptPage.objects.filter(publication__case=case).exclude(rendered_with=release())
        .values_list("publication__slug", flat=True)
    )


@pytest.mark.parametrize("address", KEPT_PAGES)
def test_a_kept_page_is_the_page_a_reader_would_have_had_rendered(client, case_file, address):
    url = case_url(case_file, *address)
    served = page(client, url)
    forget_kept_pages()

    assert page(client, url) == served


@pytest.mark.parametrize("address", KEPT_PAGES)
@override_settings(PUBLIC_PAGE_CACHE_SECONDS=0)
def test_todays_pages_take_one_query_each_once_served_and_two_the_first_time(
    case_file, address, django_assert_num_queries
):
    url = case_url(case_file, *address)
    reader = Client()
    # Where the page is, then its text; from then on its text is held.
    with django_assert_num_queries(2):
        first = reader.get(url)
    with django_assert_num_queries(1):
        again = Client().get(url)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content


@override_settings(PUBLIC_PAGE_CACHE_SECONDS=0)
def test_a_page_served_before_an_approval_is_served_as_kept_again_after_it(case_file, reporter, editor):
    url = case_url(case_file, "fact_detail", "contract-value")
    assert "The contract was worth 5 million." in page(Client(), url)
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 8 million."
    save(fact, reporter)
    with committed():
        approve_all(editor, case_file)

    assert stale_pages(case_file) == []
    served = page(Client(), url)
    assert "The contract was worth 8 million." in served


def test_a_kept_page_is_what_readers_get(client, case_file):
    fact = kept_page(Fact, "contract-value")
    fact.page = fact.page.replace("The contract was worth 5 million.", "Kept, not rendered again.")
    fact.save(update_fields=["page"])

    assert "Kept, not rendered again." in page(client, case_url(case_file, "fact_detail", "contract-value"))


@pytest.mark.parametrize("address", KEPT_PAGES)
@override_settings(PUBLIC_PAGE_CACHE_SECONDS=0)
def test_a_kept_page_carries_the_headers_of_the_page_rendered_for_the_reader(case_file, address):
    url = case_url(case_file, *address)
    kept_response = Client().get(url)
    forget_kept_pages()
    rendered_response = Client().get(url)

    assert kept_response.content == rendered_response.content
    assert dict(kept_response.headers) == dict(rendered_response.headers)
    assert kept_response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in kept_response.headers["Content-Security-Policy"]
    assert not kept_response.cookies


def test_staff_are_shown_the_page_rendered_for_them_not_the_kept_one(case_file, editor):
    fact = kept_page(Fact, "contract-value")
    fact.page = fact.page.replace("The contract was worth 5 million.", "Kept, not rendered again.")
    fact.save(update_fields=["page"])
    staff = Client()
    staff.force_login(editor)

    shown = page(staff, case_url(case_file, "fact_detail", "contract-value"))

    assert "Kept, not rendered again." not in shown
    assert "The contract was worth 5 million." in shown


def test_a_page_as_of_a_past_day_is_rendered_not_kept(client, case_file):
    kept_case = kept_page(Case, case_file.slug)
    kept_case.page = kept_case.page.replace(case_file.title, "Kept, not rendered again.")
    kept_case.save(update_fields=["page"])
    today = timezone.now().date().isoformat()

    assert "Kept, not rendered again." in page(client, case_url(case_file, "case_detail"))
    assert "Kept, not rendered again." not in page(client, case_url(case_file, "case_detail") + f"?as_of={today}")


def test_renaming_an_actor_renders_again_the_pages_that_name_it(client, case_file, reporter, editor):
    mayor = Actor.objects.get(slug="ana-mayor")
    mayor.name = "Ana Mayor-Vidal"
    save(mayor, reporter)
    with committed():
        approve_all(editor, case_file)

    assert stale_pages(case_file) == []
    assert "Ana Mayor-Vidal" in kept(Fact, "contract-value")
    assert "Ana Mayor-Vidal" in page(client, case_url(case_file, "fact_detail", "contract-value"))
    assert "Ana Mayor-Vidal" in page(client, case_url(case_file))
    assert "Ana Mayor-Vidal" in page(client, case_url(case_file, "case_json"))


def test_retitling_a_source_renders_again_the_pages_of_what_cites_it(client, case_file, reporter, editor):
    daily = Source.objects.get(slug="daily")
    daily.title = "Daily report, second edition"
    save(daily, reporter)
    with committed():
        approve_all(editor, case_file)

    assert stale_pages(case_file) == []
    for address in [("fact_detail", "contract-value"), ("event_detail", "contract-signed")]:
        assert "Daily report, second edition" in page(client, case_url(case_file, *address))


def test_a_new_citation_shows_on_the_kept_pages_of_its_fact_and_its_source(client, case_file, reporter, editor):
    registry = save(Source(case=case_file, slug="registry-x", kind=Source.Kind.OFFICIAL_ANNOUNCEMENT,
                           title="Registry extract", paragraph_count=3), reporter)
    with committed():
        approve_all(editor, case_file)
    fact = Fact.objects.get(slug="contract-value")
    save(Citation(fact=fact, source=registry, locator="¶1", quote="worth 5 million"), reporter)
    with committed():
        approve_all(editor, case_file)

    assert stale_pages(case_file) == []
    assert "Registry extract" in kept(Fact, "contract-value")
    assert "Registry extract" in page(client, case_url(case_file, "fact_detail", "contract-value"))
    assert "The contract was worth 5 million." in page(client, case_url(case_file, "source_detail", "registry-x"))


def test_a_citation_of_a_tie_shows_on_the_kept_pages_of_both_actors(client, case_file, reporter, editor):
    build_disputed_case(case_file, reporter, editor)
    extract = save(Source(case=case_file, slug="gazette", kind=Source.Kind.OFFICIAL_ANNOUNCEMENT,
                          title="Official gazette notice", paragraph_count=3), reporter)
    with committed():
        approve_all(editor, case_file)
    tie = case_file.relationships.get()
    save(Citation(relationship=tie, source=extract, locator="¶2"), reporter)
    with committed():
        approve_all(editor, case_file)

    assert stale_pages(case_file) == []
    for actor in ("ana-mayor", "quay-builders"):
        assert "Official gazette notice" in kept(Actor, actor)
        assert "Official gazette notice" in page(client, case_url(case_file, "actor_detail", actor))


def test_a_removed_record_leaves_the_pages_that_showed_it(client, case_file, reporter, editor):
    from casefile.models import Event

    assert "Contract signed" in page(client, case_url(case_file, "actor_detail", "quay-builders"))
    workflow.propose_removal(Event.objects.get(slug="contract-signed"), reporter, "Wrong date; to be redone.")
    with committed():
        approve_all(editor, case_file)

    assert stale_pages(case_file) == []
    assert client.get(case_url(case_file, "event_detail", "contract-signed")).status_code == 404
    for address in [("actor_detail", "quay-builders"), ("source_detail", "daily"), ("case_detail",)]:
        assert "Contract signed" not in page(client, case_url(case_file, *address))


@override_settings(ALLOWED_HOSTS=["testserver", "cases.example.org"])
def test_absolute_links_in_a_kept_page_carry_the_readers_address(case_file):
    reader = Client(HTTP_HOST="cases.example.org")
    for address in KEPT_PAGES:
        html = page(reader, case_url(case_file, *address))
        assert RENDERED_HOST not in html
    fact_page = page(reader, case_url(case_file, "fact_detail", "contract-value"))
    assert '<link rel="canonical" href="http://cases.example.org/cases/harbour/facts/contract-value/">' in fact_page
    assert "url=http%3A%2F%2Fcases.example.org%2Fcases%2Fharbour%2Ffacts%2Fcontract-value%2F" in fact_page
    assert '"url": "http://cases.example.org/cases/harbour/"' in page(reader, case_url(case_file, "case_json"))


def test_the_date_picker_of_a_kept_case_page_offers_every_day_up_to_today(client, case_file):
    html = page(client, case_url(case_file))
    assert f'max="{timezone.now().date().isoformat()}"' in html


def ask_with_three_days_left(case_file, reporter, editor):
    """An allegation against the mayor, published on an editor's override, then put to her with three days to answer."""
    from casefile.workflow import replies
    from tests.replies.support import allege, versions_of_change

    fact, mayor = Fact.objects.get(slug="contract-value"), Actor.objects.get(slug="ana-mayor")
    allege(fact, mayor, reporter)
    request = ReplyRequest(case=case_file, actor=mayor, asked_on=timezone.localdate(), asked_by=editor,
                           channel="email", deadline=timezone.localdate() + datetime.timedelta(days=3))
    with committed():
        replies.approve_without_reply(editor, versions_of_change(fact), "", "Compiled from court records.")
        replies.save_reply_request(request, editor)
        request.facts.add(fact)
        replies.refresh_reply_lines(request)
    return request


def test_pages_that_count_down_to_a_deadline_are_rendered_for_each_reader(client, case_file, reporter, editor):
    from casefile.workflow import replies
    from tests.replies.support import versions_of_change

    request = ask_with_three_days_left(case_file, reporter, editor)

    assert kept(Fact, "contract-value") == ""
    assert kept(Case, "harbour", "document") == ""
    assert "to respond" in text(page(client, case_url(case_file, "fact_detail", "contract-value")))

    with committed():
        replies.record_outcome(request, editor, ReplyRequest.Outcome.DECLINED, reason="She wrote back")
    assert "to respond" in text(page(client, case_url(case_file, "fact_detail", "contract-value")))

    with committed():
        workflow.approve(editor, versions_of_change(request))

    assert "declined to comment" in kept(Fact, "contract-value")
    assert "declined to comment" in page(client, case_url(case_file, "fact_detail", "contract-value"))


def test_render_pages_keeps_the_pages_of_every_public_case(client, case_file):
    forget_kept_pages()

    call_command("render_pages", stdout=None)

    assert "The contract was worth 5 million." in kept(Fact, "contract-value")
    assert "Harbour contracts" in kept(Case, "harbour", "document")


def test_render_pages_keeps_the_pages_of_a_language_added_since_they_were_published(client, case_file):
    # As after a language joins LANGUAGES (and its columns are migrated): no page kept in it yet.
    KeptPage.objects.filter(language="zh-hans").delete()

    call_command("render_pages", stdout=io.StringIO())

    added = KeptPage.objects.filter(language="zh-hans", publication__case=case_file)
    assert added.count() == KeptPage.objects.filter(language="en-gb", publication__case=case_file).count() > 0
    assert not added.filter(page="").exists()
    assert '<html lang="zh-hans">' in added.get(publication__slug="contract-value").page


def test_a_page_kept_by_another_release_is_rendered_afresh(client, case_file):
    fact = kept_page(Fact, "contract-value")
    fact.page = fact.page.replace("The contract was worth 5 million.", "Rendered by the release before.")
    fact.rendered_with = "an-earlier-release"
    fact.save(update_fields=["page", "rendered_with"])

    html = page(client, case_url(case_file, "fact_detail", "contract-value"))
    assert "Rendered by the release before." not in html
    assert "The contract was worth 5 million." in html


def test_pages_are_kept_again_once_the_deadline_has_passed(case_file, reporter, editor, mailoutbox, monkeypatch):
    from casefile.workflow import replies

    request = ask_with_three_days_left(case_file, reporter, editor)
    assert kept(Fact, "contract-value") == ""

    later, real_localdate = request.deadline + datetime.timedelta(days=1), timezone.localdate
    monkeypatch.setattr(timezone, "localdate", lambda value=None, timezone=None: (
        later if value is None else real_localdate(value, timezone)))
    with committed():
        replies.notify_passed_deadlines()

    assert "had not responded by" in kept(Fact, "contract-value")


def test_retitling_the_case_renders_again_every_page_of_it(client, case_file, reporter, editor):
    case_file.title = "Harbour contracts and the quay"
    save(case_file, reporter)
    with committed():
        approve_all(editor, case_file)

    assert stale_pages(case_file) == []
    for address in KEPT_PAGES:
        assert "Harbour contracts and the quay" in page(client, case_url(case_file, *address))


def test_a_reply_request_deleted_by_mistake_leaves_the_pages(client, case_file, reporter, editor):
    from casefile.workflow import replies
    from tests.replies.support import allege, ask, versions_of_change

    fact, mayor = Fact.objects.get(slug="contract-value"), Actor.objects.get(slug="ana-mayor")
    allege(fact, mayor, reporter)
    request = ask(fact, mayor, reporter, outcome=ReplyRequest.Outcome.DECLINED)
    with committed():
        replies.approve_without_reply(editor, versions_of_change(fact), "", "Compiled from court records.")
    assert "Ana Mayor declined to comment." in kept(Fact, "contract-value")

    with committed():
        replies.delete_reply_requests([request], editor, "Entered by mistake")
    assert stale_pages(case_file) == []

    for address in [("fact_detail", "contract-value"), ("actor_detail", "ana-mayor")]:
        assert "declined to comment" not in page(client, case_url(case_file, *address))


def test_a_reply_request_put_to_someone_else_leaves_the_first_actors_pages(client, case_file, reporter, editor):
    from casefile.workflow import replies
    from tests.replies.support import allege, ask, versions_of_change

    fact, mayor = Fact.objects.get(slug="contract-value"), Actor.objects.get(slug="ana-mayor")
    allege(fact, mayor, reporter)
    request = ask(fact, mayor, reporter, outcome=ReplyRequest.Outcome.DECLINED)
    with committed():
        replies.approve_without_reply(editor, versions_of_change(fact), "", "Compiled from court records.")
    assert "Ana Mayor declined to comment." in kept(Actor, "ana-mayor")

    request.actor = Actor.objects.get(slug="quay-builders")
    with committed():
        replies.save_reply_request(request, editor, was_waiting=False)
    assert stale_pages(case_file) == []

    assert "Ana Mayor declined to comment." not in page(client, case_url(case_file, "actor_detail", "ana-mayor"))

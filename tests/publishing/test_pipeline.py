"""Publishing after the click: what the approval does in its transaction, and what the task worker does after."""

import logging

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django_tasks_db.models import DBTaskResult

from casefile import workflow
from casefile.models import Case, Fact, KeptPage, Publication
from casefile.published.rendered import release
from casefile.publishing import kept_pages
from casefile.signals import published
from tests.factories import committed, save
from tests.public.pages import case_url, page

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "edge", "mail"]}}


@pytest.fixture
def announcements():
    heard = []

    def listen(change, **kwargs):
        heard.append(change)

    published.connect(listen)
    yield heard
    published.disconnect(listen)


@pytest.fixture
def queued_tasks(settings, keeps_pages):
    """Tasks are queued in the database and run only when the worker runs (`run_worker`).

    The worker is the real one, which opens and closes its own database
    connections: the tests that run it commit what they do.
    """
    settings.TASKS = DATABASE_TASKS


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*", verbosity=0)


# The worker closes the test's connection, so these tests commit: no savepoint to roll back.
with_the_worker = pytest.mark.django_db(transaction=True)


def edit_fact(reporter, statement):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = statement
    return save(fact, reporter)


def fact_page():
    return KeptPage.objects.filter(
        publication__in=Publication.objects.of_kind(Fact).filter(slug="contract-value"), language="en-gb"
    )


def kept_fact_page():
    return fact_page().values_list("page", "rendered_with").get()


def test_an_approval_is_announced_once_after_its_commit_with_the_cases_and_records_it_changed(
    case_file, reporter, editor, announcements
):
    fact = edit_fact(reporter, "The contract was worth 6 million.")
    with committed():
        with transaction.atomic():
            workflow.approve_case(editor, case_file, "")
            workflow.approve_case(editor, case_file, "")
            assert announcements == []

    [change] = announcements
    assert change.cases == {case_file.pk}
    assert ("fact", fact.pk) in change.records
    assert "harbour" in change.slugs


def test_an_approval_rolled_back_announces_nothing(case_file, reporter, editor, announcements):
    edit_fact(reporter, "The contract was worth 6 million.")
    with committed():
        with transaction.atomic():
            workflow.approve_case(editor, case_file, "")
            transaction.set_rollback(True)

    assert announcements == []


def test_a_change_in_a_savepoint_rolled_back_leaves_the_rest_of_the_transaction_announced(
    case_file, reporter, editor, announcements
):
    edit_fact(reporter, "The contract was worth 6 million.")
    with committed():
        with transaction.atomic():
            with transaction.atomic():
                workflow.changed_for_readers({case_file.pk})
                transaction.set_rollback(True)
            workflow.approve_case(editor, case_file, "")

    assert len(announcements) == 1
    assert announcements[0].cases == {case_file.pk}


@with_the_worker
def test_a_reader_gets_the_new_version_between_the_commit_and_the_workers_render(
    case_file, reporter, editor, queued_tasks
):
    url = case_url(case_file, "fact_detail", "contract-value")
    assert "The contract was worth 5 million." in page(Client(), url)

    edit_fact(reporter, "The contract was worth 6 million.")
    with committed():
        workflow.approve_case(editor, case_file, "")

    kept_before, rendered_with = kept_fact_page()
    assert "5 million" in kept_before and rendered_with == ""
    assert "The contract was worth 6 million." in page(Client(), url)
    assert DBTaskResult.objects.filter(task_path__endswith="keep_pages").exists()

    run_worker()

    kept_after, rendered_with = kept_fact_page()
    assert "The contract was worth 6 million." in kept_after and rendered_with == release()
    assert "The contract was worth 6 million." in page(Client(), url)


def test_the_approval_marks_stale_only_the_pages_that_show_what_changed(case_file, reporter, editor, queued_tasks):
    edit_fact(reporter, "The contract was worth 6 million.")
    with committed():
        workflow.approve_case(editor, case_file, "")

    stale = set(KeptPage.objects.filter(publication__case=case_file).exclude(rendered_with=release()).values_list(
        "publication__content_type__model", "publication__slug"
    ))
    assert ("fact", "contract-value") in stale and ("case", "harbour") in stale
    assert ("actor", "ana-mayor") in stale
    # Neither the firm's page nor the signing's shows the fact.
    assert ("actor", "quay-builders") not in stale
    assert ("event", "contract-signed") not in stale


@with_the_worker
def test_a_page_kept_by_another_release_is_queued_on_its_first_request_and_kept_again(
    case_file, queued_tasks
):
    fact_page().update(rendered_with="an-earlier-release")
    url = case_url(case_file, "fact_detail", "contract-value")

    for _ in range(3):
        assert "The contract was worth 5 million." in page(Client(), url)

    assert DBTaskResult.objects.filter(task_path__endswith="keep_pages").count() == 1
    run_worker()
    assert kept_fact_page()[1] == release()


def test_keeping_pages_twice_keeps_nothing_more_the_second_time(case_file, keeps_pages):
    fact_page().update(rendered_with="")

    assert kept_pages.keep_case_pages(case_file.pk) == 1
    assert kept_pages.keep_case_pages(case_file.pk) == 0


@with_the_worker
def test_a_page_that_fails_to_render_is_tried_again_logged_and_meanwhile_rendered_for_readers(
    case_file, reporter, editor, queued_tasks, monkeypatch, caplog
):
    real_render = kept_pages._render_row

    def failing(row, case_slug, on_the_clock):
        if row.slug == "contract-value":
            raise RuntimeError("the template engine fell over")
        return real_render(row, case_slug, on_the_clock)

    monkeypatch.setattr(kept_pages, "_render_row", failing)
    edit_fact(reporter, "The contract was worth 6 million.")
    with committed():
        workflow.approve_case(editor, case_file, "")

    with caplog.at_level(logging.WARNING, logger="casefile.publishing.tasks"):
        run_worker()

    assert "the template engine fell over" in caplog.text
    attempts = DBTaskResult.objects.filter(task_path__endswith="keep_pages").order_by("enqueued_at")
    assert [task.args_kwargs["kwargs"].get("attempt", 1) for task in attempts][:2] == [1, 2]
    assert kept_fact_page()[1] == ""
    assert "The contract was worth 6 million." in page(Client(), case_url(case_file, "fact_detail", "contract-value"))


def test_without_kept_pages_readers_get_every_page_rendered_for_them(case_file, reporter, editor):
    edit_fact(reporter, "The contract was worth 6 million.")
    with committed():
        workflow.approve_case(editor, case_file, "")

    assert kept_fact_page()[1] == ""
    assert "The contract was worth 6 million." in page(
        Client(), case_url(case_file, "fact_detail", "contract-value")
    )
    assert Publication.objects.of_kind(Case).get().pk


@with_the_worker
def test_approvals_while_a_task_for_their_case_waits_queue_no_second_one_and_it_keeps_both(
    case_file, reporter, editor, queued_tasks
):
    edit_fact(reporter, "The contract was worth 6 million.")
    workflow.approve_case(editor, case_file, "")
    mayor = case_file.actors.get(slug="ana-mayor")
    mayor.name = "Ana Mayor-Vidal"
    save(mayor, reporter)
    workflow.approve_case(editor, case_file, "")

    assert DBTaskResult.objects.filter(task_path__endswith="keep_pages").count() == 1
    run_worker()

    assert KeptPage.objects.filter(publication__case=case_file).exclude(rendered_with=release()).count() == 0
    kept_after = kept_fact_page()[0]
    assert "The contract was worth 6 million." in kept_after and "Ana Mayor-Vidal" in kept_after


def test_the_worker_keeps_record_pages_before_case_pages_and_the_newsrooms_language_before_translations(case_file):
    from casefile.workflow.publication import keep_stale_pages

    KeptPage.objects.filter(publication__case=case_file).update(rendered_with="")
    order = []
    keep_stale_pages(case_file.pk, case_file.slug, "this-release", lambda page: order.append(
        (page.publication.content_type.model == "case", page.language)
    ))

    assert order == sorted(order, key=lambda kept: (kept[0], kept[1] != "en-gb"))
    assert order[0] == (False, "en-gb") and order[-1] == (True, "zh-hans")


@with_the_worker
def test_an_approval_queues_its_translations_pages_after_every_page_in_the_newsrooms_language(
    case_file, reporter, editor, queued_tasks
):
    edit_fact(reporter, "The contract was worth 6 million.")
    workflow.approve_case(editor, case_file, "")

    queued = dict(DBTaskResult.objects.values_list("task_path", "priority"))
    source = queued.pop("casefile.publishing.tasks.keep_pages")
    assert queued.pop("casefile.publishing.tasks.keep_translated_pages") < source
    run_worker()

    pages = KeptPage.objects.filter(publication__case=case_file)
    assert set(pages.values_list("language", flat=True)) == {"en-gb", "zh-hans"}
    assert not pages.exclude(rendered_with=release()).exists()

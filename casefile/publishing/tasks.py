"""The tasks publishing leaves for after the commit, run by the task worker (`manage.py db_worker`).

Each is safe to run twice: keeping pages keeps only those still stale, and
purging keys twice purges nothing more. A task that fails is tried again,
later each time, up to ATTEMPTS times; the failure is logged each time.
What it leaves undone stays correct for readers: a page not kept is
rendered for each of them, and an edge entry not purged expires.
The same worker sends the newsroom's notices (`workflow.notify.send_notice`,
tried again on the same schedule).
"""

import datetime
import logging

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

ATTEMPTS = 4


@task()
def keep_pages(case_id, attempt=1):
    """Render again and keep the stale pages of a case in the newsroom's language."""
    from .kept_pages import keep_source_case_pages

    _with_retries(keep_pages, keep_source_case_pages, case_id, attempt=attempt)


# After every task keeping pages in the newsroom's language, those of approvals made since included: a
# translation's page follows its English page, and never holds up the next approval's.
@task(priority=-10)
def keep_translated_pages(case_id, attempt=1):
    """Render again and keep the stale pages of a case in the languages it is translated into."""
    from .kept_pages import keep_translated_case_pages

    _with_retries(keep_translated_pages, keep_translated_case_pages, case_id, attempt=attempt)


# Before the pages' own renders: a purge is a request, a render many.
@task(queue_name="edge", priority=10)
def purge_edge(keys, attempt=1):
    """Purge these surrogate keys from the edge cache."""
    from .edge import purge

    _with_retries(purge_edge, purge, keys, attempt=attempt)


# Before the pages: the pages it publishes are rendered after it.
@task(priority=20)
def carry_out_scheduled(attempt=1):
    """Publish what editors approved for a time now come, take off what expired, and all that is overdue."""
    from ..workflow.scheduling import carry_out_due

    _with_retries(carry_out_scheduled, carry_out_due, attempt=attempt)


def _with_retries(this_task, work, *arguments, attempt):
    try:
        work(*arguments)
    except Exception:
        if attempt >= ATTEMPTS:
            logger.exception("%s%r failed %d times; giving up", this_task.name, arguments, attempt)
            raise
        logger.warning("%s%r failed (attempt %d); trying again", this_task.name, arguments, attempt, exc_info=True)
        later(this_task, attempt).enqueue(*arguments, attempt=attempt + 1)


def later(this_task, attempt):
    """`this_task`, to run again after its `attempt` failed: 2, 4, 8 seconds later where the backend can wait,
    at once where it cannot."""
    if this_task.get_backend().supports_defer:
        return this_task.using(run_after=timezone.now() + datetime.timedelta(seconds=2 ** attempt))
    return this_task

"""A transaction that lost a race to another is run again, from its start, and then sees what the other did.

Two races end in an error from PostgreSQL where SQLite, which lets one writer
in at a time, makes the second wait:
- a deadlock: every change takes its locks in one order
  (`workflow.publication`), so two changes wait for each other; should
  PostgreSQL find a deadlock all the same, it rolls one of them back (SQLSTATE
  40P01) and lets the other go on; a serialization failure (40001) is the same;
- a key taken meanwhile: two people saving at once one record under the same
  slug (a double click on Save, a slug made from the same statement, two
  records renamed alike) both pass the form's check, and the second insert
  breaks the unique constraint (23505) once the first commits.
Either transaction changed nothing, so it is tried again as a whole, a little
later each time: a request by `RetryMiddleware`, other work by `retried()`.
Tried again, a form sees the record saved meanwhile and says so, as it does
on SQLite, or makes another slug. Inside a transaction nothing is tried again:
the error goes up to where the transaction began. When every try fails, the
person is told that nothing was saved and given their input to send again.
"""

import functools
import logging
import random
import time

from django.contrib.messages.storage import default_storage
from django.db import DatabaseError, transaction
from django.template.response import TemplateResponse

logger = logging.getLogger(__name__)

# deadlock_detected, serialization_failure, unique_violation
LOST_RACES = {"40P01", "40001", "23505"}
ATTEMPTS = 4
# The first wait before trying again, doubled each time, and at random up to
# as long again, so that two victims of one deadlock do not meet again.
FIRST_WAIT_SECONDS = 0.05


def lost_a_race(error):
    """Whether a database error says another transaction got there first: a deadlock, or a key taken meanwhile."""
    return isinstance(error, DatabaseError) and getattr(error.__cause__, "sqlstate", None) in LOST_RACES


def _may_try_again(error, attempt):
    return lost_a_race(error) and attempt < ATTEMPTS and not transaction.get_connection().in_atomic_block


def _wait_before(attempt):
    wait = FIRST_WAIT_SECONDS * 2 ** (attempt - 1)
    time.sleep(wait + random.uniform(0, wait))


def retried(function):
    """Run `function`, which runs one or more whole transactions, again when one lost a race.

    Called inside a transaction, it runs once: the caller's transaction is the
    one to try again.
    """
    @functools.wraps(function)
    def run(*args, **kwargs):
        attempt = 1
        while True:
            try:
                return function(*args, **kwargs)
            except DatabaseError as error:
                if not _may_try_again(error, attempt):
                    raise
                logger.warning("%s lost a race to another transaction (try %d of %d); trying again",
                               function.__qualname__, attempt, ATTEMPTS, exc_info=True)
            _wait_before(attempt)
            attempt += 1
    return run


class RetryMiddleware:
    """Run a view again when its transaction lost a race; answer with the input kept when every try did.

    Last among the middleware: the request is checked, its session and user
    read, once; each try starts from the request as it came in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        if request.method not in ("GET", "HEAD"):
            # Read once, before the view: the body cannot be read a second time.
            request.POST, request.FILES
        arrived = dict(request.__dict__)
        attempt = 1
        while True:
            try:
                return view(request, *args, **kwargs)
            except DatabaseError as error:
                if not lost_a_race(error) or transaction.get_connection().in_atomic_block:
                    raise
                if attempt == ATTEMPTS:
                    logger.error("%s %s lost a race to another transaction %d times; nothing was saved",
                                 request.method, request.path, ATTEMPTS, exc_info=True)
                    return not_saved(request)
                logger.warning("%s %s lost a race to another transaction (try %d of %d); trying again",
                               request.method, request.path, attempt, ATTEMPTS, exc_info=True)
            _wait_before(attempt)
            attempt += 1
            _as_it_arrived(request, arrived)


def _as_it_arrived(request, arrived):
    """Put the request back as it was before the view: views set attributes on it and replace its data."""
    request.__dict__.clear()
    request.__dict__.update(arrived)
    if "_messages" in arrived:
        # The messages of a try that was rolled back must not be shown.
        request._messages = default_storage(request)
    for _, files in request.FILES.lists():
        for uploaded in files:
            uploaded.seek(0)


def not_saved(request):
    """Tell the person nothing was saved, with what they sent ready to send again."""
    sending = request.method not in ("GET", "HEAD")
    fields = [
        (name, value) for name, values in request.POST.lists() if name != "csrfmiddlewaretoken" for value in values
    ] if sending else []
    response = TemplateResponse(request, "not_saved.html", {
        "sending": sending, "fields": fields, "files": sending and bool(request.FILES), "attempts": ATTEMPTS,
    }, status=503)
    response.headers["Retry-After"] = "1"
    response.headers["Cache-Control"] = "no-store"
    return response

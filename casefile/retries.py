"""A transaction PostgreSQL rolls back to break a deadlock is run again, from its start.

Every change takes its locks in one order (`workflow.publication`), so two
changes wait for each other rather than deadlock. Should PostgreSQL find a
deadlock all the same, it rolls one of the transactions back (SQLSTATE 40P01)
and lets the other go on; a transaction refused for a serialization failure
(40001) is in the same place. Either changed nothing, so it is tried again as
a whole, a little later each time: a request by `LockConflictRetryMiddleware`,
other work by `retried()`. Inside a transaction nothing is tried again: the
error goes up to where the transaction began. When every try fails, the person
is told that nothing was saved and given their input back to send again.
"""

import functools
import logging
import random
import time

from django.contrib.messages.storage import default_storage
from django.db import OperationalError, transaction
from django.template.response import TemplateResponse

logger = logging.getLogger(__name__)

# deadlock_detected, serialization_failure
LOCK_CONFLICTS = {"40P01", "40001"}
ATTEMPTS = 4
# The first wait before trying again, doubled each time, and at random up to
# as long again, so that two victims of one deadlock do not meet again.
FIRST_WAIT_SECONDS = 0.05


def is_lock_conflict(error):
    """Whether a database error says the transaction lost a deadlock or a serialization check."""
    return isinstance(error, OperationalError) and getattr(error.__cause__, "sqlstate", None) in LOCK_CONFLICTS


def _wait_before(attempt):
    wait = FIRST_WAIT_SECONDS * 2 ** (attempt - 1)
    time.sleep(wait + random.uniform(0, wait))


def _may_retry(error, attempt):
    return is_lock_conflict(error) and attempt < ATTEMPTS and not transaction.get_connection().in_atomic_block


def retried(function):
    """Run `function`, which runs one or more whole transactions, again when one loses a deadlock.

    Called inside a transaction, it runs once: the caller's transaction is the
    one to try again.
    """
    @functools.wraps(function)
    def run(*args, **kwargs):
        attempt = 1
        while True:
            try:
                return function(*args, **kwargs)
            except OperationalError as error:
                if not _may_retry(error, attempt):
                    raise
                logger.warning("%s lost a deadlock (try %d of %d); trying again", function.__qualname__, attempt,
                               ATTEMPTS)
                _wait_before(attempt)
                attempt += 1
    return run


class LockConflictRetryMiddleware:
    """Run a view again when its transaction lost a deadlock; answer with the input kept when every try did.

    Last among the middleware: the request is checked, its session and user
    read, once; each try starts from the request as it came in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        if request.method not in ("GET", "HEAD"):
            # Read once, before the view: its stream cannot be read a second time.
            request.POST, request.FILES
        arrived = dict(request.__dict__)
        attempt = 1
        while True:
            try:
                return view(request, *args, **kwargs)
            except OperationalError as error:
                if not is_lock_conflict(error) or transaction.get_connection().in_atomic_block:
                    raise
                if attempt == ATTEMPTS:
                    logger.error("%s %s lost a deadlock %d times; nothing was saved", request.method,
                                 request.path, ATTEMPTS, exc_info=True)
                    return not_saved(request)
                logger.warning("%s %s lost a deadlock (try %d of %d); trying again", request.method, request.path,
                               attempt, ATTEMPTS)
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
        "sending": sending, "fields": fields, "files": sending and bool(request.FILES),
        "attempts": ATTEMPTS,
    }, status=503)
    response.headers["Retry-After"] = "1"
    response.headers["Cache-Control"] = "no-store"
    return response

"""What a load balancer and monitoring are told of this instance: alive, and ready to serve.

Each check says only its state, never why: readers can reach these pages too.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.models import Case, F, Min, When
from django.db.models.functions import Greatest
from django.utils import timezone

# A task queued this long ago and not yet run means the worker is down or far behind.
TASKS_LATE_SECONDS = 60


def readiness():
    """{check: state} of what serving needs, and whether the instance can serve at all (the database)."""
    tasks, waiting = _tasks()
    checks = {"database": _database(), "cache": _cache(), "tasks": tasks, "tasks_waiting_seconds": waiting}
    return checks, checks["database"] == "up"


def _database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "down"
    return "up"


def _cache():
    client = getattr(cache, "_cache", None)
    if client is None or not hasattr(client, "get_client"):
        return "local"
    try:
        client.get_client(None).ping()
    except client._lib.exceptions.RedisError:
        return "down"
    return "up"


def _tasks():
    """The queue's state and how long its oldest task due has waited (seconds, None if unknown).

    'up'; 'late' when that task has waited longer than TASKS_LATE_SECONDS
    (the worker is down or far behind); 'down' when the queue cannot be
    read; 'immediate' when tasks run in the request.
    """
    if settings.TASKS_BACKEND != "database":
        return "immediate", 0
    from django_tasks_db.models import DBTaskResult, get_date_max

    try:
        # A task set to run later (a publication at its time) waits from that time on, not from its queueing.
        due = DBTaskResult.objects.ready().annotate(due=Case(
            When(run_after=get_date_max(), then=F("enqueued_at")), default=Greatest("enqueued_at", "run_after"),
        ))
        oldest = due.aggregate(oldest=Min("due"))["oldest"]
    except DatabaseError:
        return "down", None
    waiting = 0 if oldest is None else max(0, round((timezone.now() - oldest).total_seconds()))
    return ("late" if waiting > TASKS_LATE_SECONDS else "up"), waiting

"""The editor's approval as the admin's review page posts it, over HTTP, and how soon the worker keeps the page again.

Each approval is of a fresh edit, saved through the ORM as a reporter's save
is: the review page of the record is opened through gunicorn as an editor's
browser opens it, and its form posted with the button "Approve all of the
above". The POST is timed from sending to the answer, with the processor
time the gunicorn workers spent on it; then the bench polls the record's
kept page until the task worker has kept it again, with the new text, by
this release.
"""

import html
import http.client
import re
import statistics
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import reverse

from bench.mixed_load import MARKER, new_marker
from bench.servers import settle, workers_cpu_ns
from casefile import models, workflow
from casefile.models import Decision
from casefile.published import rendered

# Past this, a page is reported as not kept at all.
KEPT_WITHIN_SECONDS = 60
POLL_SECONDS = 0.02
# What the editor's click sends besides the form's fields.
APPROVE_BUTTON = ("_approve", "Approve all of the above")



def decision_fields(page):
    """The hidden fields the review page's decision form posts: its token, the versions shown, what was seen."""
    start = page.find('<form method="post" id="decision-form">')
    if start < 0:
        return []
    form = page[start:]
    form = form[:form.index("</form>")]
    return [(name, html.unescape(value)) for name, value in re.findall(
        r'<input type="hidden" name="(csrfmiddlewaretoken|version|seen)" value="([^"]*)"', form
    )]

class ApprovalFailed(Exception):
    pass


@dataclass
class Subject:
    """A record the bench edits and approves again and again."""

    label: str
    model: type
    pk: int
    page: str
    field: str = "statement"


@dataclass
class Timings:
    """One subject's approvals: wall and worker ms of each POST, seconds from its answer to the kept page."""

    wall_ms: list = field(default_factory=list)
    worker_ms: list = field(default_factory=list)
    # Of the approvals that were the first a worker served: one pays for what a worker does once.
    first_in_worker_ms: list = field(default_factory=list)
    kept_seconds: list = field(default_factory=list)
    not_kept: int = 0


def reporter():
    """The reporter whose saves the bench's approvals publish."""
    user, _ = get_user_model().objects.get_or_create(username="bench-reporter-approvals", defaults={"is_staff": True})
    return user


class AdminSession:
    """An editor logged in to the admin of one server, on a connection of its own for each request, as through a proxy.

    The cookies are kept by hand: in production they are Secure, which a
    cookie jar would not send over the bench's plain HTTP.
    """

    def __init__(self, base, user):
        self.base = base
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        client = Client()
        client.force_login(user)
        self.user = user
        self.cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            connection.request(method, path, body=body, headers={"Cookie": cookie, **(headers or {})})
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, text

    def open_review(self, subject):
        """The review page of the subject: its address and the fields its form posts to approve."""
        path = reverse("admin:casefile_review", args=[workflow.key_for(subject.model, subject.pk)])
        status, page = self.request("GET", path)
        if status != 200:
            raise ApprovalFailed(f"The review page {path} answered {status}.")
        fields = decision_fields(page)
        if not any(name == "version" for name, _ in fields):
            raise ApprovalFailed(f"The review page {path} offers nothing to approve.")
        return path, [*fields, ("comment", "checked"), ("public_note", ""), APPROVE_BUTTON]

    def approve(self, path, fields):
        """Post the review's approval; (wall seconds, the time its answer came)."""
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.base,
            "Referer": self.base + path,
        }
        started = time.perf_counter()
        status, page = self.request("POST", path, urlencode(fields), headers)
        answered = time.perf_counter()
        if status != 302:
            refusal = re.search(r'<li class="error">(.*?)</li>', page, re.DOTALL)
            raise ApprovalFailed(f"The approval at {path} answered {status}: "
                                 f"{html.unescape(refusal.group(1)) if refusal else 'no message'}")
        return answered - started, answered


def approved_versions(fields):
    """The history ids of the versions the form approved."""
    return {int(value.rpartition("@")[2]) for name, value in fields if name == "version"}


def fresh_edit(subject, user):
    """Save a new version of the subject with a marker in its text, as a reporter's save does; the marker."""
    marker = new_marker()
    with transaction.atomic():
        record = subject.model.objects.select_for_update().get(pk=subject.pk)
        text = MARKER.sub("", getattr(record, subject.field)).removesuffix(" []")
        setattr(record, subject.field, f"{text} [{marker}]")
        workflow.save_record(record, user, f"Edit {marker}")
    return marker


def kept_by_this_release():
    return models.KeptPage.objects.filter(rendered_with=rendered.release())


def kept_after(subject, marker, since):
    """Seconds from `since` (perf_counter) until the subject's page is kept with `marker`; None past the limit."""
    kept = kept_by_this_release().filter(
        publication__content_type=ContentType.objects.get_for_model(subject.model),
        publication__object_id=subject.pk,
        page__contains=marker,
    )
    while not kept.exists():
        if time.perf_counter() - since > KEPT_WITHIN_SECONDS:
            return None
        time.sleep(POLL_SECONDS)
    return time.perf_counter() - since


def measure_approvals(server, editor, subjects, count):
    """`count` approvals of each subject through the server, one at a time on an idle server; Timings by label."""
    base, process = server
    session = AdminSession(base, editor)
    author = reporter()
    timings = {}
    approved_in = set()
    for subject in subjects:
        timings[subject.label] = found = Timings()
        for _ in range(count):
            marker = fresh_edit(subject, author)
            path, fields = session.open_review(subject)
            settle(process.pid)
            cpu_before = workers_cpu_ns(process.pid)
            wall, answered = session.approve(path, fields)
            kept = kept_after(subject, marker, answered)
            # By now the worker has long finished with the request.
            used = {pid: ns - cpu_before.get(pid, 0) for pid, ns in workers_cpu_ns(process.pid).items()}
            worker_ms = sum(used.values()) / 1e6
            found.worker_ms.append(worker_ms)
            served_by = max(used, key=used.get)
            if served_by not in approved_in:
                approved_in.add(served_by)
                found.first_in_worker_ms.append(worker_ms)
            found.wall_ms.append(wall * 1000)
            if kept is None:
                found.not_kept += 1
            else:
                found.kept_seconds.append(kept)
            if not Decision.objects.filter(history_id__in=approved_versions(fields), decided_by=editor).exists():
                raise ApprovalFailed(f"The approval of {subject.label} answered but recorded no decision.")
    return timings


def approving_over_http(newsroom, session, subjects, timings, pause):
    """A role of the mixed load: edit, approve through the site and wait for the kept page, each subject in turn.

    Its saves and approvals go through the mixed load's checks like the
    others'; `timings[label].kept_seconds` gets the seconds from each
    approval's answer to the kept page.
    """
    author = reporter()

    def review():
        for subject in subjects:
            time.sleep(pause)
            with newsroom.turn():
                marker = fresh_edit(subject, author)
            with newsroom.record:
                newsroom.saved.append((subject.model, subject.pk, marker))
            path, fields = session.open_review(subject)
            _, answered = session.approve(path, fields)
            with newsroom.record:
                newsroom.approved_by_editor.update(approved_versions(fields))
            kept = kept_after(subject, marker, answered)
            with newsroom.record:
                if kept is None:
                    timings[subject.label].not_kept += 1
                else:
                    timings[subject.label].kept_seconds.append(kept)

    return review


def median_and_max(values):
    return (statistics.median(values), max(values)) if values else (float("nan"), float("nan"))

"""Fixtures shared by every test.

The case files most tests start from (the small case, its disputed version,
the seeded case, the large case) are each built once per test session (once
per worker): tests that ask for one run inside a savepoint over it, which
rolls back after each test, so every such test starts from it unchanged. Tests are ordered so that those sharing a case run
together; a test that commits (a live server, concurrent writes) builds
what it needs itself.
"""

import gc

import pytest
from _pytest import runner
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from casefile import published, workflow
from casefile.models import Case, Fact, Publication
from casefile.published.rendered import served_bytes

from .browser import SERVED_CASES, served_case_of, uses_served_database
from .factories import (
    SEED_FIXTURE,  # noqa: F401  (imported from here by older test modules)
    approve_all,  # noqa: F401
    build_case_file,
    build_disputed_case,
    give_the_workflow_groups_their_permissions,
    grow,
    load_seeded_case,
    make_user,
    save,  # noqa: F401
)

# The browser tests' fixtures (Chromium, the served case) live beside their
# helpers; the test database, made from a migrated copy, in its own module.
pytest_plugins = ["tests.browser", "tests.database"]


def pytest_configure(config):
    from django.conf import settings

    # Django's default hasher is slow on purpose; tests log in hundreds of
    # made-up users. Production keeps the default (newsroom/settings.py).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_finish(session):
    # What collection made (every test, its module and the libraries they
    # import) lives to the end of the session: frozen, Python's collector
    # stops going through it again at each of its oldest-generation passes,
    # which took a tenth of the time of tests that render many pages.
    gc.collect()
    gc.freeze()


def _with_room_for_deep_calls(call, *args, **kwargs):
    return call(*args, **kwargs)


# CPython 3.11 keeps a thread's frames in chunks of 16 KiB: it maps one from
# the system when a call finds the last one full and unmaps it as soon as that
# call returns. A Django page renders dozens of templates deep, and an admin
# test went up and down across a chunk's end about 1,800 times: each time the
# system handed over fresh pages again, 700,000 page faults in the admin
# tests' 30 seconds and a seventh of the tests' CPU time. A frame that claims
# a value stack of just over 1 MiB gets a chunk of 2 MiB and leaves the rest
# of it to the calls below it, which then never need another: only the pages
# they reach are touched, once.
_with_room_for_deep_calls.__code__ = _with_room_for_deep_calls.__code__.replace(co_stacksize=(1 << 17) + 64)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    """pytest's own run of a test (its setup, call and teardown), below a frame with room for deep calls."""
    return _with_room_for_deep_calls(runner.pytest_runtest_protocol, item=item, nextitem=nextitem)


def staff():
    return make_user("rita", workflow.REPORTERS), make_user("edna", workflow.EDITORS)


def build_large():
    reporter, editor = staff()
    grow(build_case_file(reporter, editor), reporter, editor, 600)


def keep_every_case_pages():
    from casefile.publishing.kept_pages import keep_case_pages

    for case_id in Publication.objects.of_kind(Case).values_list("object_id", flat=True):
        keep_case_pages(case_id)


# The shared case files, in the order they are built: each builds on those before it that it needs.
# Tests asking for several run in a savepoint over each, so that going from
# (seeded_case, case_file) to seeded_case alone rolls back the small case only.
# Last, the pages of the cases held, kept: shared by the tests of kept pages
# (`keeps_pages`) that start from the same case files.
SHARED_CASES = {
    "seeded_case": lambda: load_seeded_case(staff()[1]),
    "large_case": build_large,
    "case_file": lambda: build_case_file(*staff()),
    "disputed_case": lambda: build_disputed_case(Case.objects.get(slug="harbour"), *staff()),
    "kept_pages": keep_every_case_pages,
}
BUILT_ON = {"disputed_case": "case_file"}


def is_transactional(item):
    marker = item.get_closest_marker("django_db")
    return (
        "transactional_db" in item.fixturenames or "live_server" in item.fixturenames
        or (marker is not None and marker.kwargs.get("transaction", False))
    )


def shared_cases_of(item):
    """The shared case files a test works on, in the order they are built: asked for by name, or by a fixture's parameter."""
    if is_transactional(item):
        return ()
    names = set(getattr(item, "fixturenames", ()))
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        names.update(value for value in callspec.params.values() if isinstance(value, str))
    names.update(BUILT_ON[name] for name in list(names) if name in BUILT_ON)
    if "keeps_pages" in names and names & set(SHARED_CASES):
        names.add("kept_pages")
    return tuple(name for name in SHARED_CASES if name in names)


class SharedCases:
    """The shared case files held open, uncommitted, on the test database's connection: one savepoint each."""

    def __init__(self):
        self.held, self.savepoints, self.blocker = (), [], None
        self.read = {}

    def hold(self, names, blocker):
        """Hold `names` (in build order), keeping those held that are the start of it."""
        kept = 0
        while kept < min(len(names), len(self.held)) and names[kept] == self.held[kept]:
            kept += 1
        self.release(keep=kept)
        if len(names) == kept:
            return
        self.blocker = blocker
        with blocker.unblock():
            for name in names[kept:]:
                savepoint = transaction.atomic()
                savepoint.__enter__()
                self.savepoints.append(savepoint)
                SHARED_CASES[name]()
                # The builds never commit: what they leave for a commit (the
                # announcement of what readers see, mail) must not reach a test.
                transaction.get_connection().run_on_commit.clear()
                self.held += (name,)
            # What the builds leave alive lives as long as they are held: out of the collector's way too.
            gc.collect()
            gc.freeze()

    def remembered(self, what, read):
        """`read()`, read once while the case files held now stay held as built: for tests that only read them.

        What a test changes is rolled back after it, so what a later test reads
        of the same case files before changing anything is the same. Nothing is
        remembered when no case file is held: each such test has a database of its own.
        """
        if not self.held:
            return read()
        if (self.held, what) not in self.read:
            self.read[(self.held, what)] = read()
        return self.read[(self.held, what)]

    def release(self, keep=0):
        """Roll back the case files held after the first `keep`."""
        if len(self.savepoints) <= keep:
            return
        # Read of case files no longer held as they were.
        self.read = {key: value for key, value in self.read.items() if len(key[0]) <= keep}
        with self.blocker.unblock():
            while len(self.savepoints) > keep:
                savepoint = self.savepoints.pop()
                self.held = self.held[:-1]
                # At the end of a session the served site's teardown may have
                # ended the transaction already: nothing of it was committed.
                if transaction.get_connection().in_atomic_block:
                    transaction.set_rollback(True)
                    savepoint.__exit__(None, None, None)


shared_cases = SharedCases()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    # After pytest-django's own order, which this one keeps: tests that
    # commit after those that do not. The browser tests first, the slowest,
    # each served case's together (tests/browser.py puts the database back as
    # it found it after them); then the tests of each shared case file, the
    # those asking for the same first case files together, so that each is built once; tests that
    # commit last: they empty every table when they end. xdist hands the workers tests in this order,
    # so each worker keeps it, and the many short tests at the end even out when they finish.
    shared, served = list(SHARED_CASES), [None, *SERVED_CASES]
    items.sort(key=lambda item: (
        not uses_served_database(item),
        is_transactional(item),
        served.index(served_case_of(item)) if uses_served_database(item) else 0,
        [shared.index(name) for name in shared_cases_of(item)] or [len(shared)],
    ))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before any fixture of the test opens its own transaction.
    if shared_cases_of(item) != shared_cases.held:
        shared_cases.release()


@pytest.fixture(scope="session")
def _shared_case_connection(django_db_setup, django_db_blocker):
    yield django_db_blocker
    # Before the test database goes.
    shared_cases.release()


@pytest.fixture(autouse=True)
def _shared_case_files(request):
    names = shared_cases_of(request.node)
    if names:
        shared_cases.hold(names, request.getfixturevalue("_shared_case_connection"))


@pytest.fixture(autouse=True)
def _pages_kept_only_where_tested(request, settings):
    """Publishing keeps no page after a commit unless the test is about kept pages (`keeps_pages`).

    Readers then get every page rendered for their request, as they do a
    page not kept yet: the same page, without rendering each case's pages
    at every approval of every test.
    """
    settings.KEEP_PUBLIC_PAGES = "keeps_pages" in request.fixturenames


@pytest.fixture
def keeps_pages(settings, db):
    """Pages are kept after each commit (at once: the immediate task backend), and those of every case now:
    those of the shared case files were kept with them, once."""
    settings.KEEP_PUBLIC_PAGES = True
    keep_every_case_pages()


@pytest.fixture
def reporter(db):
    return make_user("rita", workflow.REPORTERS)


@pytest.fixture
def other_reporter(db):
    return make_user("oscar", workflow.REPORTERS)


@pytest.fixture
def editor(db):
    return make_user("edna", workflow.EDITORS)


@pytest.fixture
def lawyer(db):
    """A member of the Legal group: reads everything, clears or refuses flagged changes, edits nothing."""
    return make_user("lola", "Legal")


@pytest.fixture
def lawyer_client(lawyer):
    client = Client()
    client.force_login(lawyer)
    return client


@pytest.fixture
def reporter_client(reporter):
    client = Client()
    client.force_login(reporter)
    return client


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def case_file(reporter, editor):
    """A small published case: two actors, a source, an event and a fact citing the source."""
    if "case_file" in shared_cases.held:
        return Case.objects.get(slug="harbour")
    return build_case_file(reporter, editor)


@pytest.fixture
def fact(case_file):
    """The published fact of `case_file`."""
    return Fact.objects.get(slug="contract-value")


@pytest.fixture
def seeded_case(db, editor):
    """The Fuzhou case of fixtures/fuzhou-genesis.json, loaded and approved by `editor`."""
    if "seeded_case" not in shared_cases.held:
        load_seeded_case(editor)
    return Case.objects.get(slug="fuzhou-genesis")


@pytest.fixture
def reached_pages(db):
    """Every public page a reader reaches from the home page, {address: (status, body)}: of the shared
    case files this test starts from, crawled once while they stay as built (the seeded case's
    242 pages took 15 s). For tests that read them before changing anything."""
    from tests.public.pages import crawl_pages

    return shared_cases.remembered("pages reached from the home page", lambda: crawl_pages(Client()))


@pytest.fixture
def large_case(db, reporter, editor, monkeypatch):
    """`case_file` grown to 601 facts and 61 actors, events and sources, listed 25 to a page."""
    if "large_case" not in shared_cases.held:
        grow(build_case_file(reporter, editor), reporter, editor, 600)
    monkeypatch.setattr(published, "LIST_PAGE_SIZE", 25)
    return Case.objects.get(slug="harbour")


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with no cached public page from an earlier test, nor a kept page's bytes.

    Rolled-back tests can hand out the same decision ids again, so a page
    cached by one test could otherwise be served to the next; and tests
    sharing a case file share its kept pages' stamps, which a test that
    writes a kept page's text by hand leaves as they were.
    """
    cache.clear()
    served_bytes.clear()
    yield
    cache.clear()
    served_bytes.clear()


@pytest.fixture
def disputed_case(case_file, reporter, editor):
    """`case_file` grown by a disputed fact with a source on each side, a relayed source
    of unknown origin, a relationship and an event known only to the year."""
    if "disputed_case" in shared_cases.held:
        return case_file
    return build_disputed_case(case_file, reporter, editor)


@pytest.fixture(autouse=True)
def workflow_groups_in_transactional_tests(request):
    """The reporter and editor groups, in a test that runs outside a transaction.

    A migration makes the groups, and each transactional test (a live
    server, concurrent saves) ends by putting back the rows it found
    (tests/database.py); should every table have been emptied instead (a
    migration test stopped midway), the next one makes them again here.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    give_the_workflow_groups_their_permissions()

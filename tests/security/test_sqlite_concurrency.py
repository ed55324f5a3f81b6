"""SQLite, the zero-setup database: people saving and approving at the same moment all succeed.

pytest-django's SQLite test database lives in memory, where no two
connections share a file, so these tests copy a migrated database file of
their own (tests/database.py) and drive it from a fresh interpreter with the
project's settings.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.database import migrated_sqlite_file

PROJECT = Path(__file__).resolve().parents[2]
REPORTERS_AT_ONCE = 4
EDITORS_AT_ONCE = 2
ROUNDS = 12


def run_in_project(arguments, database):
    """Run `python arguments` in the project, with development settings, on the SQLite file `database`."""
    environment = {
        key: value for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "ADMIN_PATH", "REDIS_URL", "DATABASE_URL"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DATABASE_URL=f"sqlite:///{database}",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    return subprocess.run(
        [sys.executable, *arguments], cwd=PROJECT, env=environment, capture_output=True, text=True,
        timeout=300,
    )


def save_and_approve_at_once():
    """In a fresh interpreter: reporters save and editors save and approve, all at the same moment.

    Each person works on a fact of their own, so nothing but the database
    stands between them. A reporter's save reads the fact and writes it in
    one transaction, as the admin's form does. Prints what went wrong and
    what was kept, as JSON.
    """
    import threading

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    from casefile import workflow
    from casefile.models import Case, Decision, Fact

    def person(username, group):
        # No password: nobody logs in here, and hashing one with the development
        # settings' slow hasher took most of the test's time.
        user = get_user_model().objects.create_user(username=username, password=None, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        return user

    first_editor = person("editor-0", workflow.EDITORS)
    case = Case(title="Harbour contracts", slug="harbour", summary="Who won the harbour contracts.")
    workflow.save_record(case, first_editor, "new case")
    people = [person(f"reporter-{n}", workflow.REPORTERS) for n in range(REPORTERS_AT_ONCE)]
    people += [first_editor] + [person(f"editor-{n}", workflow.EDITORS) for n in range(1, EDITORS_AT_ONCE)]
    facts = {}
    for user in people:
        fact = Fact(case=case, slug=f"fact-of-{user.username}", status=Fact.Status.UNVERIFIED,
                    statement=f"{user.username} wrote this.")
        fact.full_clean()
        workflow.save_record(fact, user, "first version")
        facts[user] = fact.pk
    workflow.approve_case(first_editor, case, "published")
    connection.close()

    errors = []
    start_together = threading.Barrier(len(people))

    def work(user):
        try:
            for round_number in range(ROUNDS):
                start_together.wait()
                try:
                    with transaction.atomic():
                        fact = Fact.objects.get(pk=facts[user])
                        fact.statement = f"{user.username} wrote this, round {round_number}."
                        workflow.save_record(fact, user, f"round {round_number}")
                    if workflow.is_editor(user):
                        latest = workflow.latest_version(Fact, fact.pk)
                        workflow.approve(user, {(Fact, fact.pk): latest.history_id}, f"round {round_number}")
                except Exception as error:
                    errors.append(f"{user.username}, round {round_number}: {type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(user,)) for user in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    print(json.dumps({
        "errors": errors,
        "versions": {
            user.username: Fact.history.filter(id=pk).count() for user, pk in facts.items()
        },
        "approvals": {
            user.username: Decision.objects.filter(
                object_id=pk, action=Decision.Action.APPROVED, comment__startswith="round"
            ).count()
            for user, pk in facts.items()
        },
    }))


def test_people_saving_and_approving_at_the_same_moment_all_succeed(tmp_path):
    database = migrated_sqlite_file(tmp_path / "casefile.sqlite3")

    result = run_in_project([
        "-c",
        "import django; django.setup()\n"
        "from tests.security.test_sqlite_concurrency import save_and_approve_at_once\n"
        "save_and_approve_at_once()",
    ], database)

    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome["errors"] == []
    # Every save kept, after the first version; every editor's every approval made.
    assert set(outcome["versions"].values()) == {1 + ROUNDS}
    assert outcome["approvals"] == {
        username: ROUNDS if username.startswith("editor") else 0 for username in outcome["approvals"]
    }

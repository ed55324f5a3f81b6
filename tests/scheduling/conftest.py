import pytest

from .support import DATABASE_TASKS


@pytest.fixture(autouse=True)
def tasks_run_later(settings):
    """Tasks wait in the database for the worker, which can run them at a set time."""
    settings.TASKS = DATABASE_TASKS

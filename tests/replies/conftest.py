"""Fixtures of the right-of-reply tests."""

import pytest

from .support import allege, mayor_and_fact


@pytest.fixture
def alleged(case_file, reporter):
    """A fact of `case_file` alleging wrongdoing by the mayor, waiting for review, put to no one yet."""
    mayor, fact = mayor_and_fact()
    fact.statement = "The mayor took a bribe for the contract."
    fact.save()
    allege(fact, mayor, reporter)
    return fact

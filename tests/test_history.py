from casefile.models import Actor, Fact
from tests.conftest import save


def test_each_edit_adds_exactly_one_version_with_user_and_reason(case_file, reporter):
    fact = Fact.objects.get(slug="contract-value")
    before = fact.history.count()
    fact.statement = "The contract was worth 6 million."
    save(fact, reporter, "Corrected the amount after the ruling")
    assert fact.history.count() == before + 1
    latest = fact.history.first()
    assert latest.history_user == reporter
    assert latest.history_change_reason == "Corrected the amount after the ruling"
    assert latest.statement == "The contract was worth 6 million."


def test_a_save_that_changes_nothing_adds_no_version(case_file, reporter):
    actor = Actor.objects.get(slug="ana-mayor")
    before = actor.history.count()
    save(actor, reporter, "pressed save without changing anything")
    assert actor.history.count() == before


def test_every_version_is_kept_in_order(case_file, reporter, other_reporter):
    fact = Fact.objects.get(slug="contract-value")
    for user, amount in [(reporter, "6"), (other_reporter, "7"), (reporter, "8")]:
        fact.statement = f"The contract was worth {amount} million."
        save(fact, user, f"amount {amount}")
    statements = [version.statement for version in fact.history.order_by("history_id")]
    assert statements == [
        "The contract was worth 5 million.",
        "The contract was worth 6 million.",
        "The contract was worth 7 million.",
        "The contract was worth 8 million.",
    ]
    assert [v.history_user for v in fact.history.order_by("history_id")][1:] == [
        reporter, other_reporter, reporter,
    ]

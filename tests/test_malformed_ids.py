"""Staff URLs and forms naming a record by an id that names none answer 404 or 400, never an error."""

import pytest
from django.urls import reverse

from casefile import workflow
from casefile.models import Decision, Fact
from tests.admin.pages import form_data, public_statement, review_url, shown_messages
from tests.factories import save

TOO_LARGE = "9" * 25
# Ids no record can have: not a number, beyond any database column, below zero, never given out.
NO_RECORD = {"letters": "abc", "too large": TOO_LARGE, "negative": "-5", "never given": "999999"}
MALFORMED = {"letters": "abc", "too large": TOO_LARGE}


def bad_ids(ids):
    return pytest.mark.parametrize("bad", list(ids.values()), ids=list(ids))


@pytest.fixture
def waiting_fact(fact, reporter):
    """The published fact with a change waiting for review.

    Saved as the workflow saves a form's change: these tests are about the
    addresses and forms that come after, not about the edit form.
    """
    fact.statement = "Worth 9 million."
    return save(fact, reporter)


def a_version_of(fact):
    return Fact.history.filter(id=fact.pk).first().history_id


RECORD_URLS = {
    "reset": ("post", lambda fact, bad: reverse("admin:casefile_fact_reset", args=[bad])),
    "history": ("get", lambda fact, bad: reverse("admin:casefile_fact_history", args=[bad])),
    "a version of no record": (
        "get", lambda fact, bad: reverse("admin:casefile_fact_simple_history", args=[bad, a_version_of(fact)])),
    "no version of a record": (
        "get", lambda fact, bad: reverse("admin:casefile_fact_simple_history", args=[fact.pk, bad])),
}


@bad_ids(NO_RECORD)
@pytest.mark.parametrize("page", list(RECORD_URLS))
def test_a_record_page_for_an_id_that_names_no_record_is_not_found(waiting_fact, editor_client, page, bad):
    method, url = RECORD_URLS[page]
    response = getattr(editor_client, method)(url(waiting_fact, bad))
    assert response.status_code == 404
    waiting_fact.refresh_from_db()
    assert waiting_fact.statement == "Worth 9 million."


@bad_ids({name: bad for name, bad in NO_RECORD.items() if name != "letters"})
def test_the_review_of_a_number_that_names_no_record_is_not_found(waiting_fact, editor_client, bad):
    url = reverse("admin:casefile_review", args=[f"casefile.fact:{bad}"])
    assert editor_client.get(url).status_code == 404
    assert editor_client.post(url, {"_approve": ["Approve"]}).status_code == 404


@bad_ids(MALFORMED)
def test_an_approval_naming_a_malformed_version_is_a_bad_request_and_approves_nothing(
    waiting_fact, editor_client, bad
):
    data = form_data(editor_client.get(review_url(waiting_fact)), having="_approve")
    data["version"] = [*data["version"], f"casefile.fact:{waiting_fact.pk}@{bad}"]
    decisions = Decision.objects.count()

    response = editor_client.post(review_url(waiting_fact), {**data, "_approve": ["Approve"]})

    assert response.status_code == 400
    assert Decision.objects.count() == decisions
    assert public_statement() == "The contract was worth 5 million."


def approve_selected(client, *keys):
    queue = client.get(reverse("admin:casefile_review_queue"))
    data = form_data(queue, action=reverse("admin:casefile_review_bulk"))
    data["selected"] = list(keys)
    return client.post(reverse("admin:casefile_review_bulk"), data)


@bad_ids(MALFORMED)
def test_approving_selected_records_with_a_malformed_key_among_them_is_a_bad_request_and_approves_nothing(
    waiting_fact, editor_client, bad
):
    decisions = Decision.objects.count()

    response = approve_selected(editor_client, workflow.key_for(Fact, waiting_fact.pk), f"casefile.fact:{bad}")

    assert response.status_code == 400
    assert Decision.objects.count() == decisions
    assert public_statement() == "The contract was worth 5 million."


@bad_ids({"negative": "-5", "never given": "999999"})
def test_approving_selected_records_one_of_which_never_existed_says_it_was_not_approved(
    waiting_fact, editor_client, bad
):
    response = approve_selected(editor_client, f"casefile.fact:{bad}")

    assert response.status_code == 302
    messages = shown_messages(editor_client.get(response["Location"]))
    assert any(message.startswith(f"Not approved: fact #{bad}") for message in messages)
    assert public_statement() == "The contract was worth 5 million."


@bad_ids({**MALFORMED, "a digit that is no decimal": "²"})
def test_the_review_queue_ignores_a_malformed_filter(waiting_fact, editor_client, bad):
    response = editor_client.get(reverse("admin:casefile_review_queue"), {"case": bad, "author": bad})
    assert response.status_code == 200
    assert review_url(waiting_fact) in response.content.decode()


@bad_ids({"negative": "-5", "never given": "999999"})
def test_the_review_queue_filtered_by_a_case_or_author_that_never_existed_shows_nothing_waiting(
    waiting_fact, editor_client, bad
):
    response = editor_client.get(reverse("admin:casefile_review_queue"), {"case": bad, "author": bad})
    assert response.status_code == 200
    assert "Nothing is waiting for review." in response.content.decode()


@pytest.mark.parametrize("case", ["²", "abc", "9" * 25, "-1"])
def test_a_record_list_or_add_form_for_a_malformed_case_opens_as_without_one(editor_client, case_file, case):
    assert editor_client.get(reverse("admin:casefile_fact_changelist") + f"?case__id__exact={case}").status_code in (
        200, 302,
    )
    assert editor_client.get(reverse("admin:casefile_fact_add") + f"?case={case}").status_code == 200

"""The review, the record's form and the desk read the threads they show in a few queries, however many."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casefile.workflow import comments
from tests.desk.pages import change_url, review_url

from .support import comment, waiting_change


@pytest.mark.parametrize("page, who, most", [("review", "editor", 49), ("form", "reporter", 51), ("desk", "editor", 31)])
def test_a_page_with_five_threads_takes_as_many_queries_as_with_one(
    fact, reporter, editor, editor_client, reporter_client, django_assert_max_num_queries, page, who, most
):
    waiting_change(fact, reporter)
    client = editor_client if who == "editor" else reporter_client
    url = {"review": review_url(fact), "form": change_url(fact), "desk": "/admin/"}[page]
    comments.reply_to(reporter, comment(editor, fact, text="Point 0."), "Answered.")
    with CaptureQueriesContext(connection) as with_one:
        client.get(url)
    for number in range(1, 5):
        comments.reply_to(reporter, comment(editor, fact, text=f"Point {number}."), "Answered.")

    with django_assert_max_num_queries(most):
        response = client.get(url)

    assert response.status_code == 200 and "Point 4." in response.content.decode()
    with CaptureQueriesContext(connection) as with_five:
        client.get(url)
    assert len(with_five) == len(with_one)

"""The review, the record's form and the desk read the threads they show in a few queries, however many."""

import pytest

from casefile.workflow import comments
from tests.desk.pages import change_url, review_url

from .support import comment, waiting_change


@pytest.mark.parametrize("page, who, most", [("review", "editor", 43), ("form", "reporter", 52), ("desk", "editor", 29)])
def test_a_page_with_five_threads_takes_no_more_queries_than_with_none(
    fact, reporter, editor, editor_client, reporter_client, django_assert_max_num_queries, page, who, most
):
    waiting_change(fact, reporter)
    for number in range(5):
        comments.reply_to(reporter, comment(editor, fact, text=f"Point {number}."), "Answered.")
    client = editor_client if who == "editor" else reporter_client
    url = {"review": review_url(fact), "form": change_url(fact), "desk": "/admin/"}[page]

    with django_assert_max_num_queries(most):
        response = client.get(url)

    assert response.status_code == 200 and "Point 4." in response.content.decode()

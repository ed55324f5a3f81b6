"""A new copy of a source is compared with the last one: identical, or changed with a word diff for staff."""

import pytest

from casefile.models import Capture

from .support import DAILY, DAILY_CHANGED, daily, html_document, text_document, upload

pytestmark = pytest.mark.usefixtures("captures_folder")


def test_the_same_bytes_again_make_an_identical_copy(case_file, reporter):
    first = upload(daily(case_file), text_document(DAILY), reporter)
    second = upload(daily(case_file), text_document(DAILY), reporter)

    assert second.previous == first and second.comparison == Capture.Comparison.IDENTICAL
    assert second.sha256 == first.sha256 and second.stored_as != first.stored_as


def test_changed_bytes_make_a_changed_copy_with_only_the_changed_words_marked(case_file, reporter, editor_client):
    first = upload(daily(case_file), text_document(DAILY), reporter)
    second = upload(daily(case_file), text_document(DAILY_CHANGED), reporter)

    assert second.previous == first and second.comparison == Capture.Comparison.CHANGED
    page = editor_client.get(second.get_admin_url()).content.decode()
    assert "<del>5</del>" in page and "<ins>7</ins>" in page
    assert "<del>Ana Mayor declined to comment</del>" in page


def test_the_same_text_in_other_bytes_is_a_change_of_the_document(case_file, reporter):
    upload(daily(case_file), text_document(DAILY), reporter)
    second = upload(daily(case_file), html_document(DAILY), reporter, name="daily.html")

    assert second.comparison == Capture.Comparison.CHANGED
    assert second.paragraphs == DAILY

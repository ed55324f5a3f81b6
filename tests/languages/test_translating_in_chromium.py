"""In Debian's Chromium: a reporter translates a fact's statement on its form; the editor selects characters of
the translation on the review and comments on them, on the translation, not on the English text."""

import pytest

from casefile.models import Fact, ReviewComment
from tests.browser import serious_violations
from tests.comments.test_review_comments_in_chromium import SELECT_WORDS
from tests.desk.browser import Person, marks

pytestmark = marks


@pytest.fixture
def people(chromium, live_site, served_small_case, served_reporter, served_editor):
    rita, edna = Person(chromium, live_site.url, served_reporter), Person(chromium, live_site.url, served_editor)
    yield rita, edna
    rita.close()
    edna.close()


def test_an_editor_comments_on_characters_of_a_translation_beside_its_english_text(people):
    rita, edna = people
    fact = Fact.objects.get(slug="contract-value")
    rita.open(fact.get_admin_url())
    assert rita.page.locator("#id_statement_zh_hans").get_attribute("lang") == "zh-hans"
    rita.fill("#id_statement_zh_hans", "合同价值五百万元。")
    rita.fill("#id_change_reason", "Translated for our Chinese readers")
    rita.save()

    edna.open(f"/admin/casefile/decision/review/casefile.fact:{fact.pk}/")
    chinese = edna.page.locator('.proposed-text[data-field="statement_zh_hans"]')
    chinese.evaluate(SELECT_WORDS, "五百万")
    edna.page.wait_for_function(
        "() => document.querySelector('form[data-field=statement_zh_hans] input.comment-passage').value === '五百万'")
    assert edna.page.locator("form[data-field=statement] input.comment-passage").input_value() == ""
    edna.fill("form[data-field=statement_zh_hans] textarea[name=text]", "五百万 or 五百万元人民币?")
    edna.go("form[data-field=statement_zh_hans] button[name=_comment]")

    assert "Your comment is on the change." in edna.messages()
    assert edna.text('.proposed-text[data-field="statement_zh_hans"] mark.commented') == "五百万"
    assert serious_violations(edna.page) == []
    thread = ReviewComment.objects.get()
    assert (thread.field_name, thread.passage) == ("statement_zh_hans", "五百万")
    assert rita.errors == [] and edna.errors == []

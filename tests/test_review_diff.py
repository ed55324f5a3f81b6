"""The review page marks the words a change removes and adds, not whole fields."""

import html
import re

from django.template import Context, Template

from casefile.text import quote_word_count
from casefile.textdiff import TOKEN, word_diff
from tests.admin.pages import edit, review_url, saved


def read_as_text(marked):
    """What the marked HTML says once the marks are taken off."""
    return html.unescape(re.sub(r"</?(del|ins)>", "", marked).replace("<br>", "\n"))


def marked_words(marked, tag):
    return re.findall(rf"<{tag}>(.*?)</{tag}>", marked, re.DOTALL)


def test_one_changed_word_is_the_only_word_marked_in_each_column():
    diff = word_diff("The port was protected and promoted.", "The port was protected NOT promoted.")
    assert diff.before == "The port was protected <del>and</del> promoted."
    assert diff.after == "The port was protected <ins>NOT</ins> promoted."


def test_a_changed_chinese_or_korean_word_is_marked_without_the_letters_around_it():
    chinese = word_diff("萧毅在福州任职多年。", "萧毅在南昌任职多年。")
    korean = word_diff("김 씨는 공장을 운영했다", "김 씨는 공장을 매각했다")

    assert (chinese.before, chinese.after) == ("萧毅在<del>福州</del>任职多年。", "萧毅在<ins>南昌</ins>任职多年。")
    assert (korean.before, korean.after) == ("김 씨는 공장을 <del>운영</del>했다", "김 씨는 공장을 <ins>매각</ins>했다")


def test_a_quote_counts_as_words_the_same_letters_the_diff_marks_one_by_one():
    text = "김 씨는 福州 工場を 운영했다"
    letters = [token for token in TOKEN.findall(text) if not token.isspace()]
    assert quote_word_count(text) == len(letters) == 12


def test_an_unchanged_text_is_not_marked():
    diff = word_diff("Worth 5 million.", "Worth 5 million.")
    assert diff.before == diff.after == "Worth 5 million."


def test_the_text_around_the_marks_reads_exactly_as_written():
    before = "Ana Mayor,  the mayor (since 2019), signed; the firm — Quay Builders — won."
    after = "Ana Mayor,  the mayor (since 2018), signed; the firm — Quay Builders — lost."
    diff = word_diff(before, after)
    assert read_as_text(diff.before) == before
    assert read_as_text(diff.after) == after
    assert marked_words(diff.before, "del") == ["2019", "won"]
    assert marked_words(diff.after, "ins") == ["2018", "lost"]


def test_a_changed_comma_is_marked_without_its_word():
    diff = word_diff("Signed in May, 2020 by the mayor.", "Signed in May 2020, by the mayor.")
    assert marked_words(diff.before, "del") == [","]
    assert marked_words(diff.after, "ins") == [","]


def test_words_changed_next_to_each_other_are_marked_as_one_phrase():
    diff = word_diff(
        "The board met on Monday in the harbour office.",
        "The board met on Friday at noon in the harbour office.",
    )
    assert diff.before == "The board met on <del>Monday</del> in the harbour office."
    assert diff.after == "The board met on <ins>Friday at noon</ins> in the harbour office."


def test_a_rewritten_text_is_marked_whole_rather_than_in_fragments():
    diff = word_diff("The contract was worth 5 million.", "Worth 9 million.")
    assert diff.before == "<del>The contract was worth 5 million.</del>"
    assert diff.after == "<ins>Worth 9 million.</ins>"


def test_words_changed_far_apart_in_a_long_text_are_the_only_words_marked():
    sentence = "The mayor said the board and the firm met the minister. "
    changed = "The mayor said the board NOT the firm met the minister. "
    before = sentence * 100
    after = sentence * 3 + changed + sentence * 92 + changed + sentence * 3
    diff = word_diff(before, after)
    assert marked_words(diff.before, "del") == ["and", "and"]
    assert marked_words(diff.after, "ins") == ["NOT", "NOT"]
    assert read_as_text(diff.after) == after


def test_markup_and_ampersands_in_the_text_come_out_escaped():
    diff = word_diff(
        "Tom & Jerry said yes to the harbour contract.",
        "Tom & Jerry said <script>alert('x')</script> to the harbour contract.",
    )
    assert diff.before == "Tom &amp; Jerry said <del>yes</del> to the harbour contract."
    assert diff.after == (
        "Tom &amp; Jerry said <ins>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</ins>"
        " to the harbour contract."
    )


def test_markup_changed_inside_a_rewrite_comes_out_escaped():
    diff = word_diff("<b>Yes</b> & no", "<script>alert(1)</script> & maybe")
    assert "<b>" not in diff.before and "<script>" not in diff.after
    assert read_as_text(diff.before) == "<b>Yes</b> & no"
    assert read_as_text(diff.after) == "<script>alert(1)</script> & maybe"


def test_unchanged_punctuation_between_changed_words_is_marked_with_them():
    diff = word_diff("They met Monday, Tuesday and Friday.", "They met Sunday, Monday and Friday.")
    assert diff.before == "They met <del>Monday, Tuesday</del> and Friday."
    assert diff.after == "They met <ins>Sunday, Monday</ins> and Friday."


def test_a_field_empty_before_shows_the_whole_text_as_added():
    diff = word_diff("", "A new fact & <i>its</i> statement.")
    assert diff.before == ""
    assert diff.after == "<ins>A new fact &amp; &lt;i&gt;its&lt;/i&gt; statement.</ins>"


def test_a_field_emptied_shows_the_whole_text_as_removed():
    diff = word_diff("The statement readers see.", "")
    assert diff.before == "<del>The statement readers see.</del>"
    assert diff.after == ""


def test_line_breaks_are_shown_as_br_in_both_columns():
    diff = word_diff("A. Mayor\r\nMayor Ana\nAna M.", "A. Mayor\nMayor Anna\nAna M.")
    assert diff.before == "A. Mayor<br>Mayor <del>Ana</del><br>Ana M."
    assert diff.after == "A. Mayor<br>Mayor <ins>Anna</ins><br>Ana M."


def test_the_review_diff_tag_keeps_the_marks_and_escapes_the_text():
    template = Template(
        "{% load review_diff %}{% word_diff before after as diff %}{{ diff.before }}|{{ diff.after }}"
    )
    rendered = template.render(Context({"before": "Paid <b>5</b> & more", "after": "Paid <b>9</b> & more"}))
    before, after = rendered.split("|")
    assert before == "Paid &lt;b&gt;<del>5</del>&lt;/b&gt; &amp; more"
    assert after == "Paid &lt;b&gt;<ins>9</ins>&lt;/b&gt; &amp; more"


def test_the_review_page_marks_only_the_word_a_reporter_changed_in_a_published_fact(
    fact, reporter_client, editor_client  # noqa: F811
):
    saved(edit(reporter_client, fact, reason="The ruling says fifty",
               statement="The contract was worth 50 million."))
    page = editor_client.get(review_url(fact)).content.decode()
    row = re.search(r'<th scope="row">Statement</th><td>(.*?)</td><td>(.*?)</td>', page, re.DOTALL)
    assert row is not None
    assert row.group(1) == "The contract was worth <del>5</del> million."
    assert row.group(2) == "The contract was worth <ins>50</ins> million."
    assert "removed words are <del>struck through</del>" in page

"""A reporter translates a fact in the admin, with a reason like any change; an editor reads both languages
side by side, word by word (character by character in Chinese), and approves; Chinese readers then read it.
A translation older than its English text says so to staff, on the form and on the review."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateformat import format as formatted

from casefile import workflow
from casefile.models import Actor, Fact, Relationship
from tests.admin.pages import (
    approve_on_review_page,
    change_url,
    edit,
    page_forms,
    review_url,
    saved,
    text_of,
)
from tests.comments.support import post_comment
from tests.factories import save

TRANSLATION = "合同价值五百万元。"
REASON = "Translated for our Chinese readers"


def translate(client, fact, text=TRANSLATION, reason=REASON, **changes):
    return saved(edit(client, fact, reason=reason, statement_zh_hans=text, **changes))


def translated_and_approved(fact, reporter_client, editor_client):
    translate(reporter_client, fact)
    saved(approve_on_review_page(editor_client, fact))


def translated_row(page):
    """The review's row of the statement in both languages: {language heading: (readers see now, proposed)}."""
    body = page.content.decode()
    row = re.search(r'<tr class="changed-field translated-field">(.*?)</tr>', body, re.DOTALL)
    assert row, "no row of a translated text on the review"
    sides = re.findall(r'<h4 lang="([^"]+)">([^<]+)</h4>.*?<div class="before-text" lang="\1">(.*?)</div>.*?'
                       r'<div class="proposed-text" lang="\1" data-field="[^"]+">(.*?)</div>', row.group(1), re.DOTALL)
    return {heading: (before, after) for _, heading, before, after in sides}


def on_the_day(when):
    return formatted(timezone.localtime(when), "j M Y")


def help_of(page, field):
    body = page.content.decode()
    found = re.search(rf'id="id_{field}_helptext">(.*?)</div>\s*</div>', body, re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def test_the_form_shows_each_translation_right_after_its_text_in_its_language(fact, reporter_client):
    page = reporter_client.get(change_url(fact))
    body = page.content.decode()

    boxes = re.findall(r'<textarea name="(statement|assessment)(_zh_hans)?"[^>]*\blang="([^"]+)"', body)
    assert boxes == [("statement", "", "en-gb"), ("statement", "_zh_hans", "zh-hans"),
                     ("assessment", "", "en-gb"), ("assessment", "_zh_hans", "zh-hans")]
    assert "Statement (简体中文):" in text_of(page)


def test_a_translation_is_saved_with_its_reason_in_one_version_with_the_english(fact, reporter_client):
    before = Fact.history.filter(id=fact.pk).count()

    translate(reporter_client, fact)

    versions = Fact.history.filter(id=fact.pk).order_by("-history_id")
    assert versions.count() == before + 1
    version = versions.first()
    assert (version.statement, version.statement_zh_hans, version.history_change_reason) == (
        "The contract was worth 5 million.", TRANSLATION, REASON)


def test_the_review_shows_the_english_and_the_chinese_side_by_side(fact, reporter_client, editor_client):
    translate(reporter_client, fact)

    page = editor_client.get(review_url(fact))

    assert translated_row(page) == {
        "English": ("The contract was worth 5 million.", "The contract was worth 5 million."),
        "简体中文": ("<del>—</del>", f"<ins>{TRANSLATION}</ins>"),
    }
    # One row for the statement in both languages, not one for each.
    assert page.content.decode().count('<th scope="row">Statement') == 1


def test_a_corrected_translation_is_marked_character_by_character(fact, reporter_client, editor_client):
    translated_and_approved(fact, reporter_client, editor_client)
    translate(reporter_client, fact, "合同价值九百万元。", reason="Nine, as the ruling says",
              statement="The contract was worth 9 million.")

    page = editor_client.get(review_url(fact))

    assert translated_row(page) == {
        "English": ("The contract was worth <del>5</del> million.", "The contract was worth <ins>9</ins> million."),
        "简体中文": ("合同价值<del>五</del>百万元。", "合同价值<ins>九</ins>百万元。"),
    }


def test_once_the_editor_approves_chinese_readers_read_the_translation(
    client, fact, reporter_client, editor_client
):
    translate(reporter_client, fact)
    assert TRANSLATION not in text_of(client.get("/zh-hans/cases/harbour/facts/contract-value/"))

    saved(approve_on_review_page(editor_client, fact, comment="Checked against the English"))

    page = client.get("/zh-hans/cases/harbour/facts/contract-value/")
    assert page.status_code == 200
    assert TRANSLATION in text_of(page)
    assert workflow.approved_version(Fact, fact.pk).statement_zh_hans == TRANSLATION


def test_a_later_english_change_marks_the_translation_out_of_date_on_the_form_and_the_review(
    fact, reporter_client, editor_client
):
    translated_and_approved(fact, reporter_client, editor_client)
    assert "Out of date" not in text_of(reporter_client.get(change_url(fact)))

    saved(edit(reporter_client, fact, reason="Nine, as the ruling says", statement="The contract was worth 9 million."))

    changed_on = on_the_day(Fact.history.filter(id=fact.pk).latest("history_id").history_date)
    form = reporter_client.get(change_url(fact))
    assert help_of(form, "statement_zh_hans") == f"Out of date: the English text changed on {changed_on}."
    assert "Out of date" not in help_of(form, "statement")
    review = editor_client.get(review_url(fact))
    chinese = re.search(r'<h4 lang="zh-hans">简体中文</h4>\s*<p class="translation-out-of-date">([^<]+)</p>',
                        review.content.decode())
    assert chinese and chinese.group(1) == f"Out of date: the English text changed on {changed_on}."


def test_an_english_text_whose_translation_was_changed_since_says_so_on_the_form(fact, reporter_client):
    translate(reporter_client, fact)
    # A first translation is made from the English: neither is older.
    assert help_of(reporter_client.get(change_url(fact)), "statement") == ""

    translate(reporter_client, fact, text="合同价值五百万元人民币。", reason="More precise")
    translated_on = on_the_day(Fact.history.filter(id=fact.pk).latest("history_id").history_date)
    form = reporter_client.get(change_url(fact))
    assert help_of(form, "statement") == f"The 简体中文 text changed on {translated_on}, after this English text."
    assert 'The <span lang="zh-hans">简体中文</span> text changed' in form.content.decode()
    assert help_of(form, "statement_zh_hans") == ""


def test_an_editor_comments_on_words_of_the_translation_and_the_review_marks_them(
    fact, reporter_client, editor_client
):
    translate(reporter_client, fact)

    saved(post_comment(editor_client, fact, "五百万 or 五百万元人民币?", passage="五百万",
                       field="statement_zh_hans"))

    page = editor_client.get(review_url(fact))
    assert translated_row(page)["简体中文"][1] == '<ins>合同价值<mark class="commented">五百万</mark>元。</ins>'
    commented_fields = [dict(form["fields"])["field"] for form in page_forms(page)
                        if "comment-form" in form["attrs"].get("class", "")]
    assert commented_fields == ["statement", "statement_zh_hans"]
    assert "五百万 or 五百万元人民币?" in text_of(page)


def test_admin_search_finds_a_fact_by_its_translation(fact, reporter_client):
    translate(reporter_client, fact)

    found = reporter_client.get("/admin/casefile/fact/", {"q": "五百万"})

    assert list(found.context["cl"].result_list) == [fact]


def test_when_each_language_was_written_costs_the_review_one_query(fact, reporter_client, editor_client):
    saved(edit(reporter_client, fact, statement="The contract was worth 9 million."))
    with CaptureQueriesContext(connection) as untranslated:
        editor_client.get(review_url(fact))
    translate(reporter_client, fact, "合同价值九百万元。")

    with CaptureQueriesContext(connection) as translated:
        editor_client.get(review_url(fact))

    assert len(translated) == len(untranslated) + 1


def test_admin_search_finds_a_relationship_by_the_name_of_its_actor_in_characters(
    disputed_case, reporter, reporter_client
):
    mayor = Actor.objects.get(case=disputed_case, slug="ana-mayor")
    mayor.name_zh_hans = "安娜·梅耶"
    save(mayor, reporter, "Her name in characters")
    hers = Relationship.objects.filter(subject=mayor)
    assert hers.exists()

    found = reporter_client.get("/admin/casefile/relationship/", {"q": "梅耶"})

    assert list(found.context["cl"].result_list) == list(hers)


def test_the_review_of_another_change_still_says_which_translations_are_out_of_date(
    fact, reporter_client, editor_client
):
    translated_and_approved(fact, reporter_client, editor_client)
    saved(edit(reporter_client, fact, reason="Nine, as the ruling says", statement="The contract was worth 9 million."))
    changed_on = on_the_day(Fact.history.filter(id=fact.pk).latest("history_id").history_date)
    saved(approve_on_review_page(editor_client, fact))

    saved(edit(reporter_client, fact, reason="Our reading", assessment="The ruling names the figure."))

    review = editor_client.get(review_url(fact))
    assert "translated-field" not in review.content.decode()
    assert f"Statement (简体中文): Out of date: the English text changed on {changed_on}." in text_of(review)

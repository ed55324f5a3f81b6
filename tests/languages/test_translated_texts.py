"""A record's texts in English and in Chinese: versioned together, approved together, shown by language."""

import datetime
import io
import json
from urllib.parse import quote

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from casefile.models import Actor, Case, Decision, Fact, KeptPage, Publication
from casefile.published.rendered import RENDERED_ORIGIN
from casefile.templatetags.texts import in_its_language
from casefile.translations import Shown
from tests.factories import SEED_FIXTURE, approve_edit, save
from tests.public.pages import case_url, page

CHINESE = "/zh-hans"


def translate(record, user, reason="Chinese translation", **texts):
    for text, value in texts.items():
        setattr(record, f"{text}_zh_hans", value)
    return save(record, user, reason)


def test_a_translation_reaches_the_chinese_page_only_once_an_editor_approves_it(client, case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    translate(fact, reporter, statement="合同金额为五百万。")

    waiting = page(client, CHINESE + case_url(case_file, "fact_detail", fact.slug))
    assert "合同金额为五百万。" not in waiting
    assert fact.statement in waiting

    approve_edit(editor, fact, "Translation checked")
    approved = page(client, CHINESE + case_url(case_file, "fact_detail", fact.slug))
    assert "合同金额为五百万。" in approved
    english = page(client, case_url(case_file, "fact_detail", fact.slug))
    assert fact.statement in english and "合同金额为五百万。" not in english


def test_one_version_holds_both_languages_and_says_why_it_was_saved(case_file, reporter):
    fact = Fact.objects.get(slug="contract-value")
    translate(fact, reporter, "Translated the statement", statement="合同金额为五百万。")

    version = fact.history.first()
    assert (version.statement, version.statement_zh_hans) == (fact.statement, "合同金额为五百万。")
    assert version.history_change_reason == "Translated the statement"
    assert [change.field for change in version.diff_against(version.prev_record).changes] == ["statement_zh_hans"]


def test_a_translation_breaking_the_rules_of_its_text_is_refused_with_the_same_message(case_file, reporter):
    actor = Actor.objects.get(slug="ana-mayor")
    actor.name_zh_hans = "安娜\n市长"
    with pytest.raises(Exception) as refused:
        actor.full_clean()
    assert "name_zh_hans" in refused.value.message_dict
    assert Actor.objects.get(pk=actor.pk).name_zh_hans == ""


def test_a_text_not_yet_translated_is_shown_in_english_and_marked_as_english():
    with translation.override("zh-hans"):
        assert in_its_language(Shown("The contract was signed.", "en-gb")) == (
            '<span lang="en-gb">The contract was signed.</span>'
        )
        assert in_its_language("合同<已签>") == "合同&lt;已签&gt;"


def test_chinese_characters_in_an_english_text_are_marked_as_chinese_and_escaped():
    with translation.override("en-gb"):
        assert in_its_language("Xiao Yi (肖毅) & <Lin>") == 'Xiao Yi (<span lang="zh">肖毅</span>) &amp; &lt;Lin&gt;'
        assert in_its_language(Shown("肖毅", "zh-hans")) == '<span lang="zh-hans">肖毅</span>'


def test_an_english_change_after_the_translation_marks_the_translation_older_on_the_chinese_page(
    client, case_file, reporter, editor
):
    fact = Fact.objects.get(slug="contract-value")
    today = timezone.now()
    with time_machine.travel(today + datetime.timedelta(days=1)):
        translate(fact, reporter, statement="合同金额为五百万。")
        approve_edit(editor, fact, "")
    chinese = CHINESE + case_url(case_file, "fact_detail", fact.slug)
    with time_machine.travel(today + datetime.timedelta(days=3)):
        assert client.get(chinese).context["translation_note"] is None
        fact.statement = "The contract was worth 6 million."
        save(fact, reporter)
        approve_edit(editor, fact, "")
        note = client.get(chinese).context["translation_note"]
        assert note["language"] == "en-gb" and note["texts"] == ["statement"]
        assert note["written"].date() == (today + datetime.timedelta(days=3)).date()
        # The English page says its text is newer, nothing more.
        assert client.get(case_url(case_file, "fact_detail", fact.slug)).context["translation_note"] is None
        # As published the day after the translation, the translation was not older yet.
        between = (today + datetime.timedelta(days=1)).date().isoformat()
        assert client.get(f"{chinese}?as_of={between}").context["translation_note"] is None


def test_a_chinese_text_changed_after_its_english_is_noted_on_the_english_page(client, case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    english = case_url(case_file, "fact_detail", fact.slug)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        translate(fact, reporter, statement="合同金额为五百万。")
        approve_edit(editor, fact, "")
        # Made from the English, a first translation is neither older nor newer.
        assert client.get(english).context["translation_note"] is None
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        translate(fact, reporter, statement="合同金额为五百万，据登记处记录。")
        approve_edit(editor, fact, "")
        note = client.get(english).context["translation_note"]
    assert note["language"] == "zh-hans" and note["texts"] == ["statement"]


def test_each_language_has_its_kept_page(client, case_file, reporter, editor, keeps_pages):
    fact = Fact.objects.get(slug="contract-value")
    translate(fact, reporter, statement="合同金额为五百万。")
    approve_edit(editor, fact, "")
    from casefile.publishing.kept_pages import keep_case_pages

    keep_case_pages(case_file.pk)
    kept = dict(KeptPage.objects.filter(
        publication__in=Publication.objects.of_kind(Fact).filter(slug=fact.slug)
    ).values_list("language", "page"))

    assert set(kept) == {"en-gb", "zh-hans"}
    assert "合同金额为五百万。" in kept["zh-hans"] and "合同金额为五百万。" not in kept["en-gb"]
    served = page(client, CHINESE + case_url(case_file, "fact_detail", fact.slug))
    origin = "http://testserver"
    assert served == kept["zh-hans"].replace(RENDERED_ORIGIN, origin).replace(quote(RENDERED_ORIGIN, safe=""), quote(origin, safe=""))


def test_case_json_exists_per_language_with_every_language_of_each_text(client, case_file, reporter, editor):
    case = Case.objects.get(pk=case_file.pk)
    translate(case, reporter, title="港口合同")
    approve_edit(editor, case, "")

    english = json.loads(client.get(case_url(case_file, "case_json")).content)
    chinese = json.loads(client.get(CHINESE + case_url(case_file, "case_json")).content)

    assert (english["language"], chinese["language"]) == ("en-gb", "zh-hans")
    assert (english["case"]["title"], chinese["case"]["title"]) == (case.title, "港口合同")
    assert chinese["case"]["texts"] == english["case"]["texts"] == {
        "en-gb": {"title": case.title, "summary": case.summary}, "zh-hans": {"title": "港口合同"},
    }
    assert chinese["facts"][0]["url"].startswith(f"http://testserver{CHINESE}/cases/")
    assert "title_zh_hans" not in chinese["case"]


def test_the_feeds_exist_per_language(client, case_file):
    feed = client.get(CHINESE + case_url(case_file, "case_feed")).content.decode()
    assert 'xml:lang="zh-hans"' in feed
    assert f"{CHINESE}/cases/{case_file.slug}/" in feed
    assert 'xml:lang="en-gb"' in client.get(case_url(case_file, "case_feed")).content.decode()


def test_the_seeded_case_has_its_title_summary_and_two_facts_translated_as_a_change_of_their_own(
    client, seeded_case
):
    chinese = page(client, CHINESE + case_url(seeded_case))
    assert seeded_case.title_zh_hans and seeded_case.title_zh_hans in chinese
    translated = Fact.objects.filter(case=seeded_case).exclude(statement_zh_hans="")
    assert sorted(translated.values_list("slug", flat=True)) == ["fuzhou-is-in-jiangxi", "german-party-was-genesis-mining"]
    for fact in translated:
        translation_version = fact.history.first()
        assert translation_version.history_change_reason.startswith("Chinese translation")
        assert Decision.objects.filter(
            history_id=translation_version.history_id, object_id=fact.pk, content_type__model="fact",
            action=Decision.Action.APPROVED,
        ).exists()
        assert fact.statement_zh_hans in page(client, CHINESE + case_url(seeded_case, "fact_detail", fact.slug))
    # The documents print no name in Chinese characters, so neither does the fixture.
    assert not Actor.objects.filter(case=seeded_case).exclude(name_zh_hans="", aliases_zh_hans="").exists()


@pytest.mark.parametrize("section, message", [
    ({"language": "fr", "case": {"title": "Port"}}, "Translations must be in one of zh-hans"),
    ({"language": "zh-hans", "facts": {"no-such-fact": {"statement": "无"}}}, "unknown facts 'no-such-fact'"),
    ({"language": "zh-hans", "facts": {"fuzhou-is-in-jiangxi": {"slug": "x"}}}, "has no translated text slug"),
])
def test_a_fixture_with_bad_translations_is_refused_in_one_line_and_writes_nothing(
    tmp_path, editor, section, message
):
    fixture = json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
    fixture["translations"] = section
    path = tmp_path / "case.json"
    path.write_text(json.dumps(fixture), encoding="utf-8")

    with pytest.raises(CommandError, match=message):
        call_command("load_case", str(path), approve_as=editor.username, stdout=io.StringIO())
    assert not Case.objects.filter(slug="fuzhou-genesis").exists()

"""Search finds a record by its Chinese name and by its English name, from the English and the Chinese pages.

The Chinese name is kept in its translated column (`name_zh_hans`), or among the aliases where a
record has no translation: search finds Chinese words in any text it reads.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import urlencode

from casefile import search
from casefile.models import Actor, Fact, Publication
from tests.factories import approve_all, save
from tests.public.pages import page, text

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")


def search_page(client, query, language_prefix=""):
    return page(client, f"{language_prefix}/search/?" + urlencode({"q": query}))


def results(html):
    """(address, label, excerpt) of each result, marks kept, other tags dropped."""
    found = re.findall(
        r'<a href="([^"]+)"><bdi>(.*?)</bdi></a>\s*(?:<p class="excerpt"><bdi>(.*?)</bdi></p>)?</li>', html, re.S
    )
    return [(url, label.strip(), excerpt.strip()) for url, label, excerpt in found]


def addresses(html):
    return [url for url, _, _ in results(html)]


@pytest.fixture
def xiao_yi(case_file, reporter, editor):
    """A public actor known in English as Xiao Yi and in Chinese as 肖毅, and a public fact written in Chinese."""
    actor = save(Actor(case=case_file, kind=Actor.Kind.PERSON, name="Xiao Yi", slug="xiao-yi",
                       aliases="肖毅", description="Former Party secretary of Fuzhou."), reporter)
    save(Fact(case=case_file, slug="bribes", status=Fact.Status.UNVERIFIED,
              statement="抚州市委原书记肖毅受贿，Genesis公司在抚州挖矿。"), reporter)
    approve_all(editor, case_file)
    return actor


ACTOR_PAGE = "/cases/harbour/actors/xiao-yi/"
FACT_PAGE = "/cases/harbour/facts/bribes/"


def test_an_actor_is_found_by_its_chinese_name(client, xiao_yi):
    assert ACTOR_PAGE in addresses(search_page(client, "肖毅"))


def test_an_actor_is_found_by_its_chinese_name_from_the_chinese_page_and_linked_there(client, xiao_yi):
    assert "/zh-hans" + ACTOR_PAGE in addresses(search_page(client, "肖毅", "/zh-hans"))


def test_an_actor_is_found_by_its_english_name_from_the_chinese_page_and_linked_there(client, xiao_yi):
    found = addresses(search_page(client, "Xiao Yi", "/zh-hans"))
    assert "/zh-hans" + ACTOR_PAGE in found
    assert ACTOR_PAGE not in found


def test_a_record_is_found_by_two_characters_of_its_chinese_text(client, xiao_yi):
    assert FACT_PAGE in addresses(search_page(client, "书记"))
    assert FACT_PAGE in addresses(search_page(client, "挖矿"))
    assert ACTOR_PAGE not in addresses(search_page(client, "挖矿"))


def test_a_chinese_query_without_spaces_finds_the_record_whose_text_holds_it(client, xiao_yi):
    found = addresses(search_page(client, "市委原书记肖毅受贿"))
    assert found == [FACT_PAGE]


def test_a_chinese_query_whose_characters_the_text_does_not_hold_in_a_row_finds_nothing(client, xiao_yi):
    # Every character of "书记受贿" is in the fact, but never these four together nor "记受".
    assert "Nothing published matches" in text(search_page(client, "书记受贿"))


def test_a_single_chinese_character_finds_the_records_holding_it(client, xiao_yi):
    assert set(addresses(search_page(client, "毅"))) == {ACTOR_PAGE, FACT_PAGE}


@pytest.mark.parametrize("query", ["肖毅 Genesis", "Genesis 肖毅", "肖毅Genesis", "“肖毅”，Genesis"])
def test_a_query_mixing_chinese_and_english_words_finds_the_record_holding_both(client, xiao_yi, query):
    assert addresses(search_page(client, query)) == [FACT_PAGE]


def test_a_query_mixing_chinese_and_english_needs_every_word(client, xiao_yi):
    assert "Nothing published matches" in text(search_page(client, "肖毅 zeppelin"))
    assert "Nothing published matches" in text(search_page(client, "挖矿 Xiao"))


def test_the_chinese_words_found_are_marked_and_only_they(client, xiao_yi):
    shown = dict((url, (label, excerpt)) for url, label, excerpt in results(search_page(client, "肖毅")))
    assert shown[ACTOR_PAGE] == ("Xiao Yi", "<mark>肖毅</mark>")
    label, excerpt = shown[FACT_PAGE]
    assert label == "抚州市委原书记<mark>肖毅</mark>受贿，Genesis公司在抚州挖矿。"
    assert excerpt == ""


def test_an_english_word_beside_chinese_ones_is_marked_without_them(client, xiao_yi):
    shown = dict((url, label) for url, label, _ in results(search_page(client, "genesis")))
    assert shown[FACT_PAGE] == "抚州市委原书记肖毅受贿，<mark>Genesis</mark>公司在抚州挖矿。"


def test_a_passage_of_chinese_is_cut_around_the_words_found(client, case_file, reporter, editor):
    long_description = "抚州市委原书记" * 20 + "肖毅" + "在任期间支持虚拟货币挖矿" * 20
    save(Actor(case=case_file, kind=Actor.Kind.PERSON, name="Xiao Yi", slug="xiao-yi",
               description=long_description), reporter)
    approve_all(editor, case_file)
    [(_, _, excerpt)] = results(search_page(client, "肖毅"))
    assert excerpt.startswith("…") and excerpt.endswith("…")
    assert "<mark>肖毅</mark>" in excerpt
    assert len(re.sub(r"</?mark>", "", excerpt)) < 60


def test_a_record_not_yet_approved_is_not_found_by_its_chinese_name(client, xiao_yi, reporter):
    save(Actor(case=xiao_yi.case, kind=Actor.Kind.PERSON, name="Lin Qingxing", slug="lin-qingxing",
               aliases="林庆兴"), reporter)
    assert "Nothing published matches" in text(search_page(client, "林庆兴"))
    assert "已发布的内容中没有与" in text(search_page(client, "庆兴", "/zh-hans"))


def test_the_text_of_an_edit_waiting_for_review_is_not_found(client, xiao_yi, reporter):
    xiao_yi.aliases = "肖毅\n萧毅"
    save(xiao_yi, reporter)
    assert "Nothing published matches" in text(search_page(client, "萧毅"))
    assert ACTOR_PAGE in addresses(search_page(client, "肖毅"))


@pytest.fixture
def lin_qingxing(case_file, reporter, editor):
    """A public actor and a public fact, each with its texts translated into Chinese."""
    actor = save(Actor(case=case_file, kind=Actor.Kind.PERSON, name="Lin Qingxing", slug="lin-qingxing",
                       name_zh_hans="林庆兴", aliases="Boss Lin", aliases_zh_hans="林老板",
                       description="Businessman from Putian.", description_zh_hans="莆田商人。"), reporter)
    save(Fact(case=case_file, slug="lin-owned-genesis", status=Fact.Status.UNVERIFIED,
              statement="Fuzhou Genesis was owned by Lin Qingxing.", statement_zh_hans="林庆兴拥有抚州创世纪公司。"),
         reporter)
    approve_all(editor, case_file)
    return actor


LIN_PAGE = "/cases/harbour/actors/lin-qingxing/"
LIN_FACT_PAGE = "/cases/harbour/facts/lin-owned-genesis/"


def test_an_actor_is_found_by_its_translated_name_and_shown_by_it_on_the_chinese_page(client, lin_qingxing):
    shown = results(search_page(client, "林庆兴", "/zh-hans"))
    assert shown[0] == ("/zh-hans" + LIN_PAGE, "<mark>林庆兴</mark>", "")
    assert ("/zh-hans" + LIN_FACT_PAGE, "<mark>林庆兴</mark>拥有抚州创世纪公司。", "") in shown


def test_an_actor_found_by_its_translated_name_on_the_english_page_shows_it_in_its_passage(client, lin_qingxing):
    shown = results(search_page(client, "林庆兴"))
    assert shown[0] == (LIN_PAGE, "Lin Qingxing", "<mark>林庆兴</mark>")
    assert (LIN_FACT_PAGE, "Fuzhou Genesis was owned by Lin Qingxing.", "<mark>林庆兴</mark>拥有抚州创世纪公司。") in shown


def test_an_actor_found_by_its_english_name_on_the_chinese_page_shows_it_in_its_passage(client, lin_qingxing):
    shown = results(search_page(client, "Lin Qingxing", "/zh-hans"))
    assert shown[0] == ("/zh-hans" + LIN_PAGE, "林庆兴", "<mark>Lin</mark> <mark>Qingxing</mark>")


def test_the_record_a_translated_name_names_comes_first_on_either_page(client, lin_qingxing):
    for prefix in ("", "/zh-hans"):
        assert addresses(search_page(client, "林庆兴", prefix)) == [prefix + LIN_PAGE, prefix + LIN_FACT_PAGE]


def test_a_record_is_found_by_two_characters_of_its_translated_texts(client, lin_qingxing):
    assert addresses(search_page(client, "老板", "/zh-hans")) == ["/zh-hans" + LIN_PAGE]
    assert addresses(search_page(client, "莆田")) == [LIN_PAGE]
    assert addresses(search_page(client, "创世纪")) == [LIN_FACT_PAGE]


def test_a_record_without_a_translation_is_shown_by_its_english_label_on_the_chinese_page(client, xiao_yi):
    shown = results(search_page(client, "肖毅", "/zh-hans"))
    assert ("/zh-hans" + ACTOR_PAGE, "Xiao Yi", "<mark>肖毅</mark>") in shown


def test_a_translation_waiting_for_review_is_not_found(client, lin_qingxing, reporter):
    lin_qingxing.name_zh_hans = "林庆星"
    save(lin_qingxing, reporter)
    assert "已发布的内容中没有与" in text(search_page(client, "林庆星", "/zh-hans"))
    assert results(search_page(client, "林庆兴", "/zh-hans"))[0][1] == "<mark>林庆兴</mark>"


def test_a_name_in_rare_characters_is_found_by_two_of_them(client, case_file, reporter, editor):
    save(Actor(case=case_file, kind=Actor.Kind.COMPANY, name="Yoshinoya", slug="yoshinoya",
               name_zh_hans="𠮷野家"), reporter)
    approve_all(editor, case_file)
    assert addresses(search_page(client, "𠮷野")) == ["/cases/harbour/actors/yoshinoya/"]
    if connection.vendor == "postgresql":
        assert Publication.objects.filter(vector=search.full_text_query("𠮷野")).exists()


@pytest.mark.parametrize("query", ["！？。", "……", "“”", "😀", "🇨🇳", "肖毅😀", "😀 Xiao", "-", '"', "\u3000"])
def test_punctuation_or_emoji_gives_a_page_never_an_error(client, xiao_yi, query):
    for prefix in ("", "/zh-hans"):
        response = client.get(f"{prefix}/search/", {"q": query})
        assert response.status_code == 200, (prefix, query)


def test_emoji_beside_a_chinese_name_still_finds_it(client, xiao_yi):
    assert ACTOR_PAGE in addresses(search_page(client, "肖毅😀"))


@on_postgresql
def test_on_postgresql_the_vector_alone_finds_a_record_by_its_chinese_name(xiao_yi):
    published = Publication.objects.filter(vector=search.full_text_query("肖毅"))
    assert {row.slug for row in published} == {"xiao-yi", "bribes"}
    assert list(Publication.objects.filter(vector=search.full_text_query("抚州挖矿")).values_list("slug", flat=True)) == [
        "bribes"
    ]
    assert not Publication.objects.filter(vector=search.full_text_query("书记受贿")).exists()


@on_postgresql
def test_on_postgresql_the_vector_alone_finds_a_record_by_its_translated_texts(lin_qingxing):
    for query in ("林庆兴", "老板", "莆田商人", "林庆兴 Putian", "创世纪"):
        assert Publication.objects.filter(vector=search.full_text_query(query)).exists(), query


@on_postgresql
def test_on_postgresql_a_chinese_search_asks_the_vector_for_each_pair_of_characters(client, xiao_yi):
    with CaptureQueriesContext(connection) as queries:
        search_page(client, "肖毅受贿 Genesis")
    asked = " ".join(query["sql"] for query in queries.captured_queries)
    assert re.search(r'"vector" @@ \(?\(?websearch_to_tsquery\(\'english\'::regconfig, \'\s*Genesis\'\)', asked)
    assert "plainto_tsquery('simple'::regconfig, '肖毅 毅受 受贿')" in asked

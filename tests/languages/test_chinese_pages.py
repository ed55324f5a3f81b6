"""The public pages in Simplified Chinese under /zh-hans/, and the switch between languages."""

import datetime
import re

import feedparser
import pytest
import time_machine
from django.utils import timezone

from casefile.models import Actor, Fact
from tests.factories import approve_edit, save
from tests.public.pages import case_url, page, text

CHINESE_DAY = re.compile(r"[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日")


def chinese(url):
    return "/zh-hans" + url


def switch_links(html):
    """{language name: (href, the link's attributes)} of the language switch."""
    nav = re.search(r'<nav class="language-switch".*?</nav>', html, re.S).group(0)
    return {name: (href, attributes) for href, attributes, name in
            re.findall(r'<a href="([^"]*)"([^>]*)>([^<]+)</a>', nav)}


def alternates(html):
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))


def test_the_chinese_page_of_the_seeded_case_is_in_chinese(client, seeded_case):
    html = page(client, chinese(case_url(seeded_case)))
    shown = text(html)
    assert '<html lang="zh-hans">' in html
    for words in ("跳到正文", "搜索案件档案", "主要相关方", "时间线", "有争议的事实", "待解问题", "信源", "更正记录"):
        assert words in shown, words
    assert "已证实：" in shown and "未经证实" in shown
    assert "Key actors" not in shown and "Skip to content" not in shown
    assert CHINESE_DAY.search(shown)


def test_the_chinese_page_links_to_the_chinese_pages_of_its_records(client, seeded_case):
    html = page(client, chinese(case_url(seeded_case)))
    records = re.findall(r'href="(/[^"]*/cases/fuzhou-genesis/(?:actors|events|facts|sources)/[^"?#]+/)"', html)
    assert records and all(link.startswith("/zh-hans/cases/") for link in records)
    for link in records[:12]:
        assert '<html lang="zh-hans">' in page(client, link), link


def test_the_switch_leads_from_the_chinese_page_to_the_same_english_page_and_back(client, seeded_case):
    english_url = case_url(seeded_case)
    links = switch_links(page(client, chinese(english_url)))
    assert links["English"][0] == english_url
    assert links["简体中文"][0] == chinese(english_url)
    assert 'lang="en-gb"' in links["English"][1] and 'lang="zh-hans"' in links["简体中文"][1]
    assert 'aria-current="true"' in links["简体中文"][1] and "aria-current" not in links["English"][1]

    english = page(client, links["English"][0])
    assert '<html lang="en-gb">' in english
    back = switch_links(english)
    assert back["简体中文"][0] == chinese(english_url)
    assert 'aria-current="true"' in back["English"][1] and "aria-current" not in back["简体中文"][1]


def test_the_switch_keeps_the_query_the_page_reads(client, seeded_case):
    as_of = seeded_case.decisions.earliest("decided_at").decided_at.date().isoformat()
    html = page(client, chinese(case_url(seeded_case)) + f"?as_of={as_of}&utm_source=newsletter")
    assert switch_links(html)["English"][0] == case_url(seeded_case) + f"?as_of={as_of}"
    assert CHINESE_DAY.search(text(html)[:2000]), "the day read is written in Chinese"


def test_each_language_of_a_page_is_named_to_search_engines(client, seeded_case):
    fact_url = re.search(r'href="(/cases/fuzhou-genesis/facts/[^"]+/)"', page(client, case_url(seeded_case))).group(1)
    for url in (fact_url, chinese(fact_url)):
        assert alternates(page(client, url)) == {
            "en-gb": "http://testserver" + fact_url,
            "zh-hans": "http://testserver" + chinese(fact_url),
            "x-default": "http://testserver" + fact_url,
        }, url


def test_the_english_page_is_unchanged_in_english(client, seeded_case):
    html = page(client, case_url(seeded_case))
    shown = text(html)
    assert '<html lang="en-gb">' in html
    for words in ("Skip to content", "Key actors", "Timeline", "Disputed facts, side by side", "Open questions",
                  "Confirmed: ", "Corrections log"):
        assert words in shown, words
    # Outside the switch, whose link names the language in its own words.
    assert not re.search(r"[\u4e00-\u9fff]", shown.replace("简体中文", "")), "no Chinese interface words"


def test_a_chinese_fact_page_gives_its_status_and_the_sides_in_chinese(client, seeded_case):
    shown = text(page(client, chinese(case_url(seeded_case, "fact_list")) + "?status=disputed"))
    assert "有争议的事实" in shown
    link = re.search(r'href="(/zh-hans/cases/fuzhou-genesis/facts/[^"]+/)"',
                     page(client, chinese(case_url(seeded_case, "fact_list")) + "?status=disputed")).group(1)
    shown = text(page(client, link))
    assert "有争议" in shown and "信源怎么说" in shown and "这项事实的各个版本" in shown
    assert "支持" in shown and "反驳" in shown


def test_the_chinese_feed_of_a_case_is_titled_in_chinese(client, seeded_case):
    response = client.get(chinese(case_url(seeded_case, "case_feed")))
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert feed.feed.title.endswith("：更正与更新")
    assert 'xml:lang="zh-hans"' in response.content.decode()


@pytest.mark.parametrize("prefix", ["/fr", "/zh-hant", "/zh", "/en-gb", "/xx-yy"])
def test_an_unknown_language_prefix_is_not_found(client, seeded_case, prefix):
    assert client.get(prefix + case_url(seeded_case)).status_code == 404


def test_a_page_not_found_under_zh_hans_says_so_in_chinese(client, seeded_case):
    response = client.get(chinese(case_url(seeded_case, "fact_detail", "no-such-fact")))
    assert response.status_code == 404
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "页面不存在" in text(response.content.decode())


def test_a_malformed_date_is_refused_in_the_language_of_the_page(client, seeded_case):
    response = client.get(chinese(case_url(seeded_case)) + "?as_of=16-11-2021")
    assert response.status_code == 400
    assert "日期须写作 YYYY-MM-DD" in text(response.content.decode())


def test_a_kept_page_is_served_in_the_language_of_its_address(client, case_file, keeps_pages):
    html = page(client, chinese(case_url(case_file)))
    assert '<html lang="zh-hans">' in html and "时间线" in text(html)


def test_a_translation_older_than_the_english_text_links_to_the_newer_english_page(client, case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        fact.statement_zh_hans = "合同金额为五百万。"
        save(fact, reporter)
        approve_edit(editor, fact, "")
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
        fact.statement = "The contract was worth 6 million."
        save(fact, reporter)
        approve_edit(editor, fact, "")
        html = page(client, chinese(case_url(case_file, "fact_detail", fact.slug)))
    note = re.search(r'<p class="translation-note" role="note">(.*?)</p>', html, re.S).group(1)
    english = case_url(case_file, "fact_detail", fact.slug)
    assert note.strip().startswith("本译文早于")
    assert f'<a href="{english}" hreflang="en-gb">English 原文</a>' in note
    assert CHINESE_DAY.search(note)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
        assert 'class="translation-note"' not in page(client, english)


def test_an_english_text_older_than_a_change_of_its_translation_says_so_on_the_english_page(
    client, case_file, reporter, editor
):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement_zh_hans = "合同金额为五百万。"
    save(fact, reporter)
    approve_edit(editor, fact, "")
    assert 'class="translation-note"' not in page(client, case_url(case_file, "fact_detail", fact.slug))
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        fact.statement_zh_hans = "合同金额为五百万，据登记处记录。"
        save(fact, reporter)
        approve_edit(editor, fact, "")
        html = page(client, case_url(case_file, "fact_detail", fact.slug))
    note = text(re.search(r'<p class="translation-note" role="note">(.*?)</p>', html, re.S).group(1))
    assert note.startswith("This text is older than its 简体中文 translation of ")


def test_an_actor_known_in_two_scripts_is_named_in_both_on_either_language_s_pages(client, case_file, reporter, editor):
    mayor = Actor.objects.get(slug="ana-mayor")
    mayor.aliases, mayor.name_zh_hans, mayor.aliases_zh_hans = "The Mayor", "安娜·梅耶", "市长"
    save(mayor, reporter)
    approve_edit(editor, mayor, "")

    english = page(client, case_url(case_file, "actor_detail", mayor.slug))
    assert '<h1>Ana Mayor <span class="other-script">(<span lang="zh-hans">安娜·梅耶</span>)</span></h1>' in english
    assert '<bdi>The Mayor</bdi>; <bdi><span lang="zh-hans">市长</span></bdi>' in english
    chinese_page = page(client, chinese(case_url(case_file, "actor_detail", mayor.slug)))
    assert '<h1>安娜·梅耶 <span class="other-script">（<span lang="en-gb">Ana Mayor</span>）</span></h1>' in chinese_page
    assert "安娜·梅耶" in text(page(client, chinese(case_url(case_file, "actor_list"))))

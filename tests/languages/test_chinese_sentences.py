"""The sentences the public pages build of records read in Chinese on the Chinese pages, and as before in English."""

import datetime

from django.utils import timezone
from django.utils import translation
from django.utils.http import urlencode

from casefile import workflow
from casefile.models import Citation, Fact, ReplyRequest, Source
from casefile.published.history import Correction, sentence_line
from tests.factories import approve_edit, backdate, save
from tests.public.pages import case_url, page, text
from tests.public.test_legal_removals import approve_removal_on_review_page, corrected_then_removed  # noqa: F401
from tests.public.test_corrections import quoted_text
from tests.replies.support import allege, ask, mayor_and_fact, versions_of_change


def chinese(url):
    return "/zh-hans" + url


def chinese_day(day):
    return f"{day.year}年{day.month}月{day.day}日"


def corrected_statement_and_status(case, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 7 million."
    fact.status = Fact.Status.DISPUTED
    save(fact, reporter)
    registry = save(Source(case=case, slug="registry", kind=Source.Kind.OFFICIAL_ANNOUNCEMENT,
                           title="Company registry", publisher="Registry"), reporter)
    save(Citation(fact=fact, source=registry, locator="¶1", stance=Citation.Stance.CONTRADICTS), reporter)
    workflow.approve_case(editor, case, "Per the audit.", public_note="The audit gave a higher value.")
    return fact


def test_a_corrected_fact_is_told_in_chinese_in_the_corrections_log(client, case_file, reporter, editor):
    corrected_statement_and_status(case_file, reporter, editor)
    shown = quoted_text(page(client, chinese(case_url(case_file, "corrections"))))
    assert "事实“The contract was worth 7 million.”的陈述和状态已更正。" in shown
    assert "事实“The contract was worth 7 million.”新增1个信源。" in shown
    assert "已新增信源“Company registry”。" in shown
    assert "陈述" in shown and "状态" in shown
    assert "was corrected" not in shown and "was added" not in shown and "statement" not in shown


def test_the_english_corrections_log_reads_as_it_did(client, case_file, reporter, editor):
    corrected_statement_and_status(case_file, reporter, editor)
    page(client, chinese(case_url(case_file, "corrections")))
    shown = quoted_text(page(client, case_url(case_file, "corrections")))
    assert "The statement and status of the fact “The contract was worth 7 million.” were corrected." in shown
    assert "A source was added to the fact “The contract was worth 7 million.”" in shown
    assert "The source “Company registry” was added." in shown
    assert "已更正" not in shown and "事实" not in shown


def test_a_corrected_translation_is_named_with_its_language_in_either_language(client, case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement_zh_hans = "合同价值500万。"
    save(fact, reporter)
    approve_edit(editor, fact, "Translated.")
    assert "陈述（简体中文）" in quoted_text(page(client, chinese(case_url(case_file, "corrections"))))
    english = quoted_text(page(client, case_url(case_file, "corrections")))
    assert "The statement (简体中文) of the fact “The contract was worth 5 million.” was corrected." in english


def test_an_entry_of_the_changes_page_reads_in_chinese(client, case_file, reporter, editor):
    backdate(case_file, 10)
    corrected_statement_and_status(case_file, reporter, editor)
    today = timezone.now().date()
    url = case_url(case_file, "case_changes") + "?" + urlencode(
        {"from": (today - datetime.timedelta(days=7)).isoformat(), "to": today.isoformat()})
    shown = quoted_text(page(client, chinese(url)))
    assert "新增： 信源 “Company registry”" in shown
    assert "事实“The contract was worth 7 million.”的信源" in shown
    assert "陈述" in shown
    assert "the source" not in shown and "source of the fact" not in shown
    english = quoted_text(page(client, url))
    assert "Added: the source “Company registry”" in english
    assert "source of the fact “The contract was worth 7 million.”" in english


def test_a_right_of_reply_line_reads_in_chinese_with_a_chinese_day(client, case_file, reporter, editor):
    mayor, fact = mayor_and_fact()
    allege(fact, mayor, reporter)
    request = ask(fact, mayor, reporter, outcome=ReplyRequest.Outcome.DECLINED)
    workflow.approve(editor, versions_of_change(fact))
    url = fact.get_absolute_url()
    shown = text(page(client, chinese(url)))
    assert f"我们于{chinese_day(request.asked_on)}请Ana Mayor回应。Ana Mayor拒绝置评。" in shown
    assert "We asked" not in shown and "declined to comment" not in shown
    english = text(page(client, url))
    assert f"We asked Ana Mayor for comment on {request.asked_on:%-d %B %Y}. Ana Mayor declined to comment." in english


def test_a_relationship_period_reads_in_chinese(client, disputed_case):
    url = case_url(disputed_case, "actor_detail", "ana-mayor")
    shown = text(page(client, chinese(url)))
    assert "（自2018年起）" in shown
    assert "from 2018" not in shown
    assert "(from 2018)" in text(page(client, url))


def test_search_results_name_their_kind_in_chinese(client, case_file):
    query = "?" + urlencode({"q": "Quay Builders"})
    assert '<span class="kind">相关方</span>' in page(client, "/zh-hans/search/" + query)
    assert '<span class="kind">Actor</span>' in page(client, "/search/" + query)


def test_an_entry_of_several_changes_is_titled_with_their_number_in_either_language():
    entry = Correction(decided_at=timezone.now(), batch="1", lines=[sentence_line("—")] * 4, note="")
    with translation.override("zh-hans"):
        assert entry.title == "—（另有3处改动）"
    assert entry.title == "— (and 3 more changes)"


def test_a_removal_for_legal_reasons_is_told_in_chinese_by_the_kind_alone(
    client, case_file, corrected_then_removed, editor_client
):
    approve_removal_on_review_page(editor_client, corrected_then_removed, for_legal_reasons=True)
    shown = text(page(client, chinese(case_url(case_file, "corrections"))))
    assert "因法律原因移除了一条事实。" in shown
    assert "一条事实的陈述已更正（该记录其后因法律原因移除）。" in shown
    assert "for legal reasons" not in shown and "cousin" not in shown

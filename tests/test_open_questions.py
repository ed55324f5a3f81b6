"""Open questions: what a case cannot establish yet, reviewed like every record and shown to readers."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from casefile import workflow
from casefile.models import Fact, OpenQuestion, QuestionConcern, Source
from tests.admin.pages import add_inline_row, review_url, saved, text_of
from tests.factories import save
from tests.public.pages import case_url, page, text
from tests.test_backup import empty_the_database, public_json


def ask(case, reporter, **fields):
    question = save(OpenQuestion(case=case, slug="what-the-minutes-say", question="Who signed the contract?",
                                 settled_by="The council minutes.", **fields), reporter)
    save(QuestionConcern(question=question, fact=Fact.objects.get(slug="contract-value")), reporter)
    save(QuestionConcern(question=question, source=Source.objects.get(slug="daily")), reporter)
    return question


def publish(question, editor):
    return workflow.approve(editor, {(c.model, c.pk): c.latest.history_id
                                     for c in workflow.review_bundle(OpenQuestion, question.pk)}, "")


def test_an_answered_question_says_what_the_answer_is(case_file):
    question = OpenQuestion(case=case_file, slug="q", question="Who?", settled_by="Minutes.",
                            state=OpenQuestion.State.ANSWERED)
    with pytest.raises(ValidationError) as refused:
        question.full_clean()
    assert refused.value.message_dict["answer"] == ["An answered question says what the answer is."]
    with pytest.raises(IntegrityError), transaction.atomic():
        question.save()


def test_each_row_of_a_question_names_exactly_one_record(case_file, reporter):
    question = save(OpenQuestion(case=case_file, slug="q", question="Who?", settled_by="Minutes."), reporter)
    both = QuestionConcern(question=question, fact=Fact.objects.get(slug="contract-value"),
                           source=Source.objects.get(slug="daily"))
    with pytest.raises(ValidationError, match="exactly one fact, event, relationship or source"):
        both.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        both.save()


def test_a_new_question_waits_for_an_editor_and_then_readers_see_it_with_what_it_concerns(
    client, case_file, reporter, editor
):
    question = ask(case_file, reporter)
    assert (OpenQuestion, question.pk) in {(item.model, item.pk) for item in workflow.review_queue()}
    assert "Who signed the contract?" not in page(client, case_url(case_file))

    publish(question, editor)

    html = page(client, case_url(case_file))
    section = text(html[html.index('id="open-questions"'):html.index('id="sources"')])
    assert "Open Who signed the contract?" in section
    assert "What would settle it: The council minutes." in section
    assert "It concerns: The contract was worth 5 million.; Daily report" in section
    assert 'href="/cases/harbour/facts/contract-value/"' in html
    [shown] = client.get("/cases/harbour/case.json").json()["open_questions"]
    assert (shown["slug"], shown["state"], shown["concerns"]) == ("what-the-minutes-say", "open", [
        {"kind": "fact", "slug": "contract-value"}, {"kind": "source", "slug": "daily"}])
    assert shown["url"].endswith("/cases/harbour/#question-what-the-minutes-say")


def test_an_answer_reaches_readers_only_once_approved(client, case_file, reporter, editor):
    question = ask(case_file, reporter)
    publish(question, editor)
    question.state, question.answer = OpenQuestion.State.ANSWERED, "The mayor signed it (minutes, item 4)."
    save(question, reporter)
    assert "The mayor signed it" not in page(client, case_url(case_file))
    publish(question, editor)
    assert "Answered Who signed the contract? What would settle it: The council minutes. Answer: The mayor " \
        "signed it" in text(page(client, case_url(case_file)))


def test_the_preview_of_a_new_question_shows_the_case_page_with_it(case_file, reporter, editor_client):
    question = ask(case_file, reporter)
    preview = editor_client.get(review_url(question) + "preview/")
    assert preview.status_code == 200
    assert "Preview, not published." in text_of(preview) and "Who signed the contract?" in text_of(preview)
    assert not workflow.ever_approved(question)


def test_a_reporter_asks_a_question_on_its_form_with_the_records_it_concerns(reporter_client, case_file):
    add_url = reverse("admin:casefile_openquestion_add")
    form = reporter_client.get(add_url + f"?case={case_file.pk}")
    assert form.status_code == 200
    data = {"case": [str(case_file.pk)], "slug": ["who-signed"], "question": ["Who signed the contract?"],
            "settled_by": ["The minutes."], "state": ["open"], "answer": [""], "change_reason": ["New question"],
            "concerns-TOTAL_FORMS": ["0"], "concerns-INITIAL_FORMS": ["0"], "_save": ["Save"]}
    add_inline_row(data, "concerns", {"fact": Fact.objects.get(slug="contract-value").pk})
    saved(reporter_client.post(add_url, data))
    question = OpenQuestion.objects.get(slug="who-signed")
    assert [concern.fact.slug for concern in question.concerns.all()] == ["contract-value"]
    assert workflow.pending_change(OpenQuestion, question.pk) is not None


def test_an_exported_case_keeps_its_questions_when_restored(client, case_file, reporter, editor, tmp_path):
    publish(ask(case_file, reporter), editor)
    backup = tmp_path / "harbour.json"
    call_command("export_case", "harbour", str(backup), stdout=open("/dev/null", "w"))
    before = public_json(client, "harbour")
    assert before["open_questions"]

    empty_the_database()
    call_command("import_case", str(backup), stdout=open("/dev/null", "w"))

    assert public_json(client, "harbour") == before
    assert QuestionConcern.objects.count() == 2

"""Comments are the newsroom's: no public address ever shows them; the staff backup keeps them and brings them back."""

import io
import json

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from casefile import workflow
from casefile.models import Fact, ReviewComment
from casefile.workflow import comments
from tests.public.pages import PUBLIC_PAGES, public_address
from tests.test_backup import empty_the_database

from .support import comment, waiting_change

MARKER = "Zq7commentmarker"


def test_no_public_address_shows_a_comment_or_a_reply_on_the_version_readers_see(fact, reporter, editor):
    version = waiting_change(fact, reporter)
    thread = comment(editor, fact, text=f"Whose figure? {MARKER}")
    comments.reply_to(reporter, thread, f"The commentary's. {MARKER}")
    workflow.approve(editor, {(Fact, fact.pk): version.history_id}, "Approved with the thread open")

    reader = Client()
    crawled = {name: reader.get(public_address(name)) for name in PUBLIC_PAGES}

    assert crawled["fact_detail"].status_code == 200
    assert b"9 million yuan" in b"".join(crawled["fact_detail"])
    assert [name for name, response in crawled.items() if MARKER.encode() in b"".join(response)] == []
    # The search page repeats the query: it finds no more for the marker than for a word nowhere.
    found = reader.get(f"/search/?q={MARKER}").content.decode().replace(MARKER, "WORD")
    assert found == reader.get("/search/?q=WORD").content.decode()


def test_the_staff_backup_keeps_the_threads_and_the_import_restores_them(fact, reporter, editor, tmp_path):
    waiting_change(fact, reporter)
    thread = comment(editor, fact)
    comments.reply_to(reporter, thread, "TechNode's, fixed.")
    comments.resolve(reporter, thread)
    backup = tmp_path / "harbour.json"
    call_command("export_case", "harbour", str(backup), stdout=open("/dev/null", "w"))
    assert [row["model"] for row in json.loads(backup.read_text())["review_comments"]] == [
        "casefile.reviewcomment", "casefile.reviewreply"]

    ReviewComment.objects.all().delete()
    empty_the_database()
    told = io.StringIO()
    call_command("import_case", str(backup), "--dry-run", stdout=told)
    call_command("import_case", str(backup), stdout=open("/dev/null", "w"))

    assert "review conversations: review comment 1, reply to a review comment 1" in told.getvalue()
    restored = ReviewComment.objects.get()
    assert (restored.passage, restored.author.username, restored.resolved_by.username) == ("9 million yuan", "edna", "rita")
    assert [reply.text for reply in restored.replies.all()] == ["TechNode's, fixed."]
    assert get_user_model().objects.get(username="rita").is_active is False

"""Comments on a field of a waiting version, on words of it; replies; who resolves a thread."""

import pytest
from django.contrib.auth import get_user_model

from casefile import textdiff
from casefile.admin.comments import marked
from casefile.models import ReviewComment
from casefile.workflow import comments
from tests.desk.pages import change_url, history_url, review_url

from .support import CHANGED, comment, post_comment, waiting_change


def test_an_editor_comments_on_words_of_a_changed_field_from_the_review(fact, reporter, editor_client):
    version = waiting_change(fact, reporter)

    response = post_comment(editor_client, fact, "Whose figure is this?", "9 million yuan", next_url=review_url(fact))

    thread = ReviewComment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{review_url(fact)}#thread-{thread.pk}"
    assert (thread.field_name, thread.passage, thread.history_id) == ("statement", "9 million yuan", version.history_id)
    html = editor_client.get(review_url(fact)).content.decode()
    assert '<ins><mark class="commented">9</mark></ins><mark class="commented"> million</mark><ins><mark class="commented"> yuan</mark>' in html
    assert "Whose figure is this?" in html and f"on version {version.history_id}" in html


def test_words_that_are_not_in_the_field_are_refused_and_the_comment_is_given_back(fact, reporter, editor_client):
    waiting_change(fact, reporter)

    response = post_comment(editor_client, fact, "Soften this.", "corrupt", next_url=review_url(fact))

    assert ReviewComment.objects.count() == 0
    page = editor_client.get(response["Location"]).content.decode()
    assert "are not in the statement of this version" in page and "Soften this." in page


def test_the_reporter_answers_and_resolves_a_thread_on_their_change(fact, reporter, editor, reporter_client):
    waiting_change(fact, reporter)
    thread = comment(editor, fact)

    reporter_client.post(comments_url_of(fact), {"_reply": "1", "thread": thread.pk, "text": "Fixed: TechNode's."})
    reporter_client.post(comments_url_of(fact), {"_resolve": "1", "thread": thread.pk})

    thread.refresh_from_db()
    assert [reply.text for reply in thread.replies.all()] == ["Fixed: TechNode's."]
    assert thread.resolved_by == reporter and thread.is_resolved
    with pytest.raises(comments.CommentRefused, match="resolved by rita"):
        comments.reply_to(editor, thread, "One more thing.")


def test_someone_neither_the_commenter_nor_an_author_cannot_resolve(fact, reporter, editor, other_reporter):
    waiting_change(fact, reporter)
    thread = comment(editor, fact)

    with pytest.raises(comments.CommentRefused):
        comments.resolve(other_reporter, thread)
    comments.reply_to(other_reporter, thread, "I have the ruling too.")
    assert not ReviewComment.objects.get().is_resolved


def test_a_later_version_without_the_words_says_the_text_changed_and_shows_the_new_words(fact, reporter, editor, editor_client):
    waiting_change(fact, reporter)
    comment(editor, fact)
    fact.statement = "The contract was worth 5 million yuan, TechNode reported."
    from tests.factories import save
    save(fact, reporter, "Figure from TechNode")

    html = editor_client.get(review_url(fact)).content.decode()
    assert "The text changed since." in html
    assert "worth 5 million yuan, TechNode reported." in html and "9 million yuan" in html
    assert CHANGED not in html


def comments_url_of(fact):
    from .support import comments_url
    return comments_url(fact)


def test_the_records_form_shows_the_threads_and_the_reporter_comments_there(fact, reporter, editor, reporter_client):
    waiting_change(fact, reporter)
    comment(editor, fact)

    html = reporter_client.get(change_url(fact)).content.decode()
    assert 'id="review-conversation"' in html and "This figure is the commentary&#x27;s, not TechNode&#x27;s." in html
    assert 'name="_resolve"' in html

    post_comment(reporter_client, fact, "Which paragraph?", next_url=change_url(fact))
    assert ReviewComment.objects.filter(author=reporter, passage="").count() == 1


def test_the_history_shows_each_thread_with_the_version_it_was_made_on(fact, reporter, editor, editor_client):
    version = waiting_change(fact, reporter)
    comment(editor, fact)

    html = editor_client.get(history_url(fact)).content.decode()
    assert "Review comment on the statement" in html and f"on version {version.history_id}" in html


def test_the_legal_desk_comments_and_someone_outside_the_newsroom_cannot(fact, reporter, lawyer_client, client):
    waiting_change(fact, reporter)
    outsider = get_user_model().objects.create_user("reader", password="a-long-test-password")
    client.force_login(outsider)

    assert post_comment(lawyer_client, fact, "Can we stand up 'commentary'?").status_code == 302
    assert post_comment(client, fact, "Hello").status_code in (302, 403)
    assert [thread.author.username for thread in ReviewComment.objects.all()] == ["lola"]


def test_marked_words_stay_escaped_and_never_land_inside_a_tag():
    diff = textdiff.word_diff("Fish & chips", "Fish & <b>chips</b> for the invisible character")

    html = str(marked(diff.after, ["& <b>chips", "invisible character"]))

    assert '<mark class="commented">&amp; &lt;b&gt;chips</mark>' in html.replace("<ins>", "").replace("</ins>", "")
    assert "<b>" not in html

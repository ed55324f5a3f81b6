"""An editor selects words in a review's diff and comments on them; the reporter answers from the desk and
resolves the thread. In Debian's Chromium, axe-clean on the review and the desk."""

import pytest

from casefile.models import Fact, ReviewComment
from tests.browser import serious_violations
from tests.desk.browser import Person, marks, shot

pytestmark = marks

SELECT_WORDS = """(cell, words) => {
    // Select `words` in the cell as a mouse drag would, across the diff's own marks.
    const nodes = [], walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) nodes.push(walker.currentNode);
    const text = nodes.map(node => node.data).join(""), start = text.indexOf(words), end = start + words.length;
    const range = document.createRange();
    let offset = 0;
    for (const node of nodes) {
        if (start >= offset && start <= offset + node.data.length) range.setStart(node, start - offset);
        if (end >= offset && end <= offset + node.data.length) { range.setEnd(node, end - offset); break; }
        offset += node.data.length;
    }
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
}"""


@pytest.fixture
def people(chromium, live_site, served_small_case, served_reporter, served_editor):
    rita, edna = Person(chromium, live_site.url, served_reporter), Person(chromium, live_site.url, served_editor)
    yield rita, edna
    rita.close()
    edna.close()


def test_an_editor_comments_on_selected_words_and_the_reporter_answers_and_resolves(people):
    rita, edna = people
    fact = Fact.objects.get(slug="contract-value")
    rita.open(fact.get_admin_url())
    rita.fill("#id_statement", "The contract was worth 9 million yuan, the commentary says.")
    rita.fill("#id_change_reason", "Figure from the commentary")
    rita.save()

    edna.open("/admin/")
    edna.go("#desk-review a:has-text('9 million yuan')")
    cell = edna.page.locator("tr.changed-field > td:last-child").first
    cell.evaluate(SELECT_WORDS, "9 million yuan")
    edna.page.wait_for_function("() => document.querySelector('input.comment-passage').value === '9 million yuan'")
    edna.fill("textarea[name=text]:visible", "This figure is the commentary's, not TechNode's.")
    edna.go("button[name=_comment]")
    assert "Your comment is on the change." in edna.messages()
    assert edna.text("tr.changed-field mark.commented >> nth=0") == "9"
    assert "About the words 9 million yuan This figure" in edna.text(".review-thread")
    assert serious_violations(edna.page) == []
    shot(edna.page, "review-comments", full_page=True)

    rita.open("/admin/")
    assert "Comments waiting for you: 1" in rita.text("#desk-comments")
    assert serious_violations(rita.page) == []
    rita.go("#desk-comments a")
    rita.fill(".thread-answer textarea", "TechNode's figure is 5 million; I will change it back.")
    rita.go(".thread-answer button[name=_reply]")
    rita.go(".thread-answer button[name=_resolve]")
    assert "The thread is resolved." in rita.messages()

    thread = ReviewComment.objects.get()
    assert (thread.passage, thread.resolved_by.username, thread.replies.count()) == ("9 million yuan", "rita", 1)
    assert rita.errors == [] and edna.errors == []

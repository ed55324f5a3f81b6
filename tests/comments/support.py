"""A fact changed by the reporter and waiting for review, and ways to comment on it as a page would."""

from django.urls import reverse

from casefile import workflow
from casefile.models import ReviewComment
from casefile.workflow import comments
from tests.factories import save

CHANGED = "The contract was worth 9 million yuan, the commentary says."


def waiting_change(fact, reporter):
    """The fact, its statement changed by `reporter`; the version waiting for review."""
    fact.statement = CHANGED
    save(fact, reporter, "Figure from the commentary")
    return workflow.latest_version(type(fact), fact.pk)


def comment(user, fact, words="9 million yuan", text="This figure is the commentary's, not TechNode's."):
    version = workflow.latest_version(type(fact), fact.pk)
    return comments.comment_on(user, type(fact), fact.pk, version.history_id, "statement", text, words)


def comments_url(record):
    return reverse("admin:casefile_review_comments", args=[workflow.key_for(type(record), record.pk)])


def post_comment(client, record, text, passage="", field="statement", next_url=""):
    version = workflow.latest_version(type(record), record.pk)
    return client.post(comments_url(record), {
        "_comment": "1", "version": version.history_id, "field": field, "text": text, "passage": passage,
        "next": next_url,
    })


def threads():
    return list(ReviewComment.objects.order_by("pk"))

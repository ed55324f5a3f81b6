"""`make bench` approves as an editor does, from the form of the review page: it must find that form."""

from bench.approvals import decision_fields
from casefile import workflow
from casefile.models import Fact
from tests.desk.pages import review_url
from tests.factories import save


def test_the_benchmark_finds_the_versions_an_editor_approves_on_the_review_page(fact, reporter, editor_client):
    fact.statement = "The contract was worth 9 million."
    save(fact, reporter)

    fields = dict(decision_fields(editor_client.get(review_url(fact)).content.decode()))

    assert fields["version"].startswith(workflow.key_for(Fact, fact.pk) + "@")
    assert fields["csrfmiddlewaretoken"]

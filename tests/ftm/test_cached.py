"""The FtM files are not kept in the worker after each approval, as pages are: rendering a large case's
entities takes seconds, which would hold up the pages of the next approval. Readers get them from the
page cache (and the edge), which an approval of the case retires."""

import pytest
from django.urls import reverse

from casefile.models import Actor
from tests.factories import approve_all, committed, save

FILES = ["casefile:case_entities", "casefile:case_graph"]


@pytest.mark.parametrize("view_name", FILES)
def test_a_second_reader_gets_the_file_from_the_cache_and_an_approval_shows_at_once(
        client, case_file, reporter, editor, view_name):
    url = reverse(view_name, args=[case_file.slug])
    assert client.get(url)["X-Public-Cache"] == "miss"
    assert client.get(url)["X-Public-Cache"] == "hit"
    actor = Actor.objects.get(slug="ana-mayor")
    actor.name = "Ana Mayor-Quay"
    save(actor, reporter)
    assert "Ana Mayor-Quay" not in client.get(url).content.decode()

    with committed():
        approve_all(editor, case_file)

    assert "Ana Mayor-Quay" in client.get(url).content.decode()


"""The FtM files are kept for readers as case.json is, but rendered outside the case's publishing lock."""

import pytest

from casefile import pagecache
from casefile.models import Case, KeptPage, Publication
from casefile.published.rendered import release
from casefile.publishing.kept_pages import keep_case_pages
from casefile.workflow import publication

pytestmark = pytest.mark.usefixtures("keeps_pages")


def kept_case_page(case):
    return KeptPage.objects.get(publication__in=Publication.objects.of_kind(Case).filter(object_id=case.pk))


def test_the_files_are_kept_with_the_case_page_and_served_as_kept(client, case_file):
    kept = kept_case_page(case_file)
    assert kept.entities.startswith('{"id": ') and kept.network.startswith("<gexf")
    kept.entities = kept.entities.replace("Ana Mayor", "Kept, not rendered again")
    kept.save(update_fields=["entities"])
    assert "Kept, not rendered again" in client.get("/cases/harbour/entities.ftm").content.decode()


def test_files_rendered_while_a_change_of_the_case_commits_are_not_kept(case_file):
    kept = kept_case_page(case_file)
    KeptPage.objects.filter(pk=kept.pk).update(entities="", network="")

    def render_while_an_approval_commits():
        pagecache.advance_generation([case_file.pk])
        return {"entities": "the case before the change", "network": "<gexf/>"}

    assert not publication.keep_case_documents(case_file.pk, "harbour", release(), render_while_an_approval_commits)
    assert kept_case_page(case_file).entities == ""
    keep_case_pages(case_file.pk)
    assert kept_case_page(case_file).entities.startswith('{"id": ')

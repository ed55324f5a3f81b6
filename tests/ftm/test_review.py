"""Imported drafts reviewed as any reporter's change: uploaded in the admin, approved into the public case,
and a draft actor the case may have already offered as a merge, never merged unasked."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casefile import workflow
from casefile.models import Actor, Event, EventParticipant, Relationship, Source

from ..admin.pages import approve_on_review_page, review_url
from .test_import import SMALL_FILE


def upload(client, case, content, name="aleph-export.ftm"):
    return client.post(reverse("admin:casefile_case_import_ftm", args=[case.pk]),
                       {"file": SimpleUploadedFile(name, content)})


def test_the_case_admin_page_links_the_upload_which_opens_in_a_few_queries(
    case_file, reporter_client, django_assert_max_num_queries
):
    page = reporter_client.get(reverse("admin:casefile_case_change", args=[case_file.pk])).content.decode()
    address = reverse("admin:casefile_case_import_ftm", args=[case_file.pk])
    assert address in page
    with django_assert_max_num_queries(8):
        form = reporter_client.get(address)
    assert form.status_code == 200 and 'type="file"' in form.content.decode()


def test_an_uploaded_file_waits_for_review_and_an_editors_approval_puts_it_on_the_case_page(
    client, case_file, reporter, reporter_client, editor_client
):
    response = upload(reporter_client, case_file, SMALL_FILE.encode())
    assert response.status_code == 302
    clerk = Actor.objects.get(case=case_file, name="Bruno Clerk")
    assert workflow.latest_version(Actor, clerk.pk).history_user == reporter
    assert "Bruno Clerk" not in client.get("/cases/harbour/").content.decode()

    for record in (Relationship.objects.get(subject=clerk), Event.objects.get(title="Pier Holdings founded"),
                   Source.objects.get(title="Pier Holdings wins harbour deal")):
        assert approve_on_review_page(editor_client, record).status_code == 302

    page = client.get("/cases/harbour/").content.decode()
    assert "Bruno Clerk" in page and "Pier Holdings founded" in page
    assert "Pier Holdings Ltd" in client.get("/cases/harbour/actors/").content.decode()
    assert "Pier Holdings wins harbour deal" in client.get("/cases/harbour/sources/").content.decode()


def test_a_bad_upload_is_refused_in_one_line_and_saves_nothing(case_file, reporter_client):
    actors = Actor.objects.count()
    response = upload(reporter_client, case_file, b"{not json\n", name="broken.ftm")
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "broken.ftm, line 1, is not JSON: an FtM file holds one entity a line. Nothing was written."]
    assert Actor.objects.count() == actors


def test_a_draft_with_an_actors_name_is_offered_as_a_merge_and_merged_only_when_asked(
    case_file, reporter_client, editor_client
):
    upload(reporter_client, case_file, SMALL_FILE.encode())
    draft = Actor.objects.get(case=case_file, name="ANA MAYOR")
    mayor = Actor.objects.get(case=case_file, slug="ana-mayor")
    fact_event = Event.objects.get(title="Pier Holdings founded")
    EventParticipant.objects.create(event=fact_event, actor=draft, role="witness")

    page = editor_client.get(review_url(draft))
    assert [actor.pk for actor in page.context["merge_offers"]] == [mayor.pk]
    assert Actor.objects.filter(pk=draft.pk).exists()

    response = editor_client.post(review_url(draft), {"_merge_into": str(mayor.pk)})
    assert response.status_code == 302
    assert not Actor.objects.filter(pk=draft.pk).exists()
    mayor.refresh_from_db()
    assert "ANA MAYOR" not in mayor.alias_list  # the same name, told apart only by case
    assert EventParticipant.objects.get(event=fact_event, role="witness").actor == mayor
    assert mayor.name == "Ana Mayor"


def test_an_actor_readers_see_is_never_offered_to_be_merged_away(case_file, editor_client):
    mayor = Actor.objects.get(case=case_file, slug="ana-mayor")
    Actor.objects.create(case=case_file, kind="person", name="Mayor Ana", slug="mayor-ana-2")
    mayor.description = "Changed."
    mayor.save()
    assert editor_client.get(review_url(mayor)).context["merge_offers"] == []


def test_a_lawyer_is_neither_offered_nor_allowed_the_upload(case_file, lawyer_client):
    page = lawyer_client.get(reverse("admin:casefile_case_change", args=[case_file.pk])).content.decode()
    assert reverse("admin:casefile_case_import_ftm", args=[case_file.pk]) not in page
    assert upload(lawyer_client, case_file, SMALL_FILE.encode()).status_code == 403

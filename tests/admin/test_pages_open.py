"""Every admin page opens for a superuser, on the small case and on the seeded one."""

import re

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from casefile import workflow
from tests.admin.pages import history_ids, logged_in
from tests.factories import SEED_FIXTURE, add_login_records, complete_case_file, save

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture(params=["case_file", "seeded_case"])
def loaded_case(request, reporter):
    if request.param == "seeded_case" and not SEED_FIXTURE.exists():
        pytest.skip(f"{SEED_FIXTURE.name} is not there yet")
    case = request.getfixturevalue(request.param)
    if request.param == "case_file":
        complete_case_file(case, reporter)
    else:
        add_login_records()
    return case


def first_record(model, case):
    record = model._default_manager.order_by("pk").first()
    if record is None and case.slug != "harbour":
        pytest.skip(f"the seeded case has no {model._meta.verbose_name}")
    assert record is not None, f"no {model._meta.label} to open"
    return record


def admin_of(model):
    return admin.site._registry[model]


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_every_admin_page_of_every_model_opens_for_a_superuser(loaded_case, admin_user, model):
    client = logged_in(admin_user)
    info = model._meta.app_label, model._meta.model_name
    record = first_record(model, loaded_case)

    assert client.get(reverse("admin:%s_%s_changelist" % info)).status_code == 200
    request = RequestFactory().get("/")
    request.user = admin_user
    add = client.get(reverse("admin:%s_%s_add" % info))
    assert add.status_code == (200 if admin_of(model).has_add_permission(request) else 403)
    change = client.get(reverse("admin:%s_%s_change" % info, args=[record.pk]))
    assert change.status_code == 200
    assert client.get(reverse("admin:%s_%s_history" % info, args=[record.pk])).status_code == 200


@pytest.mark.parametrize("model", workflow.TRACKED, ids=lambda m: m._meta.label)
def test_every_version_in_a_records_history_opens_for_a_superuser(loaded_case, admin_user, model):
    client = logged_in(admin_user)
    record = first_record(model, loaded_case)
    for history_id in history_ids(record):
        url = reverse(f"admin:casefile_{model._meta.model_name}_simple_history",
                      args=[record.pk, history_id])
        assert client.get(url).status_code == 200, url


def test_the_admin_index_and_the_review_of_every_waiting_record_open_for_a_superuser(
    loaded_case, admin_user, reporter
):
    # Something of every kind waits for review.
    for model in workflow.TRACKED:
        record = model.objects.order_by("pk").first()
        if record is None:
            continue
        record.removal_proposed = True
        save(record, reporter, "propose removal")
    client = logged_in(admin_user)
    assert client.get(reverse("admin:index")).status_code == 200
    queue = client.get(reverse("admin:casefile_review_queue"))
    assert queue.status_code == 200
    keys = re.findall(r'name="selected" value="([^"]+)"', queue.content.decode())
    assert len(keys) >= len(workflow.TOP_LEVEL)
    for key in keys:
        page = client.get(reverse("admin:casefile_review", args=[key]))
        assert page.status_code == 200
        assert "(removal proposed)" in page.content.decode()

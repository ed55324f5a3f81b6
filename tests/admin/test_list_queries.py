"""The admin's lists take a handful of queries, however many records a case holds."""

from django.contrib import admin
from django.urls import reverse

from tests.admin.pages import logged_in
from tests.factories import add_login_records


def test_every_admin_list_of_the_seeded_case_takes_a_handful_of_queries(
    seeded_case, admin_user, django_assert_max_num_queries
):
    add_login_records()
    client = logged_in(admin_user)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        with django_assert_max_num_queries(20, info=url):
            assert client.get(url).status_code == 200

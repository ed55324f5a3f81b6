"""Who may see what in the admin: nobody signed out, reporters not the review, viewers nothing to change."""

from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from casefile import workflow
from casefile.models import Decision, Fact
from tests.admin.pages import (
    change_url,
    edit,
    logged_in,
    public_statement,
    review_url,
    saved,
)
from tests.factories import complete_case_file, make_user, save


def admin_url_patterns(patterns=None):
    """(name, parameter names, number of positional parameters) of every named admin URL."""
    if patterns is None:
        admin_root = next(p for p in get_resolver().url_patterns
                          if isinstance(p, URLResolver) and getattr(p, "app_name", "") == "admin")
        patterns = admin_root.url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from admin_url_patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            regex = pattern.pattern.regex
            names = list(getattr(pattern.pattern, "converters", {})) or list(regex.groupindex)
            yield pattern.name, names, regex.groups - len(regex.groupindex)


def model_of_url(name):
    return next((m for m in admin.site._registry
                 if name.startswith(f"{m._meta.app_label}_{m._meta.model_name}_")), None)


def concrete_admin_urls(fact):
    """Every admin URL, filled in with real records (the fact for the review pages)."""
    urls = []
    for name, params, positional in admin_url_patterns():
        if name in ("login", "logout"):
            continue
        model = model_of_url(name)
        record = model._default_manager.order_by("pk").first() if model else None
        if positional:
            # simple-history's view of one version: <object id>/history/<version id>/
            assert name.endswith("_simple_history") and positional == 2, name
            version = model.history.filter(id=record.pk).first().history_id
            urls.append(reverse(f"admin:{name}", args=[record.pk, version]))
            continue
        kwargs = {}
        for param in params:
            if param in ("object_id", "id"):
                if record is None:
                    kwargs = None
                    break
                kwargs[param] = record.pk
            elif param == "app_label":
                kwargs[param] = "casefile"
            elif param == "content_type_id":
                kwargs[param] = ContentType.objects.get_for_model(Fact).pk
            elif param == "key":
                kwargs[param] = workflow.key_for(Fact, fact.pk)
            else:
                raise AssertionError(f"do not know how to fill {param} of admin:{name}")
        if kwargs is not None:
            urls.append(reverse(f"admin:{name}", kwargs=kwargs))
    return urls


def test_anonymous_users_are_sent_to_the_login_page_from_every_admin_url(fact, reporter, client):
    complete_case_file(fact.case, reporter)
    fact.statement = "A secret working draft about the harbour."
    save(fact, reporter)
    urls = concrete_admin_urls(fact)
    assert reverse("admin:casefile_review_queue") in urls
    assert review_url(fact) in urls
    assert len(urls) > 100
    login = reverse("admin:login")
    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, (method.__name__, url, response.status_code)
            assert response["Location"].startswith(f"{login}?next="), url
            assert b"secret working draft" not in response.content
    fact.refresh_from_db()
    assert fact.statement == "A secret working draft about the harbour."
    assert not Decision.objects.exclude(decided_by__username="edna").exists()


def test_a_reporter_may_not_open_the_review_queue_or_a_review_or_approve_in_bulk(
    fact, reporter, reporter_client
):
    edit(reporter_client, fact, statement="Worth 9 million.")
    queue = reporter_client.get(reverse("admin:casefile_review_queue"))
    review = reporter_client.get(review_url(fact))
    key = workflow.key_for(Fact, fact.pk)
    fingerprint = workflow.fingerprint((c.key, c.latest.history_id)
                                       for c in workflow.record_changes(Fact, fact.pk))
    bulk = reporter_client.post(reverse("admin:casefile_review_bulk"),
                                {"selected": [key], f"seen-{key}": fingerprint})
    direct = reporter_client.post(review_url(fact), {
        "version": [f"{c.key}@{c.latest.history_id}" for c in workflow.review_bundle(Fact, fact.pk)],
        "_approve": "Approve",
    })
    assert [queue.status_code, review.status_code, bulk.status_code, direct.status_code] == [403] * 4
    assert b"Worth 9 million" not in review.content
    assert public_statement() == "The contract was worth 5 million."
    assert not Decision.objects.filter(decided_by=reporter).exists()


def test_the_review_queue_and_a_review_open_for_an_editor(fact, reporter_client, editor_client):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    queue = editor_client.get(reverse("admin:casefile_review_queue"))
    review = editor_client.get(review_url(fact))
    assert queue.status_code == 200 and review.status_code == 200
    assert review_url(fact) in queue.content.decode()
    assert "Worth 9 million." in review.content.decode()
    assert "The contract was worth 5 million." in review.content.decode()


def test_a_staff_user_without_permissions_cannot_read_history_or_working_versions(fact, reporter):
    fact.statement = "An unpublished working draft."
    save(fact, reporter)
    nobody = logged_in(make_user("nina"))
    version = Fact.history.filter(id=fact.pk).first().history_id
    for url in (change_url(fact), reverse("admin:casefile_fact_history", args=[fact.pk]),
                reverse("admin:casefile_fact_simple_history", args=[fact.pk, version]),
                reverse("admin:casefile_review_queue"), review_url(fact)):
        response = nobody.get(url)
        assert response.status_code == 403, url
        assert b"unpublished working draft" not in response.content


def test_a_user_who_may_only_view_cannot_change_a_record_through_its_history_page(fact):
    viewer = make_user("vera")
    viewer.user_permissions.add(Permission.objects.get(codename="view_fact"))
    client = logged_in(viewer)
    version = Fact.history.filter(id=fact.pk).first().history_id
    url = reverse("admin:casefile_fact_simple_history", args=[fact.pk, version])
    page = client.get(url)
    assert page.status_code == 200
    client.post(url, {"statement": ["Changed by someone who may only look."], "change_reason": ["because"]})
    fact.refresh_from_db()
    assert fact.statement == "The contract was worth 5 million."

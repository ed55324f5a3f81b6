"""The admin and the editorial workflow, as reporters and editors use them over HTTP."""

import datetime
import hashlib
import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from casefile import published, workflow
from casefile.models import (
    Capture,
    Actor,
    Case,
    Citation,
    Decision,
    Event,
    Fact,
    FactEvent,
    Relationship,
    Source,
)
from tests.conftest import SEED_FIXTURE, approve_all, make_user, save

# ---------------------------------------------------------------------------
# Reading forms the way a browser does
# ---------------------------------------------------------------------------

SUBMIT_TYPES = {"submit", "button", "image", "reset"}


class FormParser(HTMLParser):
    """Collects every <form> of a page with the values a browser would submit.

    With `browser=True` it follows the HTML parsing rules for nested forms: a
    <form> start tag inside an open form is ignored, and the next </form>
    closes the open form, so the fields after it belong to no form at all.
    Without it, a nested form is read as its own form and the outer one resumes.
    """

    def __init__(self, browser=False):
        super().__init__(convert_charrefs=True)
        self.browser = browser
        self.forms = []
        self.stack = []
        self.select = None
        self.textarea = None
        self.option = None

    @property
    def form(self):
        return self.stack[-1] if self.stack else None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if self.browser and self.stack:
                return
            form = {"attrs": attrs, "fields": [], "submits": []}
            self.forms.append(form)
            self.stack.append(form)
            return
        if self.form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = (attrs.get("type") or "text").lower()
            if kind in SUBMIT_TYPES:
                self.form["submits"].append((name, attrs.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.form["fields"].append((name, attrs.get("value", "on")))
            elif kind != "file":
                self.form["fields"].append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self.select = {"name": name, "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self.select is not None:
            self.option = {"value": attrs.get("value"), "selected": "selected" in attrs, "text": ""}
            self.select["options"].append(self.option)
        elif tag == "textarea" and name:
            self.textarea = {"name": name, "text": ""}

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea["text"] += data
        elif self.option is not None:
            self.option["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            if self.stack:
                self.stack.pop()
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            options = self.select["options"]
            chosen = [o for o in options if o["selected"]]
            if not chosen and options and not self.select["multiple"]:
                chosen = options[:1]
            for option in chosen:
                value = option["value"] if option["value"] is not None else option["text"].strip()
                self.form["fields"].append((self.select["name"], value))
            self.select = self.option = None
        elif tag == "textarea" and self.textarea is not None:
            text = self.textarea["text"]
            # A browser drops the one newline right after <textarea>.
            self.form["fields"].append((self.textarea["name"], text[1:] if text.startswith("\n") else text))
            self.textarea = None


def page_forms(response, browser=False):
    parser = FormParser(browser=browser)
    parser.feed(response.content.decode())
    return parser.forms


def form_data(response, form_id=None, having=None, action=None, browser=False):
    """The data a browser would post from the form with this id, field or button, or action."""
    for form in page_forms(response, browser=browser):
        names = {name for name, _ in form["fields"]} | {name for name, _ in form["submits"]}
        if ((form_id and form["attrs"].get("id") == form_id) or (having and having in names)
                or (action and form["attrs"].get("action") == action)):
            data = {}
            for name, value in form["fields"]:
                data.setdefault(name, []).append(value)
            return data
    raise AssertionError(f"no form {form_id or having or action!r} on the page")


def change_url(record):
    return reverse(f"admin:casefile_{record._meta.model_name}_change", args=[record.pk])


def review_url(record):
    return reverse("admin:casefile_review", args=[workflow.key_for(type(record), record.pk)])


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def open_change_form(client, record):
    response = client.get(change_url(record))
    assert response.status_code == 200
    return form_data(response, f"{record._meta.model_name}_form")


def add_inline_row(data, prefix, values):
    index = int(data[f"{prefix}-TOTAL_FORMS"][0])
    for name, value in values.items():
        data[f"{prefix}-{index}-{name}"] = [str(value)]
    data[f"{prefix}-TOTAL_FORMS"] = [str(index + 1)]


def edit(client, record, reason="Checked against the ruling", **changes):
    """Open the record's change form, change some fields, save; returns the response."""
    data = open_change_form(client, record)
    for name, value in changes.items():
        data[name] = [value] if isinstance(value, str) else value
    data["change_reason"] = [reason]
    data["_save"] = ["Save"]
    return client.post(change_url(record), data)


def saved(response):
    assert response.status_code == 302, error_text(response)
    return response


def error_text(response):
    return " | ".join(shown_messages(response)) + " " + _form_errors(response)


def _form_errors(response):
    context = getattr(response, "context", None)
    if not context or "adminform" not in context:
        return ""
    return str(context["adminform"].form.errors) + str(
        [f.errors for fs in context["inline_admin_formsets"] for f in fs.formset.forms]
    )


def shown_messages(response):
    return [m.message for m in response.context["messages"]] if response.context else []


def text_of(response):
    return re.sub(r"\s+", " ", response.content.decode().replace("\xa0", " "))


def approve_on_review_page(client, record, comment=""):
    """What an editor does: open the review page and press Approve."""
    page = client.get(review_url(record))
    assert page.status_code == 200
    data = form_data(page, having="_approve")
    data["comment"] = [comment]
    data["_approve"] = ["Approve all of the above"]
    return client.post(review_url(record), data)


def reject_on_review_page(client, record, comment):
    page = client.get(review_url(record))
    data = form_data(page, having="_reject")
    data["comment"] = [comment]
    data["_reject"] = ["Reject"]
    return client.post(review_url(record), data)


def public(case_slug="harbour"):
    return published.published_case(case_slug)


def public_statement(slug="contract-value"):
    fact = public().fact(slug)
    return fact.statement if fact else None


def history_ids(record):
    return list(type(record).history.filter(id=record.pk).order_by("history_id")
                .values_list("history_id", flat=True))


# ---------------------------------------------------------------------------
# Every admin page opens for a superuser
# ---------------------------------------------------------------------------

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def complete_case_file(case, user):
    """Adds the kinds of record the small case lacks, so every admin has a row to show."""
    mayor, firm = Actor.objects.get(slug="ana-mayor"), Actor.objects.get(slug="quay-builders")
    relationship = save(Relationship(case=case, subject=firm, kind="contracted with", object=mayor), user)
    save(Citation(relationship=relationship, source=Source.objects.get(case=case, slug="daily"),
                  locator="¶4"), user)
    fact = Fact.objects.filter(case=case).first()
    save(FactEvent(fact=fact, event=Event.objects.filter(case=case).first()), user)
    add_copy_record(Source.objects.get(case=case, slug="daily"), user)
    add_login_records()


def add_copy_record(source, user):
    """A copy of a source as the admin lists it; its file is never opened here."""
    text = b"Harbour contracts awarded\n"
    digest = hashlib.sha256(text).hexdigest()
    Capture.objects.create(
        source=source, method=Capture.Method.UPLOAD, captured_by=user, captured_at=timezone.now(),
        stored_as=f"{source.case_id}/{source.pk}/daily.txt", stored_size=len(text), stored_sha256=digest,
        size=len(text), sha256=digest, content_type="text/plain", paragraphs=["Harbour contracts awarded"],
        comparison=Capture.Comparison.FIRST,
    )


def add_login_records():
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    AccessAttempt.objects.create(username="mallory", ip_address="10.0.0.1", failures_since_start=1)
    AccessLog.objects.create(username="rita", ip_address="10.0.0.2")
    AccessFailureLog.objects.create(username="mallory", ip_address="10.0.0.1")


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


# ---------------------------------------------------------------------------
# Who may see what
# ---------------------------------------------------------------------------

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
    data = form_data(page, having="statement")
    data.update(statement=["Changed by someone who may only look."], change_reason=["because"])
    client.post(url, data)
    fact.refresh_from_db()
    assert fact.statement == "The contract was worth 5 million."


# ---------------------------------------------------------------------------
# Editing: a reason every time, nothing lost
# ---------------------------------------------------------------------------

def test_a_change_without_a_reason_is_refused_and_saves_nothing(fact, reporter_client):
    versions = history_ids(fact)
    response = edit(reporter_client, fact, reason="", statement="Worth 9 million.")
    assert response.status_code == 200
    assert "change_reason" in response.context["adminform"].form.errors
    assert "This field is required" in response.content.decode()
    fact.refresh_from_db()
    assert fact.statement == "The contract was worth 5 million."
    assert history_ids(fact) == versions


def test_a_saved_change_records_who_made_it_and_why(fact, reporter, reporter_client):
    versions = history_ids(fact)
    saved(edit(reporter_client, fact, reason="The ruling gives 9 million", statement="Worth 9 million."))
    fact.refresh_from_db()
    assert fact.statement == "Worth 9 million."
    assert len(history_ids(fact)) == len(versions) + 1
    latest = Fact.history.filter(id=fact.pk).order_by("-history_id").first()
    assert (latest.statement, latest.history_user, latest.history_change_reason) == (
        "Worth 9 million.", reporter, "The ruling gives 9 million")


def test_a_citation_added_inline_records_who_added_it_and_why(fact, reporter, reporter_client):
    data = open_change_form(reporter_client, fact)
    add_inline_row(data, "citations", {"source": Source.objects.get(slug="daily").pk,
                                       "stance": "qualifies", "locator": "¶7"})
    data["change_reason"] = ["Paragraph 7 gives the amount"]
    saved(reporter_client.post(change_url(fact), data))
    citation = Citation.objects.get(fact=fact, locator="¶7")
    version = citation.history.first()
    assert (version.history_user, version.history_change_reason) == (reporter, "Paragraph 7 gives the amount")
    assert [c.locator for c in public().fact("contract-value").public_citations] == ["¶3"]


def new_record_fields(model, case):
    """What a reporter types into the add form of a record that can be cited."""
    if model is Fact:
        return {"case": case.pk, "slug": "harbour-loan", "statement": "The harbour board took a loan.",
                "status": "unverified"}
    if model is Event:
        return {"case": case.pk, "slug": "board-meeting", "title": "Harbour board meeting",
                "starts_on": "2021-03-04", "starts_precision": "day"}
    return {"case": case.pk, "subject": Actor.objects.get(slug="ana-mayor").pk, "kind": "controls",
            "object": Actor.objects.get(slug="quay-builders").pk}


NEW_RECORD_KEYS = {Fact: {"slug": "harbour-loan"}, Event: {"slug": "board-meeting"},
                   Relationship: {"kind": "controls"}}


@pytest.mark.parametrize("model", [Fact, Event, Relationship], ids=lambda m: m._meta.model_name)
def test_a_new_record_is_saved_together_with_its_first_citation(
    case_file, reporter, reporter_client, model
):
    add_url = reverse(f"admin:casefile_{model._meta.model_name}_add")
    data = form_data(reporter_client.get(add_url), f"{model._meta.model_name}_form")
    data.update({name: [str(value)] for name, value in new_record_fields(model, case_file).items()})
    add_inline_row(data, "citations", {"source": Source.objects.get(slug="daily").pk,
                                       "stance": "supports", "locator": "¶3"})
    data["change_reason"] = ["From the board minutes"]
    saved(reporter_client.post(add_url, data))

    record = model.objects.get(**NEW_RECORD_KEYS[model])
    citation = record.citations.get()
    assert (citation.source.slug, citation.locator) == ("daily", "¶3")
    for version in (record.history.get(), citation.history.get()):
        assert (version.history_type, version.history_user, version.history_change_reason) == (
            "+", reporter, "From the board minutes")


def test_saving_an_untouched_form_adds_no_version(fact, reporter_client):
    versions = history_ids(fact)
    saved(edit(reporter_client, fact, reason="Nothing really"))
    assert history_ids(fact) == versions


def test_the_second_of_two_concurrent_edits_is_refused_and_loses_nothing(
    fact, reporter, other_reporter
):
    first, second = logged_in(reporter), logged_in(other_reporter)
    first_form, second_form = open_change_form(first, fact), open_change_form(second, fact)
    assert first_form["edit_token"] == second_form["edit_token"] != [""]

    first_form.update(statement=["Worth 7 million, per the ruling."], change_reason=["ruling"])
    saved(first.post(change_url(fact), first_form))

    second_form.update(statement=["Worth 8 million, per the minutes."], change_reason=["minutes"])
    versions = history_ids(fact)
    response = second.post(change_url(fact), second_form)
    assert response.status_code == 200
    page = text_of(response)
    assert "Not saved: rita changed this record" in page
    assert "Worth 8 million, per the minutes." in page
    assert "minutes" in form_data(response, "fact_form")["change_reason"]
    fact.refresh_from_db()
    assert fact.statement == "Worth 7 million, per the ruling."
    assert history_ids(fact) == versions
    latest = Fact.history.filter(id=fact.pk).order_by("-history_id").first()
    assert (latest.statement, latest.history_user) == ("Worth 7 million, per the ruling.", reporter)


def conflict_message(response):
    return " ".join(response.context["adminform"].form.non_field_errors())


def test_after_a_refused_concurrent_edit_saving_again_applies_it_on_top(fact, reporter, other_reporter):
    first, second = logged_in(reporter), logged_in(other_reporter)
    second_form = open_change_form(second, fact)
    saved(edit(first, fact, statement="Worth 7 million."))
    second_form.update(assessment=["The minutes agree."], change_reason=["minutes"])
    refused = second.post(change_url(fact), second_form)
    assert refused.status_code == 200
    shown = form_data(refused, "fact_form")
    assert (shown["statement"], shown["assessment"]) == (["Worth 7 million."], ["The minutes agree."])
    assert "Both you and" not in conflict_message(refused)
    assert "citations" not in conflict_message(refused)

    saved(second.post(change_url(fact), shown))
    versions = Fact.history.filter(id=fact.pk).order_by("history_id").values_list("statement", "assessment")
    assert list(versions)[-2:] == [("Worth 7 million.", ""), ("Worth 7 million.", "The minutes agree.")]


def test_a_refused_concurrent_edit_names_the_fields_both_people_changed_and_keeps_your_input_there(
    fact, reporter, other_reporter
):
    first, second = logged_in(reporter), logged_in(other_reporter)
    second_form = open_change_form(second, fact)
    saved(edit(first, fact, statement="Worth 7 million.", status="disputed"))
    second_form.update(statement=["Worth 8 million."], assessment=["The minutes say 8."],
                       change_reason=["minutes"])
    refused = second.post(change_url(fact), second_form)
    assert refused.status_code == 200
    assert "Both you and rita changed: statement." in conflict_message(refused)
    shown = form_data(refused, "fact_form")
    assert (shown["statement"], shown["status"], shown["assessment"]) == (
        ["Worth 8 million."], ["disputed"], ["The minutes say 8."])

    saved(second.post(change_url(fact), shown))
    fact.refresh_from_db()
    assert (fact.statement, fact.status, fact.assessment) == ("Worth 8 million.", "disputed", "The minutes say 8.")


def test_a_refused_concurrent_edit_takes_their_text_where_the_browser_only_resent_the_line_breaks(
    fact, reporter, other_reporter
):
    fact.assessment = "The ruling says 5.\nThe minutes agree."
    save(fact, reporter)
    first, second = logged_in(reporter), logged_in(other_reporter)
    second_form = open_change_form(second, fact)
    saved(edit(first, fact, assessment="The ruling says 5.\nThe minutes say 7."))
    # A browser sends every line break of a textarea as CRLF.
    second_form.update(assessment=["The ruling says 5.\r\nThe minutes agree."], status=["disputed"],
                       change_reason=["minutes"])
    refused = second.post(change_url(fact), second_form)
    assert "Both you and" not in conflict_message(refused)
    assert form_data(refused, "fact_form")["assessment"] == ["The ruling says 5.\nThe minutes say 7."]


def test_a_form_with_a_garbled_edit_token_is_refused_and_keeps_the_input(fact, reporter_client):
    for token in ("nonsense", "99999999-1-2-3", "9" * 30, "²-0-0-0", "-", ""):
        response = edit(reporter_client, fact, statement="Worth 9 million.", edit_token=token)
        assert response.status_code == 200
        assert "Not saved" in conflict_message(response)
        assert form_data(response, "fact_form")["statement"] == ["Worth 9 million."]
    fact.refresh_from_db()
    assert fact.statement == "The contract was worth 5 million."


def test_an_edit_from_a_form_opened_before_someone_added_a_citation_is_refused(
    fact, reporter, other_reporter
):
    first, second = logged_in(reporter), logged_in(other_reporter)
    second_form = open_change_form(second, fact)
    data = open_change_form(first, fact)
    add_inline_row(data, "citations", {"source": Source.objects.get(slug="daily").pk,
                                       "stance": "supports", "locator": "¶8"})
    data["change_reason"] = ["another paragraph"]
    saved(first.post(change_url(fact), data))

    second_form.update(statement=["Worth 8 million."], change_reason=["minutes"])
    response = second.post(change_url(fact), second_form)
    assert response.status_code == 200
    assert "Not saved" in text_of(response)
    assert "The citations of this record changed too" in conflict_message(response)
    fact.refresh_from_db()
    assert fact.statement == "The contract was worth 5 million."
    assert Citation.objects.filter(fact=fact, locator="¶8").exists()


# ---------------------------------------------------------------------------
# Approval
# ---------------------------------------------------------------------------

def test_a_reporters_edit_stays_invisible_to_readers_until_an_editor_approves_it(
    fact, reporter_client, editor_client, editor
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    assert public_statement() == "The contract was worth 5 million."

    review = editor_client.get(review_url(fact))
    assert "Worth 9 million." in review.content.decode()
    assert public_statement() == "The contract was worth 5 million."

    response = approve_on_review_page(editor_client, fact, "Checked")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:casefile_review_queue")
    assert public_statement() == "Worth 9 million."
    decision = Decision.objects.filter(object_id=fact.pk, content_type__model="fact").first()
    assert (decision.action, decision.decided_by, decision.comment) == ("approved", editor, "Checked")
    assert decision.history_id == history_ids(fact)[-1]


def test_the_review_page_shows_the_field_diff_and_the_reporters_reasons(fact, reporter_client, editor_client):
    saved(edit(reporter_client, fact, reason="The ruling says nine", statement="Worth 9 million.",
               status="disputed"))
    page = text_of(editor_client.get(review_url(fact)))
    assert "<del>The contract was worth 5 million.</del>" in page
    assert "<ins>Worth 9 million.</ins>" in page
    assert "<del>Confirmed</del>" in page and "<ins>Disputed</ins>" in page
    assert "rita: The ruling says nine" in page


def test_an_approval_of_versions_that_changed_since_the_review_was_opened_is_refused(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    page = editor_client.get(review_url(fact))
    seen = form_data(page, having="_approve")
    saved(edit(reporter_client, fact, reason="Typo", statement="Worth 9.5 million."))
    decisions = Decision.objects.count()

    response = editor_client.post(review_url(fact), {**seen, "_approve": ["Approve"]})
    assert response.status_code == 200
    assert any("changed after you opened the review" in m for m in shown_messages(response))
    assert Decision.objects.count() == decisions
    assert public_statement() == "The contract was worth 5 million."
    assert "Worth 9.5 million." in response.content.decode()
    fresh = form_data(response, having="_approve")["version"]
    assert fresh != seen["version"]


def test_the_review_of_a_fact_citing_a_new_source_shows_the_source_and_approving_publishes_both(
    fact, case_file, reporter_client, editor_client
):
    source = add_source_in_admin(reporter_client, case_file, "harbour-minutes", "Harbour board minutes")
    cite(reporter_client, fact, source, "¶2")
    page = editor_client.get(review_url(fact))
    assert "Harbour board minutes" in page.content.decode()
    assert any(v.startswith(f"casefile.source:{source.pk}@") for v in form_data(page, having="_approve")["version"])

    assert approve_on_review_page(editor_client, fact).status_code == 302
    snapshot = public()
    assert snapshot.source("harbour-minutes") is not None
    cited = [(c.source.slug, c.locator) for c in snapshot.fact("contract-value").public_citations]
    assert ("harbour-minutes", "¶2") in cited


def test_approving_a_fact_without_the_new_source_it_cites_is_refused_naming_the_source(
    fact, case_file, reporter_client, editor_client
):
    source = add_source_in_admin(reporter_client, case_file, "harbour-minutes", "Harbour board minutes")
    cite(reporter_client, fact, source, "¶2")
    data = form_data(editor_client.get(review_url(fact)), having="_approve")
    data["version"] = [v for v in data["version"] if not v.startswith("casefile.source:")]
    assert len(data["version"]) >= 1
    decisions = Decision.objects.count()

    response = editor_client.post(review_url(fact), {**data, "_approve": ["Approve"]})
    assert response.status_code == 200
    refusal = " ".join(shown_messages(response))
    assert "Harbour board minutes" in refusal and "Not approved" in refusal
    assert Decision.objects.count() == decisions
    snapshot = public()
    assert snapshot.source("harbour-minutes") is None
    assert [c.locator for c in snapshot.fact("contract-value").public_citations] == ["¶3"]


def add_source_in_admin(client, case, slug, title):
    page = client.get(reverse("admin:casefile_source_add"))
    data = form_data(page, "source_form")
    data.update(case=[str(case.pk)], slug=[slug], kind=["other"], title=[title],
                paragraph_count=["5"], change_reason=["New document"])
    saved(client.post(reverse("admin:casefile_source_add"), data))
    return Source.objects.get(case=case, slug=slug)


def cite(client, fact, source, locator):
    data = open_change_form(client, fact)
    add_inline_row(data, "citations", {"source": source.pk, "stance": "supports", "locator": locator})
    data["change_reason"] = ["New source"]
    saved(client.post(change_url(fact), data))


# ---------------------------------------------------------------------------
# Rejection and reset
# ---------------------------------------------------------------------------

def test_a_rejection_without_a_comment_is_refused(fact, reporter_client, editor_client):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    response = reject_on_review_page(editor_client, fact, "  ")
    assert response.status_code == 200
    assert any("needs a comment" in m for m in shown_messages(response))
    assert not Decision.objects.filter(action="rejected").exists()
    assert "Worth 9 million." in response.content.decode()


def test_a_rejected_change_keeps_the_public_version_and_the_reporter_reads_why(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    response = reject_on_review_page(editor_client, fact, "The ruling says 5, not 9.")
    assert response.status_code == 302
    assert public_statement() == "The contract was worth 5 million."
    assert Decision.objects.filter(action="rejected", comment="The ruling says 5, not 9.").exists()
    page = reporter_client.get(change_url(fact))
    assert "Your last change was rejected by edna" in text_of(page)
    assert "The ruling says 5, not 9." in page.content.decode()


def test_resetting_after_a_rejection_restores_the_approved_text_and_keeps_every_version(
    fact, reporter, reporter_client, editor_client
):
    data = open_change_form(reporter_client, fact)
    add_inline_row(data, "citations", {"source": Source.objects.get(slug="daily").pk,
                                       "stance": "contradicts", "locator": "¶9"})
    data.update(statement=["Worth 9 million."], change_reason=["ruling"])
    saved(reporter_client.post(change_url(fact), data))
    reject_on_review_page(editor_client, fact, "Not what the ruling says.")
    before = history_ids(fact)

    page = reporter_client.get(change_url(fact))
    assert "Reset the working version to the approved one" in page.content.decode()
    reset = reverse("admin:casefile_fact_reset", args=[fact.pk])
    assert f'action="{reset}"' in page.content.decode()
    response = reporter_client.post(reset)
    assert response.status_code == 302
    fact.refresh_from_db()
    assert fact.statement == "The contract was worth 5 million."
    assert not Citation.objects.filter(fact=fact, locator="¶9").exists()
    after = history_ids(fact)
    assert after[: len(before)] == before and len(after) == len(before) + 1
    statements = list(Fact.history.filter(id=fact.pk).values_list("statement", flat=True))
    assert "Worth 9 million." in statements
    assert Citation.history.filter(fact_id=fact.pk, locator="¶9").count() == 2
    latest = Fact.history.filter(id=fact.pk).order_by("-history_id").first()
    assert latest.history_user == reporter
    assert workflow.record_changes(Fact, fact.pk) == []
    assert public_statement() == "The contract was worth 5 million."


def test_reset_is_only_a_post(fact, reporter_client):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    assert reporter_client.get(reverse("admin:casefile_fact_reset", args=[fact.pk])).status_code == 403
    fact.refresh_from_db()
    assert fact.statement == "Worth 9 million."


def test_a_browser_can_still_submit_the_change_form_of_a_record_with_a_pending_change(
    fact, reporter_client
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    page = reporter_client.get(change_url(fact))
    assert "Reset the working version" in page.content.decode()
    data = form_data(page, "fact_form", browser=True)
    assert {"statement", "change_reason", "edit_token", "citations-TOTAL_FORMS"} <= set(data)


# ---------------------------------------------------------------------------
# Removal and deletion
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("model, slug", [(Actor, "ana-mayor"), (Fact, "contract-value")],
                         ids=["actor", "fact"])
def test_a_proposed_removal_stays_public_until_an_editor_approves_it(
    case_file, reporter_client, editor_client, model, slug
):
    record = model.objects.get(slug=slug)
    in_public = {Actor: lambda s: s.actor(slug), Fact: lambda s: s.fact(slug)}[model]
    saved(edit(reporter_client, record, reason="Not backed by the documents", removal_proposed="on"))
    record.refresh_from_db()
    assert record.removal_proposed
    assert in_public(public()) is not None

    page = editor_client.get(review_url(record))
    assert "(removal proposed)" in page.content.decode()
    assert "Not backed by the documents" in page.content.decode()
    assert approve_on_review_page(editor_client, record).status_code == 302
    assert in_public(public()) is None
    assert model.objects.filter(pk=record.pk).exists()


def test_a_reporter_cannot_delete_an_approved_record(fact, reporter_client):
    url = reverse("admin:casefile_fact_delete", args=[fact.pk])
    assert reporter_client.get(url).status_code == 403
    assert reporter_client.post(url, {"post": "yes"}).status_code == 403
    assert Fact.objects.filter(pk=fact.pk).exists()
    assert public_statement() == "The contract was worth 5 million."


def test_a_reporter_cannot_delete_an_approved_record_from_the_changelist(fact, reporter_client):
    response = reporter_client.post(reverse("admin:casefile_fact_changelist"), {
        "action": "delete_selected", "_selected_action": [fact.pk], "post": "yes",
    })
    assert response.status_code == 403
    assert Fact.objects.filter(pk=fact.pk).exists()


def test_a_reporter_can_delete_a_record_that_was_never_approved(case_file, reporter, reporter_client):
    draft = save(Fact(case=case_file, slug="draft", statement="A draft"), reporter)
    save(Citation(fact=draft, source=Source.objects.get(slug="daily"), locator="¶1"), reporter)
    url = reverse("admin:casefile_fact_delete", args=[draft.pk])
    assert reporter_client.get(url).status_code == 200
    assert reporter_client.post(url, {"post": "yes"}).status_code == 302
    assert not Fact.objects.filter(pk=draft.pk).exists()
    assert Fact.history.filter(id=draft.pk, history_type="-").exists()
    assert workflow.review_queue(case=case_file) == []


def test_an_editor_can_delete_an_approved_record_and_it_leaves_the_public(
    case_file, editor_client, reporter
):
    draft = save(Fact(case=case_file, slug="to-go", statement="Soon gone"), reporter)
    approve_all(Decision.objects.first().decided_by, case_file)
    assert public().fact("to-go") is not None
    url = reverse("admin:casefile_fact_delete", args=[draft.pk])
    assert editor_client.post(url, {"post": "yes"}).status_code == 302
    assert public().fact("to-go") is None


def test_deleting_an_approved_citation_inline_proposes_its_removal_instead(
    fact, reporter_client, editor_client
):
    citation = Citation.objects.get(fact=fact)
    data = open_change_form(reporter_client, fact)
    index = next(k.split("-")[1] for k, v in data.items()
                 if re.fullmatch(r"citations-\d+-id", k) and v == [str(citation.pk)])
    data[f"citations-{index}-DELETE"] = ["on"]
    data["change_reason"] = ["This paragraph does not say it"]
    saved(reporter_client.post(change_url(fact), data))

    citation.refresh_from_db()
    assert citation.removal_proposed
    assert [c.locator for c in public().fact("contract-value").public_citations] == ["¶3"]
    assert approve_on_review_page(editor_client, fact).status_code == 302
    assert public().fact("contract-value").public_citations == []
    assert Citation.objects.filter(pk=citation.pk).exists()


# ---------------------------------------------------------------------------
# The queue
# ---------------------------------------------------------------------------

def queue_rows(response):
    body = response.content.decode()
    table = body.split('<table id="review-queue">', 1)[1].split("</table>", 1)[0] if "review-queue" in body else ""
    return [re.sub(r"\s+", " ", row.replace("\xa0", " ")) for row in table.split("<tr>")[2:]]


def test_bulk_approval_approves_the_selected_records(fact, case_file, reporter_client, editor_client):
    actor = Actor.objects.get(slug="quay-builders")
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    saved(edit(reporter_client, actor, description="Builds quays."))
    draft = save(Fact(case=case_file, slug="left-alone", statement="Not selected"),
                 Fact.history.first().history_user)
    queue = editor_client.get(reverse("admin:casefile_review_queue"))
    data = form_data(queue, action=reverse("admin:casefile_review_bulk"))
    data["selected"] = [workflow.key_for(Fact, fact.pk), workflow.key_for(Actor, actor.pk)]
    data["comment"] = ["Both checked"]
    response = editor_client.post(reverse("admin:casefile_review_bulk"), data, follow=True)
    assert "Approved 2 record(s)." in shown_messages(response)
    snapshot = public()
    assert snapshot.fact("contract-value").statement == "Worth 9 million."
    assert snapshot.actor("quay-builders").description == "Builds quays."
    assert snapshot.fact("left-alone") is None
    assert workflow.pending_change(Fact, draft.pk) is not None


def test_bulk_approval_refuses_a_record_changed_after_the_queue_was_shown(
    fact, reporter_client, editor_client
):
    actor = Actor.objects.get(slug="quay-builders")
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    saved(edit(reporter_client, actor, description="Builds quays."))
    queue = editor_client.get(reverse("admin:casefile_review_queue"))
    saved(edit(reporter_client, fact, reason="Typo", statement="Worth 9.5 million."))

    data = form_data(queue, action=reverse("admin:casefile_review_bulk"))
    data["selected"] = [workflow.key_for(Fact, fact.pk), workflow.key_for(Actor, actor.pk)]
    response = editor_client.post(reverse("admin:casefile_review_bulk"), data, follow=True)
    messages = shown_messages(response)
    assert "Approved 1 record(s)." in messages
    assert any("changed since the queue was shown" in m for m in messages)
    assert public_statement() == "The contract was worth 5 million."
    assert public().actor("quay-builders").description == "Builds quays."


def test_approving_selected_with_nothing_ticked_asks_to_select_a_record(fact, reporter_client, editor_client):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    queue = editor_client.get(reverse("admin:casefile_review_queue"))
    data = form_data(queue, action=reverse("admin:casefile_review_bulk"))
    assert "selected" not in data
    decisions = Decision.objects.count()

    response = editor_client.post(reverse("admin:casefile_review_bulk"), data, follow=True)
    assert response.redirect_chain == [(reverse("admin:casefile_review_queue"), 302)]
    assert shown_messages(response) == ["Select at least one record to approve."]
    assert Decision.objects.count() == decisions
    assert public_statement() == "The contract was worth 5 million."


def test_the_queue_lists_the_oldest_change_first_with_how_long_it_waited(
    fact, reporter_client, editor_client
):
    actor = Actor.objects.get(slug="quay-builders")
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    saved(edit(reporter_client, actor, description="Builds quays."))
    Actor.history.filter(id=actor.pk, description="Builds quays.").update(
        history_date=timezone.now() - datetime.timedelta(days=3, hours=2))
    Fact.history.filter(id=fact.pk, statement="Worth 9 million.").update(
        history_date=timezone.now() - datetime.timedelta(hours=5))

    rows = queue_rows(editor_client.get(reverse("admin:casefile_review_queue")))
    assert len(rows) == 2
    assert "Quay Builders" in rows[0] and "3 days" in rows[0]
    assert "Worth 9 million." in rows[1] and "5 hours" in rows[1]


def test_the_queue_filters_by_case_author_and_kind(
    fact, case_file, reporter, other_reporter, editor, reporter_client, editor_client
):
    other_case = save(Case(title="River dredging", slug="river"), reporter)
    dredger = save(Actor(case=other_case, kind="company", name="Deep Dredgers", slug="deep"), reporter)
    approve_all(editor, other_case)
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    saved(edit(logged_in(other_reporter), dredger, description="Dredges rivers."))
    saved(edit(logged_in(other_reporter), Actor.objects.get(slug="ana-mayor"), description="The mayor."))

    def listed(**query):
        response = editor_client.get(reverse("admin:casefile_review_queue"), query)
        assert response.status_code == 200
        rows = queue_rows(response)
        return sorted(name for name in ("Worth 9 million.", "Deep Dredgers", "Ana Mayor")
                      if any(name in row for row in rows))

    assert listed() == ["Ana Mayor", "Deep Dredgers", "Worth 9 million."]
    assert listed(case=case_file.pk) == ["Ana Mayor", "Worth 9 million."]
    assert listed(case=other_case.pk) == ["Deep Dredgers"]
    assert listed(author=reporter.pk) == ["Worth 9 million."]
    assert listed(author=other_reporter.pk) == ["Ana Mayor", "Deep Dredgers"]
    assert listed(kind="actor") == ["Ana Mayor", "Deep Dredgers"]
    assert listed(kind="fact") == ["Worth 9 million."]
    assert listed(kind="actor", author=other_reporter.pk, case=case_file.pk) == ["Ana Mayor"]


# ---------------------------------------------------------------------------
# Email
# ---------------------------------------------------------------------------

def test_editors_are_emailed_when_a_reporters_change_waits_for_review(
    fact, reporter, editor, admin_user, reporter_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        saved(edit(reporter_client, fact, statement="Worth 9 million."))
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert sorted(mail.to) == sorted([editor.email, admin_user.email])
    assert reporter.email not in mail.to
    assert "Waiting for review" in mail.subject
    assert review_url(fact) in mail.body


def test_nobody_is_emailed_when_a_save_is_refused(
    fact, reporter_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        edit(reporter_client, fact, reason="", statement="Worth 9 million.")
    assert mailoutbox == []


def test_editors_are_not_emailed_again_for_a_save_that_changes_nothing(
    fact, reporter_client, mailoutbox, django_capture_on_commit_callbacks
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    with django_capture_on_commit_callbacks(execute=True):
        saved(edit(reporter_client, fact, reason="Pressed save again"))
    assert mailoutbox == []


def test_the_reporter_is_emailed_when_their_change_is_approved(
    fact, reporter, reporter_client, editor_client, mailoutbox, django_capture_on_commit_callbacks
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    with django_capture_on_commit_callbacks(execute=True):
        assert approve_on_review_page(editor_client, fact, "Good catch").status_code == 302
    assert [m.to for m in mailoutbox] == [[reporter.email]]
    assert "approved" in mailoutbox[0].subject
    assert "Worth 9 million." in mailoutbox[0].body and "Good catch" in mailoutbox[0].body


def test_the_reporter_is_emailed_with_the_comment_when_their_change_is_rejected(
    fact, reporter, reporter_client, editor_client, mailoutbox, django_capture_on_commit_callbacks
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    with django_capture_on_commit_callbacks(execute=True):
        assert reject_on_review_page(editor_client, fact, "The ruling says 5.").status_code == 302
    assert [m.to for m in mailoutbox] == [[reporter.email]]
    assert "rejected" in mailoutbox[0].subject
    assert "The ruling says 5." in mailoutbox[0].body


# ---------------------------------------------------------------------------
# History shows the decisions
# ---------------------------------------------------------------------------

def test_every_approval_and_rejection_appears_on_the_records_history_page(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    reject_on_review_page(editor_client, fact, "Ruling says 5.")
    saved(edit(reporter_client, fact, statement="Worth 5 million, the ruling says."))
    approve_on_review_page(editor_client, fact, "Matches the ruling.")

    page = text_of(reporter_client.get(reverse("admin:casefile_fact_history", args=[fact.pk])))
    assert "Rejected by edna" in page and "Ruling says 5." in page
    assert "Approved by edna" in page and "Matches the ruling." in page
    assert "approved in test" in page
    assert page.count("Approved by edna") == Decision.objects.filter(
        object_id=fact.pk, content_type__model="fact", action="approved").count()


# ---------------------------------------------------------------------------
# More approval edge cases
# ---------------------------------------------------------------------------

def test_a_citation_added_after_the_review_was_opened_blocks_the_approval(
    fact, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    seen = form_data(editor_client.get(review_url(fact)), having="_approve")
    cite(reporter_client, fact, Source.objects.get(slug="daily"), "¶6")
    decisions = Decision.objects.count()

    response = editor_client.post(review_url(fact), {**seen, "_approve": ["Approve"]})
    assert response.status_code == 200
    assert any("not part of your review" in m for m in shown_messages(response))
    assert Decision.objects.count() == decisions
    assert public_statement() == "The contract was worth 5 million."
    assert "¶6" in response.content.decode()


def test_the_review_of_a_record_that_never_existed_is_not_found(fact, editor_client):
    missing = reverse("admin:casefile_review", args=["casefile.fact:999999"])
    assert editor_client.get(missing).status_code == 404
    assert editor_client.post(missing, {"_approve": ["Approve"]}).status_code == 404


def test_the_review_of_a_deleted_record_waiting_for_review_still_opens(fact, editor_client):
    citation = Citation.objects.get(fact=fact)
    # Deleting the fact takes its citation with it; the citation's removal waits for review.
    assert editor_client.post(reverse("admin:casefile_fact_delete", args=[fact.pk]), {"post": "yes"}).status_code == 302
    assert not Citation.objects.filter(pk=citation.pk).exists()
    assert workflow.pending_change(Citation, citation.pk) is not None

    page = editor_client.get(review_url(citation))
    assert page.status_code == 200
    assert "(removal proposed)" in page.content.decode()
    deleted_fact = editor_client.get(review_url(fact))
    assert deleted_fact.status_code == 200


def test_a_review_key_that_names_no_case_file_record_is_refused(editor_client, admin_user):
    for key in ("auth.user:1", "casefile.decision:1", "casefile.fact", "casefile.fact:x"):
        assert editor_client.get(reverse("admin:casefile_review", args=[key])).status_code == 403


def test_bulk_approval_of_a_fact_and_the_new_source_it_cites_publishes_both(
    fact, case_file, reporter_client, editor_client
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    Fact.history.filter(id=fact.pk, statement="Worth 9 million.").update(
        history_date=timezone.now() - datetime.timedelta(hours=1))
    source = add_source_in_admin(reporter_client, case_file, "harbour-minutes", "Harbour board minutes")
    cite(reporter_client, fact, source, "¶2")

    queue = editor_client.get(reverse("admin:casefile_review_queue"))
    data = form_data(queue, action=reverse("admin:casefile_review_bulk"))
    data["selected"] = [workflow.key_for(Fact, fact.pk), workflow.key_for(Source, source.pk)]
    response = editor_client.post(reverse("admin:casefile_review_bulk"), data, follow=True)
    snapshot = public()
    assert snapshot.source("harbour-minutes") is not None
    assert snapshot.fact("contract-value").statement == "Worth 9 million.", shown_messages(response)


def test_a_long_review_queue_is_shown_a_page_at_a_time(fact, reporter_client, editor_client, monkeypatch):
    from casefile.admin import DecisionAdmin

    monkeypatch.setattr(DecisionAdmin, "QUEUE_PAGE_SIZE", 1)
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    saved(edit(reporter_client, Actor.objects.get(slug="ana-mayor"), description="Mayor since 2018."))
    queue = reverse("admin:casefile_review_queue")

    first = editor_client.get(queue).content.decode()
    second = editor_client.get(queue, {"page": 2}).content.decode()
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert "Worth 9 million." in first and "Worth 9 million." not in second
    assert "Ana Mayor" in second


def test_the_review_queue_takes_as_many_queries_for_250_waiting_records_as_for_25(
    case_file, reporter, editor_client
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from simple_history.utils import bulk_create_with_history

    def add_pending_facts(first, count):
        bulk_create_with_history([
            Fact(case=case_file, slug=f"pending-{n}", statement=f"Claim being checked, number {n}.")
            for n in range(first, first + count)
        ], Fact, default_user=reporter)

    def queue_page():
        with CaptureQueriesContext(connection) as captured:
            html = editor_client.get(reverse("admin:casefile_review_queue")).content.decode()
        return len(captured), html

    add_pending_facts(0, 25)
    few, html = queue_page()
    assert "Claim being checked, number 24." in html
    add_pending_facts(25, 225)
    many, html = queue_page()

    assert "250 records waiting." in html
    assert many == few

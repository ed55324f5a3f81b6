"""Driving the admin the way a browser does: reading its forms, posting them, reading its answers."""

import re
from html.parser import HTMLParser

from django.test import Client
from django.urls import reverse

from casefile import published, workflow
from casefile.models import Source

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
            # `names`: every named control, filled in or not (an unticked box too).
            form = {"attrs": attrs, "fields": [], "submits": [], "names": set()}
            self.forms.append(form)
            self.stack.append(form)
            return
        if self.form is None:
            return
        name = attrs.get("name")
        if name and tag in ("input", "select", "textarea", "button"):
            self.form["names"].add(name)
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
        if ((form_id and form["attrs"].get("id") == form_id) or (having and having in form["names"])
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


def conflict_message(response):
    return " ".join(response.context["adminform"].form.non_field_errors())


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


def queue_rows(response):
    body = response.content.decode()
    table = body.split('<table id="review-queue">', 1)[1].split("</table>", 1)[0] if "review-queue" in body else ""
    return [re.sub(r"\s+", " ", row.replace("\xa0", " ")) for row in table.split("<tr>")[2:]]


def public(case_slug="harbour"):
    return published.published_case(case_slug)


def public_statement(slug="contract-value"):
    fact = public().fact(slug)
    return fact.statement if fact else None


def history_ids(record):
    return list(type(record).history.filter(id=record.pk).order_by("history_id")
                .values_list("history_id", flat=True))

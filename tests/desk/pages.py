"""What the desk's tests do as a reporter or an editor would: open a form, fill it in, post it."""

import re
from html import unescape

from django.test import Client
from django.urls import reverse

from casefile import published, workflow
from tests.admin.pages import form_data, page_forms  # noqa: F401  (the desk's tests read forms through here)

def has_form(response, form_id=None, having=None):
    try:
        form_data(response, form_id, having)
    except AssertionError:
        return False
    return True


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def change_url(record):
    return reverse(f"admin:casefile_{record._meta.model_name}_change", args=[record.pk])


def add_url(model):
    return reverse(f"admin:casefile_{model._meta.model_name}_add")


def history_url(record):
    return reverse(f"admin:casefile_{record._meta.model_name}_history", args=[record.pk])


def review_url(record):
    return reverse("admin:casefile_review", args=[workflow.key_for(type(record), record.pk)])


def open_form(client, url, form_id):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return form_data(response, form_id)


def add_row(data, prefix, values):
    index = int(data[f"{prefix}-TOTAL_FORMS"][0])
    for name, value in values.items():
        data[f"{prefix}-{index}-{name}"] = [str(value)]
    data[f"{prefix}-TOTAL_FORMS"] = [str(index + 1)]
    return index


def row_index(data, prefix, pk):
    """The index of the row showing the record with this id."""
    return next(int(key.split("-")[1]) for key, value in data.items()
                if re.fullmatch(rf"{prefix}-\d+-id", key) and value == [str(pk)])


def post_form(client, url, data, reason="Checked against the documents", **changes):
    for name, value in changes.items():
        data[name] = [value] if isinstance(value, str) else value
    data["change_reason"] = [reason]
    data["_save"] = ["Save"]
    return client.post(url, data)


def edit(client, record, reason="Checked against the documents", **changes):
    """Open the record's form, change some fields and save; the response."""
    data = open_form(client, change_url(record), f"{record._meta.model_name}_form")
    return post_form(client, change_url(record), data, reason, **changes)


def saved(response):
    assert response.status_code == 302, errors_of(response)
    return response


def errors_of(response):
    context = getattr(response, "context", None) or {}
    found = list(messages_of(response))
    if "adminform" in context:
        found.append(str(context["adminform"].form.errors))
        found += [str(form.errors) for formset in context["inline_admin_formsets"]
                  for form in formset.formset.forms if form.errors]
    return " | ".join(found)


def messages_of(response):
    context = getattr(response, "context", None)
    if not context or "messages" not in context:
        return []
    return [text_of(str(message.message)).strip() for message in context["messages"]]


def messages_after(client, response):
    """The messages on the page a post redirected to."""
    return messages_of(client.get(response["Location"]))


INLINE_TAGS = re.compile(r"</?(?:a|abbr|b|bdi|code|del|em|i|ins|label|q|small|span|strong)\b[^>]*>")


def text_of(response):
    """The page's text as read (or a piece of its HTML): words inside a line stay together,
    blocks are set apart."""
    html = (response if isinstance(response, str) else response.content.decode()).replace("\xa0", " ")
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", INLINE_TAGS.sub("", html))))


def review_decision(client, record, action, comment=""):
    """What an editor does on the review page: write a comment and press Approve or Reject."""
    data = form_data(client.get(review_url(record)), having="_approve")
    data["comment"] = [comment]
    data[action] = ["pressed"]
    return client.post(review_url(record), data)


def approve(client, record, comment=""):
    return review_decision(client, record, "_approve", comment)


def reject(client, record, comment):
    return review_decision(client, record, "_reject", comment)


def public(case_slug="harbour"):
    return published.published_case(case_slug)

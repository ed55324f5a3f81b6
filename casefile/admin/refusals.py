"""A refusal explains itself: on a staff page in the admin's own page, elsewhere in the site's."""

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponseBadRequest
from django.template import loader
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults

GENERIC = ("Your account may not do this. Reporters add and edit records and delete what was never "
           "published; editors also review, approve and delete. Ask an editor if you need it done.")

UNREAD = "This request cannot be read"
NOTHING_SAVED = ("Nothing was saved. Go back with your browser's Back button (the form usually still holds "
                 "what you typed)")


def permission_denied(request, exception=None):
    """The 403 page: in the admin, the admin's page with the reason; elsewhere Django's own."""
    if not _in_the_admin_for_staff(request):
        return defaults.permission_denied(request, exception)
    reason = str(exception) if exception is not None and str(exception) else GENERIC
    back = request.META.get("HTTP_REFERER")
    if back and not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = None
    context = {**admin.site.each_context(request), "title": "Not allowed", "reason": reason, "back": back}
    response = TemplateResponse(request, "admin/casefile/refused.html", context, status=403)
    return response.render()


def bad_request(request, exception=None):
    """The 400 page: what was wrong with what was sent, and that none of it was saved.

    A form too large or with too many fields, or a request our own code
    refused, is explained in the admin's page to staff there. Anything else
    (a request for a host the site does not serve, say) gets the site's page
    rendered without the request, which may be what is wrong.
    """
    explained = _explanation(exception)
    if explained is not None and _in_the_admin_for_staff(request):
        title, reason = explained
        context = {**admin.site.each_context(request), "title": title, "reason": reason, "back": None}
        return TemplateResponse(request, "admin/casefile/refused.html", context, status=400).render()
    title, reason = explained or (UNREAD, "What your browser sent could not be read. Nothing was saved.")
    return HttpResponseBadRequest(loader.render_to_string("400.html", {
        "title": title, "reason": reason,
        "newsroom_name": settings.NEWSROOM_NAME, "newsroom_url": settings.NEWSROOM_URL,
    }))


def _explanation(exception):
    """(title, reason) for a refusal people can act on, or None."""
    if isinstance(exception, RequestDataTooBig):
        limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return "Too large to save", (
            f"What you sent was too large: the text of a form may come to {limit} at most. {NOTHING_SAVED}, "
            "shorten the longest text and send it again. A long document belongs in a copy of its source, "
            "uploaded as a file."
        )
    if isinstance(exception, TooManyFieldsSent):
        return "Too many fields to save", (
            f"What you sent had more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} fields, more than a form "
            f"may send at once. {NOTHING_SAVED} and send it in smaller parts."
        )
    if isinstance(exception, TooManyFilesSent):
        return "Too many files to save", (
            f"What you sent had more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES:,} files. {NOTHING_SAVED} "
            "and send fewer at a time."
        )
    if isinstance(exception, BadRequest) and str(exception):
        return UNREAD, str(exception)
    return None


def _in_the_admin_for_staff(request):
    user = getattr(request, "user", None)
    return request.path.startswith("/" + settings.ADMIN_PATH) and bool(user and user.is_staff)

"""A refusal on a staff page explains itself, in the admin's own page."""

from django.conf import settings
from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults

GENERIC = ("Your account may not do this. Reporters add and edit records and delete what was never "
           "published; editors also review, approve and delete. Ask an editor if you need it done.")


def permission_denied(request, exception=None):
    """The 403 page: in the admin, the admin's page with the reason; elsewhere Django's own."""
    user = getattr(request, "user", None)
    if not request.path.startswith("/" + settings.ADMIN_PATH) or not (user and user.is_staff):
        return defaults.permission_denied(request, exception)
    reason = str(exception) if exception is not None and str(exception) else GENERIC
    back = request.META.get("HTTP_REFERER")
    if back and not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = None
    context = {**admin.site.each_context(request), "title": "Not allowed", "reason": reason, "back": back}
    response = TemplateResponse(request, "admin/casefile/refused.html", context, status=403)
    return response.render()

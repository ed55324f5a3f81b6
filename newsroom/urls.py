from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from casefile import views

urlpatterns = [
    # For load balancers and monitoring, beside the public pages.
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path(settings.ADMIN_PATH, admin.site.urls),
]
# English at /cases/..., every other language under its code: /zh-hans/cases/...
urlpatterns += i18n_patterns(path("", include("casefile.urls")), prefix_default_language=False)

handler400 = "casefile.admin.refusals.bad_request"
handler403 = "casefile.admin.refusals.permission_denied"
handler500 = "casefile.views.server_error"

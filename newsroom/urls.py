from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from casefile import views

urlpatterns = [
    # For load balancers and monitoring, beside the public pages.
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("", include("casefile.urls")),
]

handler400 = "casefile.admin.refusals.bad_request"
handler403 = "casefile.admin.refusals.permission_denied"
handler500 = "casefile.views.server_error"

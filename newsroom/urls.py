from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    path("", include("casefile.urls")),
]

handler403 = "casefile.admin.refusals.permission_denied"
handler500 = "casefile.views.server_error"

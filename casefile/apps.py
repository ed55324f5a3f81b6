from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CasefileAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on the site that puts each reviewer's queue at the top of its menu."""

    # Named in INSTALLED_APPS; the case file's own app stays the default of this module.
    default = False
    default_site = "casefile.admin_site.CasefileAdminSite"


class CasefileConfig(AppConfig):
    name = "casefile"
    verbose_name = "Case file"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import publishing

        publishing.connect()

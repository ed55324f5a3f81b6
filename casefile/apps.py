from django.apps import AppConfig


class CasefileConfig(AppConfig):
    name = "casefile"
    verbose_name = "Case file"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import publishing

        publishing.connect()

from django.contrib.auth.management import create_permissions
from django.db import migrations

RECORDS = [
    "case", "actor", "relationship", "source", "event", "eventparticipant",
    "fact", "factactor", "factevent", "citation",
]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(actions, models):
        codenames = [f"{action}_{model}" for action in actions for model in models]
        return Permission.objects.filter(content_type__app_label="casefile", codename__in=codenames)

    reporters, _ = Group.objects.get_or_create(name="Reporters")
    # Reporters may delete only records readers never saw; the admin checks that.
    reporters.permissions.set(
        list(perms(["add", "change", "view", "delete"], RECORDS))
        + list(perms(["view"], ["decision"]))
    )
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(
        list(perms(["add", "change", "view", "delete"], RECORDS))
        + list(perms(["view"], ["decision"]))
        + list(Permission.objects.filter(content_type__app_label="casefile", codename="approve_changes"))
    )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Reporters", "Editors"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("casefile", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]

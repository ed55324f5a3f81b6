"""Development accounts: a superuser, a reporter, an editor and a lawyer."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from casefile.workflow import EDITORS, REPORTERS
from casefile.workflow.legal import LEGAL

ACCOUNTS = [
    # username, password, group, superuser
    ("admin", "casefile-admin", None, True),
    ("reporter", "casefile-reporter", REPORTERS, False),
    ("editor", "casefile-editor", EDITORS, False),
    ("lawyer", "casefile-lawyer", LEGAL, False),
]


class Command(BaseCommand):
    help = "Create the development accounts (only with DEBUG on); safe to run again."

    def handle(self, **options):
        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: no development accounts created.")
            return
        User = get_user_model()
        for username, password, group, superuser in ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@casefile.localhost", "is_staff": True,
                          "is_superuser": superuser},
            )
            if created:
                user.set_password(password)
                user.save()
            if group:
                user.groups.add(Group.objects.get(name=group))
            self.stdout.write(f"  {username:<9} password: {password}" + ("" if created else " (existing)"))

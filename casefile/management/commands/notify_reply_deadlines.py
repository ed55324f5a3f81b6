"""Tell reporters whose reply requests passed their deadline without an outcome; safe to run again.

Run it daily (cron or a systemd timer): each request is announced once.
"""

from django.core.management.base import BaseCommand

from casefile.workflow.replies import notify_passed_deadlines


class Command(BaseCommand):
    help = "Email the reporter of each reply request whose deadline passed with no outcome recorded (once)."

    def handle(self, **options):
        told, failed = notify_passed_deadlines()
        self.stdout.write(f"{told} reporter notice(s) sent, {failed} could not be sent (tried again next run).")

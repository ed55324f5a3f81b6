"""Stop and start again each of the site's dependencies under load, and check what readers and editors got.

Run through `make chaos`; see bench/chaos.py.
"""

from django.core.management.base import BaseCommand, CommandError

from bench.chaos import run_chaos


class Command(BaseCommand):
    help = ("Serve the seeded case as in production, stop Redis, the task worker and the database in turn "
            "under load, and print what readers and the editor got per phase.")
    # The run's database may not exist yet: it is made by the run.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--down-seconds", type=float, default=6, help="how long each dependency stays away")
        parser.add_argument("--back-seconds", type=float, default=10,
                            help="how long the normal phase and each phase after a return last")
        parser.add_argument("--settle-seconds", type=float, default=3,
                            help="how long after a change a stale page is not yet held against the site")
        parser.add_argument("--logs", help="a folder to keep the logs of Redis, gunicorn and the task worker in")

    def handle(self, down_seconds, back_seconds, settle_seconds, logs, **options):
        if not (1 <= down_seconds <= 30 and 3 <= back_seconds <= 30 and 0 <= settle_seconds < back_seconds):
            raise CommandError("Keep the run short: 1-30 s away, 3-30 s back, a settle time shorter than that.")
        failures = run_chaos(self.stdout.write, down_seconds, back_seconds, settle_seconds, logs)
        if failures:
            raise CommandError("Not zero: " + "; ".join(failures) + ".")
        self.stdout.write("\nEvery figure that must be zero is zero.")

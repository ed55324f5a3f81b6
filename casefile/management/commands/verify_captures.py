"""Check every stored copy against its SHA-256: `manage.py verify_captures`."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from casefile.models import Capture
from casefile.workflow.captures import verify_capture


class Command(BaseCommand):
    help = (
        "Reads every stored copy of a source, a chunk at a time, recomputes its SHA-256, records when "
        "each was last verified, prints the copies that no longer match and fails if there is any."
    )

    def handle(self, **options):
        started, checked, stored_bytes, altered = time.monotonic(), 0, 0, []
        for capture in (
            Capture.objects.select_related("source__case").defer("paragraphs", "http_headers")
            .order_by("pk").iterator(chunk_size=500)
        ):
            mismatch = verify_capture(capture)
            checked += 1
            stored_bytes += capture.stored_size
            if mismatch:
                altered.append(capture)
                self.stdout.write(
                    f"ALTERED copy #{capture.pk} of “{capture.source}” (case “{capture.source.case}”), "
                    f"captured {timezone.localtime(capture.captured_at):%d %b %Y %H:%M}, {capture.stored_as}: "
                    f"{mismatch}."
                )
        seconds = time.monotonic() - started
        self.stdout.write(
            f"Checked {checked} cop{'y' if checked == 1 else 'ies'} ({stored_bytes / 1e6:,.1f} MB) in "
            f"{seconds:.1f} s: {checked - len(altered)} verified, {len(altered)} altered."
        )
        if altered:
            raise CommandError(f"{len(altered)} stored cop{'y' if len(altered) == 1 else 'ies'} no longer match.")

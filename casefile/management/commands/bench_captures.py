"""How long `verify_captures` takes over a gigabyte of copies: `manage.py bench_captures`.

The copies are made up for the run in a temporary folder, their records
written in a transaction that is rolled back at the end, so the database and
the real captures storage are left as they were.
"""

import hashlib
import io
import os
import resource
import shutil
import tempfile
import time

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from casefile.models import Capture, Case, Source

CHUNK = 1024 * 1024


class Command(BaseCommand):
    help = "Times verify_captures over generated copies (1 GB by default); prints the figures, keeps nothing."

    def add_arguments(self, parser):
        parser.add_argument("--megabytes", type=int, default=1024, help="Total size of the copies.")
        parser.add_argument("--file-megabytes", type=int, default=8, help="Size of each copy.")

    def handle(self, megabytes, file_megabytes, **options):
        folder = tempfile.mkdtemp(prefix="casefile-bench-captures-")
        storages = {"captures": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                 "OPTIONS": {"location": folder}}}
        try:
            with override_settings(STORAGES={**_current_storages(), **storages}), transaction.atomic():
                count, written = self.make_copies(folder, megabytes, file_megabytes)
                self.stdout.write(f"Made {count} copies of {file_megabytes} MB ({written / 2**30:.2f} GiB) "
                                  f"in {folder}.")
                self.report(count, written)
                transaction.set_rollback(True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def make_copies(self, folder, megabytes, file_megabytes):
        user = get_user_model().objects.create(username=f"bench-{time.time_ns()}")
        case = Case.objects.create(title="Benchmark of copies", slug=f"bench-copies-{time.time_ns()}")
        source = Source.objects.create(case=case, slug="source", kind=Source.Kind.OTHER, title="Source")
        count, written, previous = max(megabytes // file_megabytes, 1), 0, None
        block = os.urandom(CHUNK)
        for number in range(count):
            name = f"copy-{number:05d}.txt"
            digest = hashlib.sha256()
            with open(os.path.join(folder, name), "wb") as out:
                for part in range(file_megabytes):
                    # Every megabyte differs, so no two copies share a hash.
                    data = number.to_bytes(8, "big") + part.to_bytes(8, "big") + block[16:]
                    digest.update(data)
                    out.write(data)
                out.flush()
                os.fsync(out.fileno())
                # Out of the page cache, so the first run reads the disk.
                os.posix_fadvise(out.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
            size = file_megabytes * CHUNK
            written += size
            previous = Capture.objects.create(
                source=source, method=Capture.Method.UPLOAD, captured_by=user, captured_at=timezone.now(),
                file_name=name, stored_as=name, stored_size=size, stored_sha256=digest.hexdigest(), size=size,
                sha256=digest.hexdigest(), content_type="text/plain", previous=previous,
                comparison=Capture.Comparison.CHANGED if previous else Capture.Comparison.FIRST,
            )
        return count, written

    def report(self, count, written):
        peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rounds = []
        for _ in range(2):
            started, cpu = time.monotonic(), time.process_time()
            call_command("verify_captures", stdout=io.StringIO())
            rounds.append((time.monotonic() - started, time.process_time() - cpu))
        peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        for (seconds, cpu), read_from in zip(rounds, ("the disk (evicted from the page cache)",
                                                    "the page cache (read by the run before)")):
            self.stdout.write(
                f"From {read_from}: {count} copies, {written / 2**30:.2f} GiB verified in {seconds:.1f} s "
                f"({written / 2**20 / seconds:,.0f} MiB/s; {cpu:.1f} s of processor), "
                f"{seconds / count * 1000:.0f} ms a copy."
            )
        self.stdout.write(
            f"Peak memory of this process: {peak_before:,.0f} MiB before the runs, {peak_after:,.0f} MiB after "
            "(the files are read a megabyte at a time)."
        )


def _current_storages():
    from django.conf import settings

    return dict(settings.STORAGES)

"""Taking copies of sources, checking their fixity, and sharing them with readers.

A copy is written once, with who took it, when and how; then only its
fixity check writes to it again. Each new copy is compared with the one
before and the source's citations are anchored in it (`anchoring`); a copy or
a check that changes what readers are told moves the case's pages on.
"""

import hashlib
import os

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from warcio.archiveiterator import ArchiveIterator

from .. import documents, fetching
from ..models import Capture, SharedSource, Source, capture_storage
from ..retries import retried
from .anchoring import reanchor_source
from .publication import changed_for_readers
from .changes import WorkflowError, is_editor

CHUNK = 1024 * 1024


class CaptureRefused(WorkflowError):
    pass


def _hash_and_size(stream):
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return digest.hexdigest(), size


def _read_text(content_type, stream):
    try:
        return documents.paragraphs_of(content_type, stream)
    except documents.UnreadableDocument as error:
        raise CaptureRefused(f"Not kept: {error}") from None
    finally:
        stream.seek(0)


def _type_of(stream, what):
    content_type = documents.sniff(stream.read(documents.SNIFF_BYTES))
    stream.seek(0)
    if content_type is None:
        raise CaptureRefused(
            f"Not kept: {what} is not PDF, HTML or plain text (UTF-8), judged by its content, "
            "whatever its name says. Casefile keeps copies of those three kinds only."
        )
    return content_type


def capture_upload(source, uploaded, user):
    """Keep an uploaded file (a Django UploadedFile, or any named binary file) as a copy of `source`."""
    _refuse_without_permission(user)
    size = getattr(uploaded, "size", None)
    if size is not None and size > settings.CAPTURE_MAX_BYTES:
        raise CaptureRefused(
            f"Not kept: the file is {size:,} bytes, more than the {settings.CAPTURE_MAX_BYTES:,} bytes taken in."
        )
    uploaded.seek(0)
    content_type = _type_of(uploaded, "this file")
    sha256, size = _hash_and_size(uploaded)
    if size > settings.CAPTURE_MAX_BYTES:
        raise CaptureRefused(
            f"Not kept: the file is {size:,} bytes, more than the {settings.CAPTURE_MAX_BYTES:,} bytes taken in."
        )
    paragraphs = _read_text(content_type, uploaded)
    name = os.path.basename(getattr(uploaded, "name", "") or "")[:255]
    return _keep(
        source, user, uploaded, extension=Capture(content_type=content_type).extension,
        method=Capture.Method.UPLOAD, file_name=name, stored_size=size, stored_sha256=sha256,
        size=size, sha256=sha256, content_type=content_type, paragraphs=paragraphs,
    )


def capture_page(source, user):
    """Fetch the source's address and keep the response, headers and all, as a WARC copy."""
    _refuse_without_permission(user)
    if not source.url:
        raise CaptureRefused("Not fetched: this source has no address. Upload a file of it instead.")
    try:
        fetched = fetching.fetch(source.url)
    except fetching.FetchRefused as refusal:
        raise CaptureRefused(refusal.message) from None
    try:
        content_type = _type_of(fetched.body, f"the page at {fetched.url}")
        paragraphs = _read_text(content_type, fetched.body)
        stored_sha256, stored_size = _hash_and_size(fetched.warc)
        return _keep(
            source, user, fetched.warc, extension="warc.gz", method=Capture.Method.FETCH,
            url=fetched.url, stored_size=stored_size, stored_sha256=stored_sha256, size=fetched.size,
            sha256=fetched.sha256, content_type=content_type, http_status=fetched.status,
            http_headers=fetched.headers, paragraphs=paragraphs,
        )
    finally:
        fetched.close()


def _refuse_without_permission(user):
    if not (user and user.is_active and user.has_perm("casefile.add_capture")):
        raise PermissionDenied("Only reporters and editors take copies of sources.")


def _keep(source, user, stream, extension, **fields):
    """Store the file, then write the capture, compare it and anchor the citations in it, as one step."""
    now = timezone.now()
    storage = capture_storage()
    name = storage.save(
        f"{source.case_id}/{source.pk}/{now:%Y%m%dT%H%M%S}-{fields['sha256'][:12]}.{extension}", File(stream)
    )
    try:
        with transaction.atomic():
            # One copy of a source at a time, so each is compared with the one truly before it.
            locked = Source.objects.select_for_update(no_key=True).get(pk=source.pk)
            previous = locked.captures.order_by("-captured_at", "-id").first()
            if previous is None:
                comparison = Capture.Comparison.FIRST
            elif previous.sha256 == fields["sha256"]:
                comparison = Capture.Comparison.IDENTICAL
            else:
                comparison = Capture.Comparison.CHANGED
            capture = Capture.objects.create(
                source=locked, captured_by=user, captured_at=now, stored_as=name, previous=previous,
                comparison=comparison, **fields,
            )
            reanchor_source(capture)
            changed_for_readers({locked.case_id}, {(Source, locked.pk)})
    except BaseException:
        # Nothing half-kept: the file goes if its record could not be written.
        storage.delete(name)
        raise
    return capture


class HashingReader:
    """A binary stream that hashes what is read from it, to check a file in one pass."""

    def __init__(self, stream):
        self.stream, self.digest, self.size = stream, hashlib.sha256(), 0

    def read(self, size=-1):
        chunk = self.stream.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk

    def drain(self):
        while self.read(CHUNK):
            pass


def check_fixity(capture):
    """Read the stored file once, in constant memory; a description of what differs, or None."""
    try:
        stream = capture_storage().open(capture.stored_as, "rb")
    except (FileNotFoundError, OSError) as error:
        return f"the stored file cannot be read ({error.__class__.__name__}: {error})"
    with stream:
        reader = HashingReader(stream)
        document = None
        if capture.method == Capture.Method.FETCH:
            document = hashlib.sha256()
            try:
                for record in ArchiveIterator(reader):
                    if record.rec_type == "response":
                        for chunk in iter(lambda: record.raw_stream.read(CHUNK), b""):
                            document.update(chunk)
                        break
            except Exception as error:  # warcio raises many kinds on a damaged file
                return f"the stored WARC file cannot be read ({error.__class__.__name__})"
        reader.drain()
    found = []
    if reader.digest.hexdigest() != capture.stored_sha256:
        found.append(f"the stored file's SHA-256 is {reader.digest.hexdigest()}, not {capture.stored_sha256}")
    if document is not None and document.hexdigest() != capture.sha256:
        found.append(f"the document's SHA-256 is {document.hexdigest()}, not {capture.sha256}")
    return "; ".join(found) or None


def verify_capture(capture):
    """Check the stored file against its SHA-256 and record when; the mismatch found, or None."""
    mismatch = check_fixity(capture)
    _record_check(capture.pk, mismatch, timezone.now())
    return mismatch


@retried
def _record_check(pk, mismatch, now):
    with transaction.atomic():
        capture = Capture.objects.select_for_update(no_key=True).select_related("source").get(pk=pk)
        shown_before = (capture.last_check_passed, _day(capture.verified_at))
        capture.last_checked_at, capture.last_check_passed = now, mismatch is None
        capture.mismatch = mismatch or ""
        if mismatch is None:
            capture.verified_at = now
        capture.save(update_fields=["last_checked_at", "last_check_passed", "mismatch", "verified_at"])
        # Readers are told the day of the last check and whether it passed.
        if (capture.last_check_passed, _day(capture.verified_at)) != shown_before:
            changed_for_readers({capture.source.case_id}, {(Source, capture.source_id)})


def _day(moment):
    return timezone.localdate(moment) if moment else None


def share_copies(source, editor):
    """An editor lets readers download our copies of this source."""
    if not is_editor(editor):
        raise PermissionDenied("Only editors share copies with readers.")
    with transaction.atomic():
        SharedSource.objects.get_or_create(source=source, defaults={"shared_by": editor, "shared_at": timezone.now()})
        changed_for_readers({source.case_id}, {(Source, source.pk)})


def stop_sharing_copies(source, editor):
    """Our copies of this source are staff-only again."""
    if not is_editor(editor):
        raise PermissionDenied("Only editors share copies with readers.")
    with transaction.atomic():
        SharedSource.objects.filter(source=source).delete()
        changed_for_readers({source.case_id}, {(Source, source.pk)})

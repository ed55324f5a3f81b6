"""Taking copies of sources, checking their fixity, and sharing them with readers.

A copy is written once, with who took it, when and how, and compared with
the one before; then only its review and its fixity check write to it again.
A new copy changes nothing readers see until an editor confirms it: then
the source's citations are anchored in it (`anchoring`), readers are told of
it and, where an editor shared the source's copies, may download it. A
confirmation or a check that changes what readers are told moves the case's
pages on.
"""

import errno
import hashlib
import logging
import os
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
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

logger = logging.getLogger(__name__)

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
    """Store the file, then write the capture and compare it with the copy before, as one step.

    The copy waits for an editor (`confirm_capture()`): readers see nothing of it yet.
    """
    now = timezone.now()
    storage = capture_storage()
    # A name no other copy can hold, so that cleaning up after a failed write removes only this file.
    wanted = (f"{source.case_id}/{source.pk}/{now:%Y%m%dT%H%M%S}-{fields['sha256'][:12]}-"
              f"{secrets.token_hex(4)}.{extension}")
    try:
        name = storage.save(wanted, File(stream))
    except OSError as error:
        _remove_partial_file(storage, wanted)
        logger.error("A copy of source %s could not be stored", source.pk, exc_info=True)
        raise CaptureRefused(_storage_failure(error)) from None
    try:
        with transaction.atomic():
            # One copy of a source at a time, so each is compared with the one truly before it.
            locked = Source.objects.select_for_update(no_key=True).get(pk=source.pk)
            previous = locked.captures.newest_first().first()
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
    except BaseException:
        # Nothing half-kept: the file goes if its record could not be written.
        storage.delete(name)
        raise
    return capture


def _storage_failure(error):
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        reason = "the storage of our copies is full"
    else:
        reason = f"the storage of our copies could not write it ({error.strerror or error.__class__.__name__})"
    return (f"Not kept: {reason}. Nothing was kept of this file. Tell whoever runs the site, "
            "then take the copy again.")


def _remove_partial_file(storage, name):
    """Remove what a failed write left under this copy's name, if anything."""
    try:
        if storage.exists(name) and not Capture.objects.filter(stored_as=name).exists():
            storage.delete(name)
    except OSError:
        logger.error("A partly written copy could not be removed: %s", name, exc_info=True)


def confirm_capture(capture, editor):
    """An editor's word that readers may be told of this copy.

    If it is the newest copy an editor confirmed, the public citations of its
    source are anchored in it: those whose quote it does not hold are
    orphaned (`anchoring.reanchoring()` shows which beforehand). Where an
    editor shared the source's copies, readers may download it from now on.
    """
    if not is_editor(editor):
        raise PermissionDenied("Only editors confirm copies of sources.")
    with transaction.atomic():
        source = Source.objects.select_for_update(no_key=True).get(pk=capture.source_id)
        capture = _waiting_copy(capture)
        if capture.is_altered:
            raise CaptureRefused(
                "Not confirmed: the stored file of this copy no longer matches its SHA-256 "
                f"({capture.mismatch}). Restore it from a backup, or take another copy."
            )
        capture.review, capture.reviewed_by, capture.reviewed_at = Capture.Review.CONFIRMED, editor, timezone.now()
        capture.save(update_fields=["review", "reviewed_by", "reviewed_at"])
        if source.captures.confirmed().newest_first().first() == capture:
            reanchor_source(capture)
        changed_for_readers({source.case_id}, {(Source, source.pk)})
    return capture


def decline_capture(capture, editor, note):
    """An editor's word that readers are never told of this copy: it stays with staff, as evidence."""
    if not is_editor(editor):
        raise PermissionDenied("Only editors decline copies of sources.")
    if not note.strip():
        raise ValidationError("Say why this copy is declined.")
    with transaction.atomic():
        Source.objects.select_for_update(no_key=True).get(pk=capture.source_id)
        capture = _waiting_copy(capture)
        capture.review, capture.reviewed_by, capture.reviewed_at = Capture.Review.DECLINED, editor, timezone.now()
        capture.review_note = note.strip()
        capture.save(update_fields=["review", "reviewed_by", "reviewed_at", "review_note"])
    return capture


def _waiting_copy(capture):
    capture = Capture.objects.select_for_update(no_key=True).get(pk=capture.pk)
    if not capture.is_waiting:
        who = capture.reviewed_by or "an editor"
        raise CaptureRefused(
            f"This copy was already {capture.get_review_display().removesuffix(' by an editor')} by {who}, "
            f"on {timezone.localtime(capture.reviewed_at):%d %b %Y %H:%M}."
        )
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
        # Readers are told the day of the last check and whether it passed, of a copy an editor confirmed.
        if capture.review == Capture.Review.CONFIRMED and \
                (capture.last_check_passed, _day(capture.verified_at)) != shown_before:
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

"""What readers are told of the newsroom's copies of its sources.

Beside a source and each citation: when our copy was captured, its SHA-256
and when it was last verified, or that we hold no copy, so anyone with the
same document can check it. Only copies an editor confirmed are told of; a
copy waiting for an editor changes nothing here. The records come from the
public read layer; this module adds only what the copies say of them. The
files themselves reach readers only where `Capture.objects.with_reader_download()`
allows it.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from ..models import Capture, QuoteAnchor
from .pages import published_page
from .versions import moment

State = QuoteAnchor.State
Comparison = Capture.Comparison
# How much of a SHA-256 a line shows: enough to tell copies apart at a glance; its details give the rest.
SHORT_HASH_LENGTH = 12
# Columns a public line needs: not the text, not the headers.
LINE_FIELDS = ("id", "source_id", "captured_at", "sha256", "size", "content_type", "method",
               "verified_at", "last_check_passed", "last_checked_at", "review", "reviewed_at")


@dataclass(frozen=True)
class CopyLine:
    """One copy, as readers are told of it."""

    capture: Capture
    shared: bool
    download_url: str | None
    comparison: str = Comparison.FIRST.label

    @property
    def captured_at(self):
        return self.capture.captured_at

    @property
    def sha256(self):
        return self.capture.sha256

    @property
    def short_sha256(self):
        return self.capture.sha256[:SHORT_HASH_LENGTH]

    @property
    def verified_at(self):
        return self.capture.verified_at

    @property
    def altered(self):
        return self.capture.last_check_passed is False

    @property
    def checked_at(self):
        return self.capture.last_checked_at


@dataclass(frozen=True)
class CitationCopy:
    """What a citation's passage rests on: the copy it stands in, whether the source changed since,
    and the anchor that says where (None if readers are told of no anchor of this version)."""

    line: CopyLine | None
    state: str = ""
    newer: CopyLine | None = None
    anchor: QuoteAnchor | None = None

    @property
    def changed_since(self):
        return self.state in (State.ORPHANED, State.KEPT) and self.newer is not None

    @property
    def not_found(self):
        return self.state == State.ORPHANED and self.line is None

    @property
    def same_day_as_newer(self):
        """Whether the copy the passage stands in and the newer one were captured on the same day:
        then only their times tell them apart."""
        return self.changed_since and self.line is not None and (
            timezone.localtime(self.line.captured_at).date() == timezone.localtime(self.newer.captured_at).date()
        )


def _lines(snapshot, sources):
    """{source id: the copies readers are told of, as CopyLines, newest first}, as of the snapshot's day."""
    source_ids = [source.pk for source in sources]
    if not source_ids:
        return {}
    captures = Capture.objects.confirmed().filter(source_id__in=source_ids).only(*LINE_FIELDS).with_reader_download()
    at = moment(snapshot.as_of)
    if at is not None:
        captures = captures.filter(reviewed_at__lt=at)
    by_source = {source.pk: source for source in sources}
    lines = {source_id: [] for source_id in source_ids}
    oldest_first = list(captures.order_by("source_id", "captured_at", "id"))
    before = {}
    for capture in oldest_first:
        url = None
        if capture.downloadable:
            url = reverse("casefile:shared_copy", args=[snapshot.case.slug, by_source[capture.source_id].slug,
                                                        capture.pk])
        # Compared with the copy before it that readers are told of, not one an editor declined.
        earlier = before.get(capture.source_id)
        comparison = Comparison.FIRST if earlier is None else \
            Comparison.IDENTICAL if earlier.sha256 == capture.sha256 else Comparison.CHANGED
        before[capture.source_id] = capture
        lines[capture.source_id].append(CopyLine(capture, capture.shared, url, comparison.label))
    return {source_id: copies[::-1] for source_id, copies in lines.items()}


def attach_copies(snapshot):
    """Give every source of the snapshot `our_copies` (newest first) and `our_copy` (the newest, or
    None), and every citation `our_copy`, a `CitationCopy`. A query, and one more where we hold
    copies, however many records."""
    sources = list(snapshot.sources.values())
    # A copy of a confidential source (its file, its fingerprint, the passages around a quote) could name it:
    # readers are told of none.
    lines = _lines(snapshot, [source for source in sources if not source.is_confidential])
    for source in sources:
        source.our_copies = lines.get(source.pk, [])
        source.our_copy = source.our_copies[0] if source.our_copies else None
    citations = {
        citation.pk: citation
        for record in [*snapshot.facts.values(), *snapshot.events.values(), *snapshot.relationships, *sources]
        for citation in record.public_citations
    }
    by_capture = {line.capture.pk: line for copies in lines.values() for line in copies}
    anchors = {
        anchor.citation_id: anchor
        for anchor in QuoteAnchor.objects.filter(citation_id__in=list(citations), is_current=True)
    } if citations and by_capture else {}
    for citation in citations.values():
        citation.our_copy = _citation_copy(citation, anchors.get(citation.pk), by_capture)
    return snapshot


def _citation_copy(citation, anchor, by_capture):
    newest = citation.source.our_copy
    if anchor is None or anchor.citation_version != citation.version_id or anchor.capture_id not in by_capture:
        # Approved before we held a copy, or read as of a day before this anchor.
        return CitationCopy(line=newest)
    if anchor.state == State.ANCHORED:
        return CitationCopy(line=by_capture[anchor.capture_id], state=anchor.state, anchor=anchor)
    stands_in = anchor.capture_id if anchor.state == State.KEPT else anchor.last_found_in_id
    line = by_capture.get(stands_in)
    newer = newest if newest is not None and newest is not line else None
    return CitationCopy(line=line, state=anchor.state, newer=newer, anchor=anchor)


def shared_copy(case_slug, source_slug, capture_id):
    """A copy readers may download, of a public source; else None."""
    snapshot = published_page(case_slug, "source", source_slug)
    source = snapshot.source(source_slug) if snapshot is not None else None
    if source is None or source.is_confidential:
        return None
    return Capture.objects.with_reader_download().filter(pk=capture_id, source_id=source.pk, downloadable=True).first()

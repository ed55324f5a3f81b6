"""Quotes anchored to the newsroom's copy of their source.

When a source has a copy an editor confirmed, every citation of it is
anchored when it is approved: its quote must stand in the cited paragraph of
the newest confirmed copy, in the same words if not the same typography
(`documents.find_quote`), and where it stands is kept, in the copy's own
characters, as a W3C TextQuoteSelector (`QuoteAnchor`). A new copy changes nothing until an editor
confirms it, having seen what it would change (`reanchoring()`); then every
public citation of the source is anchored again in it. One whose quote is no
longer in its paragraph is orphaned, never moved to a passage that looks
alike, and cannot be approved again until a person resolves it: a reporter
corrects it from the new copy, or an editor keeps it on the earlier copy the
quote was found in.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator

from .. import published
from ..documents import find_quote, paragraphs_holding
from ..models import LOCATOR_PATTERN, Capture, Citation, QuoteAnchor, Source
from .publication import changed_for_readers
from .changes import WorkflowError, batches, is_editor

State = QuoteAnchor.State

# How much of a paragraph a refusal shows.
SHOWN_PARAGRAPH_CHARACTERS = 600


class QuoteNotInCopy(WorkflowError):
    pass


def paragraph_number(locator):
    return int(locator[1:]) if LOCATOR_PATTERN.match(locator or "") else 0


def newest_captures(source_ids):
    """{source id: its newest confirmed capture}, in two queries a batch: the copy citations rest on."""
    newest = {}
    for batch in batches(source_ids):
        for source_id, pk in (Capture.objects.confirmed().filter(source_id__in=batch)
                              .order_by("source_id", "captured_at", "id").values_list("source_id", "id")):
            newest[source_id] = pk
    found = {}
    for batch in batches(newest.values()):
        found.update(Capture.objects.in_bulk(batch))
    return {source_id: found[pk] for source_id, pk in newest.items()}


def current_anchors(citation_ids, lock=False):
    anchors = {}
    for batch in batches(citation_ids):
        rows = QuoteAnchor.objects.filter(citation_id__in=batch, is_current=True).select_related("capture")
        if lock:
            rows = rows.select_for_update(no_key=True, of=("self",)).order_by("pk")
        anchors.update({anchor.citation_id: anchor for anchor in rows})
    return anchors


def anchor_quotes(changes):
    """Anchor the citations among the approved `changes`; refuse if a quote is not in its copy.

    Called by `approve()`, in its transaction, once per approval. A citation
    of a source without a copy is left as it is; a removed one, or one
    pointed at a source without a copy, no longer has a current anchor.
    """
    citations = [change for change in changes if change.model is Citation]
    if not citations:
        return
    previous = current_anchors([change.pk for change in citations], lock=True)
    newest = newest_captures({change.latest.source_id for change in citations if not change.is_removal})
    now, refused, anchors, retired = timezone.now(), [], [], []
    for change in citations:
        version, before = change.latest, previous.get(change.pk)
        capture = None if change.is_removal else newest.get(version.source_id)
        if capture is None:
            if before is not None:
                retired.append(before.pk)
            continue
        anchor = _anchor(change.pk, version, capture, before, now)
        if anchor is None:
            refused.append(_refusal(version, capture, before))
            continue
        if before is not None:
            retired.append(before.pk)
        anchors.append(anchor)
    if refused:
        raise QuoteNotInCopy(
            "Not approved: " + " ".join(refused) + " Correct the paragraph or the quote from our copy "
            "(Captures, in the admin), then approve again.",
            refused,
        )
    _replace(retired, anchors)


def _anchor(citation_id, version, capture, before, now):
    """The anchor of this citation version in the newest copy, or in the copy an editor kept it on."""
    paragraph = paragraph_number(version.locator)
    selector = find_quote(capture.paragraphs, paragraph, version.quote)
    state, kept = State.ANCHORED, None
    if selector is None and before is not None and before.state == State.KEPT \
            and before.capture.source_id == version.source_id:
        selector = find_quote(before.capture.paragraphs, paragraph, version.quote)
        capture, state, kept = before.capture, State.KEPT, before
    if selector is None:
        return None
    return QuoteAnchor(
        citation_id=citation_id, citation_version=version.history_id, capture=capture, state=state,
        last_found_in=capture, paragraph=selector.paragraph, exact=selector.exact, prefix=selector.prefix,
        suffix=selector.suffix, start=selector.start, end=selector.end, anchored_at=now,
        decided_by_id=kept.decided_by_id if kept else None, note=kept.note if kept else "",
    )


def _replace(retired, anchors):
    for batch in batches(retired):
        QuoteAnchor.objects.filter(pk__in=batch).update(is_current=False)
    QuoteAnchor.objects.bulk_create(anchors, batch_size=500)


def _refusal(version, capture, before):
    citation = version.instance
    parent = citation.parent
    named = f"the citation {version.locator} of {parent._meta.verbose_name} “{parent}”" if parent else \
        f"the citation {version.locator}"
    paragraph = paragraph_number(version.locator)
    copy = f"our copy of “{citation.source}” captured on {timezone.localtime(capture.captured_at):%d %b %Y %H:%M}"
    if not 1 <= paragraph <= len(capture.paragraphs):
        line = f"{named} cites {version.locator}, but {copy} has {len(capture.paragraphs)} paragraphs."
    else:
        text = Truncator(capture.paragraphs[paragraph - 1]).chars(SHOWN_PARAGRAPH_CHARACTERS)
        line = f"the quote “{version.quote}” of {named} is not in {version.locator} of {copy}. " \
               f"{version.locator} reads: “{text}”"
        elsewhere = paragraphs_holding(capture.paragraphs, version.quote)
        if elsewhere:
            line += " The same words stand in " + ", ".join(f"¶{n}" for n in elsewhere) + "."
    if before is not None and before.state == State.ORPHANED:
        line += " This citation is orphaned since that copy: a reporter corrects it, or an editor " \
                "keeps it on the earlier copy it was found in (Orphaned citations)."
    return line[0].upper() + line[1:] + ("" if line.endswith(".") else ".")


@dataclass(frozen=True)
class Reanchoring:
    """What anchoring a public citation in a copy makes of it: where it stands now, and after.

    `after` is None where nothing changes: an editor kept the citation on an
    earlier copy, and its quote is not in this one either.
    """

    citation: object  # the version readers see: a historical row of the citation
    before: QuoteAnchor | None
    after: QuoteAnchor | None

    @property
    def kept(self):
        return self.after is None

    @property
    def orphaned(self):
        return self.after is not None and self.after.state == State.ORPHANED

    @property
    def found_otherwise(self):
        """Found in the copy, but readers are told otherwise of it: another passage, paragraph or
        context, or found where it was not (orphaned, or kept on an earlier copy)."""
        if self.after is None or self.orphaned:
            return False
        if self.before is None:
            return True
        return any(getattr(self.before, name) != getattr(self.after, name)
                   for name in ("state", "paragraph", "exact", "prefix", "suffix"))


def reanchoring(capture, lock=False):
    """How each public citation of the capture's source would be anchored in it, without writing a thing.

    What an editor is shown before confirming a copy, and what
    `reanchor_source()` then writes.
    """
    rows = sorted(published.public_rows(Citation).filter(source_id=capture.source_id), key=lambda row: row.id)
    if not rows:
        return []
    previous = current_anchors([row.id for row in rows], lock=lock)
    now, found = timezone.now(), []
    for row in rows:
        before = previous.get(row.id)
        paragraph = paragraph_number(row.locator)
        selector = find_quote(capture.paragraphs, paragraph, row.quote)
        if selector is not None:
            anchor = QuoteAnchor(
                citation_id=row.id, citation_version=row.history_id, capture=capture, state=State.ANCHORED,
                last_found_in=capture, paragraph=paragraph, exact=selector.exact, prefix=selector.prefix,
                suffix=selector.suffix, start=selector.start, end=selector.end, anchored_at=now,
            )
        elif before is not None and before.state == State.KEPT and before.citation_version == row.history_id:
            anchor = None
        else:
            sought = before if before is not None and before.citation_version == row.history_id else None
            anchor = QuoteAnchor(
                citation_id=row.id, citation_version=row.history_id, capture=capture, state=State.ORPHANED,
                last_found_in=sought.stands_in if sought else None, paragraph=paragraph,
                exact=sought.exact if sought else row.quote, prefix=sought.prefix if sought else "",
                suffix=sought.suffix if sought else "", anchored_at=now,
            )
        found.append(Reanchoring(row, before, anchor))
    return found


def reanchor_source(capture):
    """Anchor every public citation of the capture's source again, in this copy an editor confirmed.

    A citation whose passage is not in it is orphaned, unless an editor had
    kept it on an earlier copy; nothing is moved to a passage that looks
    alike. Returns the anchors written.
    """
    changes = [change for change in reanchoring(capture, lock=True) if change.after is not None]
    _replace([change.before.pk for change in changes if change.before is not None],
             [change.after for change in changes])
    return [change.after for change in changes]


def keep_on_earlier_copy(anchor, editor, note):
    """An editor's word that an orphaned citation rests on the earlier copy its quote was found in."""
    if not is_editor(editor):
        raise PermissionDenied("Only editors resolve orphaned citations.")
    if not note.strip():
        raise ValidationError("Say why the citation may rest on the earlier copy.")
    with transaction.atomic():
        anchor = QuoteAnchor.objects.select_for_update(no_key=True).select_related("capture").get(pk=anchor.pk)
        if not anchor.is_current or anchor.state != State.ORPHANED:
            raise WorkflowError("This citation is no longer orphaned: someone resolved it meanwhile.")
        earlier = anchor.last_found_in
        if earlier is None:
            raise WorkflowError(
                "The quote was never found in any of our copies: correct the citation from the copy instead."
            )
        selector = find_quote(earlier.paragraphs, anchor.paragraph, anchor.exact)
        kept = QuoteAnchor(
            citation_id=anchor.citation_id, citation_version=anchor.citation_version, capture=earlier,
            state=State.KEPT, last_found_in=earlier, paragraph=anchor.paragraph, exact=selector.exact,
            prefix=selector.prefix, suffix=selector.suffix, start=selector.start, end=selector.end,
            anchored_at=timezone.now(), decided_by=editor, note=note.strip(),
        )
        _replace([anchor.pk], [kept])
        changed_for_readers({earlier.source.case_id}, {(Source, earlier.source_id)})
    return kept


def orphaned_anchors():
    """The orphaned citations editors must resolve, oldest first."""
    return (QuoteAnchor.objects.filter(is_current=True, state=State.ORPHANED)
            .select_related("capture__source", "last_found_in", "citation__source")
            .order_by("anchored_at", "id"))

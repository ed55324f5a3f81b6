"""Thin support: a change that would leave a confirmed or disputed claim on one source, or on sources that all
reach us through the same original.

A warning for the editor, not a refusal: a claim may honestly rest on one
good source. The claims are read as the approval would leave them
(`rules.claims_after()`), the sources likewise, and each supporting source
is followed along its `relayed_via` chain to the source it came from first.
"""

from .. import published
from ..models import ClaimStatus, Source
from .rules import claims_after, supporting_source_ids, versions_after

WARNED_STATUSES = (ClaimStatus.CONFIRMED, ClaimStatus.DISPUTED)


def thin_support(changes, claims=None):
    """[(model, claim version, warning)] of the confirmed or disputed claims `changes`, {(model, pk): Change}
    approved together, would leave on a single source or on relays of a single original. `claims`:
    `rules.claims_after(changes)`, if read already. A query or two per step along the relay chains."""
    claims = claims_after(changes) if claims is None else claims
    supported = [
        (model, claim, supporting_source_ids(citations)) for model, claim, citations in claims
        if claim.status in WARNED_STATUSES
    ]
    sources = _sources_with_their_chains({pk for _, _, supporting in supported for pk in supporting}, changes)
    warnings = []
    for model, claim, supporting in supported:
        named = f"{model._meta.verbose_name.capitalize()} “{claim.instance}” ({claim.get_status_display().lower()})"
        if len(supporting) == 1:
            (pk,) = supporting
            warnings.append((model, claim, f"{named} would rest on a single source, {_title(sources, pk)}."))
            continue
        origins = {_origin(sources, pk) for pk in supporting}
        if len(origins) == 1:
            (origin,) = origins
            warnings.append((model, claim, (
                f"{named} would rest on {len(supporting)} sources that all relay the same original, "
                f"{_title(sources, origin)}: in effect, on one source."
            )))
    return warnings


def discrediting(changes):
    """[warning] for each source `changes` would first show readers as discredited: the claims readers see
    resting on it, which then go on the desk's list for another look. Two queries per such source."""
    warnings = []
    for (model, pk), change in sorted(changes.items(), key=lambda item: item[0][1]):
        if model is not Source or change.is_removal or change.latest is None:
            continue
        if change.latest.discredited_on is None or (
            change.approved is not None and change.approved.discredited_on is not None
        ):
            continue
        claims = published.claims_citing(change.latest.instance)
        alone = sum(1 for claim in claims if claim.only_support)
        warnings.append(
            f"Approving marks the source “{change.latest.title}” discredited: {len(claims)} claim"
            f"{'s' if len(claims) != 1 else ''} readers see cite it, {alone} resting on it alone. They go on the "
            "desk's list of claims resting on discredited sources, and none can be approved as confirmed on "
            "discredited sources alone."
        )
    return warnings


def _sources_with_their_chains(pks, changes):
    """{pk: Source version} of the sources, and of every source they were relayed via, after the approval."""
    found, asked, wanted = {}, set(), set(pks)
    while wanted:
        asked |= wanted
        found.update(versions_after(Source, wanted, changes))
        wanted = {version.relayed_via_id for version in found.values() if version.relayed_via_id} - asked
    return found


def _origin(sources, pk):
    """The source `pk` was first relayed from: the far end of its `relayed_via` chain, as far as it is known."""
    seen = {pk}
    while pk in sources and sources[pk].relayed_via_id and sources[pk].relayed_via_id not in seen:
        pk = sources[pk].relayed_via_id
        seen.add(pk)
    return pk


def _title(sources, pk):
    return f"“{sources[pk].title}”" if pk in sources else f"source #{pk}"


def annotate_queue(items, changes, claims=None):
    """Give each queue item the warnings of `thin_support()` about its claims (`support_warnings`)."""
    shown = {(item.model, item.pk): item for item in items}
    for item in items:
        item.support_warnings = []
    for model, claim, warning in thin_support(changes, claims):
        item = shown.get((model, claim.id))
        if item is not None:
            item.support_warnings.append(warning)
    return items

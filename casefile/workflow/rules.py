"""The rules an editor relies on: a claim's status agrees with the sources it cites.

Checked when an approval would publish a fact, event or relationship, or one
of their citations; the rule of stances is `claim_status_problem()`, on the
model. A confirmed claim also needs one supporting source that is not
discredited: approving a source as discredited is never refused, but the
claims it leaves bare cannot be approved as confirmed again until they have
another (the desk lists them, `published.claims_on_discredited_sources()`).
"""

from ..models import Citation, ClaimStatus, Event, Fact, Relationship, Source, claim_status_problem, rests_only_on
from .changes import WorkflowError, approved_versions_of, batches, children_of, is_public_version

CLAIMS = (Fact, Event, Relationship)
# The field of a citation that names each kind of claim.
CITING_FIELD = {Fact: "fact", Event: "event", Relationship: "relationship"}


class UnfoundedClaim(WorkflowError):
    pass


def status_problems(changes, claims=None):
    """[(claim version, problem)] of the claims readers would see after `changes` are approved.

    `changes` are {(model, pk): Change} approved together. A claim is read as
    the approval leaves it: its own version under review or the one readers
    see, with each citation, and each source it cites, likewise. `claims`:
    `claims_after(changes)`, if the caller read them already.
    """
    claims = claims_after(changes) if claims is None else claims
    sources = versions_after(Source, {
        citation.source_id for _, claim, citations in claims if claim.status == ClaimStatus.CONFIRMED
        for citation in citations
    }, changes)
    problems = []
    for model, claim, citations in claims:
        kind = model._meta.verbose_name
        problem = claim_status_problem(claim.status, [citation.stance for citation in citations], kind)
        if problem is None and claim.status == ClaimStatus.CONFIRMED:
            problem = _resting_on_discredited(kind, citations, sources)
        if problem:
            problems.append((model, claim, problem))
    return problems


def claims_after(changes):
    """[(model, claim version, [its citation versions])] of the claims `changes` touch, as readers would see
    them after the approval: the claims changed, and those whose citations are."""
    affected = {model: set() for model in CLAIMS}
    for (model, pk), change in changes.items():
        if model in affected:
            affected[model].add(pk)
        elif model is Citation:
            for version in (change.latest, change.approved):
                for claim_model, name in CITING_FIELD.items():
                    if version is not None and getattr(version, f"{name}_id", None):
                        affected[claim_model].add(getattr(version, f"{name}_id"))
    found = []
    for model, pks in affected.items():
        if not pks:
            continue
        claims = versions_after(model, pks, changes)
        citation_ids = [pk for pairs in children_of(model, claims, kinds=(Citation,)).values()
                        for child, pk in pairs]
        cited = {pk: [] for pk in claims}
        name = CITING_FIELD[model]
        for citation in versions_after(Citation, citation_ids, changes).values():
            parent = getattr(citation, f"{name}_id")
            if parent in cited:
                cited[parent].append(citation)
        found += [(model, claim, cited[pk]) for pk, claim in sorted(claims.items())]
    return found


def supporting_source_ids(citations):
    return {citation.source_id for citation in citations if citation.stance == Citation.Stance.SUPPORTS}


def _resting_on_discredited(kind, citations, sources):
    """Why a confirmed claim cannot stand on these citations when every source supporting it is discredited."""
    supporting = supporting_source_ids(citations)
    discredited = {pk for pk in supporting if pk in sources and sources[pk].discredited_on is not None}
    if not rests_only_on(supporting, discredited):
        return None
    named = "; ".join(
        f"“{sources[pk].title}”, discredited on {sources[pk].discredited_on:%d %b %Y}"
        for pk in sorted(discredited, key=lambda pk: sources[pk].title)
    )
    return (f"A confirmed {kind} cannot rest on discredited sources alone, and every source supporting it is "
            f"discredited ({named}). Cite another supporting source, or mark it unverified or disputed.")


def versions_after(model, pks, changes):
    """{pk: the version readers would see after the approval}, of those records that stay public."""
    found, settled = {}, set()
    for pk in pks:
        change = changes.get((model, pk))
        if change is not None:
            settled.add(pk)
            if not change.is_removal:
                found[pk] = change.latest
    for batch in batches(set(pks) - settled):
        for pk, version in approved_versions_of(model, batch).items():
            if is_public_version(version):
                found[pk] = version
    return found


def refuse_unfounded_claims(changes):
    """Refuse an approval that would show readers a claim whose status its citations do not bear out."""
    problems = status_problems(changes)
    if problems:
        raise UnfoundedClaim(
            "Not approved: "
            + " ".join(f"{model._meta.verbose_name.capitalize()} “{claim.instance}”: {problem}"
                       for model, claim, problem in problems),
            [str(claim.instance) for _, claim, _ in problems],
        )


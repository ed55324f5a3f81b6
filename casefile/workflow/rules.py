"""The rules an editor relies on: a claim's status agrees with the sources it cites.

Checked when an approval would publish a fact, event or relationship, or one
of their citations; the rule itself is `claim_status_problem()`, on the model.
"""

from ..models import Citation, Event, Fact, Relationship, claim_status_problem
from .changes import WorkflowError, approved_versions_of, batches, children_of, is_public_version

CLAIMS = (Fact, Event, Relationship)
# The field of a citation that names each kind of claim.
CITING_FIELD = {Fact: "fact", Event: "event", Relationship: "relationship"}


class UnfoundedClaim(WorkflowError):
    pass


def status_problems(changes):
    """[(claim version, problem)] of the claims readers would see after `changes` are approved.

    `changes` are {(model, pk): Change} approved together. A claim is read as
    the approval leaves it: its own version under review or the one readers
    see, with each citation likewise.
    """
    affected = {model: set() for model in CLAIMS}
    for (model, pk), change in changes.items():
        if model in affected:
            affected[model].add(pk)
        elif model is Citation:
            for version in (change.latest, change.approved):
                for claim_model, name in CITING_FIELD.items():
                    if version is not None and getattr(version, f"{name}_id", None):
                        affected[claim_model].add(getattr(version, f"{name}_id"))
    problems = []
    for model, pks in affected.items():
        if not pks:
            continue
        claims = _versions_after(model, pks, changes)
        citation_ids = [pk for pairs in children_of(model, claims, kinds=(Citation,)).values()
                        for child, pk in pairs]
        stances = {pk: [] for pk in claims}
        name = CITING_FIELD[model]
        for citation in _versions_after(Citation, citation_ids, changes).values():
            parent = getattr(citation, f"{name}_id")
            if parent in stances:
                stances[parent].append(citation.stance)
        for pk, claim in sorted(claims.items()):
            problem = claim_status_problem(claim.status, stances[pk], model._meta.verbose_name)
            if problem:
                problems.append((model, claim, problem))
    return problems


def _versions_after(model, pks, changes):
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


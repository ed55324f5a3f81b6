"""What a claim's status promises: how the stances of its citations bear out a fact, an event or a relationship."""

from itertools import combinations

from django.db import models
from django.utils.translation import gettext_lazy


class Stance(models.TextChoices):
    """Where a citation's passage stands on the claim it is cited for."""

    SUPPORTS = "supports", gettext_lazy("Supports")
    CONTRADICTS = "contradicts", gettext_lazy("Contradicts")
    QUALIFIES = "qualifies", gettext_lazy("Qualifies")


class ClaimStatus(models.TextChoices):
    """How far the sources bear out a claim: a fact, an event or a relationship."""

    CONFIRMED = "confirmed", gettext_lazy("Confirmed")
    DISPUTED = "disputed", gettext_lazy("Disputed")
    UNVERIFIED = "unverified", gettext_lazy("Unverified")
    FALSE = "false", gettext_lazy("False")


CLAIM_STATUS_HELP = (
    "Confirmed: supported by the sources and contradicted by none. "
    "Disputed: the sources disagree; each side is shown with the source it rests on. "
    "Unverified: only one side of the sources says so (often a single source) and we have not "
    "checked it; repeat it only with attribution. "
    "False: the sources show it to be untrue."
)


def claim_status_problem(status, stances, kind="claim"):
    """Why citations of these stances do not bear out a claim of this status, or None.

    A citation that qualifies a claim counts on neither side.
    """
    stances = list(stances)
    supporting = stances.count(Stance.SUPPORTS)
    contradicting = stances.count(Stance.CONTRADICTS)
    cited = f"it has {supporting} supporting and {contradicting} contradicting citations"
    if status == ClaimStatus.DISPUTED and not (supporting and contradicting):
        return (f"A disputed {kind} cites at least one source that supports it and one that contradicts "
                f"it; {cited}. Add the missing side, or change its status.")
    if status == ClaimStatus.CONFIRMED and (not supporting or contradicting):
        return (f"A confirmed {kind} cites at least one supporting source and none contradicting it; "
                f"{cited}. Mark it disputed or unverified, or correct the stances.")
    if status == ClaimStatus.UNVERIFIED and supporting and contradicting:
        return (f"An unverified {kind} rests on one side only; {cited}. Mark it disputed, or mark "
                "a passage that neither supports nor contradicts it as one that qualifies it.")
    return None


def rests_only_on(supporting_source_ids, source_ids):
    """Whether a claim that the sources `supporting_source_ids` support rests on `source_ids` alone: it has
    support, and every source of it is among them. The one rule behind "the only source supporting it", a
    claim left on discredited sources, and one left on relays of a single original."""
    supporting = set(supporting_source_ids)
    return bool(supporting) and supporting <= set(source_ids)


def statuses_borne_out(stances):
    """The statuses that citations of these stances bear out: those `claim_status_problem()` finds nothing against."""
    stances = list(stances)
    return [status for status in ClaimStatus if claim_status_problem(status, stances) is None]


# The status a form suggests when the one chosen is not borne out: the first of these that is. The
# sources disagreeing, it is disputed; else it is at least unverified, which any other stance bears out.
SUGGESTED_FIRST = (ClaimStatus.DISPUTED, ClaimStatus.UNVERIFIED, ClaimStatus.CONFIRMED, ClaimStatus.FALSE)


def suggested_status(stances):
    borne_out = statuses_borne_out(stances)
    return next((status for status in SUGGESTED_FIRST if status in borne_out), None)


def statuses_by_stances():
    """{the stances a claim's citations take, sorted and joined by commas: {"borne_out": [...], "suggested": ...}}
    for every set of stances, as `statuses_borne_out()` and `suggested_status()` give them: for a form to look
    up as its citations change. The rule weighs which sides are cited, not how often."""
    table = {}
    for size in range(len(Stance) + 1):
        for stances in combinations(sorted(Stance.values), size):
            table[",".join(stances)] = {"borne_out": [str(status) for status in statuses_borne_out(stances)],
                                        "suggested": str(suggested_status(stances))}
    return table


def claim_status_field():
    """The status of a claim, declared where each kind of claim shows it in its form."""
    return models.CharField(
        max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.UNVERIFIED, help_text=CLAIM_STATUS_HELP,
    )

"""What a claim's status promises: how the stances of its citations bear out a fact, an event or a relationship."""

from django.db import models


class Stance(models.TextChoices):
    """Where a citation's passage stands on the claim it is cited for."""

    SUPPORTS = "supports", "Supports"
    CONTRADICTS = "contradicts", "Contradicts"
    QUALIFIES = "qualifies", "Qualifies"


class ClaimStatus(models.TextChoices):
    """How far the sources bear out a claim: a fact, an event or a relationship."""

    CONFIRMED = "confirmed", "Confirmed"
    DISPUTED = "disputed", "Disputed"
    UNVERIFIED = "unverified", "Unverified"
    FALSE = "false", "False"


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


def claim_status_field():
    """The status of a claim, declared where each kind of claim shows it in its form."""
    return models.CharField(
        max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.UNVERIFIED, help_text=CLAIM_STATUS_HELP,
    )

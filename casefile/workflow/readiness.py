"""What must happen before an approval may publish a change, besides the editor's word."""

from .legal import refuse_uncleared
from .replies import refuse_unanswered_allegations


def refuse_unready_for_publication(changes):
    """Refuse to publish allegations nobody put to the people they concern, or flagged changes legal
    has not cleared."""
    changes = list(changes)
    refuse_unanswered_allegations(changes)
    refuse_uncleared(changes)

"""The approval workflow's rules, applied to the decisions a file records.

A file edited since it was exported can record approvals the workflow would
have refused. Each approval of the file is read as of the moment it was
made, from the versions, decisions and legal reviews the file holds, and
refused by the workflow's own rules, not rules of the import's:

- only an editor approves or rejects, or overrides the right of reply, and
  only a member of the Legal group clears a change (the file says who is
  what; see `rows.roles_of`);
- a version is approved or rejected once;
- a change flagged for legal review is approved only once a lawyer cleared
  exactly its versions (`workflow.legal`);
- a claim's status agrees with the citations readers see with it
  (`claim_status_problem`, which `workflow.rules` applies to an approval);
- an allegation is published only once put to the person it concerns, or on
  an editor's override (`workflow.replies`). That rule reads the reply
  requests and overrides from the database, so it is applied once the rows
  are written, in the import's transaction (`refuse_unanswered_allegations`).
"""

from collections import defaultdict
from dataclasses import dataclass
from operator import attrgetter

from django.contrib.contenttypes.models import ContentType

from casefile.models import Citation, Decision, LegalReview, ReplyOverride, claim_status_problem
from casefile.workflow import legal, replies, rules
from casefile.workflow.changes import Change, is_public_version, key_for, parent_of
from casefile.workflow.queue import fingerprint

from .rows import ImportRefused

# Who may make each kind of decision: (the field naming them, the role the file must give them, the rule).
DECIDERS = {
    Decision: ("decided_by_id", "approves_changes", "only editors approve or reject changes"),
    ReplyOverride: ("granted_by_id", "approves_changes", "only editors override the right of reply"),
    LegalReview: ("reviewed_by_id", "clears_for_legal", "only members of the Legal group clear or refuse changes"),
}
ROLE_NAMES = {"approves_changes": "an editor", "clears_for_legal": "a member of the Legal group"}
# The parent of each link that can mark an allegation: {link model: (parent model, field)}.
ALLEGING_LINKS = {link: (parent, name) for parent, (link, name) in replies.LINKS.items()}


def check_decisions_made_by_the_rules(rows, roles):
    """Refuse a decision the approval workflow would have refused; return the allegations the file publishes.

    `roles`: {username: what the file says they may decide}. Returns
    [(decision row, `replies.Allegation`)] for `refuse_unanswered_allegations`
    to check once the rows are written.
    """
    refuse_decisions_by_others(rows, roles)
    refuse_second_decisions(rows["decisions"])
    return Timeline(rows).replay(rows["decisions"])


def refuse_decisions_by_others(rows, roles):
    for row in rows["decisions"] + rows["right_of_reply"]:
        if row.model not in DECIDERS:
            continue
        attname, role, rule = DECIDERS[row.model]
        name, username = row.model._meta.get_field(attname).name, row.people.get(attname)
        if username is None:
            raise ImportRefused(f"{row.where}: {name} is missing; {rule}.")
        if role not in roles[username]:
            raise ImportRefused(
                f"{row.where}: {name} is {username!r}, who is not {ROLE_NAMES[role]} in the file; {rule}."
            )


def refuse_second_decisions(decisions):
    """A version is approved or rejected once: a second decision on it is one the workflow refuses."""
    first = {}
    for row in decisions:
        key = (row.links["content_type_id"], row.values["history_id"])
        earlier = first.setdefault(key, row)
        if earlier is not row:
            kind = ContentType.objects.get_for_id(key[0]).model_class()._meta.verbose_name
            raise ImportRefused(
                f"{row.where}: decides again on version {key[1]} of {kind} {row.values['object_id']}, which "
                f"{earlier.where} {earlier.values['action']} already; a version is approved or rejected once."
            )


@dataclass
class Part:
    """One decision of an approval, with the version it approved."""

    row: object
    model: type
    pk: int
    version: object

    @property
    def label(self):
        return self.row.values["object_repr"]


class Timeline:
    """The file's versions and legal reviews, and its approvals replayed in the order they were made."""

    def __init__(self, rows):
        self.versions = {}
        self.records = defaultdict(list)
        # {(parent model, pk): {(child model, pk)}} of every child ever saved under a parent.
        self.children = defaultdict(set)
        for row in rows["history"]:
            model, version = row.record_model, row.build()
            self.versions[(model, row.pk)] = version
            self.records[(model, version.id)].append(version)
            for parent_model, name in parent_of(model, version):
                self.children[(parent_model, getattr(version, f"{name}_id"))].add((model, version.id))
        for versions in self.records.values():
            versions.sort(key=attrgetter("history_id"))
        self.reviews = defaultdict(list)
        for row in rows["right_of_reply"]:
            if row.model is LegalReview:
                review = row.build()
                self.reviews[review.record_key].append(review)
        for reviews in self.reviews.values():
            reviews.sort(key=attrgetter("reviewed_at", "pk"))
        # {(model, pk): the row of its latest approval}, as of the approvals replayed so far.
        self.approved = {}

    def approved_version(self, model, pk):
        row = self.approved.get((model, pk))
        return self.versions.get((model, row.values["history_id"])) if row is not None else None

    def public(self, model, pk):
        """The version of a record readers see, as of the approvals replayed so far, or None."""
        version = self.approved_version(model, pk)
        return version if is_public_version(version) else None

    def label(self, model, pk):
        row = self.approved.get((model, pk))
        return row.values["object_repr"] if row is not None else f"{model._meta.verbose_name} {pk}"

    def replay(self, decisions):
        """Refuse the first approval the workflow would have refused; return the allegations published."""
        approvals = sorted(
            (row for row in decisions if row.values["action"] == Decision.Action.APPROVED),
            key=lambda row: (row.values["decided_at"], row.pk),
        )
        batches = {}
        for row in approvals:
            batches.setdefault(row.values["batch"], []).append(row)
        published = []
        for batch in batches.values():
            parts = []
            for row in batch:
                model = ContentType.objects.get_for_id(row.links["content_type_id"]).model_class()
                version = self.versions[(model, row.values["history_id"])]
                parts.append(Part(row, model, row.values["object_id"], version))
            self.refuse_uncleared(parts, decided_at=batch[0].values["decided_at"])
            before = {(part.model, part.pk): self.approved_version(part.model, part.pk) for part in parts}
            self.approved.update(((part.model, part.pk), part.row) for part in parts)
            self.refuse_unfounded_claims(parts, before)
            published += self.allegations_published(parts)
        return published

    def refuse_uncleared(self, parts, decided_at):
        """As `legal.refuse_uncleared`: a flagged change is approved only as a lawyer cleared it."""
        families = defaultdict(list)
        for part in parts:
            families[legal.owner_of(part.model, part.version)].append(part)
        for owner, family in families.items():
            if all(part.version.history_type == "-" for part in family):
                # An editor's deletion: it publishes nothing for a lawyer to clear.
                continue
            own = next((part for part in family if (part.model, part.pk) == owner), None)
            saved = [
                version for version in self.records[owner]
                if (version.history_id <= own.version.history_id if own else version.history_date <= decided_at)
            ]
            approved = self.approved.get(owner)
            if not legal.flagged_in(saved, approved.values["history_id"] if approved else None):
                continue
            shown = fingerprint((key_for(part.model, part.pk), part.version.history_id) for part in family)
            reviews = [review for review in self.reviews[key_for(*owner)] if review.reviewed_at <= decided_at]
            state = legal.LegalState.of(reviews[-1] if reviews else None, shown)
            if not state.is_cleared:
                label = own.label if own else self.label(*owner)
                raise ImportRefused(
                    f"{family[0].row.where}: approves a change of {owner[0]._meta.verbose_name} “{label}” "
                    f"flagged for legal review, which a lawyer had not cleared in these versions "
                    f"({state.label.lower()}); a flagged change is approved once cleared."
                )

    def refuse_unfounded_claims(self, parts, before):
        """As `rules.refuse_unfounded_claims`: a claim readers see agrees with the citations they see with it."""
        affected = {}
        for part in parts:
            if part.model in rules.CLAIMS:
                affected.setdefault((part.model, part.pk), part)
            elif part.model is Citation:
                for version in (part.version, before[(part.model, part.pk)]):
                    for claim_model, name in rules.CITING_FIELD.items():
                        if version is not None and getattr(version, f"{name}_id", None):
                            affected.setdefault((claim_model, getattr(version, f"{name}_id")), part)
        for (model, pk), part in affected.items():
            claim = self.public(model, pk)
            if claim is None:
                continue
            name = rules.CITING_FIELD[model]
            citations = [self.public(Citation, child) for kind, child in self.children[(model, pk)] if kind is Citation]
            stances = [c.stance for c in citations if c is not None and getattr(c, f"{name}_id") == pk]
            problem = claim_status_problem(claim.status, stances, model._meta.verbose_name)
            if problem:
                raise ImportRefused(
                    f"{part.row.where}: {model._meta.verbose_name.capitalize()} “{self.label(model, pk)}”: {problem}"
                )

    def allegations_published(self, parts):
        """[(row, allegation)] of the allegations readers see after these approvals, as `replies.allegations_in`
        finds them: the alleging links approved now, and those of the facts and events approved now."""
        links = {(part.model, part.pk): part.row for part in parts if part.model in ALLEGING_LINKS}
        for part in parts:
            if part.model in replies.LINKS:
                link_model = replies.LINKS[part.model][0]
                for kind, pk in sorted(self.children[(part.model, part.pk)], key=lambda child: child[1]):
                    if kind is link_model:
                        links.setdefault((kind, pk), part.row)
        published = []
        for (model, pk), row in links.items():
            link = self.public(model, pk)
            parent_model, name = ALLEGING_LINKS[model]
            if link is None or self.public(parent_model, getattr(link, f"{name}_id")) is None:
                continue
            published += [(row, allegation) for allegation in
                          replies.allegations_in([Change(model=model, pk=pk, latest=link, approved=None)])]
        return published


def refuse_unanswered_allegations(published):
    """As `replies.refuse_unanswered_allegations`, of the allegations the file's approvals publish.

    Run once the file's reply requests and overrides are written, in the
    import's transaction: the rule reads them from the database.
    """
    if not published:
        return
    missing = set(replies.unanswered(list(dict.fromkeys(allegation for _, allegation in published))))
    refused = [(row, allegation) for row, allegation in published if allegation in missing]
    if not refused:
        return
    row, allegation = refused[0]
    [named] = replies.describe([allegation])
    more = len({allegation for _, allegation in refused}) - 1
    raise ImportRefused(
        f"{row.where}: publishes an allegation against {named} that was not put to them: the file holds no "
        "reply request covering it with an answer or a passed deadline, and no editor's override"
        + (f" (nor for {more} more allegation{'s' if more > 1 else ''})" if more else "") + "."
    )

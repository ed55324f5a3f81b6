"""What an import writes: the whole file checked, then summed up for the person about to run it."""

from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from casefile.workflow import TRACKED

from .editorial import check_decisions_made_by_the_rules
from .integrity import (
    FileIds,
    check_constraints,
    check_comments,
    check_decisions,
    check_links,
    check_many_links,
    check_within_file_uniqueness,
    declared_case,
    refuse_repeated_ids,
    refuse_taken_ids,
    refuse_unlisted_people,
)
from .rows import OPTIONAL_SECTIONS, SECTIONS, check_outline, parse_people, parse_row


@dataclass
class ImportPlan:
    slug: str
    title: str
    rows: dict
    new_people: list
    known_people: list
    unnamed_people: list
    ignored_user_keys: list
    keep_emails: bool = False
    # [(decision row, allegation)] the file's approvals publish, checked once written.
    allegations: list = field(default_factory=list)

    def count(self, section):
        return len(self.rows[section])

    def lines(self):
        """What the import writes, for the person about to run it."""
        by_kind = {section: Counter(row.record_model for row in self.rows[section]) for section in SECTIONS}
        actions = Counter(row.values["action"] for row in self.rows["decisions"])

        def kinds(counts):
            return ", ".join(f"{model._meta.verbose_name} {counts[model]}" for model in TRACKED if counts[model])

        def listed(names):
            return ", ".join(names) or "none"

        lines = [
            f"Case {self.slug!r} ({self.title}):",
            f"  records by kind: {kinds(by_kind['records'])}",
            f"  versions by kind of record: {kinds(by_kind['history']) or 'none'}",
            "  decisions: " + listed(f"{count} {action}" for action, count in sorted(actions.items())),
            "  people to create, inactive, with no password and no groups, "
            + ("with the file's email addresses: " if self.keep_emails else "with no email address: ")
            + listed(person["username"] for person in self.new_people),
            "  people already here, matched by username and left unchanged: " + listed(self.known_people),
        ]
        if by_kind["right_of_reply"]:
            lines.insert(4, "  right of reply and legal review: " + ", ".join(
                f"{model._meta.verbose_name} {count}" for model, count in by_kind["right_of_reply"].items()))
        if by_kind["review_comments"]:
            lines.insert(5 if by_kind["right_of_reply"] else 4, "  review conversations: " + ", ".join(
                f"{model._meta.verbose_name} {count}" for model, count in by_kind["review_comments"].items()))
        if self.unnamed_people:
            lines.append("  listed but named by no version or decision, not created: " + listed(self.unnamed_people))
        if self.ignored_user_keys:
            lines.append("  not applied from the file's people: " + listed(self.ignored_user_keys))
        return lines


def plan_import(data, name, keep_emails=False):
    """Check the whole export `data` (read from `name`) and say what importing it writes.

    People created are given the file's email addresses only with `keep_emails`:
    an address is personal data the newsroom may not mean to carry over.
    Writes nothing. Raises ImportRefused at the first thing wrong, including
    a decision the approval workflow would have refused (`editorial`).
    """
    if isinstance(data, dict):
        data = {**{section: [] for section in OPTIONAL_SECTIONS}, **data}
    slug = check_outline(data, name)
    # Section by section, so that what is refused first is what comes first as
    # the case is built: a record before its versions, a version before a decision.
    rows, ids = {}, FileIds()
    for section in SECTIONS:
        rows[section] = [parse_row(section, index, item) for index, item in enumerate(data[section])]
        refuse_repeated_ids(rows[section])
        if section == "records":
            case = declared_case(rows[section], slug, name)
        ids.add(section, rows[section])
        check_links(section, rows[section], case.pk, ids)
    check_decisions(rows["decisions"], ids)
    check_many_links(rows["right_of_reply"], ids)
    check_comments(rows["review_comments"], ids)
    check_within_file_uniqueness(rows["records"])
    check_constraints(rows)
    people, roles, ignored_keys = parse_people(data["users"])
    named = refuse_unlisted_people(rows, people)
    allegations = check_decisions_made_by_the_rules(rows, roles)
    refuse_taken_ids(rows, slug, ids)
    existing_people = set(get_user_model().objects.filter(username__in=named).values_list("username", flat=True))
    return ImportPlan(
        slug=slug,
        title=case.values["title"],
        rows=rows,
        new_people=[
            {**people[username], **({} if keep_emails else {"email": ""})}
            for username in sorted(named - existing_people)
        ],
        known_people=sorted(named & existing_people),
        unnamed_people=sorted(set(people) - named),
        ignored_user_keys=ignored_keys,
        keep_emails=keep_emails,
        allegations=allegations,
    )

"""The public read layer: the only way public pages read the case file.

A record is public now when it has a `Publication` row, which approvals write
(`workflow.publish()`) and which holds the approved version's fields; at an
earlier moment (`as_of`), when its latest approval before then names a
historical version that is neither a removal nor a deletion. Everything here
is read from those rows and versions, never from the working records
reporters edit, so nothing unapproved can leak.

`published_case()` loads a whole case in a fixed number of queries, however
many records it holds, and links the approved records to each other in memory.
A link to a record that is not public is dropped. `published_page()` links the
same way only the records one actor, event, fact or source page shows, read
with narrow queries; `case_overview()` reads what the case page shows (the
first part of each section, its counts and the key actors) and `public_list()`
one page of a list; `fact_versions()` and `corrections()` read the log.

- `fields`: which fields of each model readers may ever see;
- `versions`: which version of each record readers see, now and as of a day;
- `pages`: the whole case, and the page of one record with what it links to;
- `lists`: the case page and the paged lists;
- `history`: a record's approved versions and the corrections log;
- `changes`: what changed in a case between two days, as `as_of` shows them;
- `support`: what rests on each source, and the claims left on discredited sources;
- `replies`: the right-of-reply line of each published allegation, and the updates they make;
- `copies`: what readers are told of the newsroom's copies of the sources, and the copies they may download.
"""

from . import history, replies
from .changes import CaseChanges, case_changes
from .copies import CitationCopy, CopyLine, attach_copies, shared_copy
from .history import ApprovedVersion, Correction, approved_versions, fact_versions, record_versions
from .support import RestingClaim, claims_citing, claims_on_discredited_sources, claims_resting_alone
from .lists import (
    CASE_PAGE_DISPUTES,
    CASE_PAGE_ITEMS,
    CASE_PAGE_QUESTIONS,
    KEY_ACTORS,
    LIST_KINDS,
    LIST_PAGE_SIZE,
    CaseOverview,
    PublicList,
    case_overview,
    public_list,
)
from .pages import (
    PublishedCase,
    is_public,
    link_records,
    published_case,
    published_page,
    relay_chain,
    relayed_through,
)
from .replies import ReplyLine, attach_reply_lines, reply_corrections
from .sitemap import SitemapPage, sitemap_pages
from .translations import older_than_other_language, translation_note
from .versions import (
    public_versions,
    first_publication,
    moment,
    public_case_id,
    public_cases,
    public_rows,
    publications,
    renamed,
)

__all__ = [
    "CASE_PAGE_DISPUTES", "CASE_PAGE_ITEMS", "CASE_PAGE_QUESTIONS", "KEY_ACTORS", "LIST_KINDS", "LIST_PAGE_SIZE",
    "CaseChanges", "CaseOverview", "Correction", "case_changes", "PublicList", "PublishedCase", "RestingClaim",
    "claims_citing", "claims_on_discredited_sources", "claims_resting_alone",
    "public_versions", "case_overview", "corrections", "fact_versions", "ApprovedVersion", "approved_versions", "record_versions", "first_publication", "is_public", "moment",
    "public_case_id", "public_cases", "public_list", "public_rows", "publications", "published_case",
    "link_records", "published_page", "relay_chain", "relayed_through", "renamed",
    "ReplyLine", "attach_reply_lines", "reply_corrections",
    "SitemapPage", "sitemap_pages", "older_than_other_language", "translation_note",
    "CitationCopy", "CopyLine", "attach_copies", "shared_copy",
]


def corrections(snapshot):
    """The corrections log: every approval after the case's first publication, and every answer to
    an allegation recorded after it was published, one entry each, newest first."""
    return sorted(
        history.corrections(snapshot) + reply_corrections(snapshot),
        key=lambda entry: entry.decided_at, reverse=True,
    )

"""Atom feeds of the corrections and updates of one case, and of every case, read from `published`."""

import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext

from . import published
from .text import without_control_characters

# The newest entries a feed carries; a reader's feed reader keeps the older ones.
FEED_ENTRIES = 50


class AtomFeed(Atom1Feed):
    """An Atom feed that holds any text stored, even text saved before control characters were refused.

    XML cannot hold most control characters (a line break pasted from a word
    processor is one): a feed that met one could not be written at all, for as
    long as the entry stayed among its newest. Readers lose nothing visible.
    """

    def write(self, outfile, encoding):
        self.feed = _writable(self.feed)
        self.items = [_writable(item) for item in self.items]
        super().write(outfile, encoding)


def _writable(fields):
    return {
        name: without_control_characters(value) if isinstance(value, str) else value
        for name, value in fields.items()
    }


class FeedEntry:
    """One entry of a feed: an approval after publication, or the first publication."""

    def __init__(self, case, when, title, link, entry_id, correction=None):
        self.case, self.when, self.title, self.link = case, when, title, link
        self.entry_id, self.correction = entry_id, correction


def case_entries(snapshot):
    """The corrections log of a case as feed entries, with its first publication, newest first."""
    case = snapshot.case
    corrections_url = reverse("casefile:corrections", args=[case.slug])
    entries = [
        FeedEntry(case, correction.decided_at, correction.title, f"{corrections_url}#{correction.anchor}",
                  f"urn:uuid:{correction.batch}", correction)
        for correction in published.corrections(snapshot)
    ]
    if snapshot.first_published is not None:
        entries.append(FeedEntry(
            case, snapshot.first_published, gettext("The case “%(title)s” was published.") % {"title": case.title},
            case.get_absolute_url(), f"{case.get_absolute_url()}#first-published",
        ))
    return entries


class CaseFeed(Feed):
    """Corrections and updates of one published case."""

    feed_type = AtomFeed
    description_template = "casefile/feed_entry.html"

    def author_name(self):
        return settings.NEWSROOM_NAME

    def author_link(self):
        return settings.NEWSROOM_URL

    def get_object(self, request, case):
        snapshot = published.published_case(case)
        if snapshot is None:
            raise Http404("No such case has been published.")
        return snapshot

    def title(self, snapshot):
        return gettext("%(title)s: corrections and updates") % {"title": snapshot.case.title}

    def link(self, snapshot):
        return snapshot.case.get_absolute_url()

    def subtitle(self, snapshot):
        return gettext("Every change approved to the case file “%(title)s” since its publication.") % {
            "title": snapshot.case.title
        }

    def feed_url(self, snapshot):
        return reverse("casefile:case_feed", args=[snapshot.case.slug])

    def items(self, snapshot):
        return case_entries(snapshot)[:FEED_ENTRIES]

    def item_title(self, entry):
        return entry.title

    def item_link(self, entry):
        return entry.link

    def item_guid(self, entry):
        return entry.entry_id

    def item_pubdate(self, entry):
        return entry.when

    def item_updateddate(self, entry):
        return entry.when

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Links in an entry are read outside the site: they carry its address.
        context["site_root"] = kwargs["request"].build_absolute_uri("/").rstrip("/")
        context["entry"] = context["obj"]
        return context


class AllCasesFeed(CaseFeed):
    """Corrections and updates of every published case, newest first."""

    def get_object(self, request):
        return None

    def title(self):
        return gettext("Case files: corrections and updates")

    def link(self):
        return reverse("casefile:case_list")

    def subtitle(self):
        return gettext("Every published case file, and every change approved to one after its publication.")

    def feed_url(self):
        return reverse("casefile:feed")

    def items(self):
        entries = []
        for case in published.public_cases():
            snapshot = published.published_case(case.slug)
            if snapshot is not None:
                entries.extend(case_entries(snapshot))
        entries.sort(key=lambda entry: entry.when or datetime.datetime.min, reverse=True)
        return entries[:FEED_ENTRIES]

    def item_title(self, entry):
        if entry.correction is None:
            return entry.title
        return gettext("%(case)s: %(title)s") % {"case": entry.case.title, "title": entry.title}

"""The pages readers can reach today, for the sitemap, with when each last changed."""

import datetime
from typing import NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.urls import reverse
from django.utils import translation

from ..models import Actor, Case, Event, Fact, Publication, Source

RECORD_PAGES = {Actor: "actor_detail", Event: "event_detail", Fact: "fact_detail", Source: "source_detail"}


class SitemapPage(NamedTuple):
    address: str
    last_modified: datetime.datetime
    # The same page in each language of LANGUAGES, as (code, address), the newsroom's own first.
    in_languages: tuple = ()


def sitemap_pages():
    """Each public case's page and each of its public actors', events', facts' and sources' pages, with
    its address in each language.

    Read from the Publication rows alone, in two queries however many
    records there are. A record's page changed when its version was
    published; a case's page shows the whole case, so it changed when the
    latest of the case's rows was. A record is listed under the slug its
    case is public under, and only while that case is public.
    """
    content_types = ContentType.objects.get_for_models(Case, *RECORD_PAGES)
    views = {content_types[model].pk: view for model, view in RECORD_PAGES.items()}
    case_type = content_types[Case].pk
    latest_in_case = dict(
        Publication.objects.order_by().values("case_id").annotate(latest=Max("published_at"))
        .values_list("case_id", "latest")
    )
    rows = list(
        Publication.objects.filter(content_type__in=content_types.values())
        .values_list("content_type_id", "object_id", "case_id", "slug", "published_at")
    )
    case_slugs = {object_id: slug for type_id, object_id, _, slug, _ in rows if type_id == case_type}
    found = []
    for type_id, object_id, case_id, slug, published_at in rows:
        if type_id == case_type:
            last_modified = max(published_at, latest_in_case.get(object_id, published_at))
            found.append(("casefile:case_detail", [slug], last_modified))
        elif case_id in case_slugs and slug:
            found.append((f"casefile:{views[type_id]}", [case_slugs[case_id], slug], published_at))
    languages = [code for code, _ in settings.LANGUAGES]
    addresses = {}
    for language in languages:
        with translation.override(language):
            addresses[language] = [reverse(view, args=args) for view, args, _ in found]
    pages = [
        SitemapPage(
            addresses[languages[0]][index], last_modified,
            tuple((language, addresses[language][index]) for language in languages),
        )
        for index, (_, _, last_modified) in enumerate(found)
    ]
    # Each case's pages together, the case's own first: the sitemap reads as the site does.
    return sorted(pages, key=lambda page: page.address)

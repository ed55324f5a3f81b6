"""The review's links, and its preview: the public page as readers will see it after approval.

The preview approves the review's versions inside a transaction, renders the
public page from what is then approved, and rolls everything back: it shows
exactly what the approval would publish, by the same code, and changes
nothing. The page is rendered by calling its view, never through the public
page cache.
"""

from django.db import transaction
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse

from .. import published, views, workflow
from ..history import history_model
from ..models import Actor, Case, Event, Fact, OpenQuestion, Relationship, ReplyRequest, Source
from ..workflow.changes import top_level_of

RECORD_PAGES = {Actor: views.actor_detail, Event: views.event_detail, Fact: views.fact_detail,
                Source: views.source_detail}


def links(model, pk, record, key):
    """The review page's links: the record's form, history and public page, and the preview."""
    info = model._meta.app_label, model._meta.model_name
    public_url = None
    if record is not None and hasattr(record, "get_absolute_url") and published.is_public(record):
        public_url = record.get_absolute_url()
    return {
        "edit_url": reverse("admin:%s_%s_change" % info, args=[pk]) if record is not None else None,
        "history_url": reverse("admin:%s_%s_history" % info, args=[pk]),
        "public_url": public_url,
        "preview_url": reverse("admin:casefile_review_preview", args=[key]),
    }


class _NothingToShow(Exception):
    pass


def _public_page(request, model, pk):
    """The public page showing the record, rendered from what is approved at this moment."""
    row = workflow.latest_version(model, pk)
    if row is None or row.history_type == "-" or row.removal_proposed:
        raise _NothingToShow("After approval, readers no longer see this record.")
    if model is Case:
        return views.case_detail(request, case=row.slug)
    case_slug = (published.public_rows(Case).filter(id=row.case_id).values_list("slug", flat=True).first())
    if case_slug is None:
        raise _NothingToShow("Readers will not see this record: its case is not public.")
    if model is OpenQuestion:
        return views.case_detail(request, case=case_slug)
    if model is ReplyRequest:
        # The actor's page shows what they said on each allegation against them.
        actor = published.public_rows(Actor).filter(id=row.actor_id).first()
        if actor is None:
            raise _NothingToShow("Readers will not see this answer: the actor it is of is not public.")
        return views.actor_detail(request, case=case_slug, slug=actor.slug)
    if model is Relationship:
        subject = history_model(Actor).objects.filter(
            history_id__in=published.public_rows(Actor).filter(id=row.subject_id).values("history_id")
        ).first()
        if subject is None:
            raise _NothingToShow("Readers will not see this relationship: its actors are not public.")
        return views.actor_detail(request, case=case_slug, slug=subject.slug)
    return RECORD_PAGES[model](request, case=case_slug, slug=row.slug)


def render(model_admin, request, model, pk):
    owner_model, owner_pk = top_level_of(model, pk)
    bundle = workflow.review_bundle(model, pk)
    versions = {(change.model, change.pk): change.latest.history_id for change in bundle}
    refusal, page = None, None
    request.casefile_preview = {
        "review_url": reverse("admin:casefile_review", args=[workflow.key_for(model, pk)]),
        "waiting": bool(bundle),
    }
    with transaction.atomic():
        try:
            if versions:
                # Rolled back below: nothing it announces leaves the transaction.
                workflow.approve(request.user, versions)
            page = _public_page(request, owner_model, owner_pk)
        except workflow.WorkflowError as error:
            refusal = error.message
        except _NothingToShow as nothing:
            refusal = str(nothing)
        except (Http404, NoReverseMatch):
            refusal = "Readers will not find a page of this record after approval."
        # Whatever the preview approved goes again: nothing of it is kept, no email is sent.
        transaction.set_rollback(True)
    if page is None:
        context = {
            **model_admin.admin_site.each_context(request),
            "title": "Preview",
            "opts": model_admin.opts,
            "refusal": refusal,
            "review_url": request.casefile_preview["review_url"],
        }
        return TemplateResponse(request, "admin/casefile/review_preview_refused.html", context)
    page["Cache-Control"] = "no-store"
    page["X-Robots-Tag"] = "noindex"
    return page

"""What rests on each source: the published claims it supports, and whether it is their only support.

Read from the published citations in a fixed number of queries, whatever the
size of the case: the count on the case page, what the admin page of a source
shows, and the claims the desk lists for another look once a source is
discredited. The rule of "resting on these sources alone" is
`models.rests_only_on()`, the one the approval checks and the pages follow.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse

from ..models import Citation, Event, Fact, Publication, Relationship, Source, rests_only_on
from .versions import publications

# The field of a citation that names each kind of claim it may be cited for.
CLAIM_FIELDS = {"fact_id": Fact, "event_id": Event, "relationship_id": Relationship}
CITATION_COLUMNS = ("object_id", "content__source_id", "content__stance", *(f"content__{name}" for name in CLAIM_FIELDS))


@dataclass(frozen=True)
class CitedFor:
    """A published citation, reduced to what the weight of its source needs."""

    pk: int
    source_id: int
    stance: str
    claim: tuple  # (model, pk) of the claim it is cited for

    @property
    def supports(self):
        return self.stance == Citation.Stance.SUPPORTS


def _cited_for(rows):
    found = []
    for pk, source_id, stance, *claim_ids in rows:
        claim = next(((model, claim_id) for model, claim_id in zip(CLAIM_FIELDS.values(), claim_ids) if claim_id),
                     None)
        if claim is not None and source_id is not None:
            found.append(CitedFor(pk, source_id, stance, claim))
    return found


class Support:
    """Which sources support each claim, from a set of published citations."""

    def __init__(self, citations):
        self.citations = citations
        self.supporting = defaultdict(set)
        for citation in citations:
            if citation.supports:
                self.supporting[citation.claim].add(citation.source_id)

    def rests_alone_on(self, claim, source_id):
        """Whether `source_id` is the only source supporting `claim`, (model, pk)."""
        return rests_only_on(self.supporting.get(claim, ()), {source_id})

    def resting_alone(self):
        """{source id: how many claims rest on that source alone}."""
        counts = defaultdict(int)
        for claim, sources in self.supporting.items():
            if len(sources) == 1:
                (source_id,) = sources
                if self.rests_alone_on(claim, source_id):
                    counts[source_id] += 1
        return counts


def records_support(citations):
    """The `Support` of citation records, as a page read them."""
    return Support(_cited_for(
        (citation.pk, citation.source_id, citation.stance, *(getattr(citation, name) for name in CLAIM_FIELDS))
        for citation in citations
    ))


def case_support(case_id):
    """The `Support` of every citation readers see in a case now: one query."""
    return Support(_cited_for(publications(Citation, case=case_id).values_list(*CITATION_COLUMNS)))


def claims_resting_alone(case_id):
    """{source id: how many published claims of the case rest on that source alone}."""
    return case_support(case_id).resting_alone()


@dataclass
class RestingClaim:
    """A published claim and what it rests on, as staff read it beside a source."""

    model: type
    pk: int
    label: str
    public_url: str | None
    admin_url: str
    stances: list = field(default_factory=list)
    only_support: bool = False
    discredited: list = field(default_factory=list)  # [(source title, day)] of its discredited sources
    rests_on_discredited_alone: bool = False

    @property
    def kind(self):
        return self.model._meta.verbose_name


def _claims(keys):
    """{(model, pk): RestingClaim} of the published claims named, in one query."""
    by_model = defaultdict(set)
    for model, pk in keys:
        by_model[model].add(pk)
    if not by_model:
        return {}
    either = Q()
    for model, pks in by_model.items():
        either |= Q(content_type__model=model._meta.model_name, object_id__in=pks)
    models = {model._meta.model_name: model for model in by_model}
    found = {}
    rows = Publication.objects.filter(either, content_type__app_label="casefile").values_list(
        "content_type__model", "object_id", "label", "slug", "case__slug",
    )
    for model_name, pk, label, slug, case_slug in rows:
        model = models[model_name]
        public_url = (reverse(f"casefile:{model._meta.model_name}_detail", args=[case_slug, slug])
                      if model is not Relationship else None)
        admin_url = reverse(f"admin:casefile_{model._meta.model_name}_change", args=[pk])
        found[(model, pk)] = RestingClaim(model, pk, label, public_url, admin_url)
    return found


def claims_citing(source):
    """The published claims that cite `source`, each with its stances and whether `source` is its only
    support, those resting on it alone first: two queries."""
    support = case_support(source.case_id)
    citing = [citation for citation in support.citations if citation.source_id == source.pk]
    claims = _claims({citation.claim for citation in citing})
    for citation in citing:
        claim = claims.get(citation.claim)
        if claim is not None:
            claim.stances.append(Citation.Stance(citation.stance).label.lower())
            claim.only_support = support.rests_alone_on(citation.claim, source.pk)
    return sorted(claims.values(), key=lambda claim: (not claim.only_support, claim.kind, claim.label))


def claims_on_discredited_sources(case_id=None):
    """The published claims supported by a source readers see as discredited, for an editor to look at again:
    those resting on discredited sources alone first. Four queries, whatever the number of claims."""
    sources = publications(Source) if case_id is None else publications(Source, case=case_id)
    discredited = {
        pk: (label, datetime.date.fromisoformat(day) if isinstance(day, str) else day)
        for pk, label, day in sources.filter(content__discredited_on__isnull=False)
        .exclude(content__discredited_on=None).values_list("object_id", "label", "content__discredited_on")
    }
    if not discredited:
        return []
    keys = {citation.claim for citation in _cited_for(
        publications(Citation).filter(content__source_id__in=list(discredited), content__stance=Citation.Stance.SUPPORTS)
        .values_list(*CITATION_COLUMNS)
    )}
    either = Q()
    for name, model in CLAIM_FIELDS.items():
        pks = [pk for claim_model, pk in keys if claim_model is model]
        if pks:
            either |= Q(**{f"content__{name}__in": pks})
    support = Support(_cited_for(publications(Citation).filter(either).values_list(*CITATION_COLUMNS)))
    claims = _claims(keys)
    for key, claim in claims.items():
        supporting = support.supporting.get(key, set())
        claim.discredited = sorted(discredited[pk] for pk in supporting if pk in discredited)
        claim.rests_on_discredited_alone = rests_only_on(supporting, discredited)
    return sorted(claims.values(), key=lambda claim: (not claim.rests_on_discredited_alone, claim.kind, claim.label))

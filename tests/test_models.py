import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from casefile import dates
from casefile.models import Actor, Case, Citation, Event, Fact, Relationship, Source


@pytest.fixture
def case(db):
    return Case.objects.create(title="Test case", slug="test-case")


def test_two_actors_of_one_case_cannot_share_a_slug(case):
    Actor.objects.create(case=case, kind="person", name="A", slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        Actor.objects.create(case=case, kind="person", name="B", slug="same")


def test_the_same_actor_slug_is_allowed_in_another_case(case):
    other = Case.objects.create(title="Other", slug="other")
    Actor.objects.create(case=case, kind="person", name="A", slug="same")
    Actor.objects.create(case=other, kind="person", name="A", slug="same")
    assert Actor.objects.filter(slug="same").count() == 2


def test_duplicate_slug_gets_a_readable_message_from_validation(case):
    Actor.objects.create(case=case, kind="person", name="A", slug="same")
    with pytest.raises(ValidationError) as error:
        Actor(case=case, kind="person", name="B", slug="same").full_clean()
    assert "already exists" in str(error.value)


def test_an_actor_is_known_by_its_aliases(case):
    genesis = Actor(case=case, kind="company", name="Fuzhou Genesis",
                    aliases="Chuangshiji Technology\n  \nGenesis Company")
    assert genesis.alias_list == ["Chuangshiji Technology", "Genesis Company"]
    assert genesis.is_known_as("chuangshiji technology")
    assert genesis.is_known_as("Fuzhou Genesis")
    assert not genesis.is_known_as("Genesis Mining")


def test_a_relationship_cannot_tie_an_actor_to_itself(case):
    actor = Actor.objects.create(case=case, kind="person", name="A", slug="a")
    relationship = Relationship(case=case, subject=actor, object=actor, kind="controls")
    with pytest.raises(ValidationError) as error:
        relationship.full_clean()
    assert "two different actors" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        relationship.save()


def test_a_relationship_of_another_kind_reads_as_a_sentence(case):
    xiao = Actor(case=case, kind="person", name="Xiao Yi", slug="xiao-yi")
    lin = Actor(case=case, kind="person", name="Lin Qingxing", slug="lin-qingxing")
    assert str(Relationship(case=case, subject=xiao, object=lin, kind=Relationship.Kind.OTHER)) == (
        "Xiao Yi tied to Lin Qingxing"
    )


def test_a_long_fact_is_named_by_its_first_words_never_a_cut_word(case):
    fact = Fact(case=case, slug="f", statement="The district's mining contracts were awarded without "
                "any public tender, according to the audit office's report of the following spring.")
    assert str(fact) == "The district's mining contracts were awarded without any public tender, according to…"
    assert str(Fact(case=case, slug="g", statement="Short and whole.")) == "Short and whole."


def test_an_event_cannot_end_before_it_starts(case):
    event = Event(case=case, slug="e", title="E", starts_on=datetime.date(2021, 5, 1),
                  ends_on=datetime.date(2021, 4, 1))
    with pytest.raises(ValidationError) as error:
        event.full_clean()
    assert "cannot end before it starts" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        event.save()


def test_a_source_cannot_be_relayed_via_itself(case):
    source = Source.objects.create(case=case, slug="s", kind="news report", title="S")
    source.relayed_via = source
    with pytest.raises(ValidationError):
        source.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        source.save()


def test_sources_cannot_relay_each_other_in_a_loop(case):
    first = Source.objects.create(case=case, slug="a", kind="news report", title="A")
    second = Source.objects.create(case=case, slug="b", kind="news report", title="B", relayed_via=first)
    first.relayed_via = second
    with pytest.raises(ValidationError) as error:
        first.full_clean()
    assert "loop" in str(error.value)


def test_a_citation_supports_exactly_one_record(case):
    source = Source.objects.create(case=case, slug="s", kind="news report", title="S")
    with pytest.raises(ValidationError) as error:
        Citation(source=source, locator="¶1").full_clean()
    assert "exactly one" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        Citation.objects.create(source=source, locator="¶1")


def test_a_citation_of_two_records_is_refused_even_while_one_of_them_is_not_saved_yet(case):
    source = Source.objects.create(case=case, slug="s", kind="news report", title="S")
    event = Event.objects.create(case=case, slug="e", title="E", starts_on=datetime.date(2021, 1, 1))
    citation = Citation(fact=Fact(case=case, slug="f", statement="F"), event=event, source=source, locator="¶1")
    with pytest.raises(ValidationError) as error:
        # As the admin's inline form validates it: without the field it fills in itself.
        citation.full_clean(exclude=["fact"])
    assert "exactly one" in str(error.value)


def test_a_record_not_saved_yet_cannot_cite_a_source_of_another_case(case):
    other = Case.objects.create(title="Other", slug="other")
    elsewhere = Source.objects.create(case=other, slug="s", kind="news report", title="Elsewhere")
    citation = Citation(fact=Fact(case=case, slug="f", statement="F"), source=elsewhere, locator="¶1")
    with pytest.raises(ValidationError) as error:
        citation.full_clean(exclude=["fact"])
    assert error.value.message_dict == {"source": ["This source belongs to another case."]}


@pytest.mark.parametrize("locator", ["p. 12", "¶0", "¶", "¶1a", "twelve"])
def test_a_locator_must_name_a_paragraph(case, locator):
    source = Source.objects.create(case=case, slug="s", kind="news report", title="S")
    event = Event.objects.create(case=case, slug="e", title="E", starts_on=datetime.date(2021, 1, 1))
    with pytest.raises(ValidationError) as error:
        Citation(event=event, source=source, locator=locator).full_clean()
    assert "¶" in str(error.value)


def test_a_locator_beyond_the_last_paragraph_is_refused(case):
    source = Source.objects.create(case=case, slug="s", kind="news report", title="S", paragraph_count=9)
    event = Event.objects.create(case=case, slug="e", title="E", starts_on=datetime.date(2021, 1, 1))
    Citation(event=event, source=source, locator="¶9").full_clean()
    with pytest.raises(ValidationError) as error:
        Citation(event=event, source=source, locator="¶10").full_clean()
    assert "has 9 paragraphs" in str(error.value)


def test_a_quote_of_more_than_25_words_is_refused(case):
    source = Source.objects.create(case=case, slug="s", kind="news report", title="S")
    event = Event.objects.create(case=case, slug="e", title="E", starts_on=datetime.date(2021, 1, 1))
    Citation(event=event, source=source, locator="¶1", quote=" ".join(["word"] * 25)).full_clean()
    with pytest.raises(ValidationError) as error:
        Citation(event=event, source=source, locator="¶1", quote=" ".join(["word"] * 26)).full_clean()
    assert "at most 25 words" in str(error.value)


@pytest.mark.parametrize("quote, words", [
    ("习近平说 hello world", 6),
    ("“我们不会退让。”他说。", 8),
    ("東京の会社です", 7),
    ("서울에서 만났다", 7),
    ("The board said “合同无效” twice.", 8),
])
def test_a_quote_counts_each_chinese_japanese_or_korean_character_as_a_word(case, quote, words):
    source = Source.objects.create(case=case, slug="s", kind="news report", title="S")
    event = Event.objects.create(case=case, slug="e", title="E", starts_on=datetime.date(2021, 1, 1))
    Citation(event=event, source=source, locator="¶1", quote=quote + " more" * (25 - words)).full_clean()
    with pytest.raises(ValidationError) as error:
        Citation(event=event, source=source, locator="¶1", quote=quote + " more" * (26 - words)).full_clean()
    assert "this one has 26." in str(error.value)


def test_a_chinese_quote_of_more_than_25_characters_is_refused_saying_how_many_it_counted(case):
    source = Source.objects.create(case=case, slug="s", kind="news report", title="S")
    event = Event.objects.create(case=case, slug="e", title="E", starts_on=datetime.date(2021, 1, 1))
    sentence = "福州创世纪公司与港口管理局签订了价值五百万元的合同"
    assert len(sentence) == 25
    Citation(event=event, source=source, locator="¶1", quote=sentence + "。").full_clean()
    for quote, counted in ((sentence + "书。", 26), ("，".join([sentence] * 9)[:222], 214)):
        with pytest.raises(ValidationError) as error:
            Citation(event=event, source=source, locator="¶1", quote=quote).full_clean()
        assert f"at most 25 words; this one has {counted}" in str(error.value)


@pytest.mark.parametrize(
    "value, precision, shown",
    [
        (datetime.date(2021, 11, 13), "day", "13 November 2021"),
        (datetime.date(2021, 5, 1), "month", "May 2021"),
        (datetime.date(2015, 1, 1), "year", "2015"),
    ],
)
def test_partial_dates_display_as_precise_as_they_are_known(value, precision, shown):
    assert dates.display(value, precision) == shown


def test_a_month_only_date_never_shows_a_day(case):
    event = Event(case=case, slug="e", title="E", starts_on=datetime.date(2021, 5, 17),
                  starts_precision="month")
    event.full_clean()
    assert event.starts_on == datetime.date(2021, 5, 1)
    assert event.date_display == "May 2021"


def test_timeline_orders_partial_dates_coarsest_first_within_their_period(case):
    events = [
        Event(case=case, slug="d", title="Day", starts_on=datetime.date(2021, 5, 13), starts_precision="day"),
        Event(case=case, slug="y", title="Year", starts_on=datetime.date(2021, 1, 1), starts_precision="year"),
        Event(case=case, slug="m", title="Month", starts_on=datetime.date(2021, 5, 1), starts_precision="month"),
        Event(case=case, slug="early", title="Earlier year", starts_on=datetime.date(2015, 1, 1),
              starts_precision="year"),
        Event(case=case, slug="first", title="First of May", starts_on=datetime.date(2021, 5, 1),
              starts_precision="day"),
    ]
    ordered = sorted(events, key=lambda event: event.timeline_key)
    assert [event.slug for event in ordered] == ["early", "y", "m", "first", "d"]


def test_an_event_the_sources_do_not_date_reads_date_unknown_and_comes_last_on_the_timeline(case):
    undated = Event(case=case, slug="sentence", title="Sentenced")
    undated.full_clean()
    dated = Event(case=case, slug="late", title="Zzz, the latest dated", starts_on=datetime.date(2024, 1, 1),
                  starts_precision="year")
    assert undated.date_display == "date unknown"
    assert sorted([undated, dated], key=lambda event: event.timeline_key) == [dated, undated]
    Event.objects.bulk_create([undated, dated])
    assert list(Event.objects.filter(case=case)) == [dated, undated]


@pytest.mark.parametrize("dating", [
    {"ends_on": datetime.date(2021, 1, 1)},
    {"date_inferred": True},
])
def test_an_undated_event_can_have_neither_an_end_nor_an_inferred_date(case, dating):
    event = Event(case=case, slug="e", title="E", **dating)
    with pytest.raises(ValidationError) as error:
        event.full_clean()
    assert "An event without a start date has no end date and no inferred date either" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        event.save()


def test_an_unknown_publication_date_is_shown_as_unknown(case):
    source = Source(case=case, slug="s", kind="commentary", title="S")
    assert source.published_display == "unknown"


def test_a_source_cannot_be_relayed_via_a_source_of_another_case(case):
    other = Case.objects.create(title="Other", slug="other")
    elsewhere = Source.objects.create(case=other, slug="a", kind="news report", title="Elsewhere")
    source = Source(case=case, slug="b", kind="news report", title="Here", relayed_via=elsewhere)
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    assert "another case" in str(error.value)


def test_a_record_is_published_once_at_most(case_file):
    from casefile.models import Publication

    publication = Publication.objects.first()
    second = Publication(
        case=publication.case, content_type=publication.content_type, object_id=publication.object_id,
        history_id=publication.history_id, approval=publication.approval,
        published_at=publication.published_at, first_published_at=publication.first_published_at,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
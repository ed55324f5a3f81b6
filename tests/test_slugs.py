"""A record's address made from its statement, name or title: its first words, cut between two words."""

import pytest

from casefile.models import Event, Fact
from tests.desk.pages import add_url, open_form, post_form, saved


def add_fact(client, case, statement):
    data = open_form(client, add_url(Fact) + f"?case={case.pk}", "fact_form")
    saved(post_form(client, add_url(Fact), data, "From the commentary", statement=statement))
    return Fact.objects.get(case=case, statement=statement)


@pytest.mark.parametrize("statement, slug", [
    # Eight words would end on "for", mid-phrase.
    ("The German party's claim against the Fuzhou company was for unpaid equipment payments.",
     "the-german-partys-claim-against-the-fuzhou-company"),
    ("Xiao Yi and Lin Qingxing agreed with the German 'GM Foundation' to share the profits.",
     "xiao-yi-and-lin-qingxing-agreed"),
    # Sixty characters would cut "municipal" short.
    ("Fuzhou Genesis consumed approximately one-tenth of all municipal electricity.",
     "fuzhou-genesis-consumed-approximately-one-tenth-of-all"),
])
def test_a_slug_made_from_a_statement_ends_on_a_whole_word_that_closes_a_phrase(
    case_file, reporter_client, statement, slug
):
    assert add_fact(reporter_client, case_file, statement).slug == slug


def test_a_title_of_one_long_word_is_cut_to_the_length_of_a_slug(case_file, reporter_client):
    data = open_form(reporter_client, add_url(Event) + f"?case={case_file.pk}", "event_form")
    saved(post_form(reporter_client, add_url(Event), data, "From the minutes",
                    title="Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherungsanstalt",
                    starts_on="2019"))
    assert Event.objects.get(case=case_file, starts_on__year=2019, title__startswith="Donau").slug == (
        "donaudampfschifffahrtsgesellschaftskapitanswitwenrentenversi"
    )

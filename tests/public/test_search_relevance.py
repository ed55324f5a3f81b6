"""Search puts the records that answer the query best first, and marks the words it found."""

import re

from django.template.loader import render_to_string

from casefile import search
from tests.public.pages import page


def results(client, query):
    """(label, address, excerpt) of each result of `query`, in the order shown; marks kept, other tags dropped."""
    html = page(client, "/search/?q=" + query.replace(" ", "+"))
    found = re.findall(
        r'<a href="([^"]+)"><bdi>(.*?)</bdi></a>\s*(?:<p class="excerpt"><bdi>(.*?)</bdi></p>)?</li>', html, re.S
    )
    return [(label, url, excerpt) for url, label, excerpt in found]


def unmarked(html):
    return re.sub(r"</?mark>", "", html)


def test_the_record_the_query_names_comes_first_then_those_whose_title_holds_it(client, seeded_case):
    shown = results(client, "Genesis Mining")

    assert shown[0][1] == "/cases/fuzhou-genesis/actors/genesis-mining/"
    holds_it = ["genesis mining" in unmarked(label).lower() for label, _, _ in shown]
    assert holds_it == sorted(holds_it, reverse=True)
    assert True in holds_it and False in holds_it


def test_records_whose_title_holds_the_word_come_before_those_found_by_their_other_text(client, seeded_case):
    shown = results(client, "electricity")

    in_title = ["electricity" in unmarked(label).lower() for label, _, _ in shown]
    assert in_title == sorted(in_title, reverse=True)
    assert in_title[0] and not in_title[-1]


def test_the_words_found_are_marked_in_the_title_and_in_the_passage_that_holds_them(client, seeded_case):
    shown = {url: (label, excerpt) for label, url, excerpt in results(client, "putian")}

    fact, none = shown["/cases/fuzhou-genesis/facts/lin-qingxing-owned-fuzhou-genesis/"]
    assert "a young businessman from <mark>Putian</mark> long active" in fact
    assert none == ""
    actor, passage = shown["/cases/fuzhou-genesis/actors/lin-qingxing/"]
    assert actor == "Lin Qingxing"
    assert passage.startswith("Businessman from <mark>Putian</mark> whom the commentary")


def test_a_whole_word_holding_the_query_is_marked(client, seeded_case):
    shown = {url: excerpt for _, url, excerpt in results(client, "german")}
    assert "crypto-mining company in <mark>Germany</mark>" in shown["/cases/fuzhou-genesis/actors/genesis-mining/"]


def test_marked_text_is_escaped_like_any_other():
    html = render_to_string("casefile/marked.html", {
        "parts": search.marked("Ana <b>Mayor</b> & Co", search.marked_words("mayor")),
    })
    assert html.endswith("Ana &lt;b&gt;<mark>Mayor</mark>&lt;/b&gt; &amp; Co")

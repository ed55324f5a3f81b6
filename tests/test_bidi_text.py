"""Text-direction characters in typed text cannot turn the words that pages print around it."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from casefile import workflow
from casefile.models import Actor, Case, Event, Fact, Source
from tests.admin.pages import edit, error_text, form_data, review_url
from tests.factories import approve_all

RIGHT_TO_LEFT_OVERRIDE = "\u202e"
# Characters that open a run of text in another direction, and those that close one.
OPENERS = set("\u202a\u202b\u202d\u202e\u2066\u2067\u2068")
CLOSERS = set("\u202c\u2069")
# Isolates: what they open, a closer ends along with any direction opened inside them.
ISOLATE_OPENERS = set("\u2066\u2067\u2068")
ISOLATE_CLOSER = "\u2069"
# Elements that flow within a line: the rest start a paragraph of their own, which
# ends any direction left open before them.
INLINE = {"a", "abbr", "b", "bdi", "bdo", "br", "button", "cite", "code", "del", "em", "i", "img", "input",
          "ins", "kbd", "label", "mark", "q", "s", "samp", "select", "small", "span", "strong", "sub",
          "sup", "time", "u", "var", "wbr"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class TurnedWords(HTMLParser):
    """Finds the text a browser shows in the direction a name left open.

    A direction opened and not closed inside a text runs on to the end of its
    paragraph, unless the text sits in an isolating element (<bdi>, or any
    element with a dir attribute), which confines it.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        # One frame per paragraph or isolating element: how many directions are
        # open in it, and where its text is kept if it isolates.
        self.frames = [{"open": 0, "isolated": None}]
        self.elements = []
        self.turned = []
        self.isolated_texts = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title"):
            self.skipping += 1
        if tag in VOID:
            return
        isolating = tag == "bdi" or "dir" in dict(attrs)
        starts_frame = isolating or tag not in INLINE
        self.elements.append((tag, starts_frame))
        if starts_frame:
            self.frames.append({"open": 0, "isolated": len(self.isolated_texts) if isolating else None})
            if isolating:
                self.isolated_texts.append("")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self.skipping -= 1
        while self.elements:
            open_tag, started_frame = self.elements.pop()
            if started_frame:
                self.frames.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self.skipping:
            return
        frame, turned = self.frames[-1], ""
        for char in data:
            if char in OPENERS:
                frame["open"] += 1
            elif char in CLOSERS:
                frame["open"] = max(frame["open"] - 1, 0)
            elif frame["open"]:
                turned += char
        if turned.strip():
            self.turned.append(turned.strip())
        isolating = [f["isolated"] for f in self.frames if f["isolated"] is not None]
        if isolating:
            self.isolated_texts[isolating[-1]] += data


def read(response):
    assert response.status_code == 200
    reader = TurnedWords()
    reader.feed(response.content.decode())
    return reader


def store_name(actor, name, user):
    """A name as older data may hold it: written straight to the database, never checked."""
    actor.name = name
    workflow.save_record(actor, user, "written before names were checked")


def test_a_name_holding_a_direction_override_turns_no_words_of_the_review_page(
    case_file, reporter, editor_client
):
    mayor = Actor.objects.get(slug="ana-mayor")
    store_name(mayor, f"Ana Mayor{RIGHT_TO_LEFT_OVERRIDE}", reporter)

    page = read(editor_client.get(review_url(mayor)))

    assert page.turned == []
    assert f"Ana Mayor{RIGHT_TO_LEFT_OVERRIDE}" in page.isolated_texts


def test_an_old_name_holding_a_direction_override_turns_no_words_of_the_history_page(
    case_file, reporter, reporter_client
):
    mayor = Actor.objects.get(slug="ana-mayor")
    store_name(mayor, f"Ana Mayor{RIGHT_TO_LEFT_OVERRIDE}", reporter)
    store_name(mayor, "Ana Mayor", reporter)

    page = read(reporter_client.get(reverse("admin:casefile_actor_history", args=[mayor.pk])))

    assert page.turned == []
    assert f"Ana Mayor{RIGHT_TO_LEFT_OVERRIDE}" in page.isolated_texts


@pytest.mark.parametrize("page_name", ["case_detail", "event_detail"])
def test_a_published_name_holding_a_direction_override_turns_no_words_of_the_public_pages(
    client, disputed_case, reporter, editor, page_name
):
    mayor = Actor.objects.get(slug="ana-mayor")
    store_name(mayor, f"Ana Mayor{RIGHT_TO_LEFT_OVERRIDE}", reporter)
    approve_all(editor, disputed_case)
    args = [disputed_case.slug] + (["tender-opened"] if page_name == "event_detail" else [])

    page = read(client.get(reverse(f"casefile:{page_name}", args=args)))

    assert page.turned == []
    assert f"Ana Mayor{RIGHT_TO_LEFT_OVERRIDE}" in page.isolated_texts


class BareDirections(HTMLParser):
    """Where a page holds a direction character that nothing isolates from the words around it.

    Isolated are the characters in an isolating element (<bdi>, or any element
    with a dir attribute), and, where markup cannot go (in a page's <title> or
    an attribute), those between an isolate and its closer.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.bare = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if self._bare_in(value or ""):
                self.bare.append(f"{tag}[{name}]")
        if tag not in VOID:
            self.elements.append((tag, tag == "bdi" or "dir" in dict(attrs)))

    def handle_endtag(self, tag):
        while self.elements:
            if self.elements.pop()[0] == tag:
                break

    def handle_data(self, data):
        if any(isolating for _, isolating in self.elements):
            return
        if self._bare_in(data):
            self.bare.append(self.elements[-1][0] if self.elements else "")

    @staticmethod
    def _bare_in(text):
        depth = 0
        for char in text:
            if char in ISOLATE_OPENERS:
                depth += 1
            elif char == ISOLATE_CLOSER:
                depth = max(depth - 1, 0)
            elif char in OPENERS | CLOSERS | {"\u200e", "\u200f", "\u061c"} and not depth:
                return True
        return False


def bare_directions(response):
    assert response.status_code == 200
    reader = BareDirections()
    reader.feed(response.content.decode())
    return reader.bare


def store_statement(fact, statement, user):
    """A statement as older data may hold it: written straight to the database, never checked."""
    fact.statement = statement
    workflow.save_record(fact, user, "written before statements were checked")


@pytest.mark.parametrize(
    "model, slug, field, value",
    [(Fact, "contract-value", "statement", "The contract was worth 5 million.\u202e"),
     (Fact, "contract-value", "assessment", "Per the \u2067audit file."),
     (Actor, "quay-builders", "description", "Builds quays\u200f."),
     (Case, "harbour", "summary", "Who won the \u202bharbour contracts."),
     (Actor, "ana-mayor", "name", "Ana Mayor\u202e"), (Actor, "ana-mayor", "aliases", "A. Mayor\n\u2067Mayor Ana"),
     (Source, "daily", "title", "Daily\u200f report"), (Event, "contract-signed", "title", "\u202aContract signed")],
    ids=["fact statement", "fact assessment", "actor description", "case summary",
         "actor name", "actor alias", "source title", "event title"],
)
def test_text_direction_characters_in_any_text_are_refused_with_a_message_and_the_text_kept(
    case_file, reporter_client, model, slug, field, value
):
    record = model.objects.get(slug=slug)
    before = getattr(record, field)

    response = edit(reporter_client, record, **{field: value})

    assert response.status_code == 200
    assert "Remove the invisible text-direction characters" in error_text(response)
    assert form_data(response, f"{model._meta.model_name}_form")[field] == [value]
    record.refresh_from_db()
    assert getattr(record, field) == before


def test_a_statement_holding_a_direction_override_is_isolated_everywhere_on_its_review_page(
    fact, reporter, editor_client
):
    store_statement(fact, f"The contract was worth 5 million.{RIGHT_TO_LEFT_OVERRIDE}", reporter)

    response = editor_client.get(review_url(fact))

    assert bare_directions(response) == []
    page = response.content.decode()
    assert "<title>Review: \u2068The contract was worth 5 million.\u202e\u2069 |" in page
    assert '<ins><span class="invisible-character" title="An invisible character">U+202E</span></ins>' in page


def test_a_statement_holding_a_direction_override_is_isolated_in_the_review_queue(fact, reporter, editor_client):
    store_statement(fact, f"The contract was worth 5 million.{RIGHT_TO_LEFT_OVERRIDE}", reporter)

    response = editor_client.get(reverse("admin:casefile_review_queue"))

    assert bare_directions(response) == []
    assert 'aria-label="Select \u2068The contract was worth 5 million.\u202e\u2069"' in response.content.decode()

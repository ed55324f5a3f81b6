"""Rules for text people type: one-line names, invisible characters, words of a quote, slugs made of them."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.text import slugify

# Chinese and Japanese leave no space between words, and a Korean space-separated
# word can hold a whole phrase, so each of their letters counts as a word: in a
# quote's length and in the word diff of the review page. Hangul Jamo, Hiragana
# and Katakana, CJK ideographs (with extension A, the compatibility block and the
# rarer ideographs beyond the first 65,536 characters, which some names are written
# with), Hangul syllables, halfwidth Katakana and Hangul.
CJK_LETTERS = (
    "\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uffdc"
    "\U00020000-\U0003134f"
)
CJK_LETTER = re.compile(f"[{CJK_LETTERS}]")


# Control characters other than the tab and the line breaks. Nobody types them,
# but pasted text brings them along (a word processor's line break is U+000B);
# no page shows them, an XML document such as an Atom feed cannot hold them, and
# PostgreSQL refuses NUL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Characters that set the direction of the text after them. Left open at the end of
# a name, one turns the words a page prints after the name backwards: "(new)" reads
# "(wen)".
DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
DIRECTION_CONTROL = re.compile(f"[{''.join(sorted(DIRECTION_CONTROLS))}]")

# Every character refused in what people type: control and text-direction characters.
INVISIBLE_CHARACTERS = re.compile(f"{CONTROL_CHARACTERS.pattern}|{DIRECTION_CONTROL.pattern}")

# Where a refusal says an invisible character is: after the last few characters before it.
SHOWN_BEFORE = 20

# First strong isolate and pop directional isolate: what <bdi> does, where no markup can
# go (a page's <title>, an attribute).
ISOLATE, END_ISOLATE = "\u2068", "\u2069"


def without_control_characters(text, replacement=""):
    """`text` with each control character (tab and line breaks aside) replaced, by default dropped."""
    return CONTROL_CHARACTERS.sub(replacement, text)


def isolated(text):
    """`text` set apart, so that no direction it sets reaches the words around it."""
    return f"{ISOLATE}{text}{END_ISOLATE}"


def code_point(char):
    return f"U+{ord(char):04X}"


def _found(value, refused):
    """Each character of `value` the pattern refuses, once, with where it first stands: "U+000B after “the”"."""
    found = {}
    for match in refused.finditer(value):
        char = match.group()
        if char not in found:
            before = _shown_before(value[:match.start()])
            found[char] = f"{code_point(char)} after “{before}”" if before else f"{code_point(char)} at the start"
    return ", ".join(found[char] for char in sorted(found))


def _shown_before(text):
    """The last few visible characters of `text`, from the start of a word where words are spaced."""
    text = " ".join(INVISIBLE_CHARACTERS.sub("", text).split())
    if len(text) <= SHOWN_BEFORE:
        return text
    shown = text[-SHOWN_BEFORE:]
    if " " in shown and text[-SHOWN_BEFORE - 1] != " ":
        shown = shown.split(" ", 1)[1]
    return "…" + shown.lstrip()


def refuse_control_characters(value):
    found = _found(value, CONTROL_CHARACTERS)
    if found:
        raise ValidationError(
            "Remove the invisible control characters (%(found)s): text pasted from a word processor "
            "brings them along, and pages and feeds cannot show them.",
            code="control_character",
            params={"found": found},
        )


def refuse_direction_controls(value):
    found = _found(value, DIRECTION_CONTROL)
    if found:
        raise ValidationError(
            "Remove the invisible text-direction characters (%(found)s): they can turn the words "
            "shown around this text backwards.",
            code="direction_control",
            params={"found": found},
        )


def _invisible_character_errors(value):
    errors = []
    for refuse in (refuse_control_characters, refuse_direction_controls):
        try:
            refuse(value)
        except ValidationError as error:
            errors.append(error)
    return errors


def validate_text(value):
    """Any text people type: tabs and line breaks are fine, invisible control and direction characters not."""
    errors = _invisible_character_errors(value)
    if errors:
        raise ValidationError(errors)


def validate_single_line(value):
    """Names, titles, places and the like: one line, as headings, lists and email subjects show them."""
    errors = []
    # splitlines() knows every line break: \n, \r, \u2028, \x85 and the rest.
    if "".join(value.splitlines()) != value:
        errors.append(ValidationError("Write this on one line: it may not hold a line break.", code="line_break"))
    errors += _invisible_character_errors(value)
    if errors:
        raise ValidationError(errors)


def is_cjk_letter(char):
    return bool(CJK_LETTER.fullmatch(char)) and unicodedata.category(char).startswith("L")


def quote_word_count(text):
    """Words of a quote: each Chinese, Japanese or Korean character, and each other run between spaces.

    Punctuation alone (“, 。, —) is no word.
    """
    letters = sum(1 for char in text if is_cjk_letter(char))
    rest = "".join(" " if is_cjk_letter(char) else char for char in text)
    return letters + sum(1 for run in rest.split() if any(char.isalnum() for char in run))


# A slug made from a name, statement or title holds its first words, at most this many and this long.
SLUG_WORDS = 8
SLUG_LENGTH = 60
# Words a phrase does not end on: a slug cut after one reads as stopped mid-phrase ("...-company-for").
OPEN_ENDED_WORDS = frozenset("""
    a an the and or but nor of for to in on at by with from into onto over under about against between
    as than that which who whom whose its his her their our your was were is are be been has had have
""".split())


def slug_from(text):
    """A slug of the first words of `text`, cut between two words and not after one that leaves a
    phrase open; "" if `text` has no letter or digit a slug can hold."""
    words = [word for word in map(slugify, text.split()) if word]
    if not words:
        return ""
    kept = []
    for word in words[:SLUG_WORDS]:
        if len("-".join([*kept, word])) > SLUG_LENGTH:
            break
        kept.append(word)
    while len(kept) > 1 and kept[-1] in OPEN_ENDED_WORDS:
        kept.pop()
    # A first word longer than a slug may be is the one word cut.
    return "-".join(kept) or words[0][:SLUG_LENGTH].strip("-")



def joined(names):
    """“a”, “a and b”, “a, b and c”: names in a sentence."""
    names = [str(name) for name in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

"""Rules for text people type: one-line names, text-direction controls, words of a quote."""

import re
import unicodedata

from django.core.exceptions import ValidationError

# Chinese and Japanese leave no space between words, and a Korean space-separated
# word can hold a whole phrase, so each of their letters counts as a word: in a
# quote's length and in the word diff of the review page. Hangul Jamo, Hiragana
# and Katakana, CJK ideographs (with extension A and the compatibility block),
# Hangul syllables, halfwidth Katakana and Hangul.
CJK_LETTERS = "\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uffdc"
CJK_LETTER = re.compile(f"[{CJK_LETTERS}]")


# Characters that set the direction of the text after them. Left open at the end of
# a name, one turns the words a page prints after the name backwards: "(new)" reads
# "(wen)".
DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def refuse_direction_controls(value):
    found = sorted({f"U+{ord(char):04X}" for char in value if char in DIRECTION_CONTROLS})
    if found:
        raise ValidationError(
            "Remove the invisible text-direction characters (%(found)s): they can turn the words "
            "shown around this text backwards.",
            code="direction_control",
            params={"found": ", ".join(found)},
        )


def validate_single_line(value):
    """Names, titles, places and the like: one line, as headings, lists and email subjects show them."""
    errors = []
    # splitlines() knows every line break: \n, \r, \u2028, \x85 and the rest.
    if "".join(value.splitlines()) != value:
        errors.append(ValidationError("Write this on one line: it may not hold a line break.", code="line_break"))
    try:
        refuse_direction_controls(value)
    except ValidationError as error:
        errors.append(error)
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

"""Which words of a text changed between two versions, marked up for the review page.

An editor approves the words, not the field: a changed "and" to "NOT" inside a
long paragraph must stand out on its own, or the change of meaning is lost in
a paragraph struck through as a whole.
"""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe

from .text import CJK_LETTERS, INVISIBLE_CHARACTERS, code_point

# Each Chinese, Japanese or Korean letter is a word of its own (casefile.text);
# otherwise one changed character would mark a whole sentence.
CJK = CJK_LETTERS
# Words, runs of whitespace and single punctuation marks: joined again they
# give back the text exactly as written, and a changed comma is marked
# without the word before it.
TOKEN = re.compile(rf"[{CJK}]|(?:(?![{CJK}])\w)+|\s+|[^\w\s]")

WORD_CHARACTER = re.compile(r"\w")

# When fewer than half of the words survive, the text was rewritten: the few
# words left in common ("the", "million.") would only break the old and the
# new text into fragments, so both are marked whole.
REWRITE_BELOW = 0.5


@dataclass(frozen=True)
class Segment:
    before: str
    after: str

    @property
    def changed(self):
        return self.before != self.after


@dataclass(frozen=True)
class MarkedTexts:
    before: str
    after: str


def tokens(text):
    return TOKEN.findall(text)


def word_count(text):
    return sum(1 for token in tokens(text) if not token.isspace())


def segments(before, after):
    """The two texts as alternating runs of unchanged and changed text."""
    old, new = tokens(before), tokens(after)
    # Most edits touch one place: leaving the common start and end out of the
    # matching keeps a long text with one changed word fast.
    start = _common_start(old, new)
    end = _common_start(old[start:][::-1], new[start:][::-1])
    old_middle, new_middle = old[start:len(old) - end], new[start:len(new) - end]
    # Without autojunk=False difflib would ignore the words frequent in a long
    # text ("the") and mark whole passages around a changed word.
    matcher = difflib.SequenceMatcher(a=old_middle, b=new_middle, autojunk=False)
    runs = [Segment("".join(old[:start]), "".join(new[:start]))]
    runs += [
        Segment("".join(old_middle[i1:i2]), "".join(new_middle[j1:j2]))
        for _, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    runs.append(Segment("".join(old[len(old) - end:]), "".join(new[len(new) - end:])))
    return _merged(_phrases(runs))


def _common_start(old, new):
    length = 0
    for old_token, new_token in zip(old, new):
        if old_token != new_token:
            break
        length += 1
    return length


def _phrases(runs):
    """Joins changes separated only by unchanged spaces and punctuation into one change.

    "a b c d" to "a x y d" then reads as "b c" replaced by "x y", not as two
    replacements with a plain space between them; a lone unchanged comma or
    bracket amid changed words is noise, not information.
    """
    joined = []
    for index, run in enumerate(runs):
        between_changes = 0 < index < len(runs) - 1 and runs[index - 1].changed and runs[index + 1].changed
        if not run.changed and not WORD_CHARACTER.search(run.before) and between_changes:
            joined.append(Segment(run.before, ""))
            joined.append(Segment("", run.after))
        else:
            joined.append(run)
    return joined


def _merged(runs):
    merged = []
    for run in runs:
        if not (run.before or run.after):
            continue
        if merged and merged[-1].changed == run.changed:
            merged[-1] = Segment(merged[-1].before + run.before, merged[-1].after + run.after)
        else:
            merged.append(run)
    return merged


def similarity(runs):
    kept = sum(word_count(run.before) for run in runs if not run.changed)
    total = sum(word_count(run.before) + word_count(run.after) for run in runs)
    return 2 * kept / total if total else 1.0


def word_diff(before, after):
    """The before and the after text as HTML, with only the changed words marked.

    Removed words are in <del> in the before text, added words in <ins> in the
    after text; line breaks are <br>. Every character of either text is escaped;
    an invisible control or text-direction character, which text saved before
    they were refused may hold, is shown by its code point instead.
    """
    before, after = _normalized_newlines(before or ""), _normalized_newlines(after or "")
    # A text added or removed whole is one change: nothing to match (a case's changes list every field of
    # every record added).
    runs = segments(before, after) if before and after else [Segment(before, after)]
    if similarity(runs) < REWRITE_BELOW:
        runs = [Segment(before, after)]
    return MarkedTexts(
        before=_marked(runs, "before", "del"),
        after=_marked(runs, "after", "ins"),
    )


def _normalized_newlines(text):
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _marked(runs, side, tag):
    parts = []
    for run in runs:
        text = getattr(run, side)
        if not text:
            continue
        html = "<br>".join(_shown(line) for line in text.split("\n"))
        parts.append(f"<{tag}>{html}</{tag}>" if run.changed else html)
    # Safe because every piece of the texts went through escape() above; the
    # only unescaped characters are the tags and code points written here.
    return mark_safe("".join(parts))


def _shown(line):
    """One line of a text, escaped, with each invisible character named where it stands."""
    parts, shown_up_to = [], 0
    for invisible in INVISIBLE_CHARACTERS.finditer(line):
        parts.append(escape(line[shown_up_to:invisible.start()]))
        parts.append(f'<span class="invisible-character" title="An invisible character">'
                     f'{code_point(invisible.group())}</span>')
        shown_up_to = invisible.end()
    parts.append(escape(line[shown_up_to:]))
    return "".join(parts)

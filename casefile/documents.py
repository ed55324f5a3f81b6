"""Reading a captured document: its type, its paragraphs, and where a quote stands in them.

The type is read from the content, never from a file's name or a server's
word: a PDF by its signature, HTML by the patterns of the WHATWG MIME
Sniffing standard, plain text as UTF-8 with no binary bytes. Paragraphs are
numbered as citations count them: ¶N is the Nth non-empty block, a line of
plain text, a block element of HTML, a text box of a PDF's layout.

A document is read in a process of its own, forked for it from a server
process that has the parsers imported (`paragraphs_of()`), and held to the
limits of CAPTURE_READ_* in the settings:
the time and the memory the reading may take, how much a PDF's compressed
streams may unpack to, its pages and its text operations, and how deep HTML
may nest. Past any of them the document is refused with a message saying
which, and the process that read it is gone, its memory with it: a small
hostile file cannot hold a web worker or its memory for long.
"""

import io
import json
import logging
import math
import multiprocessing
import os
import re
import resource
import shutil
import signal
import struct
import sys
import tempfile
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

from .text import without_control_characters

PDF = "application/pdf"
HTML = "text/html"
TEXT = "text/plain"
READABLE = {PDF: "PDF", HTML: "HTML", TEXT: "plain text"}

# How much of the start of a document the type is read from.
SNIFF_BYTES = 1445
# WHATWG MIME Sniffing, "identifying a resource with an unknown MIME type":
# one of these tags after optional whitespace, then a space or ">".
HTML_OPENINGS = re.compile(
    rb"^[\t\n\x0c\r ]*(?:<!DOCTYPE HTML|<HTML|<HEAD|<SCRIPT|<IFRAME|<H1|<DIV|<FONT|<TABLE|<A|<STYLE"
    rb"|<TITLE|<B|<BODY|<BR|<P|<!--)[ >]",
    re.IGNORECASE,
)
# Bytes that never occur in text (WHATWG's "binary data bytes").
BINARY_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
UTF8_BOM = b"\xef\xbb\xbf"


class UnreadableDocument(Exception):
    """A document Casefile does not take in, with a message for the person who offered it."""


def sniff(head):
    """The type of a document from its first bytes: PDF, HTML or plain text; None for anything else."""
    if head.startswith(b"%PDF-"):
        return PDF
    body = head[len(UTF8_BOM):] if head.startswith(UTF8_BOM) else head
    if HTML_OPENINGS.match(body):
        return HTML
    if BINARY_BYTES.search(body):
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        # The head may end inside a character.
        if error.start < len(body) - 3:
            return None
    return TEXT


def normalise(text):
    """Text as paragraphs and quotes are compared: NFC, runs of whitespace as one space, no controls."""
    # PostgreSQL refuses NUL in the JSON that keeps a copy's paragraphs.
    return " ".join(unicodedata.normalize("NFC", without_control_characters(text)).split())


@dataclass(frozen=True)
class Limits:
    """What reading one document may take; past any of these it is refused."""

    seconds: float
    memory_bytes: int
    unpacked_bytes: int
    pages: int
    text_operations: int
    html_depth: int

    @classmethod
    def from_settings(cls):
        from django.conf import settings

        return cls(
            seconds=settings.CAPTURE_READ_SECONDS,
            memory_bytes=settings.CAPTURE_READ_MAX_MEMORY_BYTES,
            unpacked_bytes=settings.CAPTURE_READ_MAX_UNPACKED_BYTES,
            pages=settings.CAPTURE_READ_MAX_PAGES,
            text_operations=settings.CAPTURE_READ_MAX_TEXT_OPERATIONS,
            html_depth=settings.CAPTURE_READ_MAX_HTML_DEPTH,
        )


# How the reading process says it ran out of memory: no message can be built then.
OUT_OF_MEMORY = 3
logger = logging.getLogger(__name__)

# Each document is read in a process forked for it from a server process
# started once, which has imported this module and its parsers (and the
# program's main module, which each reading process would otherwise import
# again): a reading starts in milliseconds, not in the tenths of a second a
# new Python takes to import them.
READERS = multiprocessing.get_context("forkserver")
READERS.set_forkserver_preload([
    "__main__", "casefile.documents", "lxml.html", "pdfminer.converter", "pdfminer.layout",
    "pdfminer.pdfinterp", "pdfminer.pdfpage",
])


def paragraphs_of(content_type, stream):
    """The non-empty blocks of the document in `stream`, in reading order, each normalised.

    The document is read in a process of its own, held to the limits of the
    settings; UnreadableDocument when it cannot be read or goes past a limit.
    """
    if content_type not in READABLE:
        raise UnreadableDocument(f"Casefile cannot read text from {content_type}.")
    limits = Limits.from_settings()
    # The reading process reads the document from a file of its own, writes
    # what it found to another, and what went wrong to a third, which a
    # flood of warnings cannot make a burden.
    with tempfile.TemporaryDirectory(prefix="casefile-reading-") as folder:
        folder = Path(folder)
        with open(folder / "document", "wb") as document:
            shutil.copyfileobj(stream, document)
        status = _read_elsewhere(content_type, limits, folder)
        if status is None:
            raise UnreadableDocument(_took_too_long(content_type, limits))
        if status == 0:
            outcome = json.loads((folder / "outcome").read_bytes())
            if "refused" in outcome:
                raise UnreadableDocument(outcome["refused"])
            return outcome["paragraphs"]
        if status == OUT_OF_MEMORY:
            raise UnreadableDocument(
                f"Reading the text of this {READABLE[content_type]} needed more than "
                f"{limits.memory_bytes / 2**20:,.0f} MB of memory, the most Casefile gives it: it was stopped."
            )
        if status == -signal.SIGXCPU:
            raise UnreadableDocument(_took_too_long(content_type, limits))
        logger.error(
            "Reading a %s ended with status %s: %s", content_type, status, _last_words(folder / "errors")
        )
        raise UnreadableDocument(f"This {READABLE[content_type]} cannot be read: its reader stopped unexpectedly.")


def _read_elsewhere(content_type, limits, folder):
    """Read the document in `folder` in a reading process; its exit status, or None if it took too long."""
    reader = READERS.Process(target=read_in_this_process, args=(content_type, limits, str(folder)), daemon=True)
    reader.start()
    reader.join(limits.seconds)
    if reader.exitcode is None:
        reader.kill()
        reader.join()
        status = None
    else:
        status = reader.exitcode
    reader.close()
    return status


def _last_words(path):
    """The end of what a reading process wrote on its standard error, if it got as far as writing any."""
    try:
        with open(path, "rb") as errors:
            errors.seek(0, io.SEEK_END)
            errors.seek(max(errors.tell() - 4000, 0))
            return errors.read().decode(errors="replace")
    except FileNotFoundError:
        return ""


def _took_too_long(content_type, limits):
    return (
        f"Reading the text of this {READABLE[content_type]} took over {limits.seconds:g} s, "
        "the longest Casefile gives it: it was stopped."
    )


def read_in_this_process(content_type, limits, folder):
    """Read the document in `folder` and write its paragraphs, or why it is refused, as JSON beside it.

    Run in a reading process of its own (`paragraphs_of()`): it limits this
    process's memory and time, and ends it with OUT_OF_MEMORY if the
    document needs more memory than it may take.
    """
    folder = Path(folder)
    errors = os.open(folder / "errors", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(errors, sys.stderr.fileno())
    _hold_to(limits)
    logging.basicConfig(level=logging.ERROR)
    try:
        try:
            with open(folder / "document", "rb") as document:
                outcome = {"paragraphs": _read(content_type, document, limits)}
        except UnreadableDocument as refusal:
            outcome = {"refused": str(refusal)}
        (folder / "outcome").write_text(json.dumps(outcome))
    except MemoryError:
        os._exit(OUT_OF_MEMORY)


def _hold_to(limits):
    """Limit this process's memory and CPU time: the parent's clock stops it too, this holds if the parent is gone."""
    seconds = math.ceil(limits.seconds) + 1
    for kind, wanted in [(resource.RLIMIT_AS, limits.memory_bytes), (resource.RLIMIT_CPU, seconds),
                         (resource.RLIMIT_CORE, 0)]:
        _, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        resource.setrlimit(kind, (wanted, hard))


def _read(content_type, stream, limits):
    if content_type == TEXT:
        blocks = _text_lines(stream.read())
    elif content_type == HTML:
        blocks = _html_blocks(stream.read(), limits)
    else:
        blocks = _pdf_boxes(stream, limits)
    return [block for block in map(normalise, blocks) if block]


def _text_lines(data):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableDocument("This plain text is not UTF-8: save it as UTF-8 and upload it again.") from None
    return text.splitlines()


# Elements whose content is a block of its own; <br> ends a line, as in plain text.
BLOCK_TAGS = frozenset("""
    address article aside blockquote body caption dd details dialog div dl dt fieldset figcaption figure
    footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main nav ol p pre section summary table tbody
    td tfoot th thead tr ul
""".split())
# Elements readers never see as text.
HIDDEN_TAGS = frozenset("head script style noscript template svg math iframe object".split())


def _html_blocks(data, limits):
    import lxml.html
    from lxml import etree

    # libxml2's own limits would cut a deep or long document short without a
    # word; with them lifted, Casefile's limits apply instead.
    parser = lxml.html.HTMLParser(huge_tree=True)
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except etree.XMLSyntaxError as error:
        if error.code == etree.ErrorTypes.ERR_NO_MEMORY:
            raise MemoryError from None
        raise UnreadableDocument(f"This HTML cannot be read: {error}.") from None
    except (etree.ParserError, ValueError):
        return []
    if any(error.type == etree.ErrorTypes.ERR_NO_MEMORY for error in parser.error_log):
        raise MemoryError
    blocks, current = [], []

    def end_block():
        if current:
            blocks.append("".join(current))
            current.clear()

    # Walked with a list of what is left to do rather than by recursion, so
    # that depth is a limit of Casefile's, not Python's: an element to open
    # comes with its depth, one to close with None.
    waiting = [(root, 1)]
    while waiting:
        element, depth = waiting.pop()
        tag = element.tag.lower() if isinstance(element.tag, str) else None
        if depth is None:
            if tag in BLOCK_TAGS:
                end_block()
            if element is not root and element.tail:
                current.append(element.tail)
            continue
        if depth > limits.html_depth:
            raise UnreadableDocument(
                f"This HTML nests its elements more than {limits.html_depth:,} deep, "
                "deeper than Casefile reads."
            )
        waiting.append((element, None))
        if tag in HIDDEN_TAGS:
            continue
        if tag in BLOCK_TAGS or tag == "br":
            end_block()
        if tag is not None and element.text:
            current.append(element.text)
        waiting.extend((child, depth + 1) for child in reversed(element))
    end_block()
    for error in parser.error_log:
        if error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            raise UnreadableDocument(f"This HTML goes past a limit of its reader: {error.message.split(',')[0]}.")
    return blocks


class BoundedInflation:
    """zlib as pdfminer uses it, inflating no stream past what is left of the document's allowance.

    pdfminer inflates a stream whole, however large it unpacks to; put in
    its place, this stops a small stream that would fill the memory.
    """

    error = zlib.error

    def __init__(self, allowance):
        self.allowance = allowance

    def decompress(self, data):
        inflater = zlib.decompressobj()
        unpacked = self._bounded(inflater, data)
        if not inflater.eof:
            raise zlib.error("incomplete or truncated stream")
        return unpacked

    def decompressobj(self):
        inflater, bounded = zlib.decompressobj(), self._bounded

        class Inflater:
            def decompress(self, data):
                return bounded(inflater, data)

        return Inflater()

    def _bounded(self, inflater, data):
        unpacked = inflater.decompress(data, self.allowance.left + 1)
        if len(unpacked) > self.allowance.left:
            self.allowance.exceeded()
        return unpacked


class Allowance:
    """What a PDF's streams may unpack to in all; each decoded stream takes its size from it."""

    def __init__(self, limit):
        self.limit = self.left = limit

    def take(self, size):
        if size > self.left:
            self.exceeded()
        self.left -= size

    def exceeded(self):
        raise UnreadableDocument(
            f"This PDF's compressed content unpacks to more than {self.limit / 2**20:,.1f} MB, "
            "more than Casefile reads."
        )


def _pdf_boxes(stream, limits):
    from pdfminer import pdftypes
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTTextContainer
    from pdfminer.pdfexceptions import PDFException
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.psexceptions import PSException

    allowance = Allowance(limits.unpacked_bytes)
    # This process reads one document and ends: changing pdfminer here changes it for no one else.
    pdftypes.zlib = BoundedInflation(allowance)
    decode = pdftypes.PDFStream.decode

    def decode_within_allowance(pdf_stream):
        decode(pdf_stream)
        allowance.take(len(pdf_stream.data))

    pdftypes.PDFStream.decode = decode_within_allowance

    class CountingInterpreter(PDFPageInterpreter):
        """pdfminer's interpreter, counting the text operations (Tj, TJ, ' and ") of the whole document."""

        def __init__(self, rsrcmgr, device, counted=None):
            super().__init__(rsrcmgr, device)
            self.counted = counted if counted is not None else [0]

        def dup(self):
            return self.__class__(self.rsrcmgr, self.device, self.counted)

        def do_TJ(self, seq):
            self.counted[0] += 1
            if self.counted[0] > limits.text_operations:
                raise UnreadableDocument(
                    f"This PDF draws its text in more than {limits.text_operations:,} operations, "
                    "more than Casefile reads."
                )
            super().do_TJ(seq)

    resources = PDFResourceManager()
    device = PDFPageAggregator(resources, laparams=LAParams())
    interpreter = CountingInterpreter(resources, device)
    boxes = []
    try:
        for number, page in enumerate(PDFPage.get_pages(stream), start=1):
            if number > limits.pages:
                raise UnreadableDocument(
                    f"This PDF has more than {limits.pages:,} pages, more than Casefile reads in one copy."
                )
            interpreter.process_page(page)
            boxes.extend(
                element.get_text() for element in device.get_result() if isinstance(element, LTTextContainer)
            )
    except (PDFException, PSException, ValueError, KeyError, TypeError, AssertionError, IndexError,
            RecursionError, struct.error) as error:
        raise UnreadableDocument(f"This PDF cannot be read: {error}.") from None
    return boxes


# Characters of context kept on each side of a quote: W3C's advice is enough to tell repeats apart.
CONTEXT = 32


@dataclass(frozen=True)
class Selector:
    """A W3C Web Annotation TextQuoteSelector, with the paragraph and the position in the copy's text."""

    paragraph: int
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int


# Characters a reader takes for one another, as Hypothesis compares a quote with
# a page: a quote typed with straight quotation marks, a hyphen for a dash or
# three full stops for an ellipsis still stands in a copy that prints them the
# typographer's way, and invisible characters (zero-width spaces and joiners,
# the byte order mark, soft hyphens) stand for nothing. Spaces of every width
# are already one space in a normalised text.
LOOK_ALIKE = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035\u2039\u203a\u02bc\u0060\u00b4\uff07", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\u301d\u301e\uff02", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe58\ufe63\uff0d", "-"),
    "\u2026": "...",
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
}


def comparable(text):
    """`text` as a quote and a copy are compared, with where each of its characters comes from in `text`.

    Normalised, look-alike characters made one, letter case folded. The
    second value gives, for each character of the first, the index in `text`
    of the character it was made from, so that a match is read back in the
    copy's own characters.
    """
    folded, origins = [], []
    for index, char in enumerate(text):
        for made in LOOK_ALIKE.get(char, char).casefold():
            if made.isspace():
                # A space left beside another where an invisible character stood between them.
                if not folded or folded[-1] == " ":
                    continue
                made = " "
            folded.append(made)
            origins.append(index)
    if folded and folded[-1] == " ":
        folded.pop()
        origins.pop()
    return "".join(folded), origins


def _place(text, quote):
    """Where the quote stands in `text` as (start, end) in `text`'s own characters, or None.

    A match starts and ends on whole characters of `text`: three full stops
    of a quote never take half an ellipsis of the copy.
    """
    wanted = comparable(normalise(quote))[0]
    if not wanted:
        return None
    folded, origins = comparable(text)
    found = folded.find(wanted)
    while found >= 0:
        last = found + len(wanted) - 1
        whole_start = found == 0 or origins[found - 1] != origins[found]
        whole_end = last + 1 == len(folded) or origins[last + 1] != origins[last]
        if whole_start and whole_end:
            return origins[found], origins[last] + 1
        found = folded.find(wanted, found + 1)
    return None


def find_quote(paragraphs, paragraph, quote):
    """Where `quote` stands in the given paragraph (¶ numbered from 1) of a copy, or None.

    Only that paragraph is searched, for the same words: they may differ from
    the copy's only in typography (`comparable`), and the selector keeps the
    copy's own characters. A quote no longer there is not looked for
    elsewhere. A citation without a quote rests on the whole paragraph, which
    must exist. The position counts characters of the copy's text, paragraphs
    joined by a blank line.
    """
    if not 1 <= paragraph <= len(paragraphs):
        return None
    text = paragraphs[paragraph - 1]
    if comparable(normalise(quote or ""))[0]:
        place = _place(text, quote)
        if place is None:
            return None
    else:
        place = (0, len(text))
    offset = sum(len(before) + 2 for before in paragraphs[:paragraph - 1])
    start, end = offset + place[0], offset + place[1]
    whole = "\n\n".join(paragraphs)
    return Selector(
        paragraph=paragraph, exact=whole[start:end], prefix=whole[max(0, start - CONTEXT):start],
        suffix=whole[end:end + CONTEXT], start=start, end=end,
    )


def paragraphs_holding(paragraphs, quote):
    """The numbers of the paragraphs that hold the quote as `find_quote` finds it: a hint for a person, never a move."""
    if not comparable(normalise(quote or ""))[0]:
        return []
    return [number for number, text in enumerate(paragraphs, start=1) if _place(text, quote) is not None]

"""Reading a captured document: its type, its paragraphs, and where a quote stands in them.

The type is read from the content, never from a file's name or a server's
word: a PDF by its signature, HTML by the patterns of the WHATWG MIME
Sniffing standard, plain text as UTF-8 with no binary bytes. Paragraphs are
numbered as citations count them: ¶N is the Nth non-empty block, a line of
plain text, a block element of HTML, a text box of a PDF's layout.
"""

import io
import re
import shutil
import struct
import tempfile
import unicodedata
from dataclasses import dataclass

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


def paragraphs_of(content_type, stream):
    """The non-empty blocks of the document in `stream`, in reading order, each normalised."""
    if content_type == TEXT:
        blocks = _text_lines(stream.read())
    elif content_type == HTML:
        blocks = _html_blocks(stream.read())
    elif content_type == PDF:
        blocks = _pdf_boxes(stream)
    else:
        raise UnreadableDocument(f"Casefile cannot read text from {content_type}.")
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


def _html_blocks(data):
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.document_fromstring(data)
    except (etree.ParserError, ValueError):
        return []
    blocks, current = [], []

    def end_block():
        if current:
            blocks.append("".join(current))
            current.clear()

    def walk(element):
        tag = element.tag if isinstance(element.tag, str) else None
        if tag is not None and tag.lower() in HIDDEN_TAGS:
            return
        block = tag is not None and tag.lower() in BLOCK_TAGS
        if block or tag == "br":
            end_block()
        if tag is not None and element.text:
            current.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                current.append(child.tail)
        if block:
            end_block()

    walk(root)
    end_block()
    return blocks


def _pdf_boxes(stream):
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer
    from pdfminer.pdfexceptions import PDFException
    from pdfminer.psexceptions import PSException

    if not isinstance(stream, io.IOBase):
        # pdfminer reads files of the io module only; Django's wrap one.
        copy = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        shutil.copyfileobj(stream, copy)
        copy.seek(0)
        stream = copy
    try:
        return [
            element.get_text()
            for page in extract_pages(stream)
            for element in page
            if isinstance(element, LTTextContainer)
        ]
    except (PDFException, PSException, ValueError, KeyError, TypeError, AssertionError, IndexError,
            struct.error) as error:
        raise UnreadableDocument(f"This PDF cannot be read: {error}.") from None


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


def find_quote(paragraphs, paragraph, quote):
    """Where `quote` stands in the given paragraph (¶ numbered from 1) of a copy, or None.

    Only that paragraph is searched, for the very words: a quote no longer
    there is not looked for elsewhere. A citation without a quote rests on
    the whole paragraph, which must exist. The position counts characters of
    the copy's text, paragraphs joined by a blank line.
    """
    if not 1 <= paragraph <= len(paragraphs):
        return None
    text = paragraphs[paragraph - 1]
    wanted = normalise(quote or "") or text
    found = text.find(wanted)
    if found < 0:
        return None
    offset = sum(len(before) + 2 for before in paragraphs[:paragraph - 1])
    start, end = offset + found, offset + found + len(wanted)
    whole = "\n\n".join(paragraphs)
    return Selector(
        paragraph=paragraph, exact=wanted, prefix=whole[max(0, start - CONTEXT):start],
        suffix=whole[end:end + CONTEXT], start=start, end=end,
    )


def paragraphs_holding(paragraphs, quote):
    """The numbers of the paragraphs that hold the quote word for word: a hint for a person, never a move."""
    wanted = normalise(quote or "")
    if not wanted:
        return []
    return [number for number, text in enumerate(paragraphs, start=1) if wanted in text]

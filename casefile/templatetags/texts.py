"""How a record's text is written into a page: escaped, with the language it is in where that is not
the page's (an English text on a Chinese page, a name in characters in an English sentence)."""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from ..translations import CHINESE_RUN

register = template.Library()

# The language a run of Chinese characters is marked with on a page in a language written otherwise.
CHINESE = "zh"


@register.filter(name="lang")
def in_its_language(value):
    """`value` escaped, inside `<span lang="...">` where it is in another language than the page."""
    if value is None:
        return ""
    text = str(value)
    page = get_language() or ""
    own = getattr(value, "lang", None)
    if own and own != page:
        return format_html('<span lang="{}">{}</span>', own, text)
    if page.startswith(CHINESE):
        return escape(text)
    return mark_safe("".join(
        format_html('<span lang="{}">{}</span>', CHINESE, part) if CHINESE_RUN.fullmatch(part) else escape(part)
        for part in re.split(f"({CHINESE_RUN.pattern})", text) if part
    ))

"""Template tags and filters of the review page and the review queue."""

from django import template

from .. import text, textdiff

register = template.Library()


@register.simple_tag
def word_diff(before, after):
    """{% word_diff before after as diff %}, then {{ diff.before }} and {{ diff.after }}."""
    # Choice labels reach the template as lazy translations, not strings.
    return textdiff.word_diff(str(before), str(after))


@register.filter
def isolated(value):
    """{{ record|isolated }} where no <bdi> can go: in an attribute, or a page's <title>."""
    return text.isolated(value)

"""Template tags of the review page."""

from django import template

from .. import textdiff

register = template.Library()


@register.simple_tag
def word_diff(before, after):
    """{% word_diff before after as diff %}, then {{ diff.before }} and {{ diff.after }}."""
    # Choice labels reach the template as lazy translations, not strings.
    return textdiff.word_diff(str(before), str(after))

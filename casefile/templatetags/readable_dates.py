"""Dates in the pages as `casefile.dates` writes them, in the language of the page."""

import datetime

from django import template

from casefile import dates

register = template.Library()


@register.filter(expects_localtime=True)
def day(value, with_time=False):
    """{{ when|day }}: '5 March 2021', '2021年3月5日'; {{ when|day:True }} as |moment.
    Nothing for what is not a date, as Django's |date."""
    if not isinstance(value, datetime.date):
        return ""
    return dates.moment(value) if with_time else dates.day(value)


@register.filter(expects_localtime=True)
def moment(value):
    """{{ when|moment }}: '5 March 2021, 14:03 UTC', '2021年3月5日 14:03 UTC'."""
    return dates.moment(value) if isinstance(value, datetime.date) else ""

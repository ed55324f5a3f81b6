"""Dates known to a day, a month or only a year."""

import datetime

from django.db import models
from django.utils import dateformat
from django.utils.translation import get_language, gettext


class Precision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


# Timeline order: a year-only date sorts before the months of that year, a
# month-only date before the days of that month.
PRECISION_RANK = {Precision.YEAR: 0, Precision.MONTH: 1, Precision.DAY: 2}


def normalise(value, precision):
    """The first day of the period a partial date stands for."""
    if value is None:
        return None
    if precision == Precision.YEAR:
        return value.replace(month=1, day=1)
    if precision == Precision.MONTH:
        return value.replace(day=1)
    return value


# How each language writes a date, in Django's date format letters: English "5 March 2021", Chinese
# "2021年3月5日". A language not listed writes dates as English does.
FORMATS = {
    "en-gb": {"day": "j F Y", "month": "F Y", "year": "Y", "moment": "j F Y, H:i e"},
    "zh-hans": {"day": "Y年n月j日", "month": "Y年n月", "year": "Y年", "moment": "Y年n月j日 H:i e"},
}


def _format(value, form):
    return dateformat.format(value, FORMATS.get(get_language(), FORMATS["en-gb"])[form])


def display(value, precision, unknown=""):
    """A partial date as precise as it is known, in the active language: '13 November 2021',
    'May 2021', '2015'; '2021年11月13日', '2021年5月', '2015年'."""
    if value is None:
        return unknown
    if precision == Precision.YEAR:
        return _format(value, "year")
    if precision == Precision.MONTH:
        return _format(value, "month")
    return _format(value, "day")


def day(value):
    """The day of a date or of a moment (in the time zone it is given in): '5 March 2021'."""
    return "" if value is None else _format(value, "day")


def moment(value):
    """A day and a time, with the time zone's name: '5 March 2021, 14:03 UTC'."""
    return "" if value is None else _format(value, "moment")


def mark_inferred(shown, inferred):
    """A date as readers see it, marked when it is our reading of the sources rather than theirs."""
    return gettext("%(date)s (inferred)") % {"date": shown} if inferred and shown else shown


def iso(value, precision):
    """ISO 8601 reduced precision: '2021-11-13', '2021-05', '2015'."""
    if value is None:
        return None
    if precision == Precision.YEAR:
        return f"{value.year:04d}"
    if precision == Precision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def sort_key(value, precision):
    return (value or datetime.date.max, PRECISION_RANK.get(precision, 2))


MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (datetime.date(2000, number, 1).strftime("%B"), datetime.date(2000, number, 1).strftime("%b"))
}
# "Sept" is written as often as "Sep".
MONTHS["sept"] = 9

PARTIAL_DATE_FORMS = "2018, 2018-03, March 2018, 2018-03-16 or 16 March 2018"


def parse(text):
    """(date, precision) of a date typed as precisely as it is known.

    "2018" is a year, "2018-03", "03/2018", "March 2018" and "Mar 2018" a
    month, "2018-03-16", "16/03/2018", "16 March 2018" and "March 16, 2018" a
    day; None for empty text. ValueError for anything else, or a day that
    does not exist.
    """
    words = text.replace(",", " ").replace(".", " ").split()
    if not words:
        return None
    if len(words) == 1:
        parts = words[0].replace("/", "-").split("-")
        if not all(part.isdigit() for part in parts):
            return _from_words(words)
        if len(parts) == 1 and len(parts[0]) == 4:
            return datetime.date(int(parts[0]), 1, 1), Precision.YEAR
        if len(parts) == 2:
            year, month = (parts[0], parts[1]) if len(parts[0]) == 4 else (parts[1], parts[0])
            if len(year) == 4:
                return datetime.date(int(year), int(month), 1), Precision.MONTH
        if len(parts) == 3:
            if len(parts[0]) == 4:
                year, month, day = parts
            elif len(parts[2]) == 4:
                day, month, year = parts
            else:
                raise ValueError(text)
            return datetime.date(int(year), int(month), int(day)), Precision.DAY
        raise ValueError(text)
    return _from_words(words)


def _from_words(words):
    """'March 2018', '16 March 2018', 'March 16 2018' (commas and full stops already dropped)."""
    numbers = [word for word in words if word.isdigit()]
    months = [MONTHS[word.lower()] for word in words if word.lower() in MONTHS]
    if len(months) != 1 or len(numbers) + len(months) != len(words):
        raise ValueError(" ".join(words))
    years = [n for n in numbers if len(n) == 4]
    days = [n for n in numbers if len(n) <= 2]
    if len(years) != 1 or len(days) > 1:
        raise ValueError(" ".join(words))
    if days:
        return datetime.date(int(years[0]), months[0], int(days[0])), Precision.DAY
    return datetime.date(int(years[0]), months[0], 1), Precision.MONTH


def precision_fields(model):
    """{date field: its precision field} of a model: starts_on and starts_precision, and so on."""
    names = {field.name for field in model._meta.concrete_fields}
    return {
        field.name: f"{field.name.removesuffix('_on')}_precision"
        for field in model._meta.concrete_fields
        if field.get_internal_type() == "DateField" and f"{field.name.removesuffix('_on')}_precision" in names
    }

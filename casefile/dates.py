"""Dates known to a day, a month or only a year."""

import datetime

from django.db import models


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


def display(value, precision, unknown=""):
    """A partial date as precise as it is known: '13 November 2021', 'May 2021', '2015'."""
    if value is None:
        return unknown
    if precision == Precision.YEAR:
        return str(value.year)
    if precision == Precision.MONTH:
        return value.strftime("%B %Y")
    return f"{value.day} {value.strftime('%B %Y')}"


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

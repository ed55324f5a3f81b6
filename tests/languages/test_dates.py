"""Dates as readers read them in each language, as casefile.dates writes them."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from casefile import dates
from casefile.models import Event

MOMENT = datetime.datetime(2021, 3, 5, 14, 3, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize(
    "language, value, precision, shown",
    [
        ("en-gb", datetime.date(2021, 3, 5), "day", "5 March 2021"),
        ("en-gb", datetime.date(2021, 3, 1), "month", "March 2021"),
        ("en-gb", datetime.date(2021, 1, 1), "year", "2021"),
        ("zh-hans", datetime.date(2021, 3, 5), "day", "2021年3月5日"),
        ("zh-hans", datetime.date(2021, 3, 1), "month", "2021年3月"),
        ("zh-hans", datetime.date(2021, 1, 1), "year", "2021年"),
        ("zh-hans", datetime.date(2021, 11, 13), "day", "2021年11月13日"),
    ],
)
def test_a_partial_date_is_written_as_the_language_of_the_page_writes_it(language, value, precision, shown):
    with translation.override(language):
        assert dates.display(value, precision) == shown


def test_a_day_and_a_time_are_written_in_the_language_of_the_page():
    with translation.override("en-gb"):
        assert dates.day(MOMENT) == "5 March 2021"
        assert dates.moment(MOMENT) == "5 March 2021, 14:03 UTC"
    with translation.override("zh-hans"):
        assert dates.day(MOMENT) == "2021年3月5日"
        assert dates.moment(MOMENT) == "2021年3月5日 14:03 UTC"


def test_a_date_we_inferred_is_marked_in_the_language_of_the_page():
    with translation.override("en-gb"):
        assert dates.mark_inferred("2015", True) == "2015 (inferred)"
    with translation.override("zh-hans"):
        assert dates.mark_inferred("2015年", True) == "2015年（推断）"
        assert dates.mark_inferred("2015年", False) == "2015年"


def test_an_event_gives_its_period_in_the_language_of_the_page():
    event = Event(starts_on=datetime.date(2021, 5, 1), starts_precision="month",
                  ends_on=datetime.date(2021, 11, 13), ends_precision="day", date_inferred=True)
    with translation.override("zh-hans"):
        assert event.date_display == "2021年5月 – 2021年11月13日（推断）"
    with translation.override("en-gb"):
        assert event.date_display == "May 2021 – 13 November 2021 (inferred)"


def test_the_pages_write_days_and_moments_in_the_newsrooms_time_zone():
    template = Template("{% load readable_dates %}{{ when|day }} | {{ when|moment }} | {{ when|day:True }}")
    with translation.override("zh-hans"), timezone.override("Asia/Shanghai"):
        shown = template.render(Context({"when": MOMENT}))
    # 14:03 in UTC is 22:03 in Shanghai, on the same day.
    assert shown == "2021年3月5日 | 2021年3月5日 22:03 CST | 2021年3月5日 22:03 CST"


def test_what_is_not_a_date_is_shown_as_nothing():
    template = Template("{% load readable_dates %}[{{ when|day }}][{{ when|moment }}][{{ missing|day }}]")
    assert template.render(Context({"when": ""})) == "[][][]"

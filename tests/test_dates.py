from datetime import date

import pytest

from warlog.extract.dates import DAY, MONTH, WEEK, YEAR, resolve_date

PUB = date(2023, 6, 12)  # a Monday


@pytest.mark.parametrize(
    "expr, start, end, precision",
    [
        ("on 14 May 2023", date(2023, 5, 14), date(2023, 5, 14), DAY),
        ("May 14, 2023", date(2023, 5, 14), date(2023, 5, 14), DAY),
        ("June 3", date(2023, 6, 3), date(2023, 6, 3), DAY),
        ("yesterday", date(2023, 6, 11), date(2023, 6, 11), DAY),
        ("on Thursday", date(2023, 6, 8), date(2023, 6, 8), DAY),
        ("last week", date(2023, 6, 5), date(2023, 6, 11), WEEK),
        ("last month", date(2023, 5, 1), date(2023, 5, 31), MONTH),
        ("April 2023", date(2023, 4, 1), date(2023, 4, 30), MONTH),
        ("2016", date(2016, 1, 1), date(2016, 12, 31), YEAR),
        ("2023-06-01", date(2023, 6, 1), date(2023, 6, 1), DAY),
    ],
)
def test_resolves_against_publication_date(expr, start, end, precision):
    d = resolve_date(expr, PUB)
    assert d is not None
    assert (d.start, d.end, d.precision) == (start, end, precision)


def test_day_and_month_after_publication_belongs_to_previous_year():
    d = resolve_date("December 30", date(2024, 1, 2))
    assert d.start == date(2023, 12, 30)


def test_relative_dates_need_an_anchor_but_absolute_ones_do_not():
    assert resolve_date("last week", None) is None
    assert resolve_date("yesterday", None) is None
    assert resolve_date("9 May 2020", None).start == date(2020, 5, 9)


def test_not_dates():
    assert resolve_date("every year", PUB) is None
    assert resolve_date("three years ago", PUB) is None
    assert resolve_date("", PUB) is None


def test_week_contains_its_days():
    week = resolve_date("last week", PUB)
    day = resolve_date("June 7", PUB)
    assert week.contains(day) and week.overlaps(day)
    assert not week.overlaps(resolve_date("June 12", PUB))

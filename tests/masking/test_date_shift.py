"""Zone-aware date shifting keeps the wall-clock time across daylight-saving changes (the module
docstring's promise), and the two local times that need a rule follow it: an ambiguous result takes
the input's occurrence (fold), a nonexistent one is a ValueError that quotes neither date nor offset."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from course_lib.masking.date_shift import date_offset, shift_date, shift_dates
from course_lib.masking.keys import demo_key

K1 = demo_key("clinic", 1)
PEOPLE = [f"p{i}" for i in range(60)]
ZONES = ["America/New_York", "Europe/Berlin"]
# a skipped hour (clocks go forward) and a repeated hour (clocks go back) in each zone, 2021
GAP = {"America/New_York": dt.datetime(2021, 3, 14, 2, 30), "Europe/Berlin": dt.datetime(2021, 3, 28, 2, 30)}
FOLD = {"America/New_York": dt.datetime(2021, 11, 7, 1, 30),
        "Europe/Berlin": dt.datetime(2021, 10, 31, 2, 30)}


def _exists(wall: dt.datetime, tz) -> bool:
    aware = wall.replace(tzinfo=tz)
    return aware.astimezone(dt.timezone.utc).astimezone(tz).replace(tzinfo=None) == wall


def _plain_bases() -> list[dt.datetime]:
    """Times of day on both sides of the DST changes, none of them itself skipped or repeated."""
    return [dt.datetime(2021, 1, 15, 10, 0), dt.datetime(2021, 3, 13, 23, 59), dt.datetime(2021, 7, 1, 0, 30),
            dt.datetime(2021, 10, 30, 12, 0), dt.datetime(2021, 12, 31, 23, 0)]


@pytest.mark.parametrize("zone", ZONES)
def test_datetimes_and_timestamps_keep_their_wall_clock_across_dst(zone):
    tz = ZoneInfo(zone)
    crossed = 0
    for person in PEOPLE:
        days = date_offset(person, K1)
        for base in _plain_bases():
            target = base + dt.timedelta(days=days)
            if not _exists(target, tz):
                continue
            aware = base.replace(tzinfo=tz)
            out = shift_date(aware, person, K1)
            assert out.replace(tzinfo=None) == target and out.tzinfo is tz
            stamp = shift_date(pd.Timestamp(aware), person, K1)
            assert stamp.tz_localize(None) == pd.Timestamp(target) and str(stamp.tz) == zone
            assert stamp == pd.Timestamp(out)
            crossed += out.utcoffset() != aware.utcoffset()
            assert shift_date(out, person, K1, reverse=True) == aware
            assert shift_date(stamp, person, K1, reverse=True) == pd.Timestamp(aware)
            iso = shift_date(aware.isoformat(), person, K1)  # an ISO offset is a fixed offset: kept
            assert iso == target.isoformat() + aware.isoformat()[19:]
    assert crossed > 20  # many of these shifts cross a DST change


@pytest.mark.parametrize("zone", ZONES)
def test_zoned_columns_keep_their_wall_clock_and_missing_values(zone):
    tz = ZoneInfo(zone)
    rows = [(p, b) for p in PEOPLE[:30] for b in _plain_bases()
            if _exists(b + dt.timedelta(days=date_offset(p, K1)), tz)]
    persons = [p for p, _ in rows] + ["x"]
    walls = pd.Series([b for _, b in rows] + [pd.NaT], dtype="datetime64[ns]")
    series = walls.dt.tz_localize(zone).rename("admitted")
    out = shift_dates(series, persons, K1)
    expected = walls + pd.to_timedelta([date_offset(p, K1) for p in persons], unit="D")
    assert out.dt.tz_localize(None).equals(expected) and str(out.dt.tz) == zone
    assert out.name == "admitted" and pd.isna(out.iloc[-1])
    days = pd.to_timedelta([date_offset(p, K1) for p in persons], unit="D")
    assert ((out - series)[:-1] != days[:-1]).sum() > 10  # elapsed time differs by the DST hour: crossed
    assert shift_dates(out, persons, K1, reverse=True).equals(series)
    listed = shift_dates(list(series), persons, K1)  # the element-wise path agrees
    assert [v for v in listed[:-1]] == list(out[:-1])


def _person_landing_in(target: dt.datetime, tz) -> tuple[str, dt.datetime]:
    for person in PEOPLE:
        base = target - dt.timedelta(days=date_offset(person, K1))
        if _exists(base, tz) and base.replace(tzinfo=tz).fold == 0 and \
                base.replace(tzinfo=tz, fold=1).utcoffset() == base.replace(tzinfo=tz).utcoffset():
            return person, base  # an ordinary (not skipped, not repeated) local time
    raise AssertionError("no person found")


@pytest.mark.parametrize("zone", ZONES)
def test_a_shift_into_the_skipped_hour_is_an_error_that_quotes_nothing(zone):
    tz = ZoneInfo(zone)
    person, base = _person_landing_in(GAP[zone], tz)
    days = str(abs(date_offset(person, K1)))
    for value in (base.replace(tzinfo=tz), pd.Timestamp(base.replace(tzinfo=tz))):
        with pytest.raises(ValueError, match="skips when clocks go forward") as err:
            shift_date(value, person, K1)
        assert days not in str(err.value) and "2021" not in str(err.value) and "30" not in str(err.value)
    series = pd.Series([pd.Timestamp(base), pd.Timestamp(base) + pd.Timedelta(hours=3)]).dt.tz_localize(zone)
    with pytest.raises(ValueError, match=r"skips when clocks go forward.*rows \[0\]"):
        shift_dates(pd.Series(series.to_numpy(), index=[0, 1]), [person, person], K1)
    with pytest.raises(ValueError, match="does not exist in its time zone"):  # a nonexistent input too
        shift_date(GAP[zone].replace(tzinfo=tz), person, K1)


@pytest.mark.parametrize("zone", ZONES)
def test_a_shift_into_the_repeated_hour_keeps_the_inputs_occurrence(zone):
    tz = ZoneInfo(zone)
    person, base = _person_landing_in(FOLD[zone], tz)
    first = shift_date(base.replace(tzinfo=tz), person, K1)
    assert first.replace(tzinfo=None) == FOLD[zone] and first.fold == 0
    assert first.utcoffset() == FOLD[zone].replace(tzinfo=tz, fold=0).utcoffset()  # the earlier instant
    second = shift_date(base.replace(tzinfo=tz, fold=1), person, K1)  # fold=1 carried by the datetime
    assert second.fold == 1 and second.utcoffset() == first.utcoffset() - dt.timedelta(hours=1)
    # and back: the very same instants
    assert shift_date(first, person, K1, reverse=True).utcoffset() == base.replace(tzinfo=tz).utcoffset()
    repeated = FOLD[zone].replace(tzinfo=tz, fold=1)
    there = shift_date(repeated, person, K1, reverse=True)
    assert there.fold == 1 and shift_date(there, person, K1) == repeated
    assert shift_date(there, person, K1).utcoffset() == repeated.utcoffset()
    stamp = pd.Timestamp(repeated)  # Timestamps keep the fold too
    assert shift_date(shift_date(stamp, person, K1, reverse=True), person, K1).utcoffset() == \
        repeated.utcoffset()
    column = pd.Series([pd.Timestamp(base)]).dt.tz_localize(zone)
    assert shift_dates(column, [person], K1).iloc[0] == pd.Timestamp(first)  # a column: first occurrence


def test_pytz_and_fixed_offset_zones():
    pytz = pytest.importorskip("pytz")
    ny = pytz.timezone("America/New_York")
    for person in PEOPLE[:20]:
        days = date_offset(person, K1)
        base = dt.datetime(2021, 1, 15, 10, 0)
        out = shift_date(ny.localize(base), person, K1)
        assert out.replace(tzinfo=None) == base + dt.timedelta(days=days)
        assert out.utcoffset() == ny.localize(base + dt.timedelta(days=days)).utcoffset()
        assert shift_date(out, person, K1, reverse=True) == ny.localize(base)
        fixed = base.replace(tzinfo=dt.timezone(dt.timedelta(hours=-5)))
        assert shift_date(fixed, person, K1) == fixed + dt.timedelta(days=days)


def test_shifts_past_the_calendar_are_value_errors_that_quote_nothing():
    person = next(p for p in PEOPLE if date_offset(p, K1) > 0)
    days = str(date_offset(person, K1))
    for value in (dt.date(9999, 12, 31), dt.datetime(9999, 12, 31, 12, tzinfo=ZoneInfo("Europe/Berlin")),
                  pd.Timestamp("2262-04-11")):
        with pytest.raises(ValueError, match="leaves the range") as err:
            shift_date(value, person, K1)
        assert days not in str(err.value)
    with pytest.raises(ValueError, match="leaves the range"):
        shift_dates(pd.Series(pd.to_datetime(["2262-04-11"])), [person], K1)


def test_inputs_are_not_mutated():
    series = pd.Series(pd.to_datetime(["2021-03-01 10:00", None])).dt.tz_localize("America/New_York")
    before = series.copy()
    shift_dates(series, ["a", "b"], K1)
    assert series.equals(before)
    values = [dt.datetime(2021, 3, 1, 10, tzinfo=ZoneInfo("Europe/Berlin")), np.nan]
    copy = list(values)
    shift_dates(values, ["a", "b"], K1)
    assert values[0] == copy[0] and values[0].tzinfo is copy[0].tzinfo

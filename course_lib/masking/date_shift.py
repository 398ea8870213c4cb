"""Keyed per-person date shifting: hide when, keep how long.

Every date of one person moves by the same number of days,

    offset(person) = r - max_days        if r <  max_days
                     r - max_days + 1    if r >= max_days,   r = HMAC-SHA256(K, person id) mod 2 max_days,

a value in ``[-max_days, -1] U [1, max_days]`` (never 0, so no one is left unshifted). Intervals
within a person (length of stay, days from admission to surgery) are preserved exactly; different
people move by different amounts, so calendar coincidences across people (who was admitted on the
same day) are broken. The key holder can undo it (``reverse=True``); without the key the offset is
unpredictable. This is the "date shifting" of clinical de-identification pipelines (e.g. the
Stanford STARR and i2b2 tools); note it does not meet HIPAA Safe Harbor, which keeps only years.

Person ids are ``str`` or ``int``; an int is taken as its decimal text, so ``17`` and ``"17"`` are
the same person. Dates are ``datetime.date``/``datetime.datetime``/``pandas.Timestamp`` (shifted by
days, time of day kept) or ISO 8601 strings (returned in ISO form: ``"2021-03-07"`` stays a date,
a date-time string comes back from ``datetime.isoformat``).

Time zones. A zone-aware time keeps its wall-clock time and its zone: 10:00 in New York is 10:00 in
New York on the shifted day, whether or not a daylight-saving change lies in between (so the
elapsed time in hours changes by that hour; calendar days and clock times are what is kept). This
holds for ``datetime`` (zoneinfo, pytz, dateutil or fixed-offset zones), ``Timestamp`` and
zone-aware ``datetime64`` columns alike; an ISO string with an offset (``...T10:00-05:00``) keeps
its fixed offset. Two local times need a rule:

* **ambiguous** (the repeated hour when clocks go back, e.g. 01:30 on 2021-11-07 in New York):
  the shifted time takes the same occurrence as the input (its ``fold``: the first, earlier
  instant, unless the input was itself the second occurrence). Python datetimes (zoneinfo, dateutil)
  and Timestamps keep their ``fold`` even on a day without a repeated hour, so ``reverse=True``
  returns the very same instant; a ``datetime64`` column and a pytz zone cannot store a fold, so
  there a second-occurrence time shifted to an ordinary day comes back from ``reverse=True`` as the
  first occurrence (same wall clock, one hour earlier);
* **nonexistent** (the hour skipped when clocks go forward, e.g. 02:30 on 2021-03-14 in New York):
  there is no wall-clock time to keep, so it is a ``ValueError`` (for a column it names the rows,
  never the value). An input that does not exist (a ``datetime`` built inside the gap) is one too.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._validate import check_int
from .keys import active_key
from .operators import Operator, _subkey

MAX_DAYS = 3650


def _person_bytes(person_id) -> bytes:
    if isinstance(person_id, (bool, np.bool_)) or not isinstance(person_id, (str, int, np.integer)):
        raise TypeError(f"person_id must be a str or an int, got {type(person_id).__name__}")
    if isinstance(person_id, str) and not person_id:
        raise ValueError("person_id must be a non-empty str or an int")
    return str(int(person_id) if not isinstance(person_id, str) else person_id).encode("utf-8")


def date_offset(person_id, key, max_days: int = 365) -> int:
    """The person's shift in days, in ``[-max_days, -1] U [1, max_days]`` (see the module docstring)."""
    max_days = check_int(max_days, "max_days", 1, MAX_DAYS)
    digest = hmac.digest(_subkey(active_key(key), "shift_dates"), _person_bytes(person_id), "sha256")
    r = int.from_bytes(digest, "big") % (2 * max_days)
    return r - max_days if r < max_days else r - max_days + 1


NONEXISTENT = ("a shifted time falls in the hour its time zone skips when clocks go forward, so there is "
               "no such wall-clock time to keep; convert the times to UTC (or to dates) before shifting")


def _is_pytz(tz) -> bool:
    return hasattr(tz, "localize") and hasattr(tz, "normalize")  # pytz zones ignore fold


def _occurrences(wall: dt.datetime, tz) -> list[dt.datetime]:
    """The UTC instants whose wall-clock time in ``tz`` is the naive ``wall``, earliest first:
    one, two (the repeated hour when clocks go back) or none (the hour skipped when they go forward)."""
    if _is_pytz(tz):
        local = (tz.localize(wall, is_dst=d) for d in (True, False))
        found = {loc.astimezone(dt.timezone.utc) for loc in local
                 if tz.normalize(loc).replace(tzinfo=None) == wall}
    else:
        found = {u for u in (wall.replace(tzinfo=tz, fold=f).astimezone(dt.timezone.utc) for f in (0, 1))
                 if u.astimezone(tz).replace(tzinfo=None) == wall}
    return sorted(found)


def _shift_aware(value: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """Same wall-clock time and zone, ``delta`` later on the calendar (see the module docstring)."""
    tz = value.tzinfo
    wall = value.replace(tzinfo=None)
    here = _occurrences(wall, tz)
    if not here:
        raise ValueError("a time to shift does not exist in its time zone (it lies in the hour skipped "
                         "when clocks go forward)")
    if _is_pytz(tz):  # pytz ignores fold: which occurrence the input is comes from its offset
        instant = value.astimezone(dt.timezone.utc)
        occurrence = here.index(instant) if instant in here else 0
    else:
        occurrence = value.fold
    wall = wall + delta
    there = _occurrences(wall, tz)
    if not there:
        raise ValueError(NONEXISTENT)
    if _is_pytz(tz):
        return there[min(occurrence, len(there) - 1)].astimezone(tz)
    return wall.replace(tzinfo=tz, fold=occurrence)  # fold kept: reverse=True finds the same instant


def _shift_timestamp(value: pd.Timestamp, days: int) -> pd.Timestamp:
    if value.tz is None:
        return value + pd.Timedelta(days=days)
    wall = value.tz_localize(None) + pd.Timedelta(days=days)
    out = wall.tz_localize(value.tz, ambiguous=not value.fold, nonexistent="NaT")  # True: first occurrence
    if out is pd.NaT:
        raise ValueError(NONEXISTENT)
    return out.replace(fold=value.fold) if not _is_pytz(value.tz) else out


def _shift(value, days: int):
    delta = dt.timedelta(days=days)
    try:
        if isinstance(value, pd.Timestamp):
            return _shift_timestamp(value, days)
        if isinstance(value, dt.datetime) and value.utcoffset() is not None:
            return _shift_aware(value, delta)
        if isinstance(value, dt.date):  # a naive datetime is a date too
            return value + delta
        if isinstance(value, str):
            try:
                if len(value) == 10:
                    return (dt.date.fromisoformat(value) + delta).isoformat()
                sep = value[10] if len(value) > 10 and value[10] in "T " else "T"
                parsed = dt.datetime.fromisoformat(value)
            except ValueError:
                raise ValueError("dates must be ISO 8601 strings (YYYY-MM-DD[THH:MM[:SS]]); one is not "
                                 "(its text is not repeated here)") from None
            return _shift(parsed, days).isoformat(sep=sep)
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        raise ValueError("a shifted date leaves the range of dates its type can hold (neither the date "
                         "nor the offset is repeated here)") from None
    raise TypeError(f"a date must be a datetime.date, datetime.datetime, pandas.Timestamp or ISO 8601 "
                    f"str, got {type(value).__name__}")


def shift_date(value, person_id, key, max_days: int = 365, *, reverse: bool = False):
    """One date moved by ``date_offset(person_id)`` days (back again with ``reverse=True``)."""
    if not isinstance(reverse, bool):
        raise TypeError(f"reverse must be True or False, got {reverse!r}")
    days = date_offset(person_id, key, max_days)
    return _shift(value, -days if reverse else days)


def shift_dates(dates, person_ids, key, max_days: int = 365, *, reverse: bool = False):
    """Shift each date by its person's offset; missing dates (None, NaN, NaT) stay missing.

    ``dates`` is a pandas Series (datetime64 columns are shifted vectorised; the result keeps the
    index and name) or a list/tuple (a list comes back); ``person_ids`` has the same length. A date
    whose person id is missing is an error: it could not be shifted consistently.
    """
    if not isinstance(reverse, bool):
        raise TypeError(f"reverse must be True or False, got {reverse!r}")
    if not isinstance(dates, (pd.Series, list, tuple)):
        raise TypeError(f"dates must be a pandas Series, list or tuple, got {type(dates).__name__}")
    if isinstance(person_ids, (str, bytes)) or not isinstance(person_ids, (pd.Series, Sequence, np.ndarray)):
        raise TypeError(f"person_ids must be a sequence with one id per date, "
                        f"got {type(person_ids).__name__}")
    if len(person_ids) != len(dates):
        raise ValueError(f"person_ids must have one id per date: {len(person_ids)} ids for "
                         f"{len(dates)} dates")
    max_days = check_int(max_days, "max_days", 1, MAX_DAYS)
    series = dates if isinstance(dates, pd.Series) else pd.Series(list(dates), dtype=object)
    ids = pd.Series(np.asarray(person_ids, dtype=object), index=series.index)
    missing_date, missing_id = series.isna().to_numpy(), ids.isna().to_numpy()
    if np.any(missing_id & ~missing_date):
        rows = list(series.index[missing_id & ~missing_date][:5])
        raise ValueError(f"person_ids is missing where a date is present (rows {rows}); such a date "
                         "cannot be shifted consistently")
    sign = -1 if reverse else 1
    codes, uniques = pd.factorize(ids)
    offsets = np.array([sign * date_offset(p, key, max_days) for p in uniques], dtype=np.int64)
    days = np.zeros(len(codes), dtype=np.int64)
    days[codes >= 0] = offsets[codes[codes >= 0]]
    if pd.api.types.is_datetime64_any_dtype(series):
        out = _shift_series(series, days).rename(series.name)
    else:
        values = [v if gone else _shift(v, int(d)) for v, d, gone in zip(series, days, missing_date)]
        out = pd.Series(values, index=series.index, name=series.name, dtype=object)
    return out if isinstance(dates, pd.Series) else list(out)


def _shift_series(series: pd.Series, days: np.ndarray) -> pd.Series:
    """A datetime64 Series shifted by ``days`` (per row); a zoned one keeps its wall-clock times."""
    try:
        tz = series.dt.tz
        if tz is None:
            return series + pd.to_timedelta(days, unit="D")
        wall = series.dt.tz_localize(None)
        first = wall.dt.tz_localize(tz, ambiguous=np.ones(len(wall), dtype=bool), nonexistent="NaT")
        second = (first != series).to_numpy() & series.notna().to_numpy()  # the repeated hour's 2nd pass
        moved = wall + pd.to_timedelta(days, unit="D")
        out = moved.dt.tz_localize(tz, ambiguous=~second, nonexistent="NaT")
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        raise ValueError("a shifted date leaves the range of datetime64 (neither the date nor the offset "
                         "is repeated here)") from None
    gap = (out.isna() & series.notna()).to_numpy()
    if gap.any():
        raise ValueError(f"{NONEXISTENT} (rows {list(series.index[gap][:5])})")
    return out


def shift_dates_with(key, by: str, max_days: int = 365) -> Operator:
    """A table operator: shift a date column by the person in column ``by`` (see ``mask_table``)."""
    k = active_key(key)
    check_int(max_days, "max_days", 1, MAX_DAYS)
    if not isinstance(by, str) or not by:
        raise TypeError(f"by must be the name of the person-id column, got {by!r}")

    def one_value(value, entity):
        raise TypeError("shift_dates_with works on a table column (it needs the person of each date); "
                        "for one date call shift_date(value, person_id, key)")

    return Operator("shift_dates", one_value, reversible=True, keyed=True, accepts="date", by=by,
                    column=lambda dates, persons: shift_dates(dates, persons, k, max_days))

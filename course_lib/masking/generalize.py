"""Generalisation: replace a precise value by a coarser one that many people share.

Where masking hides a value, generalisation keeps a less precise version of it, so that counts and
histograms stay useful. The rules follow HIPAA's Safe Harbor method (45 CFR 164.514(b)(2)):

* numbers into ranges, ``bucket(37, 10) == "30-39"``, with top-coding (ages over 89 become
  ``"90+"``: ``bucket(93, 10, top=90)``);
* ZIP codes truncated to their first digits, ``truncate_zip("02138") == "021**"``; a three-digit zone
  with 20,000 people or fewer becomes ``"000"`` (the 17 zones of ``HIPAA_RESTRICTED_ZIP3``, from the
  2000 census, as listed in HHS's de-identification guidance);
* dates kept to the month or the year, ``generalize_date("2021-03-07", "year") == "2021"``.

How coarse is coarse enough is measured in notebook 02 (k-anonymity); these are the building blocks.
"""

from __future__ import annotations

import datetime as dt
import numbers

import numpy as np
import pandas as pd

from .._intervals import band_index, decimal_param, decimal_text, edge_text, exact, is_finite_real, is_float
from .._validate import check_int
from .operators import Operator

HIPAA_RESTRICTED_ZIP3 = frozenset({
    "036", "059", "063", "102", "203", "556", "692", "790", "821", "823", "830", "831", "878", "879",
    "884", "890", "893",
})


def _check_number(value, name: str):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not is_finite_real(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def bucket(value, width, *, start=0, top=None) -> str:
    """The range of width ``width`` that holds ``value``, counted from ``start``.

    ``lo = start + floor((value - start) / width) * width``, computed exactly (no floating-point
    rounding can put ``value`` outside its range). With integer ``width`` and ``start`` and an
    integer-valued ``value`` (``37`` or ``37.0``: pandas stores an int column with missing values as
    floats) the label is ``"lo-(lo + width - 1)"`` (``37 -> "30-39"``); otherwise the half-open
    ``"[lo, hi)"``, where ``width``, ``start`` and ``top`` are read as the decimals they print as
    (``0.1`` is one tenth) and each edge is written with the digits it needs for the label to
    contain exactly the floats of its range, read with ``float()`` or as exact decimals
    (``bucket(0.35, 0.1) == "[0.30000000000000004, 0.4)"``: no float equals three tenths; see
    ``course_lib._intervals``); an int value gets the exact decimal edges (``bucket(1, 0.3) ==
    "[0.9, 1.2)"``). Values ``>= top`` become ``"top+"``.
    """
    _check_number(value, "value")
    _check_number(width, "width")
    _check_number(start, "start")
    if width <= 0:
        raise ValueError(f"width must be > 0, got {width!r}")
    x = exact(value)
    integral = all(isinstance(v, (int, np.integer)) for v in (width, start)) and x.denominator == 1
    # edges are written for floats (see above); an int value (or any other that is not a float)
    # gets the exact decimal edges instead, which contain it exactly
    text = edge_text if isinstance(value, (float, np.floating)) and is_float(x) else decimal_text
    if top is not None:
        _check_number(top, "top")
        if isinstance(top, (int, np.integer)):
            if x >= int(top):
                return f"{int(top)}+"
        elif x >= decimal_param(top):
            return f"{text(decimal_param(top))}+"
    if integral:
        width, start, v = int(width), int(start), int(x)
        lo = start + (v - start) // width * width
        return f"{lo}-{lo + width - 1}"
    w, s0 = decimal_param(width), decimal_param(start)
    lo = s0 + band_index(x, s0, w) * w
    return f"[{text(lo)}, {text(lo + w)})"


def truncate_zip(zip_code: str, keep: int = 3, char: str = "*",
                 restricted: frozenset[str] = HIPAA_RESTRICTED_ZIP3) -> str:
    """The first ``keep`` digits of a five-digit ZIP code, the rest replaced by ``char``.

    Accepts ``"02138"`` or ZIP+4 ``"02138-1234"`` (the +4 is dropped). ZIP codes are strings: an int
    has lost its leading zeros, so it is refused. With ``keep == 3`` a zone in ``restricted``
    becomes ``"000"``.
    """
    if not isinstance(zip_code, str):
        raise TypeError(f"zip_code must be a str such as '02138' (as a number it loses its leading zeros), "
                        f"got {type(zip_code).__name__}")
    keep = check_int(keep, "keep", 0, 5)
    if not isinstance(char, str) or len(char) != 1:
        raise ValueError(f"char must be a single character, got {char!r}")
    digits = zip_code.strip()
    if not (len(digits) in (5, 10) and digits[:5].isascii() and digits[:5].isdigit()
            and (len(digits) == 5 or (digits[5] == "-" and digits[6:].isdigit()))):
        raise ValueError("zip_code must be five digits or ZIP+4 ('02138' or '02138-1234')")
    head = digits[:keep]
    if keep == 3 and head in restricted:
        head = "000"
    return head + char * (5 - keep)


def generalize_date(value, to: str = "month") -> str:
    """``"YYYY-MM"`` (``to="month"``) or ``"YYYY"`` (``to="year"``) of a date, a datetime, a
    ``pandas.Timestamp`` or an ISO 8601 string."""
    if to not in ("month", "year"):
        raise ValueError(f"to must be 'month' or 'year', got {to!r}")
    if value is pd.NaT:
        raise ValueError("value is missing (NaT); there is no date to generalise")
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("value must be an ISO 8601 date string (YYYY-MM-DD...)") from None
    if not isinstance(value, (dt.date, pd.Timestamp)):
        raise TypeError(f"value must be a date, datetime, pandas.Timestamp or ISO 8601 str, "
                        f"got {type(value).__name__}")
    return f"{value.year:04d}" if to == "year" else f"{value.year:04d}-{value.month:02d}"


def bucket_with(width, *, start=0, top=None) -> Operator:
    """:func:`bucket` as a table operator for a numeric column."""
    bucket(start, width, start=start, top=top)  # check the arguments now
    return Operator("bucket", lambda v, e: bucket(v, width, start=start, top=top), accepts="number")


def truncate_zip_with(keep: int = 3, char: str = "*",
                      restricted: frozenset[str] = HIPAA_RESTRICTED_ZIP3) -> Operator:
    truncate_zip("00000", keep, char, restricted)
    return Operator("truncate_zip", lambda v, e: truncate_zip(v, keep, char, restricted))


def generalize_date_with(to: str = "month") -> Operator:
    generalize_date(dt.date(2000, 1, 1), to)
    return Operator("generalize_date", lambda v, e: generalize_date(v, to), accepts="date")

"""Exact bands of numbers and labels that contain exactly their members.

Used by ``masking.generalize.bucket`` and ``anonymity.IntervalHierarchy``. Floating-point band
edges go wrong in two ways: ``lo = start + floor((x - start) / w) * w`` computed in floats can put
``x`` outside ``[lo, lo + w)`` (``0.3 // 0.1 == 2``), and printing edges with six significant
digits (``f"{v:g}"``) gives different bands one label. Here everything is exact:

* a band parameter (a width, a start or origin, a top-code) is read as the decimal number it prints
  as (``0.1`` is one tenth), a value as the exact number it is (the float ``0.3`` is
  ``0.299999999999999988897769753748...``); the band index ``floor((x - start) / w)`` is an exact
  integer (:func:`band_index`);
* an edge ``E`` is printed by :func:`edge_text` as the shortest decimal ``D`` that ``float()``
  reads as the first float at or above ``E`` and that is not itself above that float. So a label
  ``"[lo, hi)"`` holds exactly the floats of its band whether it is read with ``float()`` or as
  exact decimals, two bands holding different floats never share a label, and a value always lies
  in its own label. Integer edges print as integers (``"[35, 40)"``); an edge that no float equals
  prints with the digits needed (``0.3 = 3/10`` -> ``"0.30000000000000004"``, the first float above
  three tenths), and the upper edge of a band narrower than the spacing of floats there is the next
  float.
"""

from __future__ import annotations

import math
import numbers
import sys
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal
from fractions import Fraction

import numpy as np

F64_MAX = Fraction(sys.float_info.max)
# the smallest number that float() reads as inf: halfway between the largest float and 2**1024
F64_OVERFLOW = Fraction(2**1024 - 2**970)


def exact(value) -> Fraction:
    """The exact value of a finite real number (int, float, NumPy scalar, Fraction)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value))
    return Fraction(*value.as_integer_ratio())


def decimal_param(value) -> Fraction:
    """A band parameter read as the decimal it prints as: ``0.1`` is exactly one tenth (ints and
    Fractions are taken as they are)."""
    if isinstance(value, (Fraction, int, np.integer)):
        return exact(value)
    return Fraction(str(value))  # str: the shortest decimal that reads back as this float


def is_finite_real(value) -> bool:
    """``value`` is a real number (not bool) and finite; a big int is finite too."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return False
    if isinstance(value, (int, np.integer, Fraction)):
        return True
    return math.isfinite(value)


def is_float(x: Fraction) -> bool:
    """``x`` equals some float64."""
    return -F64_MAX <= x <= F64_MAX and Fraction(x.numerator / x.denominator) == x


def band_index(x: Fraction, origin: Fraction, width: Fraction) -> int:
    """``floor((x - origin) / width)`` exactly (``width > 0``)."""
    return math.floor((x - origin) / width)


def first_float_at_or_above(edge: Fraction) -> float:
    """The smallest float ``>= edge`` (``inf`` if ``edge`` is above the largest float)."""
    return _first_float(edge.numerator, edge.denominator)


_MAX_RATIO = sys.float_info.max.as_integer_ratio()


def _first_float(num: int, den: int) -> float:
    """:func:`first_float_at_or_above` of ``num / den`` (``den > 0``), in integer arithmetic."""
    if num * _MAX_RATIO[1] > _MAX_RATIO[0] * den:
        return math.inf
    if -num * _MAX_RATIO[1] >= _MAX_RATIO[0] * den:
        return -sys.float_info.max
    f = num / den  # int / int is correctly rounded
    a, b = f.as_integer_ratio()
    if a * den < num * b:  # f < num / den, exactly
        f = math.nextafter(f, math.inf)
    return f


def _text(d: Decimal) -> str:
    """A decimal written the way ``repr`` writes a float: positional for 1e-4 <= |d| < 1e16
    (``"35"``, ``"0.3"``), else scientific (``"1e+20"``, ``"2.5e-07"``); no trailing zeros."""
    if d == 0:
        return "0"
    d = d.normalize(Context(prec=max(28, len(d.as_tuple().digits))))  # strip zeros, round nothing
    adjusted = d.adjusted()
    if -4 <= adjusted < 16:
        return format(d, "f")
    sign, digits, _ = d.as_tuple()
    mantissa = "".join(map(str, digits))
    if len(mantissa) > 1:
        mantissa = mantissa[0] + "." + mantissa[1:]
    return f"{'-' if sign else ''}{mantissa}e{'+' if adjusted >= 0 else '-'}{abs(adjusted):02d}"


def edge_text(edge: Fraction) -> str:
    """The shortest decimal ``D`` with ``float(D) == f`` and ``D <= f``, ``f`` the first float at or
    above ``edge``: a float ``x`` is ``>= edge`` exactly when ``x >= D``, read either way."""
    f = first_float_at_or_above(edge)
    if f == math.inf:  # no float reaches the edge: any decimal that reads as inf excludes none
        target = max(edge, F64_OVERFLOW)
        d = Context(prec=17, rounding=ROUND_CEILING).divide(Decimal(target.numerator),
                                                           Decimal(target.denominator))
        return _text(d)
    if edge < -F64_MAX:  # no float lies below the edge: a decimal at or below it excludes none
        return _text(Context(prec=17, rounding=ROUND_FLOOR).divide(Decimal(edge.numerator),
                                                                  Decimal(edge.denominator)))
    return float_edge_text(f)


def float_edge_text(f: float) -> str:
    """:func:`edge_text` of an edge whose first float at or above it is the finite ``f``."""
    f = float(f)  # (repr of a NumPy float is "np.float64(...)")
    exact_f = Decimal(f)  # exact: a float is a terminating decimal
    shortest = repr(f)  # the shortest decimal that reads back as f: the label unless it is above f
    if Decimal(shortest) <= exact_f:
        return shortest[:-2] if shortest.endswith(".0") else shortest
    start = len(Decimal(shortest).as_tuple().digits)  # no shorter decimal reads back as f
    for precision in range(start, 800):  # 17-18 digits always suffice; a float has at most 767
        d = Context(prec=precision, rounding=ROUND_FLOOR).plus(exact_f)
        if float(d) == f:
            return _text(d)
    return _text(exact_f)  # pragma: no cover - unreachable: the exact value reads back as f


def decimal_text(value: Fraction) -> str:
    """A terminating decimal (a parameter read by :func:`decimal_param`) written out exactly."""
    digits = len(str(abs(value.numerator))) + len(str(value.denominator)) + 5
    return _text(Context(prec=digits).divide(Decimal(value.numerator), Decimal(value.denominator)))


def interval_label(lo: Fraction, hi: Fraction) -> str:
    """``"[lo, hi)"`` with both edges written by :func:`edge_text`."""
    return f"[{edge_text(lo)}, {edge_text(hi)})"

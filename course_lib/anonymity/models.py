"""How many rows a set of independent columns singles out, predicted without looking at any row.

Section 7.1 of notebook 02 adds lab results (low / normal / high) to a release one column at a time.
If ``d`` columns are independent and each takes value ``v`` with probability ``q_v``, a row whose
combination ``c`` has probability ``P(c)`` shares it with none of the other ``n - 1`` rows with
probability ``(1 - P(c)) ** (n - 1)``. The expected share of unique rows is the sum over combinations
of ``P(c) (1 - P(c)) ** (n - 1)``; combinations with the same count of each value have the same
probability, so the sum runs over those counts (a multinomial), not over all ``len(q) ** d``
combinations. :func:`course_lib.data.people.uniqueness_model` is the same model for (ZIP, birth date, sex).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .._validate import check_int


def _compositions(total: int, parts: int):
    """Every tuple of ``parts`` non-negative integers summing to ``total``."""
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


def expected_uniqueness(n_columns: int, n_rows: int, value_probabilities: Sequence[float]) -> float:
    """Expected share of ``n_rows`` rows unique on ``n_columns`` independent columns, each taking value
    ``v`` with probability ``value_probabilities[v]``.

    >>> round(expected_uniqueness(1, 2, [0.5, 0.5]), 3)   # two rows, one fair coin: unique if they differ
    0.5
    """
    d = check_int(n_columns, "n_columns", 1, 200)
    n = check_int(n_rows, "n_rows", 1)
    q = np.asarray(value_probabilities, dtype=np.float64).ravel()
    if q.size == 0 or not np.all(np.isfinite(q)) or np.any(q < 0) or abs(q.sum() - 1) > 1e-9:
        raise ValueError("value_probabilities must be non-negative probabilities summing to 1")
    if n == 1:
        return 1.0
    q = q[q > 0]
    total = 0.0
    for counts in _compositions(d, q.size):
        ways = math.factorial(d) // math.prod(math.factorial(c) for c in counts)
        p = math.prod(float(v) ** c for v, c in zip(q, counts))
        if p < 1:
            total += ways * p * math.exp((n - 1) * math.log1p(-p))
    return total

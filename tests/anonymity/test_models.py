"""Tests for course_lib.anonymity.models: the expected share of unique rows on independent columns."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from course_lib.anonymity import expected_uniqueness, uniqueness


def brute_force(d, n, q):
    """Sum over every one of the len(q) ** d combinations."""
    total = 0.0
    for combo in itertools.product(range(len(q)), repeat=d):
        p = math.prod(q[i] for i in combo)
        total += p * (1 - p) ** (n - 1)
    return total


@pytest.mark.parametrize("d, n, q", [(1, 2, [0.5, 0.5]), (3, 10, [0.15, 0.7, 0.15]), (5, 50, [0.2, 0.8]),
                                     (4, 7, [0.1, 0.2, 0.3, 0.4])])
def test_matches_the_sum_over_every_combination(d, n, q):
    assert expected_uniqueness(d, n, q) == pytest.approx(brute_force(d, n, q), rel=1e-12)


def test_hand_values_and_edges():
    assert expected_uniqueness(1, 2, [0.5, 0.5]) == pytest.approx(0.5)  # two coins differ half the time
    assert expected_uniqueness(3, 1, [1.0]) == 1.0  # one row is always alone
    assert expected_uniqueness(3, 5, [1.0, 0.0]) == 0.0  # every row the same
    # more columns, more unique; more rows, fewer
    q = [0.15, 0.7, 0.15]
    assert (expected_uniqueness(4, 2000, q) < expected_uniqueness(12, 2000, q)
            < expected_uniqueness(20, 2000, q))
    assert expected_uniqueness(12, 20_000, q) < expected_uniqueness(12, 2000, q)


def test_predicts_a_simulated_table():
    rng = np.random.default_rng(0)
    q = [0.15, 0.7, 0.15]
    table = pd.DataFrame(rng.choice(3, size=(2000, 10), p=q))
    measured = uniqueness(table, list(table.columns))
    assert abs(measured - expected_uniqueness(10, 2000, q)) < 0.04


@pytest.mark.parametrize("args, error", [
    ((0, 10, [1.0]), ValueError), ((1, 0, [1.0]), ValueError), ((201, 10, [1.0]), ValueError),
    ((1.5, 10, [1.0]), TypeError), ((2, 10, [0.5, 0.6]), ValueError), ((2, 10, [-0.5, 1.5]), ValueError),
    ((2, 10, [np.nan, 1.0]), ValueError), ((2, 10, []), ValueError)])
def test_rejects_bad_input(args, error):
    with pytest.raises(error):
        expected_uniqueness(*args)

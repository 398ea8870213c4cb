from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.data import load_breast_cancer_split, load_digits_split, rng


def test_digits_split_shapes_and_scaling():
    s = load_digits_split(seed=0)
    assert s.X_train.shape[1] == 64 and s.n_classes == 10
    assert len(s.y_train) + len(s.y_test) == 1797
    assert len(s.y_test) == 360  # 20 %, rounded up by scikit-learn
    assert s.X_train.dtype == np.float32 and s.y_train.dtype == np.int64
    assert float(s.X_train.max()) == 1.0 and float(s.X_train.min()) == 0.0
    assert s.X_val is None and s.y_val is None


def test_split_is_stratified():
    s = load_digits_split(seed=3)
    train = np.bincount(s.y_train, minlength=10) / len(s.y_train)
    test = np.bincount(s.y_test, minlength=10) / len(s.y_test)
    assert np.max(np.abs(train - test)) < 0.01


def test_split_is_seeded():
    a, b, c = load_digits_split(seed=1), load_digits_split(seed=1), load_digits_split(seed=2)
    assert np.array_equal(a.X_test, b.X_test)
    assert not np.array_equal(a.X_test, c.X_test)


def test_breast_cancer_is_standardised_with_training_statistics_only():
    s = load_breast_cancer_split(seed=0)
    assert s.X_train.shape[1] == 30 and s.target_names == ("malignant", "benign")
    assert len(s.y_train) + len(s.y_test) == 569
    np.testing.assert_allclose(s.X_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(s.X_train.std(axis=0), 1, atol=1e-4)
    assert np.max(np.abs(s.X_test.mean(axis=0))) > 1e-3  # the test set did not set the statistics


@settings(max_examples=15, deadline=None)
@given(test=st.floats(0.1, 0.4), val=st.just(0.0) | st.floats(0.05, 0.3), seed=st.integers(0, 2**32 - 1))
def test_train_val_test_partition_the_data(test, val, seed):
    s = load_breast_cancer_split(test_size=test, val_size=val, seed=seed, scale="none")
    parts = [s.X_train, s.X_test] + ([s.X_val] if s.X_val is not None else [])
    assert sum(len(p) for p in parts) == 569
    rows = {tuple(r) for p in parts for r in p}
    assert len(rows) == 569  # no row in two parts (the raw rows are all distinct)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"test_size": 0}, ValueError, "test_size must be in"),
    ({"test_size": 1.2}, ValueError, "test_size must be in"),
    ({"test_size": float("nan")}, TypeError, "test_size"),
    ({"val_size": -0.1}, ValueError, "val_size must be in"),
    ({"test_size": 0.6, "val_size": 0.5}, ValueError, "test_size \\+ val_size"),
    ({"scale": "minmax"}, ValueError, "scale must be one of"),
    ({"val_size": 0.001}, ValueError, "val_size=0.001 leaves fewer than one example per class"),
    ({"seed": -1}, ValueError, "seed"),
])
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_digits_split(**kwargs)


def test_rng_is_seeded():
    assert rng(5).random() == rng(5).random()
    with pytest.raises(TypeError, match="seed"):
        rng(0.5)

"""scikit-learn's bundled datasets, split and scaled without leaking the test set.

Nothing here downloads. ``load_digits`` (1,797 8x8 images of handwritten digits, 10 classes) and
``load_breast_cancer`` (569 patients, 30 tumour measurements, benign/malignant) ship inside the
scikit-learn package. Splits are stratified and seeded; features are scaled with statistics of
the *training* part only, so nothing about the test set leaks into training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Split:
    """A seeded, stratified train/validation/test split of a labelled dataset."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    name: str

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.target_names)


def _check_fraction(name: str, value: float, *, allow_zero: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise TypeError(f"{name} must be a number in (0, 1), got {value!r}")
    low_ok = value >= 0 if allow_zero else value > 0
    if not (low_ok and value < 1):
        bound = "[0, 1)" if allow_zero else "(0, 1)"
        raise ValueError(f"{name} must be in {bound}, got {value}")
    return float(value)


def _split(
    X: np.ndarray,
    y: np.ndarray,
    *,
    name: str,
    feature_names,
    target_names,
    test_size: float,
    val_size: float,
    seed: int,
    scale: str,
) -> Split:
    from sklearn.model_selection import train_test_split

    test_size = _check_fraction("test_size", test_size, allow_zero=False)
    val_size = _check_fraction("val_size", val_size, allow_zero=True)
    if test_size + val_size >= 1:
        raise ValueError(f"test_size + val_size must be < 1, got {test_size} + {val_size}")
    if scale not in ("standard", "unit", "none"):
        raise ValueError(f"scale must be one of 'standard', 'unit', 'none', got {scale!r}")
    from ..config import _check_seed

    seed = _check_seed(seed)
    n_classes = len(np.unique(y))
    for arg, frac in (("test_size", test_size), ("val_size", val_size)):
        if frac > 0 and frac * len(y) < n_classes:
            raise ValueError(f"{arg}={frac} leaves fewer than one example per class "
                             f"({len(y)} examples, {n_classes} classes); use at least "
                             f"{n_classes / len(y):.3f}")
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    X_val = y_val = None
    if val_size > 0:
        X_rest, X_val, y_rest, y_val = train_test_split(
            X_rest, y_rest, test_size=val_size / (1 - test_size), stratify=y_rest,
            random_state=seed,
        )
    X_train, y_train = X_rest, y_rest
    if scale == "standard":
        mean = X_train.mean(axis=0)
        std = X_train.std(axis=0)
        std[std == 0] = 1.0
        transform = lambda A: (A - mean) / std  # noqa: E731
    elif scale == "unit":
        top = np.abs(X_train).max()
        transform = lambda A: A / top  # noqa: E731
    else:
        transform = lambda A: A  # noqa: E731
    as32 = lambda A: None if A is None else transform(A).astype(np.float32)  # noqa: E731
    return Split(
        X_train=as32(X_train), y_train=y_train.astype(np.int64),
        X_test=as32(X_test), y_test=y_test.astype(np.int64),
        X_val=as32(X_val), y_val=None if y_val is None else y_val.astype(np.int64),
        feature_names=tuple(str(f) for f in feature_names),
        target_names=tuple(str(t) for t in target_names),
        name=name,
    )


def load_digits_split(
    test_size: float = 0.2, val_size: float = 0.0, seed: int = 0, scale: str = "unit"
) -> Split:
    """scikit-learn's bundled digits (1,797 images, 64 pixels in 0..16, 10 classes), split and scaled.

    ``scale="unit"`` divides pixels by the training maximum (16), ``"standard"`` standardises each
    pixel with training statistics, ``"none"`` leaves raw counts.
    """
    from sklearn.datasets import load_digits

    ds = load_digits()
    return _split(
        ds.data.astype(np.float64), ds.target, name="digits",
        feature_names=ds.feature_names, target_names=[str(t) for t in ds.target_names],
        test_size=test_size, val_size=val_size, seed=seed, scale=scale,
    )


def load_breast_cancer_split(
    test_size: float = 0.2, val_size: float = 0.0, seed: int = 0, scale: str = "standard"
) -> Split:
    """scikit-learn's bundled breast-cancer set (569 patients x 30 features), split and standardised.

    Labels follow scikit-learn: 0 = malignant, 1 = benign.
    """
    from sklearn.datasets import load_breast_cancer

    ds = load_breast_cancer()
    return _split(
        ds.data.astype(np.float64), ds.target, name="breast_cancer",
        feature_names=ds.feature_names, target_names=ds.target_names,
        test_size=test_size, val_size=val_size, seed=seed, scale=scale,
    )


def rng(seed: int) -> np.random.Generator:
    """A NumPy Generator for a synthetic data generator; every generator here takes one seed."""
    from ..config import _check_seed

    return np.random.default_rng(_check_seed(seed))

"""CKKS inference against the plaintext model: close at Δ = 2⁴⁰, far off at the tutorial's 2²¹, and a
polynomial sigmoid that holds only on its interval."""

from __future__ import annotations

import numpy as np
import pytest

ts = pytest.importorskip("tenseal")

from course_lib.data import load_breast_cancer_split  # noqa: E402
from course_lib.encrypted.ckks import (  # noqa: E402
    POLY_RANGE,
    ciphertext_bytes,
    ckks_context,
    encrypt_columns,
    encrypted_logits,
    fit_sigmoid_polynomial,
    run_encrypted_inference,
    sigmoid,
)

POLY_CHAIN = (60, 40, 40, 40, 38)  # depth 3: the logits (1) and the cubic (2), within 218 bits


@pytest.fixture(scope="module")
def model():
    from sklearn.linear_model import LogisticRegression

    data = load_breast_cancer_split(seed=0)  # standardised with training statistics
    clf = LogisticRegression(max_iter=5000).fit(data.X_train, data.y_train)
    X = data.X_test.astype(np.float64)
    w, b = clf.coef_[0].astype(np.float64), float(clf.intercept_[0])
    return X, w, b, X @ w + b


@pytest.fixture(scope="module")
def encrypted_run(model):
    X, w, b, _ = model
    return run_encrypted_inference(ckks_context(), X, w, b)


def test_ckks_logits_match_plaintext_and_every_prediction_agrees(model, encrypted_run):
    _, _, _, z = model
    error = np.abs(encrypted_run.logits - z)
    assert error.max() < 1e-4
    assert error.max() > 0  # approximate arithmetic: never bit-exact
    assert np.array_equal(encrypted_run.logits > 0, z > 0)
    assert np.abs(z).max() > 5  # a real model: the logits are not all near the threshold


def test_costs_are_counted(model, encrypted_run):
    X = model[0]
    r = encrypted_run
    assert r.bytes_up > X.shape[1] * 100_000  # one ciphertext of several hundred kB per feature
    assert 0 < r.bytes_down < r.bytes_up
    assert r.ms_per_sample > 0 and min(r.encrypt_s, r.compute_s, r.decrypt_s) > 0


def test_tutorial_scale_gives_large_logit_errors(model, encrypted_run):
    X, w, b, z = model
    small = run_encrypted_inference(ckks_context(8192, (40, 21, 21, 21, 21, 21, 21, 40), 21), X, w, b)
    small_error = np.abs(small.logits - z).max()
    assert small_error > 0.05
    assert small_error > 1_000 * np.abs(encrypted_run.logits - z).max()


def test_rows_layout_gives_the_same_logits(model):
    X, w, b, z = model
    rows = run_encrypted_inference(ckks_context(galois_keys=True), X[:3], w, b, layout="rows")
    assert np.abs(rows.logits - z[:3]).max() < 1e-4
    assert rows.bytes_up > 3 * 100_000


def test_polynomial_sigmoid_holds_inside_its_interval_and_fails_outside():
    grid = np.linspace(-10, 10, 201)
    ctx = ckks_context(8192, POLY_CHAIN, 40)
    r = run_encrypted_inference(ctx, grid[:, None], np.ones(1), 0.0, polynomial=fit_sigmoid_polynomial())
    error = np.abs(r.logits - sigmoid(grid))
    inside, outside = np.abs(grid) <= POLY_RANGE, np.abs(grid) >= 8
    assert error[inside].max() < 0.05
    assert error[outside].min() > 0.5  # diverged: far from the sigmoid's 0 or 1
    assert np.all((r.logits[outside] > 0.5) != (grid[outside] > 0))  # the prediction flips
    plain = np.polyval(fit_sigmoid_polynomial()[::-1], grid)
    assert np.abs(r.logits - plain).max() < 1e-2  # CKKS computed the polynomial itself faithfully


def test_polynomial_coefficients_are_close_to_the_literatures_cubic():
    c = fit_sigmoid_polynomial()
    assert c[0] == 0.5 and c[2] == 0 and 0.15 < c[1] < 0.25 and -0.01 < c[3] < 0


def test_ciphertext_bytes_grow_with_the_ring():
    small = ts.ckks_vector(ckks_context(4096, (40, 20, 40), 20), [1.0])
    large = ts.ckks_vector(ckks_context(), [1.0])
    assert ciphertext_bytes(large) > 2 * ciphertext_bytes(small)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    (dict(poly_modulus_degree=5000), ValueError, "poly_modulus_degree must be one of"),
    (dict(poly_modulus_degree=8192.0), TypeError, "poly_modulus_degree"),
    (dict(coeff_mod_bit_sizes=(60, 60, 60, 60)), ValueError, "at most 218 bits"),
    (dict(coeff_mod_bit_sizes=(60,)), ValueError, "at least 2 primes"),
    (dict(coeff_mod_bit_sizes="60,40"), TypeError, "sequence of ints"),
    (dict(coeff_mod_bit_sizes=(60, 40, 40, 61)), ValueError, r"\[17, 60\]"),
    (dict(scale_bits=60), ValueError, "below the first prime"),
    (dict(scale_bits=0), ValueError, "scale_bits"),
])
def test_context_rejects_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        ckks_context(**kwargs)


def test_inference_rejects_bad_inputs(model):
    X, w, b, _ = model
    ctx = ckks_context()
    with pytest.raises(ValueError, match="X must be finite"):
        encrypt_columns(ctx, np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples"):
        encrypt_columns(ctx, np.ones(3))
    with pytest.raises(TypeError, match="real numbers"):
        encrypt_columns(ctx, np.array([["a"]]))
    cols = encrypt_columns(ctx, X[:2, :3])
    with pytest.raises(ValueError, match=r"w must have shape \(3,\)"):
        encrypted_logits(cols, w, b)
    with pytest.raises(ValueError, match="b must be a finite"):
        encrypted_logits(cols, w[:3], float("nan"))
    with pytest.raises(ValueError, match="layout"):
        run_encrypted_inference(ctx, X[:2], w, b, layout="diagonal")
    with pytest.raises(ValueError, match="degree must be odd"):
        fit_sigmoid_polynomial(4.0, 4)
    with pytest.raises(ValueError, match="bound"):
        fit_sigmoid_polynomial(-1.0)

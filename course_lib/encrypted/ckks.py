"""Encrypted logistic-regression inference with CKKS (TenSEAL).

CKKS (Cheon, Kim, Kim & Song 2017) encrypts vectors of real numbers. A plaintext vector of up to
``N/2`` values (``N`` = ``poly_modulus_degree``) is encoded as a polynomial with coefficients
``round(Δ · m)``, where ``Δ = 2^scale_bits`` is the **scale**, and encrypted with RLWE noise ``e``:
decryption returns ``m + e/Δ``. So every value carries an error of about ``|e|/Δ``; a larger scale
means a smaller error. Multiplying two encodings multiplies their scales (``Δ²``), and a
**rescale** divides by the next prime of the coefficient modulus (``coeff_mod_bit_sizes``, about
``Δ`` each) to return to ``Δ``. Each multiplication spends one of the middle primes: the chain
``[60, 40, 40, 60]`` allows a multiplicative depth of 2 at ``Δ = 2⁴⁰``; the outer primes hold the
integer part of the result (60 − 40 = 20 bits) and the key-switching special prime. The total must
stay within the 128-bit-security bound of the HE standard: 218 bits for ``N = 8192``.

The server here holds the model ``(w, b)`` in plaintext and computes on the client's encrypted
features ``x``: ``z = w·x + b`` needs one plaintext multiplication (depth 1). Two layouts:

* **columns** (SIMD across samples): feature ``j`` of up to ``N/2`` samples in one ciphertext;
  ``z = Σ_j w_j · ct_j + b`` evaluates every sample at once, no rotations needed;
* **rows** (one ciphertext per sample, as a client querying alone would send): ``ct.dot(w)`` needs
  rotations (Galois keys) to sum the slots, which makes it far slower per sample.

The sigmoid is not a polynomial. Either the client decrypts ``z`` and applies it itself (exact), or
the server evaluates a polynomial approximation inside CKKS (low-degree least-squares fits, as in
Kim et al. 2018; TenSEAL's logistic-regression tutorial uses ``σ(z) ≈ 0.5 + 0.197 z − 0.004 z³``),
which costs depth 2 more and is accurate only on the interval it was fitted on: a cubic diverges
outside it, and its predictions flip sign.

References:
    J. H. Cheon, A. Kim, M. Kim, Y. Song. Homomorphic encryption for arithmetic of approximate numbers.
    ASIACRYPT 2017.
    A. Benaissa, B. Retiat, B. Cebere, A. E. Belfedhal. TenSEAL: a library for encrypted tensor
    operations using homomorphic encryption. ICLR 2021 workshop (arXiv:2104.03152).
    M. Kim, Y. Song, S. Wang, Y. Xia, X. Jiang. Secure logistic regression based on homomorphic
    encryption. JMIR Med. Inform. 2018.
    M. Albrecht et al. Homomorphic encryption standard. 2018 (the 128-bit parameter bounds).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._validate import check_int

__all__ = [
    "MAX_COEFF_BITS",
    "POLY_RANGE",
    "CKKSResult",
    "ciphertext_bytes",
    "ckks_context",
    "decrypt_logits",
    "encrypt_columns",
    "encrypt_rows",
    "encrypted_logits",
    "encrypted_logits_rows",
    "encrypted_poly_sigmoid",
    "fit_sigmoid_polynomial",
    "require_tenseal",
    "run_encrypted_inference",
    "sigmoid",
]

#: The largest total coefficient-modulus size (bits) with 128-bit security, per ring degree
#: (Homomorphic Encryption Standard, 2018; SEAL enforces the same table).
MAX_COEFF_BITS = {4096: 109, 8192: 218, 16384: 438, 32768: 881}
#: The interval on which the degree-3 sigmoid polynomial is fitted (and valid).
POLY_RANGE = 4.0


def require_tenseal():
    """Import TenSEAL, or say clearly how to get it (the course pins it for Python 3.10-3.13)."""
    try:
        import tenseal
    except ImportError as exc:  # pragma: no cover - depends on the platform
        raise ImportError(
            "CKKS needs the TenSEAL package (tenseal==0.3.18; 0.3.16 on Python 3.10), which has wheels "
            "for Linux x86-64/aarch64 (glibc >= 2.28), Windows and macOS 14+ on Apple silicon. Run "
            "`python3 course.py setup` to install the course's pins; the Paillier and secret-sharing "
            "parts of notebook 11 work without it"
        ) from exc
    return tenseal


def ckks_context(
    poly_modulus_degree: int = 8192,
    coeff_mod_bit_sizes: Sequence[int] = (60, 40, 40, 60),
    scale_bits: int = 40,
    *,
    galois_keys: bool = False,
):
    """A CKKS context holding the secret key (the client's side).

    Defaults: ``N = 8192`` (4,096 slots), the modulus chain ``[60, 40, 40, 60]`` (200 bits, within
    the 218 allowed for 128-bit security, depth 2) and the scale ``Δ = 2⁴⁰``. ``galois_keys`` adds the
    rotation keys that :func:`encrypted_logits_rows` needs (slow to make, megabytes large).
    """
    ts = require_tenseal()
    n = check_int(poly_modulus_degree, "poly_modulus_degree", 1024)
    if n not in MAX_COEFF_BITS:
        raise ValueError(f"poly_modulus_degree must be one of {sorted(MAX_COEFF_BITS)}, got {n}")
    if isinstance(coeff_mod_bit_sizes, (str, bytes)) or not isinstance(coeff_mod_bit_sizes, Sequence):
        raise TypeError("coeff_mod_bit_sizes must be a sequence of ints (bits of each prime)")
    bits = [check_int(b, "coeff_mod_bit_sizes[i]", 17, 60) for b in coeff_mod_bit_sizes]
    if len(bits) < 2:
        raise ValueError(f"coeff_mod_bit_sizes must hold at least 2 primes, got {len(bits)}")
    if sum(bits) > MAX_COEFF_BITS[n]:
        raise ValueError(f"coeff_mod_bit_sizes must sum to at most {MAX_COEFF_BITS[n]} bits for "
                         f"poly_modulus_degree={n} (128-bit security), got {sum(bits)}")
    s = check_int(scale_bits, "scale_bits", 1, 60)
    if s >= bits[0]:
        raise ValueError(f"scale_bits must be below the first prime's {bits[0]} bits (room for the integer "
                         f"part), got {s}")
    ctx = ts.context(ts.SCHEME_TYPE.CKKS, n, coeff_mod_bit_sizes=bits)
    ctx.global_scale = 2.0**s
    if galois_keys:
        ctx.generate_galois_keys()
    return ctx


def _features(X, name: str = "X") -> np.ndarray:
    arr = np.asarray(X)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must have shape (n_samples >= 1, n_features >= 1), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def _weights(w, b, n_features: int) -> tuple[np.ndarray, float]:
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (n_features,):
        raise ValueError(f"w must have shape ({n_features},) (one weight per feature), got {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("w must be finite")
    if isinstance(b, bool) or not np.isscalar(b) or not np.isfinite(float(b)):
        raise ValueError(f"b must be a finite real number, got {b!r}")
    return w, float(b)


def encrypt_columns(context, X) -> list:
    """Encrypt a batch feature by feature: ciphertext ``j`` holds ``X[:, j]`` for every sample
    (``N/2`` samples fit one ciphertext; TenSEAL spreads a longer column over several)."""
    X = _features(X)
    ts = require_tenseal()
    return [ts.ckks_vector(context, X[:, j].tolist()) for j in range(X.shape[1])]


def encrypt_rows(context, X) -> list:
    """Encrypt a batch sample by sample: one ciphertext per row of ``X``."""
    X = _features(X)
    ts = require_tenseal()
    return [ts.ckks_vector(context, row.tolist()) for row in X]


def encrypted_logits(columns: Sequence, w, b):
    """``z = Σ_j w_j · ct_j + b`` on column-encrypted features: one ciphertext of logits (the
    server's work; ``w`` and ``b`` stay in plaintext on the server)."""
    if not isinstance(columns, Sequence) or not columns:
        raise ValueError("columns must be a non-empty list of CKKS vectors (see encrypt_columns)")
    w, b = _weights(w, b, len(columns))
    acc = columns[0] * float(w[0])
    for ct, wj in zip(columns[1:], w[1:]):
        acc += ct * float(wj)
    return acc + b


def encrypted_logits_rows(rows: Sequence, w, b) -> list:
    """``z_i = ct_i · w + b`` for row-encrypted samples (needs Galois keys for the slot sum)."""
    if not isinstance(rows, Sequence) or not rows:
        raise ValueError("rows must be a non-empty list of CKKS vectors (see encrypt_rows)")
    w, b = _weights(w, b, rows[0].size())
    wl = w.tolist()
    return [ct.dot(wl) + b for ct in rows]


def decrypt_logits(ciphertexts) -> np.ndarray:
    """Decrypt one ciphertext of logits (column layout) or a list of one-slot ciphertexts (rows)."""
    if isinstance(ciphertexts, Sequence):
        return np.array([ct.decrypt()[0] for ct in ciphertexts], dtype=np.float64)
    return np.asarray(ciphertexts.decrypt(), dtype=np.float64)


def sigmoid(z) -> np.ndarray:
    """``1 / (1 + e^−z)``, computed stably for large ``|z|``."""
    z = np.asarray(z, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -z))


def fit_sigmoid_polynomial(bound: float = POLY_RANGE, degree: int = 3) -> np.ndarray:
    """Least-squares fit of an odd polynomial ``0.5 + c₁z + c₃z³ + …`` to the sigmoid on a uniform grid
    over ``[−bound, bound]``. Returns the coefficients in increasing order (TenSEAL's ``polyval``)."""
    if isinstance(bound, bool) or not isinstance(bound, (int, float)) or not 0 < bound <= 64:
        raise ValueError(f"bound must be a number in (0, 64], got {bound!r}")
    degree = check_int(degree, "degree", 1, 15)
    if degree % 2 == 0:
        raise ValueError(f"degree must be odd (the sigmoid minus 1/2 is an odd function), got {degree}")
    z = np.linspace(-bound, bound, 2001)
    powers = np.stack([z**k for k in range(1, degree + 1, 2)], axis=1)
    odd, *_ = np.linalg.lstsq(powers, sigmoid(z) - 0.5, rcond=None)
    coeffs = np.zeros(degree + 1)
    coeffs[0] = 0.5
    coeffs[1::2] = odd
    return coeffs


def encrypted_poly_sigmoid(encrypted_z, coeffs=None):
    """``p(z)`` inside CKKS with the polynomial ``coeffs`` (default: the cubic fitted on
    ``[−4, 4]``). Degree 3 needs depth 2 on top of the logits' one: a chain like
    ``[60, 40, 40, 40, 38]`` (218 bits) instead of ``[60, 40, 40, 60]``."""
    coeffs = fit_sigmoid_polynomial() if coeffs is None else np.asarray(coeffs, dtype=np.float64)
    if coeffs.ndim != 1 or len(coeffs) < 2 or not np.all(np.isfinite(coeffs)):
        raise ValueError(f"coeffs must be a 1-D array of at least 2 finite numbers, got {coeffs!r}")
    return encrypted_z.polyval(coeffs.tolist())


def ciphertext_bytes(ciphertext) -> int:
    """Size of one serialized ciphertext in bytes (what goes over the network)."""
    return len(ciphertext.serialize())


@dataclass
class CKKSResult:
    """One encrypted-inference run on a batch, with what it cost."""

    logits: np.ndarray  # decrypted z (or p(z) for the polynomial variant)
    encrypt_s: float  # client: encryption
    compute_s: float  # server: the encrypted computation
    decrypt_s: float  # client: decryption
    bytes_up: int  # client -> server: the encrypted features
    bytes_down: int  # server -> client: the encrypted result

    @property
    def ms_per_sample(self) -> float:
        return 1000 * (self.encrypt_s + self.compute_s + self.decrypt_s) / len(self.logits)


def run_encrypted_inference(context, X, w, b, *, polynomial=None, layout: str = "columns") -> CKKSResult:
    """Encrypt ``X``, compute the logits (and ``polynomial`` of them, if given) under encryption,
    decrypt; time each step and count the bytes sent each way."""
    if layout not in ("columns", "rows"):
        raise ValueError(f"layout must be 'columns' or 'rows', got {layout!r}")
    X = _features(X)
    _weights(w, b, X.shape[1])
    t0 = time.perf_counter()
    enc = encrypt_columns(context, X) if layout == "columns" else encrypt_rows(context, X)
    t1 = time.perf_counter()
    if layout == "columns":
        out = encrypted_logits(enc, w, b)
        if polynomial is not None:
            out = encrypted_poly_sigmoid(out, polynomial)
    else:
        out = encrypted_logits_rows(enc, w, b)
        if polynomial is not None:
            out = [encrypted_poly_sigmoid(o, polynomial) for o in out]
    t2 = time.perf_counter()
    values = decrypt_logits(out)
    t3 = time.perf_counter()
    outs = out if isinstance(out, list) else [out]
    return CKKSResult(logits=values, encrypt_s=t1 - t0, compute_s=t2 - t1, decrypt_s=t3 - t2,
                      bytes_up=sum(ciphertext_bytes(c) for c in enc),
                      bytes_down=sum(ciphertext_bytes(c) for c in outs))

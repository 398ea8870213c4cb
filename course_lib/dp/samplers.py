"""Noise samplers for differential privacy: continuous Laplace and Gaussian, exact discrete ones.

Continuous (float64):

* ``laplace_noise(b)``: density ``exp(-|x| / b) / (2 b)``;
* ``gaussian_noise(sigma)``: density ``exp(-x**2 / (2 sigma**2)) / (sigma sqrt(2 pi))``.

These are as exact as float64 allows, and no more: a floating-point sample is not a real number,
and Mironov (2012), "On significance of the least significant bits for differential privacy",
shows that the gaps between floats can leak the secret. The discrete samplers do not have that
problem; they are *exact* (Canonne, Kamath & Steinke 2020, "The discrete Gaussian for
differential privacy", NeurIPS), using only uniform random integers and rational arithmetic:

* ``discrete_laplace(b)``: ``P(k) = (1 - e^(-1/b)) / (1 + e^(-1/b)) * e^(-|k| / b)`` for every integer
  ``k``; the same law as ``G1 - G2`` for independent geometrics with success probability
  ``1 - e^(-1/b)``; sampled with Algorithm 2 of Canonne et al.;
* ``discrete_gaussian(sigma)``: ``P(k) = e^(-k**2 / (2 sigma**2)) / sum_j e^(-j**2 / (2 sigma**2))``;
  sampled with Algorithm 3 of Canonne et al. (rejection from a discrete Laplace).

The parameter of a discrete sampler is used as an exact rational number: an ``int`` or a
``fractions.Fraction`` as given, a ``float`` as the binary fraction it stores (``Fraction(x)``, no
rounding), so the law sampled is exactly the one written above for that value.

Randomness: every sampler takes ``rng`` (a ``numpy.random.Generator``; ``None`` means
``np.random.default_rng()``) and ``secure``. With ``secure=True`` all random bits come from the
operating system (``secrets``), and ``rng`` is ignored. With a generator, results are reproducible;
the exact samplers then draw their integers from a ``random.Random`` seeded with 128 bits taken from
``rng``. Neither NumPy's generators nor the Mersenne Twister are cryptographically secure: use
``secure=True`` for a real release.
"""

from __future__ import annotations

import math
import random
import secrets
from fractions import Fraction

import numpy as np

from ._validate import as_fraction, check_positive, check_rng, check_size

MAX_DISCRETE_PARAMETER = 10**12  # keeps every discrete sample far inside int64

# --------------------------------------------------------------------------- sources of randomness

_SYSTEM_RANDOM = secrets.SystemRandom()


def _os_words(n: int) -> np.ndarray:
    """``n`` uniform 64-bit words from the operating system."""
    return np.frombuffer(secrets.token_bytes(8 * n), dtype="<u8").astype(np.uint64)


class _Source:
    """Uniform random numbers from a NumPy generator or, with ``secure=True``, from the OS."""

    def __init__(self, rng: np.random.Generator | None, secure: bool):
        self.rng = check_rng(rng, secure)  # None exactly when secure

    @property
    def secure(self) -> bool:
        return self.rng is None

    def uniform(self, shape: tuple[int, ...] = ()) -> np.ndarray:
        """Uniform on the grid ``{0, 1, ..., 2**53 - 1} / 2**53`` (so in ``[0, 1)``)."""
        if self.rng is not None:
            return self.rng.random(shape)
        words = _os_words(math.prod(shape)) >> np.uint64(11)
        return (words.astype(np.float64) * 2.0**-53).reshape(shape)

    def uniform_open(self, shape: tuple[int, ...] = ()) -> np.ndarray:
        """Uniform on ``{(2j + 1) / 2**53 : 0 <= j < 2**52}``: never 0, never 1 (for logarithms)."""
        if self.rng is not None:
            j = self.rng.integers(0, 2**52, size=shape, dtype=np.int64)
        else:
            j = (_os_words(math.prod(shape)) >> np.uint64(12)).astype(np.int64).reshape(shape)
        return (2 * j + 1).astype(np.float64) * 2.0**-53

    def integers(self, high: int, shape: tuple[int, ...] = ()) -> np.ndarray:
        """Uniform integers in ``{0, ..., high - 1}`` (``1 <= high <= 2**63``), exactly."""
        if self.rng is not None:
            return self.rng.integers(0, high, size=shape, dtype=np.int64)
        n = math.prod(shape)
        excess = 2**64 % high  # reject the top `excess` words so that every residue is equally likely
        out = np.empty(0, dtype=np.uint64)
        while out.size < n:
            words = _os_words(n - out.size + 8)
            out = np.concatenate([out, words[words < np.uint64(2**64 - excess)] if excess else words])
        return (out[:n] % np.uint64(high)).astype(np.int64).reshape(shape)

    def permutation(self, n: int) -> np.ndarray:
        """A uniformly random permutation of ``0..n-1`` (Fisher-Yates)."""
        if self.rng is not None:
            return self.rng.permutation(n)
        order = list(range(n))
        _SYSTEM_RANDOM.shuffle(order)
        return np.asarray(order, dtype=np.int64)

    def python_random(self) -> random.Random:
        """A ``random.Random`` for the exact integer algorithms (``randrange`` is exactly uniform)."""
        if self.rng is None:
            return _SYSTEM_RANDOM
        return random.Random(int.from_bytes(self.rng.bytes(16), "little"))


def _shape_or_scalar(x: np.ndarray, shape: tuple[int, ...] | None):
    return float(x) if shape is None else x


def _finite_noise(x, scale_name: str, scale: float):
    """``x`` if every sample is finite; else a ``ValueError``: the scale is too large for float64.

    A Laplace or Gaussian sample of scale ``b`` exceeds the float64 range (about 1.8e308) only when
    ``b`` itself is within a few hundred times of it; the error depends on the noise alone.
    """
    if not np.all(np.isfinite(x)):
        raise ValueError(
            f"{scale_name}={scale!r} is too large: a noise sample overflowed float64 (|x| > 1.8e308); "
            f"rescale the query (e.g. report it in larger units) so that the scale is smaller"
        )
    return x


# --------------------------------------------------------------------------- continuous samplers


def laplace_noise(scale: float, size=None, rng: np.random.Generator | None = None,
                  secure: bool = False) -> float | np.ndarray:
    """Laplace noise with density ``exp(-|x| / scale) / (2 scale)`` (mean 0, variance ``2 scale**2``).

    A float when ``size`` is None, else a float64 array of shape ``size``; a ``ValueError`` if a
    sample overflows float64 (only for a scale near 1e306 or more). With ``secure=True``:
    ``x = scale * S * E`` with a random sign ``S`` and ``E = -ln(U)``, ``U`` uniform in ``(0, 1)``
    from OS bits. Floating-point caveat: see the module docstring.
    """
    scale = check_positive(scale, "scale")
    shape = check_size(size)
    src = _Source(rng, secure)
    with np.errstate(over="ignore"):  # an overflow is refused by _finite_noise
        if not src.secure:
            return _finite_noise(src.rng.laplace(0.0, scale, size=shape), "scale", scale)
        full = () if shape is None else shape
        sign = np.where(src.uniform(full) < 0.5, -1.0, 1.0)
        x = scale * sign * -np.log(src.uniform_open(full))
    return _shape_or_scalar(_finite_noise(x, "scale", scale), shape)


def gaussian_noise(sigma: float, size=None, rng: np.random.Generator | None = None,
                   secure: bool = False) -> float | np.ndarray:
    """Gaussian noise ``N(0, sigma**2)``.

    A float when ``size`` is None, else a float64 array of shape ``size``; a ``ValueError`` if a
    sample overflows float64 (only for a sigma near 1e306 or more). With ``secure=True``:
    Box-Muller, ``sigma * sqrt(-2 ln U1) * cos(2 pi U2)`` with ``U1, U2`` uniform from OS bits.
    Floating-point caveat: see the module docstring.
    """
    sigma = check_positive(sigma, "sigma")
    shape = check_size(size)
    src = _Source(rng, secure)
    with np.errstate(over="ignore"):  # an overflow is refused by _finite_noise
        if not src.secure:
            return _finite_noise(src.rng.normal(0.0, sigma, size=shape), "sigma", sigma)
        full = () if shape is None else shape
        radius = np.sqrt(-2.0 * np.log(src.uniform_open(full)))
        x = sigma * radius * np.cos(2.0 * np.pi * src.uniform(full))
    return _shape_or_scalar(_finite_noise(x, "sigma", sigma), shape)


# --------------------------------------------------------------------------- exact discrete samplers
# Canonne, Kamath & Steinke (2020), Algorithms 1-3. Rationals are kept as integer pairs (num, den).


def _bernoulli(num: int, den: int, r: random.Random) -> bool:
    """True with probability exactly ``num / den`` (``0 <= num <= den``)."""
    return r.randrange(den) < num


def _bernoulli_exp_le1(num: int, den: int, r: random.Random) -> bool:
    """True with probability exactly ``exp(-num/den)`` for ``0 <= num/den <= 1`` (CKS Algorithm 1).

    Draw ``A_k ~ Bernoulli(gamma / k)`` for k = 1, 2, ... until the first 0, at index ``K``; then
    ``P(K > k) = gamma**k / k!``, so ``P(K odd) = sum_m (-gamma)**m / m! = exp(-gamma)``.
    """
    k = 1
    while _bernoulli(num, den * k, r):
        k += 1
    return k % 2 == 1


def _bernoulli_exp(num: int, den: int, r: random.Random) -> bool:
    """True with probability exactly ``exp(-num/den)`` for any ``num/den >= 0``.

    ``exp(-gamma) = exp(-1)**floor(gamma) * exp(-(gamma - floor(gamma)))``: a product of
    independent coins, stopping at the first failure.
    """
    while num > den:
        if not _bernoulli_exp_le1(1, 1, r):
            return False
        num -= den
    return _bernoulli_exp_le1(num, den, r)


def _discrete_laplace_one(t: int, s: int, r: random.Random) -> int:
    """One exact draw with ``P(z) proportional to exp(-|z| s / t)`` (CKS Algorithm 2; scale ``t/s``).

    ``U`` uniform on ``0..t-1`` accepted with probability ``exp(-U/t)``, plus ``t V`` with ``V``
    geometric (``P(V = v) proportional to exp(-v)``), gives ``X`` with ``P(x) ~ exp(-x/t)``;
    ``Y = floor(X / s)`` has ``P(y) ~ exp(-y s/t)``; a random sign, rejecting ``-0``, gives ``Z``.
    """
    while True:
        u = r.randrange(t)
        if not _bernoulli_exp(u, t, r):
            continue
        v = 0
        while _bernoulli_exp_le1(1, 1, r):
            v += 1
        y = (u + t * v) // s
        negative = r.getrandbits(1) == 1
        if negative and y == 0:
            continue
        return -y if negative else y


def _discrete_gaussian_one(sigma2_num: int, sigma2_den: int, t: int, r: random.Random) -> int:
    """One exact draw with ``P(y) ~ exp(-y**2 / (2 sigma2))``, ``sigma2 = num/den`` (CKS Algorithm 3).

    Propose ``Y`` from the discrete Laplace of scale ``t = floor(sigma) + 1``; accept with probability
    ``exp(-(|Y| - sigma2/t)**2 / (2 sigma2))``. With ``sigma2 = a/b`` that exponent is
    ``(|Y| b t - a)**2 / (2 a b t**2)``, a ratio of integers.
    """
    a, b = sigma2_num, sigma2_den
    den = 2 * a * b * t * t
    while True:
        y = _discrete_laplace_one(t, 1, r)
        if _bernoulli_exp((abs(y) * b * t - a) ** 2, den, r):
            return y


def _check_discrete(value, name: str) -> Fraction:
    x = as_fraction(value, name)
    if x > MAX_DISCRETE_PARAMETER:
        raise ValueError(f"{name} must be a finite number in (0, {MAX_DISCRETE_PARAMETER}], got {value!r}")
    return x


def _fill(draw, shape: tuple[int, ...] | None) -> int | np.ndarray:
    if shape is None:
        return int(draw())
    out = np.empty(math.prod(shape), dtype=np.int64)
    for i in range(out.size):
        out[i] = draw()
    return out.reshape(shape)


def discrete_laplace(scale: float | Fraction, size=None, rng: np.random.Generator | None = None,
                     secure: bool = False) -> int | np.ndarray:
    """Exact discrete Laplace noise: ``P(k) = (1 - q) / (1 + q) * q**|k|`` with ``q = exp(-1/scale)``.

    Support: all integers. The same law as ``G1 - G2`` for independent geometric variables with
    success probability ``1 - exp(-1/scale)``; variance ``2 q / (1 - q)**2``. Sampled exactly with
    Canonne, Kamath & Steinke (2020), Algorithm 2, for ``scale`` as an exact rational (``int``,
    ``Fraction``, or the exact value of a ``float``), ``0 < scale <= 10**12``.
    An int when ``size`` is None, else an int64 array of shape ``size``.
    """
    frac = _check_discrete(scale, "scale")
    shape = check_size(size)
    r = _Source(rng, secure).python_random()
    t, s = frac.numerator, frac.denominator
    return _fill(lambda: _discrete_laplace_one(t, s, r), shape)


def discrete_gaussian(sigma: float | Fraction, size=None, rng: np.random.Generator | None = None,
                      secure: bool = False) -> int | np.ndarray:
    """Exact discrete Gaussian noise: ``P(k) = exp(-k**2 / (2 sigma**2)) / Z`` over all integers ``k``.

    ``Z = sum_j exp(-j**2 / (2 sigma**2))``; the variance is slightly below ``sigma**2``. Sampled
    exactly with Canonne, Kamath & Steinke (2020), Algorithm 3, for ``sigma`` as an exact rational
    (``int``, ``Fraction``, or the exact value of a ``float``), ``0 < sigma <= 10**12``; a few
    microseconds per sample. An int when ``size`` is None, else an int64 array of shape ``size``.
    """
    frac = _check_discrete(sigma, "sigma")
    shape = check_size(size)
    r = _Source(rng, secure).python_random()
    sigma2 = frac * frac
    t = math.floor(frac) + 1
    return _fill(lambda: _discrete_gaussian_one(sigma2.numerator, sigma2.denominator, t, r), shape)

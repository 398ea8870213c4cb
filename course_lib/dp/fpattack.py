"""The floating-point attack on the textbook Laplace sampler, and two fixes (Mironov 2012).

A Laplace mechanism on a computer does not add a real number to ``x``: it adds a *double*, made by
a formula such as ::

    u     = k / 2**53,  k uniform in {1, ..., 2**53 - 1}      # uniform on a 53-bit grid in (0, 1)
    noise = sign * (-scale * ln(u))                            # sign = +1 or -1 with probability 1/2
    y     = fl(x + noise)                                      # the output, rounded to a double

The set of doubles ``y`` that this can return depends on ``x``: the noise values form a sparse,
irregular subset of the doubles (near ``|noise| = m`` consecutive grid points ``k`` give noise
values ``scale * e**(m / scale) / 2**53`` apart, always more than the spacing of the doubles
there, which is at most ``m / 2**52``), and adding ``x`` shifts that subset before rounding. So many
outputs of ``x1`` are *impossible* outputs of ``x0``: seeing one tells the attacker ``x1`` with
certainty, an infinite privacy loss, whatever ε the scale was calibrated for. For ``x0 = 0``,
``x1 = 1`` and scale 1 (ε = 1) about 60 % of the outputs of ``x1`` are impossible for ``x0``,
and about 66 % the other way round. ``could_produce`` is that attacker's exact membership test
and ``attack_success`` measures how often it succeeds.
NumPy's ``rng.laplace(x, scale)`` has the same weakness (it also returns ``x + float noise``);
``naive_laplace`` spells the sampler out so that the attack can invert it bit for bit.

Two fixes make the set of possible outputs the same for every input:

* ``snapping_laplace`` (Mironov 2012, Sec. 5.2): clamp ``x`` to ``[-B, B]``, add Laplace noise made
  from a full-precision uniform, round to the nearest multiple of ``Λ`` (the smallest power of two
  ``>= scale``) and clamp again. Mironov's Theorem 1 proves ``(1/λ + 2**-49 * B/λ)``-DP for a
  sensitivity-1 query when ``λ < B < 2**46 * λ``;
* ``grid_laplace``: work on a grid of step ``γ`` with integer noise from the *discrete* Laplace
  distribution (a difference of two geometric variables), so that every output ``γ * j`` is
  reachable from every input.

References:
    I. Mironov. On significance of the least significant bits for differential privacy.
    CCS 2012 (the attack; Sec. 5.2 and Theorem 1: the snapping mechanism).
    A. Ghosh, T. Roughgarden, M. Sundararajan. Universally utility-maximizing privacy mechanisms.
    STOC 2009 (the two-sided geometric, i.e. discrete Laplace, mechanism).
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import check_finite, check_generator, check_int, check_positive

GRID_BITS = 53
MECHANISMS = ("naive", "snapping", "grid")

_GRID = 2**GRID_BITS  # u = k / 2**53 with k in [1, 2**53 - 1]
_INV_GRID = 2.0**-GRID_BITS
_MARGIN = 8  # extra grid steps on each side of the attacker's window (see could_produce)
_MAX_WINDOW = 4096  # most grid points tested for one output
_BATCH = 2**20  # candidates evaluated at once
_MIN_EXPONENT = 1022  # the full-precision uniform stops at the smallest normal double, 2**-1022


# --------------------------------------------------------------------------- validation helpers


def _check_scale(scale) -> float:
    return check_positive(scale, "scale")


def _check_bound(bound, scale: float) -> float:
    b = check_positive(bound, "bound")
    if not scale < b < 2.0**46 * scale:
        raise ValueError(
            f"bound must be in (scale, 2**46 * scale) = ({scale!r}, {2.0**46 * scale!r}) "
            f"for Mironov's guarantee, got {bound!r}"
        )
    return b


# --------------------------------------------------------------------------- the naive sampler


def _magnitude(k: np.ndarray, scale: float) -> np.ndarray:
    """``-scale * ln(k / 2**53)`` in float64, exactly as the sampler and the attacker compute it.

    Both always call ``np.log`` on a contiguous float64 array, so they get the same bits.
    """
    u = np.ascontiguousarray(k, dtype=np.float64) * _INV_GRID  # exact: k < 2**53, times a power of 2
    return (-scale) * np.log(u)


def naive_laplace_many(x: float, scale: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` outputs of the textbook floating-point Laplace sampler on input ``x`` (float64 array).

    ``u = k / 2**53`` with ``k = rng.integers(1, 2**53)``, a random sign ``s``, and
    ``y = fl(x + s * (-scale * ln u))``: Laplace(x, scale) up to rounding, but with the holes in
    its support that ``could_produce`` finds. Draws all ``k`` first, then all signs.
    """
    x = check_finite(x, "x")
    scale = _check_scale(scale)
    n = check_int(n, "n", 0)
    rng = check_generator(rng)
    k = rng.integers(1, _GRID, size=n)
    sign = rng.integers(0, 2, size=n) * 2.0 - 1.0
    return x + sign * _magnitude(k, scale)


def naive_laplace(x: float, scale: float, rng: np.random.Generator) -> float:
    """One output of the textbook floating-point Laplace sampler; see ``naive_laplace_many``."""
    return float(naive_laplace_many(x, scale, 1, rng)[0])


def _window(y: np.ndarray, x: float, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Integer grid points ``[lo, hi]`` that contain every ``k`` whose noise can round to ``y``."""
    d = np.abs(y - x)
    # |noise - d| <= e1: rounding of x + noise to y (half a spacing of y) and of y - x to d.
    e = 0.5 * np.spacing(np.abs(y)) + 0.5 * np.spacing(d)
    # The float noise is within ~3 spacings of -scale*ln(u) (log within 2 ulp, one product): take 8.
    e = e + 8.0 * np.spacing(d + e)
    with np.errstate(over="ignore", under="ignore"):
        lo = np.floor(_GRID * np.exp(-(d + e) / scale)) - _MARGIN
        hi = np.ceil(_GRID * np.exp(-(d - e) / scale)) + _MARGIN
    lo = np.clip(lo, 1, _GRID - 1).astype(np.int64)
    hi = np.clip(hi, 1, _GRID - 1).astype(np.int64)
    wide = hi - lo + 1 > _MAX_WINDOW
    if np.any(wide):  # only when |y| is thousands of times the scale: test the middle
        with np.errstate(under="ignore"):
            centre = np.clip(np.round(_GRID * np.exp(-d[wide] / scale)), 1, _GRID - 1).astype(np.int64)
        lo[wide] = np.clip(centre - _MAX_WINDOW // 2, 1, _GRID - _MAX_WINDOW)
        hi[wide] = lo[wide] + _MAX_WINDOW - 1
    return lo, hi


def _hits(y: np.ndarray, x: float, scale: float, sign: float) -> np.ndarray:
    """For each ``y``: does some ``k`` in its window give exactly ``fl(x + sign * noise(k)) == y``?"""
    lo, hi = _window(y, x, scale)
    widths = hi - lo + 1
    found = np.zeros(y.shape, dtype=bool)
    buckets = np.ceil(np.log2(widths)).astype(np.int64)  # similar widths together, at most _BATCH at once
    for bucket in np.unique(buckets):
        idx = np.flatnonzero(buckets == bucket)
        step = max(1, _BATCH // 2 ** int(bucket))
        for start in range(0, idx.size, step):
            rows = idx[start:start + step]
            # rows narrower than the batch repeat their last grid point: harmless
            cand = np.minimum(lo[rows, None] + np.arange(int(widths[rows].max())), hi[rows, None])
            found[rows] = np.any(x + sign * _magnitude(cand, scale) == y[rows, None], axis=1)
    return found


def _naive_reachable(y: np.ndarray, x: float, scale: float) -> np.ndarray:
    """Vectorised ``could_produce``: a boolean array, one entry per output in ``y``."""
    out = np.zeros(y.shape, dtype=bool)
    for sign, side in ((1.0, y >= x), (-1.0, y <= x)):  # y == x: either sign, the noise was tiny
        rows = np.flatnonzero(side)
        if rows.size:
            out[rows] |= _hits(y[rows], x, scale, sign)
    return out


def could_produce(y: float, x: float, scale: float) -> bool:
    """Can ``naive_laplace(x, scale, rng)`` return exactly ``y``? The attacker's test (Mironov 2012).

    The sign is that of ``y - x`` (both when ``y == x``). The noise was ``d = |y - x|`` up to the
    rounding of ``x + noise`` to ``y`` and of ``y - x`` to ``d`` (half a spacing of ``|y|`` and of
    ``d`` each), and the float noise is within a few spacings of the exact ``-scale * ln(u)``
    (``np.log`` is accurate to about one ulp, then one rounded product); a margin of 8 spacings of
    ``d`` covers it. Inverting ``u = e**(-noise/scale)`` over that noise interval gives an
    interval of grid points ``k = u * 2**53``; ``exp`` and the division add at most a few grid
    steps of error, covered by 8 more steps on each side. Every ``k`` in the window is then tried
    with the sampler's own arithmetic, and the answer is True when one of them reproduces ``y``
    bit for bit. So an output that ``x`` really produced is never rejected (zero false negatives),
    and True is only returned with a witness ``k`` (zero false positives).

    The window holds about 30 grid points for ``|x|`` within a few scales, and grows like ``|y|/scale``
    (about 500 at ``|x| = 1000 * scale``). When it would hold more than 4096 (``|y|`` beyond about
    3000 scales), the 4096 around the central estimate are tried: the window is then dominated by
    the rounding cell of ``y`` and its middle lies deep inside that cell, so a real output is still
    recognised (checked at ``x = 10**4`` and ``10**6`` scales).
    """
    y = check_finite(y, "y")
    x = check_finite(x, "x")
    scale = _check_scale(scale)
    return bool(_naive_reachable(np.array([y]), x, scale)[0])


# --------------------------------------------------------------------------- fix 1: snapping


def snapping_lambda(scale: float) -> float:
    """``Λ``: the smallest power of two ``>= scale`` (the snapping grid step, Mironov 2012)."""
    scale = _check_scale(scale)
    mantissa, exponent = math.frexp(scale)  # scale = mantissa * 2**exponent, mantissa in [0.5, 1)
    return scale if mantissa == 0.5 else math.ldexp(1.0, exponent)


def snapping_epsilon(scale: float, bound: float) -> float:
    """The ε that Mironov's Theorem 1 guarantees: ``1/λ + 2**-49 * B/λ`` (sensitivity 1, λ < B < 2**46 λ).

    For a query of sensitivity ``Δ`` apply the mechanism to ``f / Δ`` (scale and bound in units
    of ``Δ``). The theorem assumes a correctly rounded logarithm; ``np.log`` is within about one
    ulp, which the snapping to ``Λ`` hides in practice but is not covered by the proof.
    """
    scale = _check_scale(scale)
    bound = _check_bound(bound, scale)
    return 1.0 / scale + 2.0**-49 * bound / scale


def _uniform_full_precision(n: int, rng: np.random.Generator) -> np.ndarray:
    """Mironov's ``U*``: each double in ``(0, 1)`` with probability proportional to its spacing.

    Exponent ``G >= 1`` with ``P(G = g) = 2**-g`` (a fair coin's waiting time), then 52 uniform
    mantissa bits: ``u = (1 + M / 2**52) * 2**-G`` is uniform over the doubles of ``[2**-G, 2**(1-G))``,
    and that binade has probability ``2**-G``, its length. Stops at the smallest normal double.
    """
    g = np.minimum(rng.geometric(0.5, size=n), _MIN_EXPONENT)
    m = rng.integers(0, 2**52, size=n)
    return np.ldexp(1.0 + m * 2.0**-52, -g)


def snapping_laplace_many(
    x: float, scale: float, bound: float, n: int, rng: np.random.Generator
) -> np.ndarray:
    """``n`` outputs of Mironov's snapping mechanism (float64 array); see ``snapping_laplace``."""
    x = check_finite(x, "x")
    scale = _check_scale(scale)
    bound = _check_bound(bound, scale)
    n = check_int(n, "n", 0)
    rng = check_generator(rng)
    lam = snapping_lambda(scale)
    u = _uniform_full_precision(n, rng)
    sign = rng.integers(0, 2, size=n) * 2.0 - 1.0
    z = np.clip(x, -bound, bound) + sign * ((-scale) * np.log(u))
    return np.clip(np.round(z / lam) * lam, -bound, bound)  # z / Λ and the product are exact


def snapping_laplace(x: float, scale: float, bound: float, rng: np.random.Generator) -> float:
    """Mironov's snapping mechanism: ``clamp_B(round_Λ(clamp_B(x) + s * scale * (-ln U*)))``.

    ``U*`` is uniform over the doubles in (0, 1) weighted by their spacing (full precision down to
    ``2**-1022``, so the noise tail is not truncated at ``36.7 * scale`` as with a 53-bit grid),
    ``s`` a random sign, ``Λ = snapping_lambda(scale)`` and rounding is to the nearest multiple of
    ``Λ``. Every output is a multiple of ``Λ`` (or ``±B``) in ``[-B, B]``, and every such value is
    reachable from every input, so the attack of ``could_produce`` has nothing to find. Privacy:
    ``snapping_epsilon(scale, bound) = 1/λ + 2**-49 * B/λ`` for sensitivity 1 (Mironov 2012, Thm 1),
    which requires ``scale < bound < 2**46 * scale``.
    """
    return float(snapping_laplace_many(x, scale, bound, 1, rng)[0])


def could_produce_snapping(y: float, x: float, scale: float, bound: float) -> bool:
    """Can ``snapping_laplace(x, scale, bound, rng)`` return ``y``?

    Yes when ``y`` is a multiple of ``Λ`` in ``[-B, B]`` (or ``±B`` itself) within reach of the
    noise from ``clamp_B(x)``: ``|y - clamp_B(x)| <= 1022 * ln(2) * scale + Λ``, the largest noise
    plus one grid step. Near that reach the answer is approximate, but outputs there have
    probability below ``2**-1000``; inside it, the noise takes values in every interval of length
    ``Λ >= scale``, so every grid point is reachable.
    """
    y = check_finite(y, "y")
    x = check_finite(x, "x")
    scale = _check_scale(scale)
    bound = _check_bound(bound, scale)
    return bool(_snapping_reachable(np.array([y]), x, scale, bound)[0])


def _snapping_reachable(y: np.ndarray, x: float, scale: float, bound: float) -> np.ndarray:
    lam = snapping_lambda(scale)
    on_grid = (np.round(y / lam) * lam == y) | (np.abs(y) == bound)
    reach = _MIN_EXPONENT * math.log(2.0) * scale + lam
    return on_grid & (np.abs(y) <= bound) & (np.abs(y - np.clip(x, -bound, bound)) <= reach)


# --------------------------------------------------------------------------- fix 2: a grid


def _check_granularity(granularity) -> float:
    return check_positive(granularity, "granularity")


def _geometric(t: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of ``G`` on {0, 1, 2, ...} with ``P(G >= g) = e**(-g / t)`` (as float64 integers).

    Inversion: ``G = floor(-ln(u) * t)`` with ``u = k / 2**53``, ``k`` uniform in ``[1, 2**53]``,
    because ``P(-ln u >= g / t) = P(u <= e**(-g/t))``. The 53-bit grid only rounds the probabilities
    at the ``2**-53`` level and caps ``G`` at ``floor(53 * ln(2) * t)``; the support is the same for
    every input, which is all the attack looks at.
    """
    k = rng.integers(1, _GRID, size=n, endpoint=True)
    return np.floor(-np.log(np.ascontiguousarray(k, dtype=np.float64) * _INV_GRID) * t)


def _geometric_max(t: float) -> float:
    """The largest value ``_geometric`` can return (at ``k = 1``), with the same arithmetic."""
    return float(np.floor(-np.log(np.array([_INV_GRID])) * t)[0])


def grid_epsilon(scale: float, granularity: float, sensitivity: float = 1.0) -> float:
    """The ε of ``grid_laplace`` for a query of the given sensitivity: ``ceil(Δ/γ) * γ / scale``.

    Neighbouring inputs land on grid indices at most ``ceil(Δ/γ)`` apart (``floor(a + 1/2) -
    floor(b + 1/2) <= ceil(a - b)``), and discrete Laplace noise with ``P(K = k) ∝ e**(-|k| γ/scale)``
    pays ``γ/scale`` per index. Equal to ``Δ/scale`` when ``γ`` divides ``Δ``. Assumes ``x / γ`` is
    computed exactly, which holds when ``γ`` is a power of two.
    """
    scale = _check_scale(scale)
    granularity = _check_granularity(granularity)
    sensitivity = check_positive(sensitivity, "sensitivity")
    return math.ceil(sensitivity / granularity) * granularity / scale


def grid_laplace_many(
    x: float, scale: float, granularity: float, n: int, rng: np.random.Generator
) -> np.ndarray:
    """``n`` outputs of ``grid_laplace`` (float64 array). Draws all ``G1``, then all ``G2``."""
    x = check_finite(x, "x")
    scale = _check_scale(scale)
    granularity = _check_granularity(granularity)
    n = check_int(n, "n", 0)
    rng = check_generator(rng)
    t = scale / granularity
    base = math.floor(x / granularity + 0.5)
    k = _geometric(t, n, rng) - _geometric(t, n, rng)
    return granularity * (base + k)


def grid_laplace(x: float, scale: float, granularity: float, rng: np.random.Generator) -> float:
    """Discrete Laplace on a grid: ``γ * (floor(x/γ + 1/2) + K)`` with ``K = G1 - G2``.

    ``G1, G2`` are independent geometric variables with ``P(G >= g) = q**g``, ``q = e**(-γ/scale)``,
    so ``P(K = k) = (1 - q)/(1 + q) * q**|k|``: the discrete Laplace distribution with scale
    ``scale/γ`` grid steps (Ghosh et al. 2009). The output is always a multiple of ``γ`` and every
    multiple in reach is possible from every input. ε: ``grid_epsilon(scale, granularity, Δ)``,
    i.e. ``Δ/scale`` when ``γ`` divides ``Δ``. Choose ``γ`` a power of two well below ``scale``
    (e.g. ``2**-10 * scale``) for an output as accurate as the continuous Laplace mechanism.
    """
    return float(grid_laplace_many(x, scale, granularity, 1, rng)[0])


def could_produce_grid(y: float, x: float, scale: float, granularity: float) -> bool:
    """Can ``grid_laplace(x, scale, granularity, rng)`` return exactly ``y``?

    Yes iff ``y = fl(γ * j)`` for an integer ``j`` with ``|j - floor(x/γ + 1/2)|`` at most the
    largest geometric draw (``floor(53 * ln(2) * scale/γ)``): exact, with the sampler's arithmetic.
    """
    y = check_finite(y, "y")
    x = check_finite(x, "x")
    scale = _check_scale(scale)
    granularity = _check_granularity(granularity)
    return bool(_grid_reachable(np.array([y]), x, scale, granularity)[0])


def _grid_reachable(y: np.ndarray, x: float, scale: float, granularity: float) -> np.ndarray:
    j = np.round(y / granularity)
    base = math.floor(x / granularity + 0.5)
    return (granularity * j == y) & (np.abs(j - base) <= _geometric_max(scale / granularity))


# --------------------------------------------------------------------------- the attack


def attack_success(
    x0: float,
    x1: float,
    scale: float,
    n: int,
    rng: np.random.Generator,
    mechanism: str = "naive",
    bound: float | None = None,
    granularity: float | None = None,
) -> dict:
    """How often one output identifies the input with certainty (Mironov 2012).

    Draws ``n`` outputs from ``x1``, then ``n`` from ``x0``, with ``mechanism`` = ``"naive"``
    (``naive_laplace``), ``"snapping"`` (``snapping_laplace``, needs ``bound``) or ``"grid"``
    (``grid_laplace``, needs ``granularity``), and asks the exact membership test of that mechanism
    whether the other input could have produced each output. Returns a dict with

    * ``impossible_from_x0``: fraction of ``x1``'s outputs that ``x0`` cannot produce;
    * ``impossible_from_x1``: fraction of ``x0``'s outputs that ``x1`` cannot produce;
    * ``success``: their mean, the probability that an attacker who sees one output (input chosen
      by a fair coin) names the input with certainty; any value above 0 is an infinite privacy loss;
    * ``mechanism`` and ``n``.
    """
    x0 = check_finite(x0, "x0")
    x1 = check_finite(x1, "x1")
    scale = _check_scale(scale)
    n = check_int(n, "n", 1)
    rng = check_generator(rng)
    if not isinstance(mechanism, str) or mechanism not in MECHANISMS:
        raise ValueError(f"mechanism must be one of {', '.join(map(repr, MECHANISMS))}, got {mechanism!r}")
    if mechanism == "naive":
        def sample(x):
            return naive_laplace_many(x, scale, n, rng)

        def reachable(y, x):
            return _naive_reachable(y, x, scale)
    elif mechanism == "snapping":
        if bound is None:
            raise ValueError(
                "bound must be given (a number in (scale, 2**46 * scale)) for mechanism='snapping'"
            )
        bound = _check_bound(bound, scale)

        def sample(x):
            return snapping_laplace_many(x, scale, bound, n, rng)

        def reachable(y, x):
            return _snapping_reachable(y, x, scale, bound)
    else:
        if granularity is None:
            raise ValueError("granularity must be given (a number > 0) for mechanism='grid'")
        granularity = _check_granularity(granularity)

        def sample(x):
            return grid_laplace_many(x, scale, granularity, n, rng)

        def reachable(y, x):
            return _grid_reachable(y, x, scale, granularity)
    y1 = sample(x1)
    y0 = sample(x0)
    from_x0 = float(np.mean(~reachable(y1, x0)))
    from_x1 = float(np.mean(~reachable(y0, x1)))
    return {
        "mechanism": mechanism,
        "n": n,
        "impossible_from_x0": from_x0,
        "impossible_from_x1": from_x1,
        "success": (from_x0 + from_x1) / 2,
    }

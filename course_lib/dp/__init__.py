"""Differential privacy, from the definition to an audit.

- ``calibration``  noise scales: Laplace Δ/ε; Gaussian σ, classic (ε < 1) and analytic (Balle & Wang 2018)
- ``samplers``     continuous and exact discrete noise (Canonne, Kamath & Steinke 2020), seeded or from
                   the operating system (``secure=True``)
- ``mechanisms``   Laplace, Gaussian, geometric, discrete Gaussian, exponential / report-noisy-max /
                   permute-and-flip, randomized response (binary and k-ary) with unbiased estimators
- ``queries``      count, sum, mean, histogram with bounds fixed in advance; ``PrivacyWarning``
- ``accounting``   basic, advanced and parallel composition; ``RDPAccountant`` (subsampled Gaussian,
                   matching Opacus); ``PrivacyBudget`` that refuses to be overspent
- ``prv``          ``PRVAccountant``: the privacy loss distribution of DP-SGD composed by FFT (Gopi et
                   al. 2021), with proven lower and upper bounds on ε; tighter than RDP
- ``audit``        empirical lower bounds on ε with Clopper–Pearson intervals; broken mechanisms to catch
- ``fpattack``     Mironov's (2012) floating-point attack on naive Laplace noise, and its fixes
- ``sgd``          DP-SGD: per-example gradients (torch.func), clipping, noise, Poisson sampling, and a
                   training loop tied to the accountant and the budget
- ``ghost``        the clipped gradient sum from one backward pass (ghost norms, book-keeping), which
                   ``sgd`` uses whenever the model's layers allow it

Import from the submodules, e.g. ``from course_lib.dp.mechanisms import laplace_mechanism``; the most
used names are also re-exported here.
"""

from .accounting import (
    Accountant,
    BudgetExceededError,
    PrivacyBudget,
    RDPAccountant,
    advanced_composition,
    basic_composition,
    parallel_composition,
)
from .calibration import gaussian_delta, gaussian_sigma, laplace_scale
from .mechanisms import (
    exponential_mechanism,
    gaussian_mechanism,
    laplace_mechanism,
    randomized_response,
    rr_estimate,
)
from .prv import PRVAccountant
from .queries import PrivacyWarning, dp_count, dp_histogram, dp_mean, dp_sum

__all__ = [
    "Accountant", "BudgetExceededError", "PRVAccountant", "PrivacyBudget", "PrivacyWarning", "RDPAccountant",
    "advanced_composition", "basic_composition", "dp_count", "dp_histogram", "dp_mean", "dp_sum",
    "exponential_mechanism",
    "gaussian_delta", "gaussian_mechanism", "gaussian_sigma", "laplace_mechanism", "laplace_scale",
    "parallel_composition", "randomized_response", "rr_estimate",
]

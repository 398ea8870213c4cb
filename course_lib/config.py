"""Run-time settings shared by every notebook: FAST mode, seeds, device and threads.

FAST mode shrinks data sets, epochs and repetitions so that a notebook runs in well under a
minute on two CPU cores; the test suite and CI always use it. It comes from the ``COURSE_FAST``
environment variable (``1``/``true``/``yes``/``on`` or ``0``/``false``/``no``/``off``) and a
notebook's ``parameters`` cell can override it (papermill sets it there).
"""

from __future__ import annotations

import os
import random
from typing import Any

import numpy as np

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def fast_mode(environ: dict[str, str] | None = None) -> bool:
    """Return FAST mode as read from ``COURSE_FAST`` (unset means full mode)."""
    env = os.environ if environ is None else environ
    raw = env.get("COURSE_FAST", "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(
        f"COURSE_FAST={env.get('COURSE_FAST')!r} is not understood; "
        "use one of 1/true/yes/on or 0/false/no/off"
    )


FAST: bool = fast_mode()

MAX_SEED = 2**32 - 1


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int in [0, {MAX_SEED}], got {type(seed).__name__}")
    if not 0 <= int(seed) <= MAX_SEED:
        raise ValueError(f"seed must be in [0, {MAX_SEED}], got {seed}")
    return int(seed)


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python's, NumPy's and PyTorch's generators (importing torch, ~4 s the first time); return
    a fresh NumPy Generator.

    Prefer passing the returned generator around explicitly; the global seeds are set too so
    that library code that draws from global state is reproducible as well.
    """
    seed = _check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - deliberately seeds legacy global state too
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a core dependency
        pass
    else:
        torch.manual_seed(seed)
    return np.random.default_rng(seed)


def device(prefer: str | None = None):
    """The torch device to use: CUDA when present, else CPU.

    ``prefer`` (or the ``COURSE_DEVICE`` environment variable) may force ``"cpu"`` or ``"cuda"``;
    asking for CUDA on a machine without it is an error rather than a silent fallback.
    """
    import torch

    choice = (prefer if prefer is not None else os.environ.get("COURSE_DEVICE", "")).strip().lower()
    if choice in ("", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice == "cpu":
        return torch.device("cpu")
    if choice == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("device 'cuda' was requested but torch.cuda.is_available() is False")
        return torch.device("cuda")
    raise ValueError(f"device must be one of 'auto', 'cpu', 'cuda', got {choice!r}")


def set_threads(n: int = 1) -> int:
    """Set PyTorch's intra-op thread count (default 1) and return the previous value.

    Small models (digits MLPs, logistic regression) run several times *slower* with two threads
    than with one on a two-core machine, so notebooks start with ``set_threads(1)``; raise it for
    large matrix products.
    """
    import torch

    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n (threads) must be an int >= 1, got {n!r}")
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    return previous

"""Helpers shared by the checkers."""

from __future__ import annotations

import numpy as np

from ..spec import CheckFailure


def repeat_calls(fn, args: tuple, times: int, copy: tuple[int, ...] = ()):
    """The outputs of ``times`` calls ``fn(*args)``, one at a time, the arguments at positions ``copy``
    copied afresh for each call (the others shared, as in a loop).

    The batch grader's stand-in for a learner's function runs them in a few batches in its child
    process instead of one message per call; in a notebook this is a plain loop."""
    batched = getattr(fn, "repeat", None)
    if batched is not None:
        yield from batched(tuple(args), times, copy=tuple(copy))
        return
    for _ in range(times):
        yield fn(*(a.copy() if i in copy else a for i, a in enumerate(args)))


def expect_drawn_from_rng(outputs, call: str, what: str, one: str, drawn: str, same=None) -> None:
    """``outputs``: what three calls returned with generators seeded s, s and another seed. The first two
    must be equal and the third different: the randomness comes from the ``rng`` argument. ``what`` and
    ``one`` name the outputs (plural, singular), ``drawn`` what is drawn; ``same`` compares two outputs
    (default: ``np.array_equal``)."""
    same = same or np.array_equal
    first, again, other = outputs
    if not same(first, again):
        raise CheckFailure(f"{call}: two generators with the same seed gave different {what}",
                           hint=f"Draw {drawn} from the rng argument, not from np.random.")
    if same(first, other):
        raise CheckFailure(f"{call}: generators with different seeds gave the same {one}",
                           hint=f"Draw {drawn} from the rng argument, not from a generator of your own.")


def expect_error(fn, args, kinds, what: str) -> None:
    """Fail unless ``fn(*args)`` raises one of ``kinds`` (a bad input must be rejected)."""
    try:
        fn(*args)
    except kinds:
        return
    except Exception as exc:  # the wrong kind of error
        raise CheckFailure(
            f"{what}: raised {type(exc).__name__}, expected " + " or ".join(k.__name__ for k in kinds)
        ) from None
    raise CheckFailure(f"{what}: returned normally, but this input is invalid and must be rejected")


def as_array(value, call: str, *, dtype=None, shape=None) -> np.ndarray:
    """``value`` as a NumPy array, failing with a clear message on the wrong type, dtype or shape."""
    if not isinstance(value, np.ndarray):
        raise CheckFailure(f"{call} returned {type(value).__name__}, expected a numpy array")
    if dtype is not None and value.dtype != dtype:
        raise CheckFailure(f"{call} returned dtype {value.dtype}, expected {np.dtype(dtype).name}")
    if shape is not None and value.shape != tuple(shape):
        raise CheckFailure(f"{call} returned shape {value.shape}, expected {tuple(shape)}")
    return value

"""The course's plot style: readable defaults, built from plain rcParams.

Built-in style names come and go between matplotlib releases (the ``seaborn-*`` names vanished in
3.8 and broke a well-known DP book), so the course sets the few rcParams it cares about itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

# Colour-blind-safe palette (Okabe & Ito, 2008).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

STYLE: dict[str, object] = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
}


def use_course_style() -> None:
    """Apply the course style globally (for the rest of the notebook)."""
    import matplotlib as mpl

    mpl.rcParams.update(STYLE)
    mpl.rcParams["axes.prop_cycle"] = mpl.cycler(color=list(PALETTE))


@contextmanager
def course_style() -> Iterator[None]:
    """Apply the course style inside a ``with`` block only."""
    import matplotlib as mpl

    with mpl.rc_context():
        use_course_style()
        yield

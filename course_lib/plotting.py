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


# Chinese text in figures (the Chinese edition): a CJK-capable font, or a clear warning, never empty boxes.
CJK_FONT_PACKAGES = "fonts-noto-cjk or fonts-wqy-microhei"
# Simplified-Chinese fonts first. matplotlib 3.10 reads the first face of a .ttc only, which for Debian's
# fonts-noto-cjk is the Japanese one: it draws Chinese too, with Japanese shapes for a few characters.
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
                "Microsoft YaHei", "PingFang SC", "Heiti SC", "SimHei", "Noto Sans CJK JP")
CJK_SAMPLE = "中文隐私"


class CJKFontWarning(UserWarning):
    """No installed font has Chinese characters: Chinese labels would render as empty boxes."""


def find_cjk_font() -> str | None:
    """The family name of an installed font that draws Chinese characters, or None. Fonts installed
    after matplotlib built its font cache are found too."""
    from matplotlib import font_manager as fm
    from matplotlib import ft2font

    def covers(path: str) -> bool:
        try:
            font = ft2font.FT2Font(path)
        except (OSError, RuntimeError, ValueError):
            return False
        return all(font.get_char_index(ord(ch)) for ch in CJK_SAMPLE)

    def scan() -> str | None:
        paths = {f.name: f.fname for f in fm.fontManager.ttflist}
        preferred = [n for n in CJK_FAMILIES if n in paths]
        return next((n for n in preferred + sorted(set(paths) - set(preferred)) if covers(paths[n])), None)

    found = scan()
    if found is None:
        known = {f.fname for f in fm.fontManager.ttflist}
        for path in fm.findSystemFonts():
            if path not in known:
                try:
                    fm.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        found = scan()
    return found


def use_cjk_font() -> str | None:
    """Let matplotlib draw Chinese text: the current font for Latin text, an installed CJK font for the
    rest. Return the CJK font's name; warn (CJKFontWarning, naming the package to install) and return
    None when there is none."""
    import matplotlib as mpl
    from matplotlib import font_manager as fm

    cjk = find_cjk_font()
    if cjk is None:
        import warnings

        warnings.warn(f"No installed font has Chinese characters, so Chinese text in figures would show "
                      f"as empty boxes. Install one ({CJK_FONT_PACKAGES} on Debian/Ubuntu: "
                      f"`sudo apt install fonts-wqy-microhei`), then restart the kernel.", CJKFontWarning,
                      stacklevel=2)
        return None
    latin = fm.FontProperties(fname=fm.findfont(fm.FontProperties(family=mpl.rcParams["font.family"])))
    mpl.rcParams["font.family"] = [latin.get_name(), cjk]
    return cjk

"""Figure labels in the course's languages.

A translated notebook runs the English notebook's code unchanged except for one line of its
``parameters`` cell, ``LANGUAGE = "zh"``; its figures take their labels through
``T = figure_labels(LANGUAGE)``, so the same code draws English or Chinese text. Chinese switches
matplotlib to an installed CJK font (:func:`course_lib.plotting.use_cjk_font`, which warns, naming the
package to install, when there is none). A label without a translation is an error naming it, so a
figure never mixes languages silently.
"""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("en", "zh")

# Terms follow docs/glossary.md (隐私损失, 剪枝, 稀疏 ...).
FIGURE_LABELS_ZH = {
    # notebook 00
    "client's private image": "客户端的私有图像",
    "rebuilt from its gradient": "由其梯度重建",
    "record = 1": "记录 = 1",
    "record = 5": "记录 = 5",
    "released value of one record": "一条记录的发布值",
    "noisy output": "加噪输出",
    "density": "密度",
    "measured ln P(out>t|5)/P(out>t|1)": "实测 ln P(out>t|5)/P(out>t|1)",
    "claimed epsilon = 1": "声称的 ε = 1",
    "true privacy loss = 4": "真实隐私损失 = 4",
    "what an attacker learns": "攻击者能得知什么",
    "threshold t": "阈值 t",
    "log probability ratio": "对数概率比",
    "original weights": "原始权重",
    "after article's Pruning": "原文 Pruning 之后",
    "after article's Sparse": "原文 Sparse 之后",
    "weight": "权重",
}


def figure_labels(language: str) -> Callable[[str], str]:
    """A function from an English figure label to the label in ``language`` ("en" or "zh")."""
    if language == "en":
        return lambda label: label
    if language == "zh":
        from .plotting import use_cjk_font

        use_cjk_font()

        def zh(label: str) -> str:
            try:
                return FIGURE_LABELS_ZH[label]
            except KeyError:
                raise KeyError(f"figure label {label!r} has no Chinese translation: add it to "
                               "course_lib.i18n.FIGURE_LABELS_ZH") from None

        return zh
    raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")

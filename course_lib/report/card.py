"""A report card: the four evaluation criteria of protection, measured on one model.

The source article ends by listing how to evaluate protection — **data leakage**, **resistance to
model attacks**, **the privacy guarantee achieved**, **performance** — without a method. A card
holds one :class:`Measure` per number, each with its interval (or spread) and how it was obtained,
so that a reader can check it and a comparison can tell a difference from noise:

* leakage: personal data that survives the data pipeline (the masking detector run on what is
  released, recall against the planted truth), canary exposure;
* attacks: membership TPR at 1 % and 0.1 % FPR with Clopper-Pearson intervals (whatever attack
  produced the scores: LiRA where shadow models are affordable), robust accuracy under FGSM/PGD;
* guarantee: the accountant's ε beside an empirical lower bound (one-run audit); the card is
  **flagged** when the lower bound contradicts the claim;
* performance: accuracy with its interval, model bytes and latency relative to a baseline measured in
  the same run.

The measures are computed by the course's own functions (``course_lib.attacks``, ``course_lib.masking``,
``course_lib.compression``); this module only collects, checks and renders them. Nothing is computed
twice: attack scores are passed in, so several cards can share one set of shadow models.
"""

from __future__ import annotations

import html
import json
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from ..attacks.membership import check_eval, roc_auc, tpr_at_fpr
from ..attacks.memorisation import OneRunAudit
from ..dp.audit import clopper_pearson

CRITERIA = ("leakage", "attacks", "guarantee", "performance")


@dataclass(frozen=True)
class Measure:
    """One number of a card: ``value`` with its interval ``[low, high]`` (None when it has none),
    which direction is ``better``, and ``how`` it was obtained (method, data, seed)."""

    criterion: str
    name: str
    value: float
    low: float | None = None
    high: float | None = None
    unit: str = ""
    better: str = "lower"
    how: str = ""
    flag: str = ""  # non-empty: this number contradicts a claim or fails a stated requirement

    def __post_init__(self):
        if self.criterion not in CRITERIA:
            raise ValueError(f"criterion must be one of {CRITERIA}, got {self.criterion!r}")
        if self.better not in ("lower", "higher"):
            raise ValueError(f"better must be 'lower' or 'higher', got {self.better!r}")
        if not isinstance(self.value, (int, float, np.integer, np.floating)) or math.isnan(self.value):
            raise ValueError(f"{self.name}: value must be a number (not NaN), got {self.value!r}")
        if (self.low is None) != (self.high is None):
            raise ValueError(f"{self.name}: give both ends of the interval or neither")
        if self.low is not None and not self.low <= self.value <= self.high:
            raise ValueError(f"{self.name}: value {self.value} lies outside its interval "
                             f"[{self.low}, {self.high}]")

    def text(self) -> str:
        def fmt(v):
            if self.unit == "%":
                return f"{100 * v:.1f} %"
            if math.isinf(v):
                return "∞"
            return f"{v:.3g}{(' ' + self.unit) if self.unit else ''}"

        interval = "" if self.low is None else f" [{fmt(self.low)}, {fmt(self.high)}]"
        return fmt(self.value) + interval


@dataclass
class ReportCard:
    """The measures of one model, by criterion, with any flags; renders to Markdown, HTML and JSON."""

    title: str
    measures: list[Measure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self):
        names = [m.name for m in self.measures]
        if len(set(names)) != len(names):
            repeated = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"a card holds each measure once; repeated: {repeated}")

    def __getitem__(self, name: str) -> Measure:
        for m in self.measures:
            if m.name == name:
                return m
        raise KeyError(f"{name!r} is not on the card {self.title!r}; it has "
                       f"{[m.name for m in self.measures]}")

    def __contains__(self, name: str) -> bool:
        return any(m.name == name for m in self.measures)

    @property
    def flags(self) -> list[str]:
        return [f"{m.name}: {m.flag}" for m in self.measures if m.flag]

    def to_dict(self) -> dict:
        return {"title": self.title, "measures": [asdict(m) for m in self.measures],
                "notes": list(self.notes), "flags": self.flags}

    def to_json(self) -> str:
        """A small JSON for comparisons (infinite values written as the string "inf")."""
        def clean(v):
            if isinstance(v, float) and math.isinf(v):
                return "inf" if v > 0 else "-inf"
            if isinstance(v, dict):
                return {k: clean(x) for k, x in v.items()}
            if isinstance(v, list):
                return [clean(x) for x in v]
            return v

        return json.dumps(clean(self.to_dict()), indent=1, ensure_ascii=False)

    def to_markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        for flag in self.flags:
            lines.append(f"> **FLAG** — {flag}")
        if self.flags:
            lines.append("")
        lines += ["| criterion | measure | value [95 % interval] | better | how |", "|---|---|---|---|---|"]
        for c in CRITERIA:
            for m in (m for m in self.measures if m.criterion == c):
                mark = " ⚠" if m.flag else ""
                lines.append(f"| {c} | {m.name}{mark} | {m.text()} | {m.better} | {m.how} |")
        lines += [f"\n{n}" for n in self.notes]
        return "\n".join(lines)

    def to_html(self) -> str:
        esc = html.escape
        flagged = ' style="background:#fdd"'
        rows = "".join(
            f"<tr{flagged if m.flag else ''}><td>{esc(m.criterion)}</td><td>{esc(m.name)}</td>"
            f"<td>{esc(m.text())}</td><td>{esc(m.better)}</td><td>{esc(m.how)}</td></tr>"
            for c in CRITERIA for m in self.measures if m.criterion == c)
        flags = "".join(f"<p><strong>FLAG</strong> — {esc(f)}</p>" for f in self.flags)
        notes = "".join(f"<p>{esc(n)}</p>" for n in self.notes)
        return (f"<div class='report-card'><h4>{esc(self.title)}</h4>{flags}<table><thead><tr>"
                "<th>criterion</th><th>measure</th><th>value [95 % interval]</th><th>better</th><th>how</th>"
                f"</tr></thead><tbody>{rows}</tbody></table>{notes}</div>")

    def _repr_html_(self) -> str:
        return self.to_html()


# --------------------------------------------------------------------------- the criteria


def membership_measures(member_scores, nonmember_scores, attack: str, *, how: str = "") -> list[Measure]:
    """TPR at 1 % FPR (and 0.1 % when there are at least 1,000 non-members) with Clopper-Pearson
    intervals, and the AUC, of one membership attack's scores."""
    out = []
    n_out = len(np.asarray(nonmember_scores).ravel())
    for fpr in (0.01, 0.001):
        if n_out * fpr < 1:
            continue
        r = tpr_at_fpr(member_scores, nonmember_scores, fpr)
        out.append(Measure("attacks", f"membership TPR at {fpr:.1%} FPR ({attack})", r.tpr, r.low, r.high,
                           "%", "lower", how or f"{r.n_members} members, {r.n_nonmembers} non-members"))
    out.append(Measure("attacks", f"membership AUC ({attack})", roc_auc(member_scores, nonmember_scores),
                       unit="", better="lower", how="averages every threshold: read the TPRs"))
    return out


def accuracy_measure(model: torch.nn.Module, X, y, *, name: str = "test accuracy",
                     criterion: str = "performance", how: str = "") -> Measure:
    """Accuracy of ``model`` on ``(X, y)`` with a Clopper-Pearson interval."""
    check_eval(model)
    X = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    y = np.asarray(y)
    with torch.no_grad():
        correct = int((model(X).argmax(1).numpy() == y).sum())
    low, high = clopper_pearson(correct, len(y))
    return Measure(criterion, name, correct / len(y), low, high, "%", "higher", how or f"{len(y)} examples")


def auc_measure(model: torch.nn.Module, X, y, *, name: str = "test AUC", how: str = "") -> Measure:
    """Area under the ROC curve of a binary classifier's score ``logit_1 - logit_0`` on ``(X, y)``, with
    the Hanley & McNeil (1982) normal interval: the utility measure when one class is rare and accuracy
    would reward predicting the common class for everyone."""
    check_eval(model)
    y = np.asarray(y).astype(int)
    if set(np.unique(y)) - {0, 1} or len(np.unique(y)) < 2:
        raise ValueError("y must hold both labels of a binary task (0 and 1)")
    with torch.no_grad():
        z = model(torch.as_tensor(np.asarray(X), dtype=torch.float32)).double()
    score = (z[:, 1] - z[:, 0]).numpy()
    a = roc_auc(score[y == 1], score[y == 0])
    n1, n0 = int((y == 1).sum()), int((y == 0).sum())
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    se = math.sqrt((a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a)) / (n1 * n0))
    return Measure("performance", name, a, max(0.0, a - 1.96 * se), min(1.0, a + 1.96 * se), "", "higher",
                   how or f"{n1} positives, {n0} negatives; Hanley-McNeil interval")


def robustness_measures(model: torch.nn.Module, X, y, eps: float, *, norm: str = "linf", steps: int = 20,
                        clip: tuple[float, float] | None = (0.0, 1.0), seed: int = 0) -> list[Measure]:
    """Accuracy under FGSM and PGD (``steps`` steps, random start) at budget ``eps``; inputs are kept in
    ``clip`` (pixels in [0, 1]; None for features without a range)."""
    from ..attacks.evasion import fgsm, pgd

    X = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    y_t = torch.as_tensor(np.asarray(y))
    out = []
    gen = torch.Generator().manual_seed(seed)
    attacks = {"FGSM": lambda: fgsm(model, X, y_t, eps, clip=clip),
               f"PGD-{steps}": lambda: pgd(model, X, y_t, eps, norm=norm, steps=steps, clip=clip,
                                           generator=gen)}
    if norm != "linf":
        attacks.pop("FGSM")
    for name, attack in attacks.items():
        out.append(accuracy_measure(model, attack(), y, name=f"accuracy under {name}, {norm} ε = {eps:g}",
                                    criterion="attacks", how=f"{len(y)} test examples, seed {seed}"))
    return out


def guarantee_measures(claimed_epsilon: float, delta: float, audit: OneRunAudit | None = None, *,
                       accountant: str = "RDP") -> list[Measure]:
    """The claimed ε (∞ without DP) and, when an audit ran, its lower bound — flagged when it
    contradicts the claim (an audit can refute a claim, never certify one)."""
    how = f"{accountant} accountant, δ = {delta:g}" if math.isfinite(claimed_epsilon) else "no DP"
    out = [Measure("guarantee", "claimed ε", float(claimed_epsilon), unit="", better="lower", how=how)]
    if audit is not None:
        flag = (f"the audit's lower bound {audit.epsilon_lower_bound:.2f} exceeds the claimed ε "
                f"{claimed_epsilon:.2f}: the training is not as private as claimed"
                if audit.epsilon_lower_bound > claimed_epsilon else "")
        out.append(Measure("guarantee", "audited ε lower bound", audit.epsilon_lower_bound, better="lower",
                           how=f"one-run audit, {audit.m} canaries, {audit.confidence:.0%} confidence",
                           flag=flag))
    return out


def leakage_measures(released_texts: Sequence[str] | None = None,
                     truth: Sequence[Sequence[str]] | None = None,
                     exposure_bits: dict[str, float] | None = None, *,
                     detector: bool = True) -> list[Measure]:
    """What leaks before any model: personal values still readable in the released texts.

    ``released_texts``: what the pipeline publishes; the masking detector is run on it (values it
    finds). ``truth``: for each text, the personal values that were in it before masking — the share
    still present verbatim is the pipeline's miss rate (with an interval). ``exposure_bits``: canary
    exposure per canary, from :func:`course_lib.attacks.memorisation.exposure_of_secret`.
    ``detector=False`` skips the detector's re-check (for a release nobody masked, ``truth`` says it all).
    """
    from ..masking import detect

    out = []
    if released_texts is not None and detector:
        found = sum(len(detect(t)) for t in released_texts)
        out.append(Measure("leakage", "values the detector still finds in the release", float(found),
                           better="lower", how=f"masking.detect on {len(released_texts)} released texts"))
    if released_texts is not None and truth is not None:
        if len(truth) != len(released_texts):
            raise ValueError("truth must hold one list of values per released text")
        total = sum(len(v) for v in truth)
        left = sum(sum(value in text for value in values) for text, values in zip(released_texts, truth))
        if total:
            low, high = clopper_pearson(left, total)
            out.append(Measure("leakage", "planted personal values left in the release", left / total,
                               low, high, "%", "lower", f"{total} planted values, verbatim"))
    for name, bits in (exposure_bits or {}).items():
        out.append(Measure("leakage", f"canary exposure ({name})", float(bits), unit="bits", better="lower",
                           how="exact rank among every candidate of the secret's format"))
    return out


def _median_seconds(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def performance_measures(model: torch.nn.Module, X_test, y_test, *, model_bytes: int | None = None,
                         baseline: torch.nn.Module | None = None, baseline_bytes: int | None = None,
                         repeats: int = 15) -> list[Measure]:
    """Accuracy with its interval; bytes (``model_bytes`` when the caller counted a compressed format,
    else 4 bytes per parameter) and latency on the test batch, relative to ``baseline`` measured in
    the same call (interleaved repeats, medians)."""
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be an int >= 1, got {repeats!r}")
    out = [accuracy_measure(model, X_test, y_test)]
    size = model_bytes if model_bytes is not None else 4 * sum(p.numel() for p in model.parameters())
    out.append(Measure("performance", "model bytes", float(size), unit="B", better="lower",
                       how="as stored" if model_bytes is not None else "fp32 parameters"))
    if baseline is not None:
        check_eval(baseline)
        base = (baseline_bytes if baseline_bytes is not None
                else 4 * sum(p.numel() for p in baseline.parameters()))
        out.append(Measure("performance", "bytes relative to the baseline", size / base, unit="×",
                           better="lower", how="same count for both"))
        X = torch.as_tensor(np.asarray(X_test), dtype=torch.float32)
        with torch.no_grad():
            for m in (model, baseline):  # warm-up
                m(X)
            ratios = []
            for _ in range(repeats):
                t_model = _median_seconds(lambda: model(X), 3)
                t_base = _median_seconds(lambda: baseline(X), 3)
                ratios.append(t_model / t_base)
        lo, hi = np.quantile(ratios, [0.1, 0.9])
        med = float(statistics.median(ratios))
        out.append(Measure("performance", "latency relative to the baseline", med, float(min(lo, med)),
                           float(max(hi, med)), "×", "lower",
                           f"median of {repeats} interleaved runs on the test batch (10–90 % range)"))
    return out


def report_card(title: str, *, model: torch.nn.Module, test, membership=None, robustness=None,
                guarantee=None, leakage=None, baseline=None, model_bytes=None, baseline_bytes=None,
                notes=()) -> ReportCard:
    """One model's card. ``test``: ``(X, y)``; ``membership``: ``(member_scores, nonmember_scores,
    attack_name)``; ``robustness``: ``dict(eps=..., norm=...)`` evaluated on ``test``; ``guarantee``:
    ``dict(epsilon=..., delta=..., audit=OneRunAudit or None)``; ``leakage``: keyword arguments of
    :func:`leakage_measures`; ``baseline``: the fp32 model the bytes and latency are relative to."""
    X, y = test
    measures: list[Measure] = []
    if leakage:
        measures += leakage_measures(**leakage)
    if membership is not None:
        measures += membership_measures(*membership)
    if robustness is not None:
        measures += robustness_measures(model, X, y, **robustness)
    if guarantee is not None:
        measures += guarantee_measures(guarantee["epsilon"], guarantee.get("delta", 0.0),
                                       guarantee.get("audit"))
    measures += performance_measures(model, X, y, model_bytes=model_bytes, baseline=baseline,
                                     baseline_bytes=baseline_bytes)
    return ReportCard(title, measures, list(notes))


# --------------------------------------------------------------------------- comparing cards


def compare(cards: Sequence[ReportCard], names: Sequence[str] | None = None) -> str:
    """A Markdown table: one row per measure, one column per card (a measure a card lacks is "—")."""
    if not cards:
        raise ValueError("cards must not be empty")
    names = list(names) if names is not None else sorted({m.name for c in cards for m in c.measures},
                                                         key=lambda n: _first_position(cards, n))
    head = "| criterion | measure | " + " | ".join(c.title for c in cards) + " |"
    lines = [head, "|---|---|" + "---|" * len(cards)]
    for n in names:
        first = next(c[n] for c in cards if n in c)
        cells = [(c[n].text() + (" ⚠" if c[n].flag else "")) if n in c else "—" for c in cards]
        lines.append(f"| {first.criterion} | {n} ({first.better} is better) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _first_position(cards, name):
    order = {c: i for i, c in enumerate(CRITERIA)}
    for card in cards:
        for i, m in enumerate(card.measures):
            if m.name == name:
                return (order[m.criterion], i)
    return (len(CRITERIA), 0)


def plot_tradeoff(cards: Sequence[ReportCard], utility: str, leakage: str, ax=None):
    """One point per card: ``utility`` (x) against ``leakage`` (y), both with their intervals."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(6, 4))[1]
    for card in cards:
        u, lk = card[utility], card[leakage]
        xerr = None if u.low is None else [[u.value - u.low], [u.high - u.value]]
        yerr = None if lk.low is None else [[lk.value - lk.low], [lk.high - lk.value]]
        ax.errorbar(u.value, lk.value, xerr=xerr, yerr=yerr, fmt="o", capsize=3, label=card.title)
    ax.set(xlabel=f"{utility} ({cards[0][utility].better} is better)",
           ylabel=f"{leakage} ({cards[0][leakage].better} is better)")
    ax.legend(fontsize=8)
    return ax

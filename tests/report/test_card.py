"""Report cards: every number carries its interval and provenance, a contradicted claim is flagged,
nothing is invented, and the renderings and comparisons say the same as the measures."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from course_lib.attacks.membership import tpr_at_fpr
from course_lib.attacks.memorisation import OneRunAudit
from course_lib.data import load_digits_split
from course_lib.models import mlp, train
from course_lib.report import (
    Measure,
    ReportCard,
    auc_measure,
    compare,
    guarantee_measures,
    leakage_measures,
    membership_measures,
    performance_measures,
    plot_tradeoff,
    report_card,
)


@pytest.fixture(scope="module")
def digits_model():
    d = load_digits_split(seed=0, scale="none")
    torch.manual_seed(0)
    model = mlp(64, (32,), 10)
    train(model, d.X_train / 16, d.y_train, epochs=10, lr=3e-3, seed=0)
    return model.eval(), (d.X_test / 16, d.y_test)


def test_a_measure_refuses_what_would_mislead():
    with pytest.raises(ValueError, match="criterion"):
        Measure("speed", "x", 1.0)
    with pytest.raises(ValueError, match="outside its interval"):
        Measure("performance", "acc", 0.9, 0.91, 0.95)
    with pytest.raises(ValueError, match="both ends"):
        Measure("performance", "acc", 0.9, 0.8, None)
    with pytest.raises(ValueError, match="not NaN"):
        Measure("performance", "acc", float("nan"))
    with pytest.raises(ValueError, match="repeated"):
        ReportCard("x", [Measure("performance", "a", 1.0), Measure("performance", "a", 2.0)])


def test_the_membership_measures_are_the_attack_functions_numbers():
    gen = np.random.default_rng(0)
    s_in, s_out = gen.normal(0.5, 1, 3000), gen.normal(0, 1, 3000)
    ms = {m.name: m for m in membership_measures(s_in, s_out, "LiRA")}
    r = tpr_at_fpr(s_in, s_out, 0.01)
    m = ms["membership TPR at 1.0% FPR (LiRA)"]
    assert (m.value, m.low, m.high) == (r.tpr, r.low, r.high)
    assert "membership TPR at 0.1% FPR (LiRA)" in ms
    # too few non-members for 0.1 %: that measure is left out, not made up
    names = [m.name for m in membership_measures(s_in, s_out[:500], "loss")]
    assert not any("0.1%" in n for n in names) and any("1.0%" in n for n in names)


def _audit(bound):
    return OneRunAudit(bound, 1.0, 1e-5, 0.95, 500, 100, 90)


def test_a_contradicted_claim_is_flagged_everywhere_and_an_honest_one_is_not():
    honest = ReportCard("honest", guarantee_measures(1.0, 1e-5, _audit(0.4)))
    broken = ReportCard("broken", guarantee_measures(1.0, 1e-5, _audit(2.5)))
    assert honest.flags == [] and len(broken.flags) == 1 and "not as private as claimed" in broken.flags[0]
    assert "FLAG" in broken.to_markdown() and "FLAG" not in honest.to_markdown()
    assert "FLAG" in broken.to_html() and json.loads(broken.to_json())["flags"] == broken.flags
    table = compare([honest, broken])
    assert "⚠" in table.splitlines()[-1] and table.count("⚠") == 1
    no_dp = ReportCard("none", guarantee_measures(math.inf, 0.0))
    assert json.loads(no_dp.to_json())["measures"][0]["value"] == "inf" and no_dp["claimed ε"].text() == "∞"


def test_leakage_counts_what_is_left_against_the_truth():
    released = ["Patient <PERSON>, SSN <US_SSN>.", "Call 415-555-0132 about card <CREDIT_CARD>."]
    truth = [["Jane Roe", "417-62-5938"], ["415-555-0132", "4111111111111111"]]
    ms = {m.name: m for m in leakage_measures(released, truth, {"SSN, 4 copies": 16.6})}
    left = ms["planted personal values left in the release"]
    assert left.value == 0.25 and left.low < 0.25 < left.high
    assert ms["canary exposure (SSN, 4 copies)"].value == 16.6
    assert ms["values the detector still finds in the release"].value >= 1  # the phone number
    with pytest.raises(ValueError, match="one list of values per released text"):
        leakage_measures(released, truth[:1])


def test_a_whole_card_for_a_model_and_its_comparison(digits_model):
    model, (X, y) = digits_model
    half = torch.nn.Sequential(*[torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10)]).eval()
    with torch.no_grad():
        for a, b in zip(half.parameters(), model.parameters()):
            a.copy_(b)
    card = report_card("fp32", model=model, test=(X, y), robustness=dict(eps=0.1),
                       guarantee=dict(epsilon=math.inf), baseline=half)
    acc = card["test accuracy"]
    assert 0.85 < acc.value < 1 and acc.low < acc.value < acc.high
    fgsm, pgd = card["accuracy under FGSM, linf ε = 0.1"], card["accuracy under PGD-20, linf ε = 0.1"]
    assert pgd.value <= fgsm.value + 0.01 and fgsm.value < acc.value
    assert card["bytes relative to the baseline"].value == 1.0
    assert 0.2 < card["latency relative to the baseline"].value < 5  # the same network twice
    small = report_card("int4", model=model, test=(X, y), baseline=half, model_bytes=1200)
    assert small["bytes relative to the baseline"].value == pytest.approx(1200 / (4 * 2410))
    table = compare([card, small])
    assert "| — |" in table  # the int4 card has no robustness measure: shown as missing, not zero
    ax = plot_tradeoff([card, small], "test accuracy", "model bytes")
    assert len(ax.get_legend().get_texts()) == 2
    with pytest.raises(ValueError, match="training mode"):
        performance_measures(model.train(), X, y)
    model.eval()
    with pytest.raises(ValueError, match="repeats must be an int >= 1"):
        performance_measures(model, X, y, baseline=half, repeats=0)
    with pytest.raises(KeyError, match="not on the card"):
        card["membership TPR"]


def test_auc_measure_agrees_with_scikit_learn_and_refuses_one_class():
    from sklearn.metrics import roc_auc_score

    gen = np.random.default_rng(1)
    X = gen.normal(size=(400, 3)).astype(np.float32)
    y = (X[:, 0] + gen.normal(size=400) > 0.8).astype(int)
    model = torch.nn.Linear(3, 2).eval()
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.0, 0, 0], [1.0, 0, 0]]))
        model.bias.zero_()
    m = auc_measure(model, X, y)
    assert m.value == pytest.approx(roc_auc_score(y, X[:, 0])) and m.low < m.value < m.high
    assert m.high - m.low < 0.15
    with pytest.raises(ValueError, match="both labels"):
        auc_measure(model, X, np.zeros(400, int))
    only = leakage_measures(["a"], [["a"]], detector=False)
    assert [m.name for m in only] == ["planted personal values left in the release"]

"""Synthetic transactions: learnable but noisy fraud, memos whose personal values are recorded exactly."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from course_lib.data.transactions import FEATURES, fraud_features, transactions
from course_lib.masking.validators import iban_valid, luhn_valid


def test_transactions_are_seeded_and_their_memo_values_are_the_truth():
    table, values = transactions(800, seed=3)
    again, _ = transactions(800, seed=3)
    assert table.equals(again) and not table.equals(transactions(800, seed=4)[0])
    assert len(table) == len(values) == 800
    planted = [v for vals in values for v in vals]
    assert len(planted) > 300
    for memo, vals in zip(table["memo"], values):
        assert all(v in memo for v in vals)
    cards = [v for v in planted if not v[:2].isalpha()]
    assert cards and all(luhn_valid(c.replace(" ", "")) for c in cards)
    ibans = [v for v in planted if v[:2].isalpha()]
    assert ibans and all(iban_valid(i) for i in ibans)
    assert set(table["card"]) >= set(cards)


def test_fraud_is_learnable_but_not_perfectly():
    table, _ = transactions(4000, seed=0)
    X, y = fraud_features(table), table["fraud"].to_numpy()
    assert X.shape == (4000, len(FEATURES)) and X.dtype == np.float32
    assert 0.1 < y.mean() < 0.25
    auc = roc_auc_score(y[2000:], LogisticRegression(max_iter=1000).fit(X[:2000], y[:2000])
                        .predict_proba(X[2000:])[:, 1])
    assert 0.8 < auc < 0.97
    with pytest.raises(ValueError, match="lacks the column"):
        fraud_features(table.drop(columns="hour"))
    with pytest.raises(ValueError, match="n"):
        transactions(0)

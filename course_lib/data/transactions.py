"""Card transactions with a fraud label and free-text memos that hold card numbers and IBANs (notebook 12).

``transactions(n, seed)`` returns a table with numeric features a fraud model can use — the amount
(log-normal), the hour, the distance from home, whether the card was present, whether the merchant is
abroad, the merchant category — a ``fraud`` label drawn from a known logistic model of those
features (so a model can learn it, but not perfectly), and a ``memo`` written by a clerk: some memos
repeat the card number or the counterparty's IBAN (valid by Luhn and MOD 97, from ``pii_text``), and
the exact personal values of each memo are kept in ``memo_values`` — the ground truth a masking
pipeline is measured against.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

from course_lib._validate import check_int

from .pii_text import card_number, iban

CATEGORIES = ("grocery", "fuel", "travel", "electronics", "restaurants", "online", "pharmacy", "jewellery")
_CATEGORY_RISK = np.array([-0.8, -0.4, 0.6, 0.9, -0.5, 0.7, -0.6, 1.2])
FEATURES = ("log_amount", "hour_sin", "hour_cos", "log_distance", "card_present", "foreign",
            *[f"category_{c}" for c in CATEGORIES])


def _memo(rng: random.Random, card: str, amount: float, category: str) -> tuple[str, list[str]]:
    kind = rng.random()
    if kind < 0.35:
        return f"{category} purchase of {amount:.2f} EUR", []
    if kind < 0.7:
        return f"Customer disputes {amount:.2f} EUR charged to card {card}", [card]
    account = iban(rng)
    return f"Refund of {amount:.2f} EUR to IBAN {account} for card {card}", [account, card]


def transactions(n: int = 4000, seed: int = 0) -> tuple[pd.DataFrame, list[list[str]]]:
    """``(table, memo_values)``: ``n`` transactions of ``n // 8`` cardholders (at least one), and for
    each memo the personal values written in it."""
    n = check_int(n, "n", 1)
    seed = check_int(seed, "seed", 0)
    gen = np.random.default_rng(seed)
    text_rng = random.Random(seed)
    holders = max(1, n // 8)
    cards = [card_number(text_rng) for _ in range(holders)]
    holder = gen.integers(0, holders, n)
    category = gen.integers(0, len(CATEGORIES), n)
    amount = np.round(np.exp(gen.normal(3.5, 1.1, n)), 2)
    hour = gen.integers(0, 24, n)
    distance = np.exp(gen.normal(1.5, 1.3, n))
    present = gen.random(n) < 0.6
    foreign = gen.random(n) < 0.1
    night = (hour < 6).astype(float)
    logit = (-3.0 + 1.1 * (np.log(amount) - 3.5) + 2.2 * night + 0.9 * (np.log(distance) - 1.5)
             - 2.0 * present + 2.6 * foreign + 2 * _CATEGORY_RISK[category])
    fraud = gen.random(n) < 1 / (1 + np.exp(-logit))
    memos, values = [], []
    for i in range(n):
        memo, vals = _memo(text_rng, cards[holder[i]], amount[i], CATEGORIES[category[i]])
        memos.append(memo)
        values.append(vals)
    table = pd.DataFrame({"holder": holder, "card": [cards[h] for h in holder], "amount": amount,
                          "hour": hour, "distance_km": np.round(distance, 1), "card_present": present,
                          "foreign": foreign,
                          "category": [CATEGORIES[c] for c in category], "fraud": fraud, "memo": memos})
    return table, values


def fraud_features(table: pd.DataFrame) -> np.ndarray:
    """The model's inputs (float32, one row per transaction, columns ``FEATURES``), from public
    transforms only: logarithms, the hour on a circle, one-hot categories — nothing fitted to the data."""
    missing = {"amount", "hour", "distance_km", "card_present", "foreign", "category"} - set(table.columns)
    if missing:
        raise ValueError(f"table lacks the column(s) {sorted(missing)}")
    angle = 2 * np.pi * table["hour"].to_numpy() / 24
    onehot = np.stack([(table["category"] == c).to_numpy() for c in CATEGORIES], axis=1)
    cols = [np.log(table["amount"].to_numpy()) - 3.5, np.sin(angle), np.cos(angle),
            np.log1p(table["distance_km"].to_numpy()) - 1.5, table["card_present"].to_numpy(),
            table["foreign"].to_numpy()]
    return np.column_stack([*cols, onehot]).astype(np.float32)

"""Tests for course_lib.federated.splits: exact partitions, skew where promised, refusals."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.federated import dirichlet_split, iid_split, shard_split

Y = np.sort(np.random.default_rng(0).integers(0, 10, 1437))  # sorted: a split must shuffle to mix


def _assert_partition(parts, n, n_clients):
    assert len(parts) == n_clients
    assert all(len(p) > 0 for p in parts)
    together = np.concatenate(parts)
    assert len(together) == n and np.array_equal(np.sort(together), np.arange(n))


def _dominant_share(y, parts) -> float:
    """Mean over clients of the share of its most common label (1/10 for balanced IID clients)."""
    return float(np.mean([np.bincount(y[p]).max() / len(p) for p in parts]))


SPLITS = {
    "iid": lambda y, n, g: iid_split(y, n, g),
    "dirichlet 0.1": lambda y, n, g: dirichlet_split(y, n, 0.1, g),
    "dirichlet 1": lambda y, n, g: dirichlet_split(y, n, 1.0, g),
    "shards 2": lambda y, n, g: shard_split(y, n, 2, g),
}


@pytest.mark.parametrize("name", SPLITS)
def test_every_example_goes_to_exactly_one_client_for_many_seeds(name):
    for seed in range(25):
        for n_clients in (1, 5, 10, 50) if name != "shards 2" else (5, 10, 50):  # 10 classes: >= 5 clients
            _assert_partition(SPLITS[name](Y, n_clients, np.random.default_rng(seed)), len(Y), n_clients)


@pytest.mark.parametrize("name", SPLITS)
def test_splits_are_deterministic_for_a_seed(name):
    a = SPLITS[name](Y, 10, np.random.default_rng(3))
    b = SPLITS[name](Y, 10, np.random.default_rng(3))
    c = SPLITS[name](Y, 10, np.random.default_rng(4))
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not all(np.array_equal(p, q) for p, q in zip(a, c))


def test_iid_sizes_differ_by_at_most_one_and_labels_are_mixed():
    parts = iid_split(Y, 7, np.random.default_rng(0))
    sizes = [len(p) for p in parts]
    assert max(sizes) - min(sizes) <= 1
    assert _dominant_share(Y, parts) < 0.25
    _assert_partition(iid_split(Y[:7], 7, np.random.default_rng(0)), 7, 7)  # one example each


def test_dirichlet_small_alpha_is_skewed_and_large_alpha_is_not():
    skewed = np.mean([_dominant_share(Y, dirichlet_split(Y, 10, 0.1, np.random.default_rng(s)))
                      for s in range(10)])
    balanced = np.mean([_dominant_share(Y, dirichlet_split(Y, 10, 100.0, np.random.default_rng(s)))
                        for s in range(10)])
    assert skewed > 0.45  # measured 0.59 (a client's top label is over half its data)
    assert balanced < 0.2  # measured 0.14 (IID: about 0.13 from sampling noise over 144 examples)


def test_dirichlet_redraws_empty_clients_and_gives_up_with_a_clear_error():
    y = np.arange(20) % 2
    for seed in range(10):  # tiny alpha over few examples: empty clients are common, and redrawn
        _assert_partition(dirichlet_split(y, 3, 0.05, np.random.default_rng(seed)), 20, 3)
    with pytest.raises(ValueError, match="left some client empty in all 5 draws"):
        dirichlet_split(y, 20, 0.01, np.random.default_rng(0), max_tries=5)


def test_shard_split_gives_each_client_at_most_its_number_of_labels():
    for seed in range(25):
        for s in (1, 2, 3):
            parts = shard_split(Y, 10, s, np.random.default_rng(seed))
            assert all(len(np.unique(Y[p])) <= s for p in parts)
    one = shard_split(Y, 10, 1, np.random.default_rng(0))
    assert sorted(int(np.unique(Y[p])[0]) for p in one) == list(range(10))  # one class each
    unbalanced = np.repeat([0, 1, 2], [500, 30, 3])
    parts = shard_split(unbalanced, 20, 2, np.random.default_rng(0))
    _assert_partition(parts, len(unbalanced), 20)
    assert all(len(np.unique(unbalanced[p])) <= 2 for p in parts)


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda g: iid_split(Y, 0, g), ValueError, r"n_clients must be an int in \[1, 1437\]"),
    (lambda g: iid_split(Y, len(Y) + 1, g), ValueError, "n_clients"),
    (lambda g: iid_split(Y, 2.0, g), TypeError, "n_clients must be an int"),
    (lambda g: iid_split(Y, 2, 0), TypeError, "generator must be a numpy.random.Generator"),
    (lambda g: iid_split(Y.astype(float), 2, g), TypeError, "integer class labels"),
    (lambda g: iid_split(Y.reshape(-1, 3), 2, g), ValueError, "1-D"),
    (lambda g: iid_split([], 2, g), ValueError, "non-empty"),
    (lambda g: dirichlet_split(Y, 10, 0.0, g), ValueError, "alpha must be a finite number > 0"),
    (lambda g: dirichlet_split(Y, 10, np.inf, g), ValueError, "alpha"),
    (lambda g: shard_split(Y, 3, 3, g), ValueError, r"between the number of classes \(10\)"),
    (lambda g: shard_split(Y, 10, 0, g), ValueError, "shards_per_client must be an int >= 1"),
    (lambda g: shard_split(Y[:30], 10, 4, g), ValueError, r"number of examples \(30\)"),
])
def test_splits_refuse_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call(np.random.default_rng(0))

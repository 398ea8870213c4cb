from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from course_lib import config


@pytest.mark.parametrize(("raw", "expected"), [
    ("1", True), ("true", True), ("YES", True), (" on ", True),
    ("0", False), ("false", False), ("No", False), ("off", False), ("", False),
])
def test_fast_mode_reads_course_fast(raw, expected):
    assert config.fast_mode({"COURSE_FAST": raw}) is expected


def test_fast_mode_unset_means_full_mode():
    assert config.fast_mode({}) is False


def test_fast_mode_rejects_garbage_naming_the_variable():
    with pytest.raises(ValueError, match="COURSE_FAST='maybe'"):
        config.fast_mode({"COURSE_FAST": "maybe"})


def test_seed_everything_makes_every_generator_repeat():
    def draw():
        gen = config.seed_everything(7)
        return (random.random(), np.random.rand(), torch.rand(1).item(), gen.random())  # noqa: NPY002

    assert draw() == draw()
    config.seed_everything(8)
    assert torch.rand(1).item() != draw()[2]


@pytest.mark.parametrize(("seed", "error"), [
    (-1, ValueError), (2**32, ValueError), (1.5, TypeError), (True, TypeError), ("3", TypeError),
])
def test_seed_everything_rejects_bad_seeds(seed, error):
    with pytest.raises(error, match="seed"):
        config.seed_everything(seed)


def test_device_defaults_to_cuda_when_present(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert config.device().type == expected
    assert config.device("cpu").type == "cpu"


def test_device_refuses_a_silent_fallback(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="cuda"):
        config.device("cuda")
    with pytest.raises(ValueError, match="device must be one of"):
        config.device("tpu")
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert config.device().type == "cpu"


def test_set_threads_returns_the_previous_count():
    before = torch.get_num_threads()
    assert config.set_threads(1) == before
    assert torch.get_num_threads() == 1
    config.set_threads(before)
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="threads"):
            config.set_threads(bad)

"""FedAvg on Flower's Deployment Runtime (a SuperLink, two SuperNodes, `flwr run`; local processes)
gives the hand-written ``fedavg``'s global model, and leaves no process behind.

Needs the optional extra (`.venv/bin/pip install -e '.[federated]'`, Python 3.11 or newer); skipped
without it. CI installs it and runs `python -m pytest -m flower tests/federated/test_flower.py`.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import time
from pathlib import Path

import pytest
import torch

pytestmark = [
    pytest.mark.flower,
    pytest.mark.skipif(importlib.util.find_spec("flwr") is None, reason="flwr is not installed: "
                       ".venv/bin/pip install -e '.[federated]' (Python >= 3.11)"),
    pytest.mark.timeout(300),
]

from course_lib.federated.fedavg import initial_model  # noqa: E402
from course_lib.federated.flower import digits_model, handwritten, max_abs_difference, run_flower  # noqa: E402

ROUNDS, CLIENTS, SEED = 2, 2, 0


def processes_of(workdir: Path) -> set[int]:
    """Every process whose FLWR_HOME lies in ``workdir``: all that the run starts, and all that those
    start, inherit it (read from /proc, independently of what run_flower reports)."""
    marker = f"FLWR_HOME={workdir}".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                env = (entry / "environ").read_bytes()
            except OSError:  # gone, or another user's
                continue
            if any(var.startswith(marker) for var in env.split(b"\0")):
                found.add(int(entry.name))
    return found


def run_watched(workdir: Path, **kwargs) -> tuple[object, set[int], float]:
    """``run_flower(..., workdir=workdir)`` in a thread, while this one notes the run's processes.
    Returns (the result or the exception raised, every process seen, seconds)."""
    out: dict = {}

    def target():
        try:
            out["result"] = run_flower(workdir=workdir, **kwargs)
        except Exception as exc:  # handed back to the test
            out["result"] = exc

    thread = threading.Thread(target=target)
    started = time.monotonic()
    thread.start()
    seen: set[int] = set()
    while thread.is_alive():
        seen |= processes_of(workdir)
        thread.join(0.25)
    return out["result"], seen, time.monotonic() - started


needs_proc = pytest.mark.skipif(not Path("/proc/self/environ").exists(),
                                reason="the process check reads Linux's /proc")


@needs_proc
def test_flower_deployment_runtime_gives_the_hand_written_global_model(tmp_path):
    workdir = tmp_path / "flower"
    flower, seen, seconds = run_watched(workdir, rounds=ROUNDS, clients=CLIENTS, seed=SEED, timeout=240)
    if isinstance(flower, Exception):
        raise flower
    print(f"Flower run: {seconds:.1f} s")

    # nothing that the run started outlives it; and the check above saw the processes while they ran
    assert processes_of(workdir) == set()
    assert len(seen) >= 1 + CLIENTS + 1  # the SuperLink, the SuperNodes, flwr run (and their children)
    # run_flower tracked them too (both sample the process table, so a process that lived for less
    # than a sampling interval may be seen by one of them only)
    assert len(seen & set(flower.pids)) >= 1 + CLIENTS + 1

    hand = handwritten(ROUNDS, CLIENTS, SEED)
    expected = hand.model.state_dict()
    assert list(flower.state_dict) == list(expected)
    assert all(flower.state_dict[k].dtype == expected[k].dtype == torch.float32 for k in expected)
    assert max_abs_difference(flower.state_dict, expected) <= 1e-6
    assert flower.accuracies == pytest.approx(hand.accuracies, abs=1e-9) and len(flower.accuracies) == ROUNDS

    # the comparison is not between two untrained models: training moved the weights and the accuracy
    start = initial_model(digits_model, SEED).state_dict()
    assert max_abs_difference(flower.state_dict, start) > 1e-2
    assert flower.accuracies[-1] > 0.5


@needs_proc
def test_a_run_that_times_out_stops_every_process(tmp_path):
    workdir = tmp_path / "flower"
    error, seen, seconds = run_watched(workdir, rounds=50, clients=CLIENTS, seed=SEED, timeout=6)
    assert isinstance(error, TimeoutError), error  # 50 rounds cannot finish in 6 s
    assert "timed out waiting for" in str(error)
    assert seen  # the SuperLink at least had started
    assert processes_of(workdir) == set()
    assert seconds < 6 + 30  # stopping takes seconds, not minutes

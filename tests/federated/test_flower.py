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


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="the process check reads Linux's /proc")
def test_flower_deployment_runtime_gives_the_hand_written_global_model(tmp_path):
    workdir = tmp_path / "flower"
    out: dict = {}

    def target():
        try:
            out["result"] = run_flower(ROUNDS, CLIENTS, SEED, workdir=workdir, timeout=240)
        except BaseException as exc:  # re-raised below
            out["error"] = exc

    thread = threading.Thread(target=target)
    started = time.monotonic()
    thread.start()
    seen: set[int] = set()
    while thread.is_alive():
        seen |= processes_of(workdir)
        thread.join(0.25)
    seconds = time.monotonic() - started
    if "error" in out:
        raise out["error"]
    flower = out["result"]
    print(f"Flower run: {seconds:.1f} s")

    # nothing that the run started outlives it; and the check above saw the processes while they ran
    assert processes_of(workdir) == set()
    assert len(seen) >= 1 + CLIENTS + 1  # the SuperLink, the SuperNodes, flwr run (and their children)
    assert seen <= set(flower.pids)  # run_flower knew of every process it had to stop

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

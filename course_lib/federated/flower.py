"""The course's FedAvg run on a production engine: Flower 1.42's Deployment Runtime, checked against
the hand-written ``fedavg``.

``run_flower()`` starts, as local processes, what would run on separate machines: one **SuperLink**
(the server side: it hands out work and runs the ServerApp) and one **SuperNode** per client (each
holds one IID part of the digits and runs the ClientApp on it). Then ``flwr run`` submits the app in
``flower_app/`` to the SuperLink. The ServerApp runs Flower's ``FedAvg`` strategy (weighted by the
clients' sample counts) from the same initial model, on the same client splits, with the same batch
orders and learning rate as ``fedavg(...)``; so the final global model must equal the hand-written
loop's up to float rounding (Flower averages in float32, ``weighted_average`` in float64).

No Ray: Ray is only needed by Flower's simulation engine, which this does not use.

**Local only**: the processes listen on free ports of 127.0.0.1 in insecure mode (no TLS, no
SuperNode authentication). Across machines, Flower needs TLS certificates and authenticated
SuperNodes; see Flower's documentation before exposing a SuperLink.

Every process started here (and every process they start) is stopped when the run ends, fails or
times out: SIGTERM to each process group and each descendant, then SIGKILL.

Needs the optional extra ``federated`` (Python 3.11 or newer; the README's section on Flower gives
the command that installs it), then ``.venv/bin/python -m course_lib.federated.flower`` runs the
comparison.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .._validate import check_int, check_positive
from ..config import _check_seed
from ..data import load_digits_split
from ..models import mlp
from .fedavg import FedAvgResult, fedavg
from .splits import iid_split

__all__ = ["APP_DIR", "FlowerResult", "digits_clients", "digits_model", "handwritten", "max_abs_difference",
           "run_flower"]

#: The Flower app (ServerApp, ClientApp and its pyproject.toml) that ``flwr run`` submits.
APP_DIR = Path(__file__).resolve().parent / "flower_app"
#: The command that installs Flower into the course's environment.
INSTALL = ".venv/bin/pip3 install -e '.[federated]'"
CONNECTION = "course-local"


def digits_model(hidden: int = 32) -> nn.Module:
    """The experiment's model: an MLP 64 → ``hidden`` → 10."""
    return mlp(64, (hidden,), 10)


def digits_clients(n_clients: int, seed: int) -> tuple[list[tuple[np.ndarray, np.ndarray]], tuple]:
    """The digits (pixels scaled to [0, 1]) split by ``iid_split`` among ``n_clients`` clients.

    Returns ``(clients, test)``: one ``(X, y)`` pair per client and the test pair. The ClientApps,
    the ServerApp and ``handwritten`` all build their data here, so all see the same examples.
    """
    d = load_digits_split(seed=seed, scale="none")
    X, y = d.X_train / 16, d.y_train
    parts = iid_split(y, n_clients, np.random.default_rng(seed))
    return [(X[p], y[p]) for p in parts], (d.X_test / 16, d.y_test)


def handwritten(rounds: int = 3, clients: int = 2, seed: int = 0, *, local_epochs: int = 1, lr: float = 0.1,
                batch_size: int = 32, hidden: int = 32) -> FedAvgResult:
    """The same experiment with the course's hand-written ``fedavg``."""
    data, test = digits_clients(clients, seed)
    return fedavg(lambda: digits_model(hidden), data, rounds=rounds, local_epochs=local_epochs, lr=lr,
                  batch_size=batch_size, seed=seed, test=test)


@dataclass
class FlowerResult:
    """A Flower run: the final global ``state_dict``, test accuracy after each round, the wall time
    in seconds (processes started and stopped included), the folder of the logs and the ids of every
    process the run saw (all stopped)."""

    state_dict: dict[str, torch.Tensor]
    accuracies: list[float]
    seconds: float
    workdir: Path
    pids: list[int] = field(default_factory=list)


# --------------------------------------------------------------------------- processes


def _require_flwr() -> Path:
    """The folder of the Flower executables (this interpreter's ``bin``), or a clear error."""
    if importlib.util.find_spec("flwr") is None:
        raise ModuleNotFoundError(
            f"Flower (flwr) is not installed in {sys.prefix}. Install the course's optional extra "
            f"`federated` (needs Python 3.11 or newer), from the course folder: {INSTALL}", name="flwr")
    if not (APP_DIR / "pyproject.toml").is_file():
        raise FileNotFoundError(f"the Flower app is missing ({APP_DIR}); it ships with the course's source: "
                                f"install course_lib from the course folder in editable mode (-e)")
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "flower-superlink").exists():
        raise FileNotFoundError(f"flwr is importable but {bin_dir / 'flower-superlink'} is missing; "
                                f"reinstall it: {INSTALL}")
    return bin_dir


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _process_table() -> dict[int, tuple[int, float]]:
    """``pid -> (parent pid, start time)`` of every process (psutil, else Linux's /proc)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    table = {}
    if psutil is not None:
        for p in psutil.process_iter(["ppid", "create_time"]):
            table[p.pid] = (p.info["ppid"] or 0, p.info["create_time"] or 0.0)
        return table
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            table[int(entry.name)] = (int(fields[1]), float(fields[19]))  # ppid, starttime
    return table


class _Processes:
    """The processes of one run; ``stop()`` ends them and everything they started."""

    def __init__(self, env: dict, logs: Path):
        self.env, self.logs = env, logs
        self.popens: list[subprocess.Popen] = []
        self.seen: dict[int, float] = {}  # pid -> start time, of every descendant ever observed

    def start(self, name: str, cmd: Sequence, extra_env: dict | None = None) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        env = {**self.env, **(extra_env or {})}
        proc = subprocess.Popen([str(c) for c in cmd], stdout=log, stderr=subprocess.STDOUT, env=env,
                                stdin=subprocess.DEVNULL, start_new_session=True)  # own process group
        proc.log_file = log
        self.popens.append(proc)
        self.watch()
        return proc

    def watch(self) -> None:
        """Record every descendant now alive (the SuperLink starts its SuperExec in a session of its
        own, so process groups alone would miss it)."""
        table = _process_table()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        todo = [p.pid for p in self.popens]
        while todo:
            pid = todo.pop()
            if pid in table:
                self.seen.setdefault(pid, table[pid][1])
            todo += children.get(pid, [])

    def alive(self) -> list[int]:
        table = _process_table()
        return sorted(pid for pid, started in self.seen.items() if table.get(pid, (0, None))[1] == started)

    def _signal(self, sig: int) -> None:
        for proc in self.popens:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, sig)
                except OSError:
                    pass
        for pid in self.alive():  # the same pid and start time: not a recycled pid
            try:
                os.kill(pid, sig)
            except OSError:
                pass

    def stop(self, grace: float = 5.0) -> None:
        self.watch()
        self._signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        if self.alive():
            self._signal(signal.SIGKILL)
        for proc in self.popens:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            proc.log_file.close()
        deadline = time.monotonic() + 5
        while self.alive() and time.monotonic() < deadline:  # killed children of other parents
            time.sleep(0.1)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return f"--- {path.name} (last {len(text)} lines)\n" + "\n".join(text)


def _logs(logs: Path) -> str:
    return "\n".join(_tail(f) for f in sorted(logs.glob("*.log")))


def _wait(condition, deadline: float, what: str, procs: _Processes, logs: Path) -> None:
    while not condition():
        procs.watch()
        dead = [p for p in procs.popens if p.poll() is not None and p.args[0].endswith(
            ("flower-superlink", "flower-supernode"))]
        if dead:
            raise RuntimeError(f"{Path(dead[0].args[0]).name} exited with {dead[0].returncode} while "
                               f"waiting for {what}\n{_logs(logs)}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}\n{_logs(logs)}")
        time.sleep(0.1)


def run_flower(
    rounds: int = 3,
    clients: int = 2,
    seed: int = 0,
    workdir: str | os.PathLike | None = None,
    timeout: float = 240.0,
    *,
    local_epochs: int = 1,
    lr: float = 0.1,
    batch_size: int = 32,
    hidden: int = 32,
    poll_interval: float = 0.2,
) -> FlowerResult:
    """Run the experiment on Flower's Deployment Runtime: a SuperLink, ``clients`` SuperNodes and
    ``flwr run``, all local processes on free ports of 127.0.0.1 (insecure mode: local use only).

    Args:
        rounds, clients, seed, local_epochs, lr, batch_size, hidden: as in ``handwritten``.
        workdir: folder for the logs, Flower's state (``FLWR_HOME`` of each process) and the result;
            None: a temporary folder, removed afterwards.
        timeout: seconds for the whole run; when exceeded every process is stopped and a
            ``TimeoutError`` carries the logs' last lines.
        poll_interval: how often (seconds) Flower's SuperExecs look for new work
            (``FLWR_SUPEREXEC_TASK_POLL_INTERVAL``, 1 s by default in Flower).

    Returns:
        A ``FlowerResult``. Every process started is stopped before this returns or raises.
    """
    rounds, clients = check_int(rounds, "rounds", 1), check_int(clients, "clients", 1)
    seed = _check_seed(seed)
    local_epochs = check_int(local_epochs, "local_epochs", 1)
    batch_size = check_int(batch_size, "batch_size", 1)
    lr, timeout = check_positive(lr, "lr"), check_positive(timeout, "timeout")
    hidden = check_int(hidden, "hidden", 1)
    poll_interval = check_positive(poll_interval, "poll_interval")
    bin_dir = _require_flwr()
    started = time.monotonic()
    deadline = started + timeout
    temporary = workdir is None
    work = Path(tempfile.mkdtemp(prefix="course-flower-") if temporary else workdir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    logs, result_path = work / "logs", work / "result.pt"
    logs.mkdir(exist_ok=True)
    result_path.unlink(missing_ok=True)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "FLWR_TELEMETRY_ENABLED": "0", "FLWR_DISABLE_UPDATE_CHECK": "1", "PYTHONUNBUFFERED": "1",
           "FLWR_SUPEREXEC_TASK_POLL_INTERVAL": str(poll_interval), "OMP_NUM_THREADS": "1"}
    procs = _Processes(env, logs)
    try:
        link = _free_port()
        procs.start("superlink", [bin_dir / "flower-superlink", "--insecure", "--host", "127.0.0.1",
                                  "--port", link, "--disable-runtime-dependency-installation"],
                    {"FLWR_HOME": str(work / "home-superlink")})
        _wait(lambda: _listening(link), deadline, "the SuperLink", procs, logs)
        for k in range(clients):
            port = _free_port()
            procs.start(f"supernode-{k}", [
                bin_dir / "flower-supernode", "--insecure", "--superlink", f"127.0.0.1:{link}",
                "--host", "127.0.0.1", "--port", port,
                "--node-config", f"partition-id={k} num-partitions={clients}"],
                {"FLWR_HOME": str(work / f"home-supernode-{k}")})
            _wait(lambda port=port: _listening(port), deadline, f"SuperNode {k}", procs, logs)
        cli_home = work / "home-cli"
        cli_home.mkdir(exist_ok=True)
        (cli_home / "config.toml").write_text(
            f'[superlink]\ndefault = "{CONNECTION}"\n\n[superlink.{CONNECTION}]\n'
            f'address = "127.0.0.1:{link}"\ninsecure = true\n')
        overrides = (f'num-server-rounds={rounds} num-clients={clients} seed={seed} '
                     f'local-epochs={local_epochs} lr={lr!r} batch-size={batch_size} hidden={hidden} '
                     f'output-path="{result_path}"')
        run = procs.start("flwr-run", [bin_dir / "flwr", "run", APP_DIR, CONNECTION,
                                       "--run-config", overrides, "--stream"], {"FLWR_HOME": str(cli_home)})
        _wait(lambda: result_path.exists() or run.poll() is not None, deadline, "the run", procs, logs)
        if not result_path.exists():  # flwr run has ended: give the ServerApp's file a moment
            try:
                _wait(result_path.exists, min(deadline, time.monotonic() + 10), "the result", procs, logs)
            except TimeoutError:
                raise RuntimeError(f"the run ended (flwr run exited with {run.returncode}) without writing "
                                   f"its result\n{_logs(logs)}") from None
        saved = torch.load(result_path, weights_only=True)
    finally:
        procs.stop()
    left = procs.alive()
    if left:
        raise RuntimeError(f"processes {left} outlived SIGKILL")
    if temporary:
        shutil.rmtree(work, ignore_errors=True)
    return FlowerResult(state_dict=saved["state_dict"], accuracies=list(saved["accuracies"]),
                        seconds=time.monotonic() - started, workdir=work, pids=sorted(procs.seen))


def max_abs_difference(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    """``max |a − b|`` over every tensor of two state_dicts with the same keys."""
    if list(a) != list(b):
        raise ValueError(f"the state_dicts differ in their keys: {list(a)} vs {list(b)}")
    return max(float((a[k].double() - b[k].double()).abs().max()) for k in a)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.federated.flower", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=240.0)
    parser.add_argument("--workdir", default=None, help="keep the logs here (default: a temporary folder)")
    args = parser.parse_args(argv)
    try:
        _require_flwr()
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        print(exc, file=sys.stderr)
        return 1
    t0 = time.monotonic()
    hand = handwritten(args.rounds, args.clients, args.seed)
    hand_s = time.monotonic() - t0
    flower = run_flower(args.rounds, args.clients, args.seed, args.workdir, args.timeout)
    diff = max_abs_difference(flower.state_dict, hand.model.state_dict())
    print(f"FedAvg, digits MLP, {args.clients} IID clients, {args.rounds} rounds, seed {args.seed}")
    print(f"{'':<32}{'test accuracy per round':<36}seconds")
    for name, accs, secs in (("hand-written fedavg", hand.accuracies, hand_s),
                             ("Flower Deployment Runtime", flower.accuracies, flower.seconds)):
        print(f"{name:<32}{' '.join(f'{a:.4f}' for a in accs):<36}{secs:.1f}")
    print(f"max |parameter difference|: {diff:.2e}")
    same = diff <= 1e-6 and np.allclose(hand.accuracies, flower.accuracies, rtol=0, atol=1e-12)
    print("the same global model" if same else "the runs DIFFER")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())

"""The ServerApp: FedAvg (Flower's own strategy) from the course's initial model, weighted by the
clients' sample counts, with every client's batch-order seed drawn as ``course_lib.federated.fedavg``
draws it; the global model is evaluated on the test set after every round and saved at the end."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from flwr.app import ArrayRecord, Context, MetricRecord
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg

from course_lib.config import set_threads
from course_lib.federated.fedavg import initial_model
from course_lib.federated.flower import digits_clients, digits_model
from course_lib.models import accuracy

app = ServerApp()


class SeededFedAvg(FedAvg):
    """Flower's FedAvg on all ``n`` clients every round, sending each round the batch-order seeds.

    ``fedavg(seed=s)`` draws, from ``np.random.default_rng(s)``, each round's clients and then one
    seed per chosen client in client order; drawing the same numbers here gives every client the
    batch order it has in the hand-written loop (client ``k`` reads ``seeds[k]``).
    """

    def __init__(self, n_clients: int, seed: int):
        super().__init__(fraction_train=1.0, fraction_evaluate=0.0, min_train_nodes=n_clients,
                         min_available_nodes=n_clients)
        self.n_clients = n_clients
        self.rng = np.random.default_rng(seed)

    def configure_train(self, server_round, arrays, config, grid):
        chosen = np.sort(self.rng.choice(self.n_clients, size=self.n_clients, replace=False))
        seeds = [0] * self.n_clients
        for k in chosen:
            seeds[int(k)] = int(self.rng.integers(2**63))
        config["seeds"] = seeds
        return super().configure_train(server_round, arrays, config, grid)


@app.main()
def main(grid: Grid, context: Context) -> None:
    set_threads(1)
    cfg = context.run_config
    out = str(cfg["output-path"])
    if not out:
        raise ValueError("set output-path in the run config: --run-config 'output-path=\"/some/file.pt\"'")
    n, seed, hidden = int(cfg["num-clients"]), int(cfg["seed"]), int(cfg["hidden"])
    _, (X_test, y_test) = digits_clients(n, seed)
    model = initial_model(lambda: digits_model(hidden), seed)

    def evaluate(server_round: int, arrays: ArrayRecord) -> MetricRecord:
        model.load_state_dict(arrays.to_torch_state_dict())
        return MetricRecord({"accuracy": accuracy(model, X_test, y_test)})

    result = SeededFedAvg(n, seed).start(
        grid=grid, initial_arrays=ArrayRecord(model.state_dict()), num_rounds=int(cfg["num-server-rounds"]),
        evaluate_fn=evaluate)
    accuracies = [float(result.evaluate_metrics_serverapp[r]["accuracy"])
                  for r in sorted(result.evaluate_metrics_serverapp) if r > 0]
    tmp = Path(out + ".partial")
    torch.save({"state_dict": result.arrays.to_torch_state_dict(), "accuracies": accuracies}, tmp)
    os.replace(tmp, out)  # the caller sees the file only when it is complete

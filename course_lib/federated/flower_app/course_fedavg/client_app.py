"""The ClientApp: one SuperNode's client trains the global model on its own IID part of the digits.

The SuperNode's node config names its part (``partition-id`` of ``num-partitions``); the data and the
split come from the same course_lib function as the hand-written loop, and the batch order from the
seed the server drew for this client in this round, exactly as ``course_lib.federated.fedavg`` does.
"""

from __future__ import annotations

import torch
from flwr.app import ArrayRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp

from course_lib.config import set_threads
from course_lib.federated.fedavg import check_clients, local_sgd
from course_lib.federated.flower import digits_clients, digits_model

app = ClientApp()


@app.train()
def train(msg: Message, context: Context) -> Message:
    set_threads(1)
    cfg = context.run_config
    k, n = int(context.node_config["partition-id"]), int(context.node_config["num-partitions"])
    if n != int(cfg["num-clients"]):
        raise ValueError(f"this SuperNode is one of num-partitions={n}, the run has num-clients="
                         f"{cfg['num-clients']}")
    clients, _ = digits_clients(n, int(cfg["seed"]))
    X, y = check_clients([clients[k]])[0]  # the same float32/int64 tensors as fedavg() trains on
    model = digits_model(int(cfg["hidden"]))
    model.load_state_dict(msg.content["arrays"].to_torch_state_dict())
    seed = int(msg.content["config"]["seeds"][k])
    local_sgd(model, X, y, epochs=int(cfg["local-epochs"]), lr=float(cfg["lr"]),
              batch_size=int(cfg["batch-size"]), generator=torch.Generator().manual_seed(seed))
    content = RecordDict({"arrays": ArrayRecord(model.state_dict()),
                          "metrics": MetricRecord({"num-examples": len(y)})})
    return Message(content=content, reply_to=msg)

"""Federated learning: training on data that stays with its owners, and what that does and does not protect.

* :mod:`.splits` — dividing a data set among clients: ``iid_split``, ``dirichlet_split`` (label
  skew, Hsu, Qi & Brown 2019) and ``shard_split`` (pathological non-IID, McMahan et al. 2017);
* :mod:`.fedavg` — federated averaging (McMahan et al. 2017): ``fedavg``, ``local_sgd``,
  ``weighted_average``;
* :mod:`.dp_fedavg` — user-level differential privacy for FedAvg (McMahan, Ramage, Talwar & Zhang
  2018): clipped client updates, Gaussian noise, Poisson sampling of clients, RDP accounting;
* :mod:`.secagg` — secure aggregation with pairwise masks (Bonawitz et al. 2017): fixed-point
  encoding, X25519 key agreement, AES-CTR masks that cancel in the sum, recovery from dropouts.

Sharing updates instead of data is not privacy by itself: one client's gradient can give its data
away (:mod:`course_lib.attacks.gradients`), and an average or a securely aggregated sum still leaks a
blend of the inputs. Differential privacy bounds what any one client changes; secure aggregation
hides each client's update from the server but not the sum.
"""

from .dp_fedavg import DPFedAvgResult, client_update, clip_update, clipped_sum, dp_aggregate, dp_fedavg
from .fedavg import FedAvgResult, fedavg, local_sgd, weighted_average
from .secagg import (
    MODULUS,
    SCALE_BITS,
    SecAggClient,
    SecureSum,
    decode,
    encode,
    max_abs_value,
    pair_seed,
    prg_mask,
    secure_sum,
    uniformity_pvalue,
    unmask_sum,
)
from .splits import dirichlet_split, iid_split, shard_split

__all__ = [
    "MODULUS",
    "SCALE_BITS",
    "DPFedAvgResult",
    "FedAvgResult",
    "SecAggClient",
    "SecureSum",
    "client_update",
    "clip_update",
    "clipped_sum",
    "decode",
    "dirichlet_split",
    "dp_aggregate",
    "dp_fedavg",
    "encode",
    "fedavg",
    "iid_split",
    "local_sgd",
    "max_abs_value",
    "pair_seed",
    "prg_mask",
    "secure_sum",
    "shard_split",
    "uniformity_pvalue",
    "unmask_sum",
    "weighted_average",
]

"""Gradient leakage: reconstructing a training input from the gradient a client shares.

In federated learning and distributed training a participant sends the gradient of its loss, not its
data. That gradient can give the data away:

* **closed form** (Phong et al. 2017; discussed by Geiping et al. 2020): a first layer
  ``z = W₁x + b₁`` has ``∂L/∂W₁[i,:] = ∂L/∂z_i · xᵀ`` and ``∂L/∂b₁[i] = ∂L/∂z_i``, so
  ``x = ∂L/∂W₁[i,:] / ∂L/∂b₁[i]`` for any row with ``∂L/∂b₁[i] ≠ 0`` — exactly, for one example.
  For a batch the gradients add up and the quotient is a *blend* of the inputs.
* **iDLG label** (Zhao et al. 2020): with cross-entropy and non-negative inputs to the last layer
  (after a ReLU), the last weight gradient ``(p − onehot(y)) hᵀ`` is negative only in the row of the
  true label.
* **DLG** (Zhu et al. 2019, "Deep leakage from gradients"): optimise a dummy input (and a soft label)
  with L-BFGS until its gradient matches the shared one in squared L2 distance.

Defences, applied to the shared gradient: Gaussian noise (``add_noise``), DP-SGD's recipe for one
example (``clip_and_noise``: clip the whole gradient to L2 norm ≤ C, add N(0, σ²C²); Abadi et al.
2016), and top-k sparsification (``topk_sparsify``; Aji & Heafield 2017). Sparsification is not a
defence against an attacker who knows which entries were kept: the sparse gradient comes with its
mask, and ``closed_form_inversion`` and ``dlg`` accept that mask and match only the kept entries.

Gradients are passed as a ``dict`` name → tensor (as ``model.named_parameters()`` names them) or
as a list in ``model.parameters()`` order; the defences return the same kind they were given.

References:
    L. T. Phong, Y. Aono, T. Hayashi, L. Wang, S. Moriai. Privacy-preserving deep learning via
    additively homomorphic encryption. ATIS 2017 / IEEE TIFS 2018.
    L. Zhu, Z. Liu, S. Han. Deep leakage from gradients. NeurIPS 2019.
    B. Zhao, K. R. Mopuri, H. Bilen. iDLG: improved deep leakage from gradients. arXiv:2001.02610, 2020.
    J. Geiping, H. Bauermeister, H. Dröge, M. Moeller. Inverting gradients — how easy is it to break
    privacy in federated learning? NeurIPS 2020.
    M. Abadi et al. Deep learning with differential privacy. CCS 2016.
    A. F. Aji, K. Heafield. Sparse communication for distributed gradient descent. EMNLP 2017.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

from .._validate import check_int, check_positive, check_real

__all__ = [
    "add_noise",
    "clip_and_noise",
    "closed_form_inversion",
    "dlg",
    "gradient_of",
    "idlg_label",
    "recognition_rate",
    "reconstruction_mse",
    "topk_sparsify",
]

#: A model's gradients: name → tensor (``named_parameters`` order) or a list in ``parameters()`` order.
Grads = Mapping[str, torch.Tensor] | Sequence[torch.Tensor]


# --------------------------------------------------------------------------- argument checks


def _tensor(value, name: str, ndim: int | None = None) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if not value.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {value.dtype}")
    if ndim is not None and value.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {tuple(value.shape)}")
    if not bool(torch.isfinite(value).all()):
        raise ValueError(f"{name} must be finite; it contains NaN or infinite values")
    return value


def _items(grads: Grads, name: str = "grads") -> tuple[list[str] | None, list[torch.Tensor]]:
    """Split gradients into (names or None, tensors), checking every tensor."""
    if isinstance(grads, Mapping):
        keys = list(grads)
        values = [_tensor(grads[k], f"{name}[{k!r}]") for k in keys]
        if not values:
            raise ValueError(f"{name} must hold at least one tensor, got an empty mapping")
        return keys, values
    if isinstance(grads, (list, tuple)):
        if not grads:
            raise ValueError(f"{name} must hold at least one tensor, got an empty sequence")
        return None, [_tensor(g, f"{name}[{i}]") for i, g in enumerate(grads)]
    raise TypeError(f"{name} must be a dict name -> tensor or a list of tensors, got {type(grads).__name__}")


def _rebuild(keys: list[str] | None, values: list[torch.Tensor], like: Grads):
    if keys is not None:
        return dict(zip(keys, values))
    return type(like)(values) if isinstance(like, tuple) else list(values)


def _check_generator(generator) -> torch.Generator:
    if not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator (torch.Generator().manual_seed(seed)), "
            f"got {type(generator).__name__}"
        )
    return generator


def _check_fraction(fraction) -> float:
    f = check_real(fraction, "fraction")
    if not 0.0 < f <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
    return f


# --------------------------------------------------------------------------- what a client shares


def gradient_of(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
    """The gradient of the mean cross-entropy of ``model`` on the batch ``(x, y)``, by parameter name.

    This is what a client sends in federated SGD (McMahan et al. 2017's FedSGD). The model's own
    ``.grad`` fields are left untouched.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    x = _tensor(x, "x")
    if not isinstance(y, torch.Tensor) or y.dtype != torch.long or y.ndim != 1 or len(y) != len(x):
        raise ValueError(f"y must be a 1-D long tensor with one label per row of x ({len(x)}), got "
                         f"{getattr(y, 'dtype', type(y).__name__)} of shape {tuple(getattr(y, 'shape', ()))}")
    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    loss = nn.functional.cross_entropy(model(x), y)
    grads = torch.autograd.grad(loss, list(params.values()))
    return {n: g.detach() for n, g in zip(params, grads)}


# --------------------------------------------------------------------------- the attacks


def closed_form_inversion(
    grad_W1: torch.Tensor,
    grad_b1: torch.Tensor,
    mask_W1: torch.Tensor | None = None,
    mask_b1: torch.Tensor | None = None,
) -> torch.Tensor:
    """The input of a first linear layer ``z = W₁x + b₁``, from the gradients of its weight and bias.

    Formula (Phong et al. 2017): by the chain rule ``∂L/∂W₁[i, j] = ∂L/∂z_i · x_j`` and
    ``∂L/∂b₁[i] = ∂L/∂z_i``, so for every row ``i`` with ``∂L/∂b₁[i] ≠ 0``

        x = ∂L/∂W₁[i, :] / ∂L/∂b₁[i].

    Every such row gives the same ``x`` for one example; the row with the largest ``|∂L/∂b₁[i]|`` is
    used because dividing by the largest number loses the least to round-off (and noise).

    For a batch of ``B`` examples the gradient of the mean loss is the mean of the per-example
    gradients, and the quotient becomes a **blend**
    ``Σ_k g_{k,i} x_k / Σ_k g_{k,i}`` (``g_{k,i}`` = example k's ``∂L/∂z_i``): a weighted average
    of the inputs, with weights that may be negative — averaging is not a defence, it mixes.

    With ``mask_W1``/``mask_b1`` (boolean, the masks ``topk_sparsify`` returns) only kept entries
    are used: coordinate ``j`` comes from the row with the largest kept ``|∂L/∂b₁[i]|`` whose entry
    ``(i, j)`` is kept too, and a coordinate with no such row is 0. That fill is exact for a zero
    pixel, whose weight-gradient column is exactly 0 and so is never among the top entries.

    Args:
        grad_W1: ``(hidden, n_in)`` gradient of the first weight matrix.
        grad_b1: ``(hidden,)`` gradient of its bias.
        mask_W1, mask_b1: optional boolean masks of the kept entries (both or neither).

    Returns:
        The reconstructed input, shape ``(n_in,)``.
    """
    grad_W1 = _tensor(grad_W1, "grad_W1", ndim=2)
    grad_b1 = _tensor(grad_b1, "grad_b1", ndim=1)
    if grad_b1.shape[0] != grad_W1.shape[0]:
        raise ValueError(f"grad_b1 must have one entry per row of grad_W1 ({grad_W1.shape[0]}), "
                         f"got shape {tuple(grad_b1.shape)}")
    if (mask_W1 is None) != (mask_b1 is None):
        raise ValueError("mask_W1 and mask_b1 must be given together (or neither)")
    if mask_W1 is None:
        row = int(grad_b1.abs().argmax())
        if grad_b1[row] == 0:
            raise ValueError("grad_b1 is all zeros: no row has ∂L/∂b₁[i] ≠ 0, so the input cannot be "
                             "recovered in closed form")
        return grad_W1[row] / grad_b1[row]
    for name, mask, like in (("mask_W1", mask_W1, grad_W1), ("mask_b1", mask_b1, grad_b1)):
        if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool or mask.shape != like.shape:
            raise ValueError(f"{name} must be a boolean tensor of shape {tuple(like.shape)}, got {mask!r}")
    usable = mask_W1 & (mask_b1 & (grad_b1 != 0))[:, None]  # (hidden, n_in): entries we may divide
    strength = torch.where(usable, grad_b1.abs()[:, None].expand_as(grad_W1), torch.zeros_like(grad_W1))
    best = strength.argmax(dim=0)  # per coordinate, the kept row with the largest |∂L/∂b₁[i]|
    cols = torch.arange(grad_W1.shape[1])
    found = usable[best, cols]
    x = grad_W1[best, cols] / torch.where(found, grad_b1[best], torch.ones_like(grad_b1[best]))
    return torch.where(found, x, torch.zeros_like(x))


def idlg_label(grad_last_W: torch.Tensor) -> int:
    """The ground-truth label of one example, from the weight gradient of the last (logit) layer.

    Formula (Zhao et al. 2020, iDLG): with cross-entropy on logits ``z = W h + b`` and softmax ``p``,
    ``∂L/∂W[c, :] = (p_c − 1[c = y]) hᵀ``. **Assumption:** ``h ≥ 0`` (the penultimate activation is
    a ReLU, sigmoid, or the inputs are non-negative). Then the row of the true label, with
    ``p_y − 1 < 0``, is the only one with negative entries, and every other row is ≥ 0. This returns
    the row with the smallest sum, which is that row. For a batch, or without the assumption, the
    answer is a guess, not a guarantee.

    Args:
        grad_last_W: ``(n_classes, hidden)`` gradient of the last layer's weight for one example.
    """
    g = _tensor(grad_last_W, "grad_last_W", ndim=2)
    if g.shape[0] < 2:
        raise ValueError(f"grad_last_W must have one row per class (at least 2), got shape {tuple(g.shape)}")
    return int(g.sum(dim=1).argmin())


def _param_list(model: nn.Module) -> tuple[list[str], list[nn.Parameter]]:
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    return [n for n, _ in named], [p for _, p in named]


def _aligned(grads: Grads | None, names: list[str], params: list[nn.Parameter], what: str):
    """``grads`` (dict or list) as a list in the order of ``params``, shapes checked."""
    if grads is None:
        return None
    if isinstance(grads, Mapping):
        missing = [n for n in names if n not in grads]
        if missing:
            raise ValueError(f"{what} lacks entries for the model's parameters {missing}")
        values = [grads[n] for n in names]
    elif isinstance(grads, (list, tuple)):
        if len(grads) != len(params):
            raise ValueError(f"{what} must have one tensor per trainable parameter ({len(params)}), "
                             f"got {len(grads)}")
        values = list(grads)
    else:
        raise TypeError(f"{what} must be a dict name -> tensor or a list of tensors, "
                        f"got {type(grads).__name__}")
    for n, v, p in zip(names, values, params):
        if not isinstance(v, torch.Tensor) or v.shape != p.shape:
            raise ValueError(f"{what}[{n!r}] must be a tensor of shape {tuple(p.shape)}, "
                             f"got {getattr(v, 'shape', type(v).__name__)}")
    return values


def dlg(
    model: nn.Module,
    target_grads: Grads,
    x_shape: Sequence[int],
    *,
    label: int | torch.Tensor | None = None,
    steps: int = 100,
    lr: float = 1.0,
    generator: torch.Generator,
    mask: Grads | None = None,
    n_classes: int | None = None,
) -> torch.Tensor:
    """Deep leakage from gradients (Zhu et al. 2019): find an input whose gradient matches the shared one.

    Starting from a random dummy input ``x'`` (and, when ``label`` is not given, random dummy logits
    ``y'`` for a soft label ``softmax(y')``), L-BFGS minimises the squared L2 distance

        D(x', y') = Σ_layers ‖ m ⊙ (∇_θ L(f(x'), y') − ∇_θ L(f(x), y)) ‖²

    over ``x'`` and ``y'``, where ``m`` is the mask of shared entries (all ones without ``mask``; with
    the mask of ``topk_sparsify`` the attacker matches only the kept coordinates). Giving the label
    (e.g. from ``idlg_label``) is iDLG (Zhao et al. 2020), which converges more reliably.

    Args:
        model: the shared model, in the state the gradient was computed at (not modified).
        target_grads: the shared gradient, dict by parameter name or list in ``parameters()`` order.
        x_shape: the input's shape, batch dimension included (e.g. ``(1, 64)``).
        label: the known label(s) (int or long tensor of shape ``(batch,)``), or None to optimise a
            soft label as well.
        steps: the most L-BFGS iterations (strong-Wolfe line search; each evaluates the distance a
            few times).
        lr: L-BFGS's step length (1.0 is the natural choice with a line search).
        generator: a seeded ``torch.Generator`` for the dummy's start.
        mask: optional boolean masks of the shared entries, same structure as ``target_grads``.
        n_classes: the number of classes, needed only when ``label`` is None (default: inferred from
            the model's output on the dummy).

    Returns:
        The reconstructed input, detached, of shape ``x_shape``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    names, params = _param_list(model)
    targets = [_tensor(t, "target_grads").detach() for t in _aligned(target_grads, names, params,
                                                                          "target_grads")]
    masks = _aligned(mask, names, params, "mask")
    if masks is not None:
        if any(m.dtype != torch.bool for m in masks):
            raise TypeError("mask must hold boolean tensors (as topk_sparsify returns them)")
        # the smallest kept magnitude per tensor: every dropped entry was at most this large
        floors = [t[m].abs().min() if bool(m.any()) else t.new_zeros(()) for t, m in zip(targets, masks)]
    if not isinstance(x_shape, (tuple, list, torch.Size)) or not x_shape:
        raise TypeError(f"x_shape must be a non-empty tuple of ints, got {x_shape!r}")
    shape = tuple(check_int(s, "x_shape", 1) for s in x_shape)
    steps = check_int(steps, "steps", 1)
    lr = check_positive(lr, "lr")
    generator = _check_generator(generator)
    dtype = params[0].dtype
    dummy_x = torch.randn(shape, generator=generator, dtype=dtype).requires_grad_(True)
    variables = [dummy_x]
    if label is None:
        with torch.no_grad():
            k = n_classes if n_classes is not None else int(model(dummy_x).shape[-1])
        k = check_int(k, "n_classes", 2)
        dummy_y = torch.randn((shape[0], k), generator=generator, dtype=dtype).requires_grad_(True)
        variables.append(dummy_y)
    else:
        scalar = isinstance(label, (int, np.integer)) and not isinstance(label, (bool, np.bool_))
        y = torch.full((shape[0],), int(label), dtype=torch.long) if scalar else label
        if (isinstance(label, (bool, np.bool_)) or not isinstance(y, torch.Tensor) or y.dtype != torch.long
                or y.shape != (shape[0],)):
            raise ValueError(f"label must be an int or a long tensor of shape ({shape[0]},), got {label!r}")

    def distance() -> torch.Tensor:
        logits = model(dummy_x)
        if label is None:
            soft = torch.softmax(dummy_y, dim=-1)
            loss = torch.sum(-soft * torch.log_softmax(logits, dim=-1), dim=-1).mean()
        else:
            loss = nn.functional.cross_entropy(logits, y)
        grads = torch.autograd.grad(loss, params, create_graph=True)
        total = dummy_x.new_zeros(())
        for i, (g, t) in enumerate(zip(grads, targets)):
            if masks is None:
                total = total + (g - t).pow(2).sum()
            else:  # kept entries match; a dropped one was no larger than the smallest kept one
                total = total + ((g - t) * masks[i]).pow(2).sum()
                total = total + (torch.relu(g.abs() - floors[i]) * ~masks[i]).pow(2).sum()
        return total

    optimizer = torch.optim.LBFGS(variables, lr=lr, max_iter=steps, history_size=100,
                                  tolerance_grad=1e-14, tolerance_change=1e-16,
                                  line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        d = distance()
        for v, grad in zip(variables, torch.autograd.grad(d, variables)):  # the model's .grad untouched
            v.grad = grad
        return d.detach()

    optimizer.step(closure)
    return dummy_x.detach()


# --------------------------------------------------------------------------- defences


def add_noise(grads: Grads, std: float, generator: torch.Generator) -> Grads:
    """Add independent Gaussian noise N(0, std²) to every gradient entry.

    Without clipping, the noise bears no relation to how much one example can change the gradient,
    so this gives no differential-privacy guarantee; it only makes inversion noisier.
    """
    keys, values = _items(grads)
    std = check_positive(std, "std")
    generator = _check_generator(generator)
    noisy = [g + std * torch.randn(g.shape, generator=generator, dtype=g.dtype) for g in values]
    return _rebuild(keys, noisy, grads)


def clip_and_noise(grads: Grads, clip: float, noise_multiplier: float, generator: torch.Generator) -> Grads:
    """DP-SGD's recipe for one example (Abadi et al. 2016): clip, then add Gaussian noise.

    The whole gradient (all tensors together, as one vector ``g``) is scaled to L2 norm at most
    ``clip``: ``g · min(1, clip / ‖g‖₂)``; then N(0, (noise_multiplier · clip)²) is added to every
    entry. Clipping bounds what one example contributes (sensitivity ``clip``), which the noise
    then hides; ``noise_multiplier`` must be > 0 (no noise would be no privacy).
    """
    keys, values = _items(grads)
    clip = check_positive(clip, "clip")
    sigma = check_positive(noise_multiplier, "noise_multiplier")
    generator = _check_generator(generator)
    norm = math.sqrt(sum(float(g.double().pow(2).sum()) for g in values))
    factor = min(1.0, clip / norm) if norm > 0 else 1.0
    out = [g * factor + sigma * clip * torch.randn(g.shape, generator=generator, dtype=g.dtype)
           for g in values]
    return _rebuild(keys, out, grads)


def topk_sparsify(grads: Grads, fraction: float) -> tuple[Grads, Grads]:
    """Keep the ``fraction`` of entries with the largest magnitude in every tensor; zero the rest.

    Each tensor keeps ``ceil(fraction · numel)`` entries (at least one). Returns the sparse gradient
    and the boolean masks of the kept entries: a sparse gradient is sent as (indices, values), so
    whoever receives it knows the mask — and can invert using the kept entries alone
    (``closed_form_inversion(..., mask_W1, mask_b1)``, ``dlg(..., mask=mask)``).
    """
    keys, values = _items(grads)
    fraction = _check_fraction(fraction)
    sparse, masks = [], []
    for g in values:
        k = max(1, math.ceil(fraction * g.numel()))
        flat = g.reshape(-1)
        keep = torch.zeros(flat.shape, dtype=torch.bool)
        keep[flat.abs().topk(k).indices] = True
        keep = keep.reshape(g.shape)
        masks.append(keep)
        sparse.append(torch.where(keep, g, torch.zeros_like(g)))
    return _rebuild(keys, sparse, grads), _rebuild(keys, masks, grads)


# --------------------------------------------------------------------------- measuring an attack


def reconstruction_mse(reconstruction, original) -> float:
    """Mean squared error between a reconstruction and the original input (same shape)."""
    a = torch.as_tensor(np.asarray(reconstruction) if not isinstance(reconstruction, torch.Tensor)
                        else reconstruction).double()
    b = torch.as_tensor(np.asarray(original) if not isinstance(original, torch.Tensor) else original).double()
    if a.shape != b.shape:
        raise ValueError(f"reconstruction and original must have the same shape, got {tuple(a.shape)} "
                         f"and {tuple(b.shape)}")
    if a.numel() == 0:
        raise ValueError("reconstruction must not be empty")
    if not bool(torch.isfinite(a).all() and torch.isfinite(b).all()):
        raise ValueError("reconstruction and original must be finite")
    return float((a - b).pow(2).mean())


def recognition_rate(classifier, images, labels) -> float:
    """The fraction of reconstructed images that a classifier assigns to the true label.

    A reconstruction "leaks" the digit when a classifier trained on clean digits still recognises
    it; chance is 1/10. ``classifier`` is a ``torch.nn.Module`` returning logits for an
    ``(n, features)`` float tensor, or any object with a scikit-learn ``predict``. Images are passed
    as they are (flattened to ``(n, features)``), with no clipping or rescaling.
    """
    X = images.detach().cpu().numpy() if isinstance(images, torch.Tensor) else np.asarray(images)
    y = labels.detach().cpu().numpy() if isinstance(labels, torch.Tensor) else np.asarray(labels)
    if X.ndim < 2 or y.ndim != 1 or len(X) != len(y) or len(y) == 0:
        raise ValueError(f"images must be (n, ...) and labels (n,) with n >= 1, got {X.shape} and {y.shape}")
    X = X.reshape(len(X), -1)
    if not np.all(np.isfinite(X)):
        raise ValueError("images must be finite")
    if isinstance(classifier, nn.Module):
        dtype = next(classifier.parameters()).dtype
        with torch.no_grad():
            pred = classifier(torch.as_tensor(X, dtype=dtype)).argmax(dim=1).numpy()
    elif hasattr(classifier, "predict"):
        pred = np.asarray(classifier.predict(X))
    else:
        raise TypeError(f"classifier must be a torch.nn.Module or have a predict method, "
                        f"got {type(classifier).__name__}")
    return float(np.mean(pred == y))

"""Evasion attacks: small input changes that flip a trained model's prediction, and a defence.

Every attack here is *white-box* and *untargeted*: it knows the model's weights and looks for an input
``x'`` close to ``x`` (within ``eps`` in the L∞ or L2 norm, and inside the valid pixel range ``clip``)
that raises the cross-entropy loss of the true label ``y`` — ideally until the prediction changes.

* :func:`fgsm` — one signed-gradient step (Goodfellow, Shlens & Szegedy 2015);
* :func:`pgd` — many projected steps from a random start (Madry et al. 2018);
* :func:`random_noise` — a perturbation of the same size in a random direction: the control that tells
  an *adversarial* weakness from plain sensitivity to noise;
* :func:`robust_accuracy` — accuracy on attacked inputs for each ε (ε = 0: clean accuracy);
* :func:`adversarial_training` — train on attacked inputs, the min-max recipe of Madry et al. (2018).

Conventions. ``X`` is a floating tensor (or NumPy array) with one example per row of its first axis,
``y`` the integer labels; results are detached tensors of ``X``'s dtype on ``X``'s device. The model
must be in evaluation mode (``model.eval()``): an attack evaluates the model as it is deployed, with
dropout off and batch-norm statistics frozen; a model left in training mode is refused rather than
attacked in a state nobody serves. Attacks take gradients with respect to the *input* only
(``torch.autograd.grad``): they leave the model's parameters, their ``requires_grad`` flags and their
``.grad`` fields exactly as they found them.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

Attack = Callable[..., torch.Tensor]
NORMS = ("linf", "l2")
_TINY = 1e-12  # guards the division by a zero gradient or perturbation norm


# --------------------------------------------------------------------------------------------------
# argument checks (each names the argument and its valid range)


def _check_eps(eps) -> float:
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real):
        raise TypeError(f"eps must be a real number >= 0, got {type(eps).__name__}")
    if not (math.isfinite(eps) and eps >= 0):
        raise ValueError(f"eps must be a finite number >= 0, got {eps!r}")
    return float(eps)


def _check_norm(norm) -> str:
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    return norm


def _check_int(value, name: str, lo: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int >= {lo}, got {type(value).__name__}")
    if value < lo:
        raise ValueError(f"{name} must be an int >= {lo}, got {value}")
    return int(value)


def _check_positive(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a finite number > 0, got {type(value).__name__}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def _check_clip(clip) -> tuple[float, float] | None:
    if clip is None:
        return None
    try:
        lo, hi = clip
    except (TypeError, ValueError):
        raise TypeError(f"clip must be None or a pair (low, high) with low < high, got {clip!r}") from None
    for v in (lo, hi):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise ValueError(f"clip must be None or a pair of finite numbers (low, high), got {clip!r}")
    if not lo < hi:
        raise ValueError(f"clip must satisfy low < high, got {clip!r}")
    return float(lo), float(hi)


def _as_tensors(X, y) -> tuple[torch.Tensor, torch.Tensor]:
    if isinstance(X, np.ndarray):
        X = torch.from_numpy(X.astype(np.float32) if X.dtype not in (np.float32, np.float64) else X)
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"X must be a torch.Tensor or NumPy array, got {type(X).__name__}")
    if not X.is_floating_point():
        raise TypeError(f"X must hold floating-point values, got dtype {X.dtype}")
    if isinstance(y, np.ndarray):
        y = torch.from_numpy(y)
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"y must be a torch.Tensor or NumPy array of int labels, got {type(y).__name__}")
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise TypeError(f"y must hold integer class labels, got dtype {y.dtype}")
    if X.ndim < 2:
        raise ValueError(f"X must have a batch axis and at least one feature axis, "
                         f"got shape {tuple(X.shape)}")
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (one label per example), got shape {tuple(y.shape)}")
    if len(X) == 0:
        raise ValueError("X is empty: an attack needs at least one example")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} examples and {len(y)} labels")
    if not bool(torch.isfinite(X).all()):
        raise ValueError("X contains NaN or infinite values")
    return X.detach(), y.detach().to(device=X.device, dtype=torch.long)


def _check_model(model, *, for_attack: bool = True) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if for_attack and any(m.training for m in model.modules()):
        raise ValueError(
            "model is in training mode (model.training is True for it or a submodule); call model.eval() "
            "first: an attack must evaluate the deployed model, with dropout off and batch-norm statistics "
            "frozen"
        )
    return model


def _check_labels(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> None:
    with torch.no_grad():
        out = model(X[:1])
    if out.ndim != 2:
        raise ValueError(f"model must return logits of shape (batch, classes), got shape {tuple(out.shape)}")
    n_classes = out.shape[1]
    lo, hi = int(y.min()), int(y.max())
    if lo < 0 or hi >= n_classes:
        raise ValueError(f"y must hold labels in [0, {n_classes - 1}] (the model has {n_classes} outputs), "
                         f"got labels in [{lo}, {hi}]")


def _check_in_range(X: torch.Tensor, clip: tuple[float, float] | None) -> None:
    if clip is not None and (float(X.min()) < clip[0] or float(X.max()) > clip[1]):
        raise ValueError(f"X must lie inside clip={clip} (the valid input range), got values in "
                         f"[{float(X.min()):.4g}, {float(X.max()):.4g}]; rescale X or pass clip=None")


def _prepare(model, X, y, eps, clip):
    """The checks every attack shares; returns the tensors, eps and clip in the form computed with."""
    model = _check_model(model)
    eps = _check_eps(eps)
    clip = _check_clip(clip)
    X, y = _as_tensors(X, y)
    _check_in_range(X, clip)
    _check_labels(model, X, y)
    return model, X, y, eps, clip


# --------------------------------------------------------------------------------------------------
# building blocks


def _per_example_norm(t: torch.Tensor) -> torch.Tensor:
    """L2 norm of each example (all axes but the first), shaped to broadcast against ``t``."""
    return t.flatten(1).norm(dim=1).view(-1, *([1] * (t.ndim - 1)))


def _loss_and_grad(model: nn.Module, x: torch.Tensor, y: torch.Tensor):
    """Per-example cross-entropy at ``x`` and its gradient with respect to ``x`` (not the parameters).

    The *sum* of the losses is differentiated, so that each example's gradient is its own, not divided
    by the batch size; ``autograd.grad`` returns it without touching any parameter's ``.grad``.
    """
    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        logits = model(x)
        losses = F.cross_entropy(logits, y, reduction="none")
        (grad,) = torch.autograd.grad(losses.sum(), x)
    return losses.detach(), logits.detach(), grad.detach()


def _project(x_adv: torch.Tensor, x: torch.Tensor, eps: float, norm: str,
             clip: tuple[float, float] | None) -> torch.Tensor:
    """Back into the ε-ball around ``x`` (per example), then into the valid range ``clip``.

    L∞: clamp every coordinate of x' to [x − ε, x + ε]. L2: scale δ by min(1, ε/‖δ‖₂). Clipping to the
    box afterwards only moves coordinates towards ``x`` (``x`` itself lies in the box), so it never
    leaves the ball: the result satisfies both constraints.
    """
    if norm == "linf":  # min/max rather than clamping x' - x: a point already inside is kept bit for bit
        out = torch.minimum(torch.maximum(x_adv, x - eps), x + eps)
    else:
        delta = x_adv - x
        out = x + delta * torch.clamp(eps / _per_example_norm(delta).clamp_min(_TINY), max=1.0)
    return out if clip is None else out.clamp(*clip)


def _random_in_ball(X: torch.Tensor, eps: float, norm: str, generator: torch.Generator | None,
                    *, surface: bool) -> torch.Tensor:
    """A random δ per example: L∞ uniform in the box (or ±ε signs on its surface); L2 uniform in the
    ball (or on the sphere of radius ε)."""
    where = generator.device if generator is not None else X.device
    shape = X.shape
    if norm == "linf":
        if surface:
            u = torch.randint(0, 2, shape, generator=generator, device=where).to(X.dtype) * 2 - 1
        else:
            u = torch.rand(shape, generator=generator, device=where, dtype=X.dtype) * 2 - 1
        return (eps * u).to(X.device)
    direction = torch.randn(shape, generator=generator, device=where, dtype=X.dtype)
    direction = direction / _per_example_norm(direction).clamp_min(_TINY)
    if surface:
        radius = torch.full((len(X),), eps, dtype=X.dtype, device=where)
    else:  # uniform in the d-dimensional ball: radius = ε U^(1/d)
        d = X[0].numel()
        radius = eps * torch.rand(len(X), generator=generator, device=where, dtype=X.dtype) ** (1.0 / d)
    return (direction * radius.view(-1, *([1] * (X.ndim - 1)))).to(X.device)


# --------------------------------------------------------------------------------------------------
# attacks


def fgsm(
    model: nn.Module, X, y, eps: float, *, clip: tuple[float, float] | None = (0.0, 1.0)
) -> torch.Tensor:
    """The fast gradient sign method (Goodfellow, Shlens & Szegedy 2015, "Explaining and harnessing
    adversarial examples", ICLR).

        x' = clip(x + ε · sign(∇ₓ L(f(x), y)))

    One step to the corner of the L∞ ball that the loss's linearisation at ``x`` says is worst. For a
    model whose loss is monotone in a linear function of ``x`` (logistic regression) that corner is the
    exact worst case; for a network it is a first-order guess that :func:`pgd` improves on.
    ``clip=(low, high)`` keeps pixels valid (``None``: no clipping). ``eps = 0`` returns ``X`` unchanged.
    """
    model, X, y, eps, clip = _prepare(model, X, y, eps, clip)
    _, _, grad = _loss_and_grad(model, X, y)
    x_adv = X + eps * grad.sign()
    return _project(x_adv, X, eps, "linf", clip).detach()


def pgd(
    model: nn.Module,
    X,
    y,
    eps: float,
    *,
    norm: str = "linf",
    step_size: float | None = None,
    steps: int = 10,
    random_start: bool = True,
    clip: tuple[float, float] | None = (0.0, 1.0),
    generator: torch.Generator | None = None,
    keep_best: bool = True,
) -> torch.Tensor:
    """Projected gradient descent on the negative loss (Madry, Makelov, Schmidt, Tsipras & Vladu 2018,
    "Towards deep learning models resistant to adversarial attacks", ICLR).

    Start at x⁰ = x + δ₀ (δ₀ uniform in the ε-ball when ``random_start``, else 0), then for t < ``steps``

        L∞:  x^{t+1} = Π( x^t + α · sign(∇ₓ L(f(x^t), y)) )
        L2:  x^{t+1} = Π( x^t + α · ∇ₓ L / ‖∇ₓ L‖₂ )

    where Π projects each example back into its own ε-ball around x (L∞: clamp each coordinate; L2:
    rescale δ to norm ≤ ε) and then into the valid range ``clip``. The step size α defaults to
    2.5 · ε / steps, so that the iterates can cross the ball and back (the rule of Madry et al.'s
    reference code). With ``keep_best`` (default) the function returns, for each example, the iterate
    that misclassifies it or, failing that, has the highest loss — the start point included; an
    attacker may always report its best try. ``keep_best=False`` returns the last iterate.

    ``generator`` (a ``torch.Generator``) seeds the random start. ``eps = 0`` returns ``X`` unchanged.
    """
    model, X, y, eps, clip = _prepare(model, X, y, eps, clip)
    norm = _check_norm(norm)
    steps = _check_int(steps, "steps", 1)
    if not isinstance(random_start, bool):
        raise TypeError(f"random_start must be True or False, got {random_start!r}")
    if not isinstance(keep_best, bool):
        raise TypeError(f"keep_best must be True or False, got {keep_best!r}")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
    alpha = 2.5 * eps / steps if step_size is None else _check_positive(step_size, "step_size")
    return _pgd(model, X, y, eps, norm, alpha, steps, random_start, clip, generator, keep_best)


def _pgd(model, X, y, eps, norm, alpha, steps, random_start, clip, generator, keep_best) -> torch.Tensor:
    """PGD on arguments already checked (adversarial training calls it once per batch)."""
    x_adv = X.clone()
    if random_start and eps > 0:
        x_adv = _project(X + _random_in_ball(X, eps, norm, generator, surface=False), X, eps, norm, clip)
    best, best_loss, best_wrong = x_adv.clone(), None, None

    def remember(losses: torch.Tensor, logits: torch.Tensor) -> None:
        # keep, per example, a misclassifying iterate or else the one with the highest loss
        nonlocal best_loss, best_wrong
        wrong = logits.argmax(dim=1) != y
        if best_loss is None:
            best_loss, best_wrong = losses, wrong
            return
        better = (wrong & ~best_wrong) | ((wrong == best_wrong) & (losses > best_loss))
        best[better] = x_adv[better]
        best_loss = torch.where(better, losses, best_loss)
        best_wrong = best_wrong | wrong

    for _ in range(steps):
        losses, logits, grad = _loss_and_grad(model, x_adv, y)
        if keep_best:
            remember(losses, logits)
        if norm == "linf":
            step = grad.sign()
        else:
            step = grad / _per_example_norm(grad).clamp_min(_TINY)
        x_adv = _project(x_adv + alpha * step, X, eps, norm, clip)
    if not keep_best:
        return x_adv.detach()
    with torch.no_grad():  # the last iterate is judged too; no gradient needed there
        logits = model(x_adv)
        remember(F.cross_entropy(logits, y, reduction="none"), logits)
    return best.detach()


def random_noise(
    X,
    eps: float,
    *,
    norm: str = "linf",
    clip: tuple[float, float] | None = (0.0, 1.0),
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """A random perturbation of the attack's size: the control for :func:`fgsm` and :func:`pgd`.

        L∞:  x' = clip(x + ε · s),  s uniform on {−1, +1}^d   (a random corner of the ball, as FGSM's)
        L2:  x' = clip(x + ε · u),  u uniform on the unit sphere

    If noise this large barely hurts while FGSM of the same ε destroys the model, the weakness is in the
    *direction* the attack finds, not in the size of the change (Szegedy et al. 2014; Goodfellow et al.
    2015). ``generator`` (a ``torch.Generator``) makes the draw reproducible.
    """
    eps = _check_eps(eps)
    norm = _check_norm(norm)
    clip = _check_clip(clip)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
    X, _ = _as_tensors(X, torch.zeros(len(X), dtype=torch.long))
    _check_in_range(X, clip)
    delta = _random_in_ball(X, eps, norm, generator, surface=True)
    return _project(X + delta, X, eps, norm, clip).detach()


def _noise_attack(model, X, y, eps, *, norm="linf", clip=(0.0, 1.0), generator=None, **_):
    return random_noise(X, eps, norm=norm, clip=clip, generator=generator)


ATTACKS: dict[str, Attack] = {"fgsm": fgsm, "pgd": pgd, "noise": _noise_attack}


def _resolve_attack(attack) -> Attack:
    if callable(attack):
        return attack
    if attack not in ATTACKS:
        raise ValueError(f"attack must be one of {tuple(ATTACKS)} or a callable "
                         f"attack(model, X, y, eps, **kwargs), got {attack!r}")
    return ATTACKS[attack]


@torch.no_grad()
def _accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    return float((model(X).argmax(dim=1) == y).double().mean())


def robust_accuracy(
    model: nn.Module,
    X,
    y,
    attack: str | Attack,
    eps_values: Sequence[float],
    **attack_kwargs,
) -> np.ndarray:
    """Accuracy on attacked inputs, one value per ε in ``eps_values`` (robust accuracy at ε).

        acc(ε) = (1/n) Σᵢ 1[ argmax f(A(xᵢ, yᵢ, ε)) = yᵢ ]

    ``attack`` is ``"fgsm"``, ``"pgd"``, ``"noise"`` (:func:`random_noise`) or any callable
    ``attack(model, X, y, eps, **attack_kwargs)`` returning the attacked batch; ``attack_kwargs`` go to
    it (``norm``, ``steps``, ``generator``, ``clip``...). At ε = 0 every attack leaves ``X`` unchanged,
    so the value is the clean accuracy. An accuracy against one attack is an *upper bound* on the true
    robust accuracy: a stronger attack can only lower it.
    """
    model, X, y, _, clip = _prepare(model, X, y, 0.0, attack_kwargs.get("clip", (0.0, 1.0)))
    run = _resolve_attack(attack)
    if isinstance(eps_values, (str, bytes)) or not isinstance(eps_values, (Sequence, np.ndarray)):
        raise TypeError(f"eps_values must be a sequence of numbers >= 0, got {type(eps_values).__name__}")
    eps_list = [_check_eps(e.item() if isinstance(e, np.generic) else e) for e in eps_values]
    if not eps_list:
        raise ValueError("eps_values must hold at least one epsilon")
    out = []
    for eps in eps_list:
        x_adv = X if eps == 0 else run(model, X, y, eps, **attack_kwargs)
        out.append(_accuracy(model, x_adv, y))
    return np.asarray(out, dtype=np.float64)


# --------------------------------------------------------------------------------------------------
# a defence


def adversarial_training(
    model: nn.Module,
    X,
    y,
    eps: float,
    *,
    attack: str = "pgd",
    norm: str = "linf",
    steps: int = 7,
    step_size: float | None = None,
    clean_weight: float = 0.0,
    epochs: int = 10,
    lr: float = 1e-3,
    batch_size: int = 64,
    seed: int = 0,
    clip: tuple[float, float] | None = (0.0, 1.0),
    weight_decay: float = 0.0,
) -> list[float]:
    """Adversarial training (Madry et al. 2018; FGSM variant and clean mixing: Goodfellow et al. 2015).

    Minimise the robust loss  E_(x,y) [ max_{‖δ‖ ≤ ε} L(f(x + δ), y) ]: for each mini-batch the inner
    maximum is approximated by an attack on the current model (``"pgd"`` with ``steps`` steps, a random
    start and, as in Madry et al., its last iterate; or ``"fgsm"``), then Adam takes a step on

        (1 − w) · L(f(x'), y) + w · L(f(x), y),     w = ``clean_weight`` in [0, 1]

    (w = 0: Madry et al.'s pure adversarial objective; w = 0.5: Goodfellow et al.'s mix). The model is
    trained in place: switched to ``eval()`` while each batch is attacked (so the examples are those the
    deployed model would face) and to ``train()`` for the update; it is left in ``eval()`` mode. Shuffling
    and the PGD random starts are seeded by ``seed``. Returns the mean training loss per epoch.
    """
    model = _check_model(model, for_attack=False)
    eps = _check_eps(eps)
    norm = _check_norm(norm)
    clip = _check_clip(clip)
    if attack not in ("pgd", "fgsm"):
        raise ValueError(f"attack must be 'pgd' or 'fgsm', got {attack!r}")
    if attack == "fgsm" and norm != "linf":
        raise ValueError(f"attack='fgsm' is an L-infinity attack; use norm='linf' (got {norm!r}) "
                         "or attack='pgd'")
    steps = _check_int(steps, "steps", 1)
    alpha = 2.5 * eps / steps if step_size is None else _check_positive(step_size, "step_size")
    epochs = _check_int(epochs, "epochs", 0)
    batch_size = _check_int(batch_size, "batch_size", 1)
    seed = _check_int(seed, "seed", 0)
    lr = _check_positive(lr, "lr")
    if isinstance(clean_weight, bool) or not isinstance(clean_weight, numbers.Real) \
            or not 0.0 <= clean_weight <= 1.0:
        raise ValueError(f"clean_weight must be a number in [0, 1], got {clean_weight!r}")
    if isinstance(weight_decay, bool) or not isinstance(weight_decay, numbers.Real) \
            or not (math.isfinite(weight_decay) and weight_decay >= 0):
        raise ValueError(f"weight_decay must be a finite number >= 0, got {weight_decay!r}")
    X, y = _as_tensors(X, y)
    _check_in_range(X, clip)
    model.eval()
    _check_labels(model, X, y)

    gen = torch.Generator().manual_seed(seed)
    attack_gen = torch.Generator(device=X.device).manual_seed(seed + 1)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr,
                           weight_decay=weight_decay)
    losses = []
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=gen).to(X.device)
        total = 0.0
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            xb, yb = X[idx], y[idx]
            model.eval()
            if eps == 0:
                x_adv = xb
            elif attack == "pgd":
                x_adv = _pgd(model, xb, yb, eps, norm, alpha, steps, True, clip, attack_gen, False)
            else:
                _, _, grad = _loss_and_grad(model, xb, yb)
                x_adv = _project(xb + eps * grad.sign(), xb, eps, "linf", clip)
            model.train()
            opt.zero_grad()
            loss = (1 - clean_weight) * F.cross_entropy(model(x_adv), yb)
            if clean_weight > 0:
                loss = loss + clean_weight * F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / len(X))
    model.eval()
    return losses

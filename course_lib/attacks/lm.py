"""A tiny character GPT, and what an attacker gets out of it: exposure, extraction, sampling.

**The model** is a decoder-only transformer (Radford et al. 2018, 2019) at toy scale, in the shape
of Karpathy's nanoGPT: character and position embeddings, ``layers`` pre-LayerNorm blocks of causal
multi-head self-attention and a GELU MLP, a final LayerNorm and a linear head. It has no dropout and
no batch normalisation, and its forward pass treats every sequence of a batch on its own, so
``course_lib.dp.sgd.train_dp`` can train it with per-example gradients (the vmap path: attention is
not a layer the ghost path reads). One DP example is one window of ``block`` characters.

**Exposure over 10⁹ candidates.** ``memorisation.exposure_of_secret`` scores every candidate of a
format, which is fine for 10⁵–10⁶ of them. For a whole SSN (10⁹) :func:`digit_rank` counts exactly
the candidates that the model prefers to the secret by branch and bound over the digit tree: a digit
can only lower a log-probability, so a branch whose prefix already scores below the secret holds
no candidate ahead of it. The search is cheap when the secret ranks high (memorised) and explodes
when it does not; then :func:`secret_exposure` estimates the rank from sampled candidates — drawn
uniformly, or from the model itself with importance weights (Carlini et al. 2019, sec. 4.3, fit a
skew-normal instead) — and says which.

**Extraction** (Carlini et al. 2019 sec. 8, 2021): greedy decoding and beam search continue a
prefix such as "The SSN of Jane Roe is "; untargeted :func:`sample` draws text from nothing but a
line break, and :func:`membership_scores` ranks samples by how much more likely the target model
finds them than a reference model trained without the secrets (the "comparing to other neural
language models" filter of Carlini et al. 2021), or by the zlib ratio (:func:`zlib_scores`).

References:
    A. Radford, K. Narasimhan, T. Salimans, I. Sutskever. Improving language understanding by
    generative pre-training. OpenAI 2018. A. Radford et al. Language models are unsupervised
    multitask learners. OpenAI 2019.
    A. Karpathy. nanoGPT. https://github.com/karpathy/nanoGPT (2022).
    N. Carlini, C. Liu, Ú. Erlingsson, J. Kos, D. Song. The Secret Sharer. USENIX Security 2019.
    N. Carlini et al. Extracting training data from large language models. USENIX Security 2021.
"""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from course_lib.attacks.canaries import CharTable
from course_lib.attacks.memorisation import exposure_from_rank, format_candidates, secret_index

__all__ = [
    "CharGPT",
    "CharLM",
    "Exposure",
    "beam_search",
    "digit_rank",
    "greedy",
    "importance_rank",
    "lm_loss",
    "membership_scores",
    "sample",
    "secret_exposure",
    "text_windows",
    "train_lm",
    "train_lm_dp",
    "zlib_scores",
]

DIGITS = "0123456789"


def _int(value, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


def _positive(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


# --------------------------------------------------------------------------- the network


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention in which position t sees positions <= t only."""

    def __init__(self, width: int, heads: int, block: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        # ALiBi (Press et al. 2022): head h adds -slope_h * (t - s) to the score of position s <= t, and
        # -inf to s > t (causal). From the first step each head prefers recent characters, at its own
        # range (slopes 2^(-8h/heads)): a character model then learns in tens of steps, not hundreds.
        slopes = 2.0 ** (-8.0 / heads * torch.arange(1, heads + 1, dtype=torch.float32))
        distance = (torch.arange(block)[:, None] - torch.arange(block)[None, :]).float()
        bias = (-slopes[:, None, None] * distance).masked_fill(distance < 0, float("-inf"))
        self.register_buffer("bias", bias, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.attend(x)[0]

    def attend(self, x: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None = None):
        """The attention output for ``x`` (B, T, W) placed after ``past`` keys and values (one
        sequence's, shared by the batch), and the keys and values of everything so far."""
        B, T, W = x.shape
        q, k, v = self.qkv(x).split(W, dim=2)
        q, k, v = (t.view(B, T, self.heads, W // self.heads).transpose(1, 2) for t in (q, k, v))
        start = 0
        if past is not None:
            start = past[0].shape[2]
            k = torch.cat([past[0].expand(B, -1, -1, -1), k], dim=2)
            v = torch.cat([past[1].expand(B, -1, -1, -1), v], dim=2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(W // self.heads)
        att = (att + self.bias[:, start:start + T, :start + T]).softmax(dim=-1)
        return self.proj((att @ v).transpose(1, 2).reshape(B, T, W)), (k, v)


class Block(nn.Module):
    """Pre-LayerNorm transformer block: ``x + attn(ln(x))``, then ``x + mlp(ln(x))``."""

    def __init__(self, width: int, heads: int, block: int):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.attn = CausalSelfAttention(width, heads, block)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))

    def attend(self, x: torch.Tensor, past=None):
        out, present = self.attn.attend(self.ln1(x), past)
        x = x + out
        return x + self.mlp(self.ln2(x)), present


class CharGPT(nn.Module):
    """``(B, T)`` character codes in ``[0, vocab)`` -> ``(B, T, vocab)`` next-character logits, T <= block."""

    def __init__(self, vocab: int, block: int = 128, width: int = 128, layers: int = 2, heads: int = 4):
        super().__init__()
        for name, v in (("vocab", vocab), ("block", block), ("width", width), ("layers", layers),
                        ("heads", heads)):
            _int(v, name, 2 if name == "vocab" else 1)
        if width % heads:
            raise ValueError(f"width must be a multiple of heads, got width={width}, heads={heads}")
        self.block = block
        self.tok = nn.Embedding(vocab, width)
        self.blocks = nn.Sequential(*[Block(width, heads, block) for _ in range(layers)])
        self.ln = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab)
        for module in self.modules():  # GPT-2's initialisation: N(0, 0.02), zero biases
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=0.02)
                if getattr(module, "bias", None) is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        if idx.dim() != 2 or idx.shape[1] > self.block or idx.dtype != torch.long:
            raise ValueError(f"idx must be int64 codes of shape (B, T) with T <= {self.block}, "
                             f"got {idx.dtype} {tuple(idx.shape)}")
        x = self.tok(idx)  # positions enter through the attention bias (ALiBi), not an embedding
        return self.head(self.ln(self.blocks(x)))

    def extend(self, idx: torch.Tensor, past: list | None = None) -> tuple[torch.Tensor, list]:
        """Logits for ``idx`` (B, T) continuing ``past`` (the cache of one earlier sequence, shared by
        the batch; None: no earlier characters), and the cache including ``idx``: scoring many
        continuations of one prefix reads the prefix once (a key-value cache, as in GPT inference)."""
        start = 0 if past is None else past[0][0].shape[2]
        if idx.dim() != 2 or start + idx.shape[1] > self.block or idx.dtype != torch.long:
            raise ValueError(f"idx must be int64 codes of shape (B, T) with {start} + T <= {self.block}")
        x, presents = self.tok(idx), []
        for i, blk in enumerate(self.blocks):
            x, present = blk.attend(x, None if past is None else past[i])
            presents.append(present)
        return self.head(self.ln(x)), presents


def lm_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean next-character cross-entropy (nats) over every position: the loss of one window in DP-SGD."""
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


# --------------------------------------------------------------------------- the language model


class CharLM:
    """A :class:`CharGPT` and the alphabet it reads; scoring, for the attacks below."""

    def __init__(self, alphabet: str, block: int = 128, width: int = 128, layers: int = 2, heads: int = 4,
                 seed: int = 0):
        if not isinstance(alphabet, str) or len(set(alphabet)) != len(alphabet) or len(alphabet) < 2:
            raise ValueError("alphabet must be a string of at least 2 distinct characters")
        self.alphabet = alphabet
        torch.manual_seed(seed)
        self.net = CharGPT(len(alphabet), block, width, layers, heads).eval()
        self.block = block
        self._table = CharTable(alphabet)

    def encode(self, text: str) -> torch.Tensor:
        """The codes ``0..len(alphabet)-1`` of ``text``'s characters (one vectorised lookup)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a string, got {type(text).__name__}")
        return self._table.codes(text)

    def decode(self, codes) -> str:
        return "".join(self.alphabet[int(c)] for c in codes)

    def _batch(self, texts: Sequence[str]) -> torch.Tensor:
        """Texts of one length as a ``(B, T)`` code tensor, cut to their last ``block`` characters."""
        if not texts:
            return torch.zeros(0, 0, dtype=torch.long)
        lengths = {len(t) for t in texts}
        if len(lengths) != 1 or 0 in lengths:
            raise ValueError("texts must be non-empty strings of one length here")
        keep = min(lengths.pop(), self.block)
        return self.encode("".join(t[-keep:] for t in texts)).view(len(texts), keep)

    @torch.no_grad()
    def _logits(self, codes: torch.Tensor, chunk: int = 2048) -> torch.Tensor:
        self.net.eval()
        return torch.cat([self.net(codes[i:i + chunk]) for i in range(0, len(codes), chunk)])

    @torch.no_grad()
    def _last_logprobs(self, texts: list[str], chunk: int = 2048) -> torch.Tensor:
        """Next-character log-probabilities after texts of one length; the characters they share at
        the start are read once (key-value cache) when the texts fit in ``block``."""
        self.net.eval()
        shared = len(os.path.commonprefix(texts)) if len(texts) > 1 else len(texts[0])
        if len(texts[0]) > self.block or shared == 0:
            return torch.log_softmax(self._logits(self._batch(texts))[:, -1].double(), dim=-1)
        head, past = self.net.extend(self.encode(texts[0][:shared])[None])
        if shared == len(texts[0]):
            return torch.log_softmax(head[:, -1].double(), dim=-1).expand(len(texts), -1)
        tails = self.encode("".join(t[shared:] for t in texts)).view(len(texts), -1)
        out = [self.net.extend(tails[i:i + chunk], past)[0][:, -1] for i in range(0, len(tails), chunk)]
        return torch.log_softmax(torch.cat(out).double(), dim=-1)

    @torch.no_grad()
    def next_logprobs(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), len(alphabet))`` float64 log-probabilities of the character after each text
        (texts longer than ``block`` are cut to their end); the interface of
        ``memorisation.exposure_of_secret``. Texts must be non-empty: the model has no start symbol."""
        texts = list(texts)
        if any(not isinstance(t, str) or not t for t in texts):
            raise ValueError("texts must be non-empty strings (the model has no start-of-text symbol)")
        out = np.empty((len(texts), len(self.alphabet)))
        by_length: dict[int, list[int]] = {}
        for i, t in enumerate(texts):
            by_length.setdefault(len(t), []).append(i)
        for rows in by_length.values():
            out[rows] = self._last_logprobs([texts[i] for i in rows]).numpy()
        return out

    @torch.no_grad()
    def completion_logprobs(self, prefix: str, completions: Sequence[str], chunk: int = 2048) -> np.ndarray:
        """``log P(completion | prefix)`` for each completion (all of one length), the prefix read once."""
        completions = list(completions)
        if not isinstance(prefix, str) or not prefix:
            raise ValueError("prefix must be a non-empty string")
        if not completions or len({len(c) for c in completions}) != 1 or not completions[0]:
            raise ValueError("completions must be non-empty strings, all of one length")
        n = len(completions[0])
        if len(prefix) + n > self.block:
            raise ValueError(f"prefix and completion must fit in block={self.block} characters")
        self.net.eval()
        head, past = self.net.extend(self.encode(prefix)[None])
        codes = self.encode("".join(completions)).view(len(completions), n)
        first = torch.log_softmax(head[0, -1].double(), dim=-1)[codes[:, 0]]
        if n == 1:
            return first.numpy()
        rest = torch.cat([self.net.extend(codes[i:i + chunk, :-1], past)[0]
                          for i in range(0, len(codes), chunk)])
        logp = torch.log_softmax(rest.double(), dim=-1).gather(2, codes[:, 1:, None]).squeeze(2)
        return (first + logp.sum(1)).numpy()

    @torch.no_grad()
    def char_logprobs(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), T - 1)``: log P(character t | the characters before t) for t >= 1, texts of one
        length T >= 2 (the first character has no context and no score). Texts longer than ``block``
        are read in pieces of ``block + 1`` characters overlapping by one: the context restarts at each."""
        texts = list(texts)
        if not texts or len({len(t) for t in texts}) != 1 or len(texts[0]) < 2:
            raise ValueError("texts must be strings of one length >= 2")
        codes = self.encode("".join(texts)).view(len(texts), -1)
        pieces = []
        for start in range(0, codes.shape[1] - 1, self.block):
            piece = codes[:, start:start + self.block + 1]
            logp = torch.log_softmax(self._logits(piece[:, :-1]).double(), dim=-1)
            pieces.append(logp.gather(2, piece[:, 1:, None]).squeeze(2))
        return torch.cat(pieces, dim=1).numpy()

    @torch.no_grad()
    def loss(self, text: str) -> float:
        """Mean next-character cross-entropy of ``text`` in nats, over non-overlapping windows."""
        X, Y = text_windows(self.encode(text), self.block)
        if len(X) == 0:
            raise ValueError(f"text must be longer than block={self.block} characters")
        logits = self._logits(X)
        return float(lm_loss(logits, Y))


def text_windows(codes: torch.Tensor, block: int,
                 stride: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(X, Y)``: windows of ``block`` codes and the same shifted by one (the next characters), every
    ``stride`` characters (default ``block``: non-overlapping, so each character is in one example)."""
    block = _int(block, "block", 1)
    stride = block if stride is None else _int(stride, "stride", 1)
    if len(codes) < block + 1:
        return codes.new_zeros(0, block), codes.new_zeros(0, block)
    windows = codes.unfold(0, block + 1, stride)
    return windows[:, :-1].contiguous(), windows[:, 1:].contiguous()


def train_lm(text: str, *, alphabet: str | None = None, block: int = 128, width: int = 128, layers: int = 2,
             heads: int = 4, steps: int = 300, batch_size: int = 64, lr: float = 3e-3, seed: int = 0,
             on_step: Callable[[int, float], None] | None = None) -> CharLM:
    """Train a :class:`CharLM` on ``text`` with Adam (non-private): each step reads ``batch_size`` windows
    of ``block`` characters at random offsets; the learning rate decays linearly to a tenth."""
    if not isinstance(text, str) or len(text) <= block:
        raise ValueError(f"text must be a string longer than block={block} characters")
    steps, batch_size = _int(steps, "steps", 1), _int(batch_size, "batch_size", 1)
    lr = _positive(lr, "lr")
    lm = CharLM(alphabet or "".join(sorted(set(text))), block, width, layers, heads, seed)
    codes = lm.encode(text)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(lm.net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1 - 0.9 * s / steps)
    offsets = torch.arange(block + 1)
    lm.net.train()
    for step in range(steps):
        starts = torch.randint(len(codes) - block, (batch_size,), generator=gen)
        batch = codes[starts[:, None] + offsets]
        loss = lm_loss(lm.net(batch[:, :-1]), batch[:, 1:])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if on_step is not None:
            on_step(step, float(loss.detach()))
    lm.net.eval()
    return lm


def train_lm_dp(text: str, *, alphabet: str | None = None, block: int = 128, width: int = 128,
                layers: int = 2, heads: int = 4, epochs: int = 10, batch_size: int = 64, lr: float = 3e-3,
                max_grad_norm: float = 1.0, noise_multiplier: float, delta: float = 1e-5, seed: int = 0,
                on_epoch: Callable[[dict], None] | None = None):
    """Train a :class:`CharLM` with ``train_dp`` (DP-SGD, Adam on the noisy gradient), one example =
    one non-overlapping window of ``block`` characters: the guarantee protects any one window, so a
    secret written k times in k windows is protected as a group of k (ε grows about k-fold).

    ``noise_multiplier=0`` clips without noise (no privacy: ε = inf, with train_dp's warning).
    Returns ``(CharLM, DPTrainingResult)``."""
    from course_lib.dp.sgd import train_dp

    if not isinstance(text, str) or len(text) <= block:
        raise ValueError(f"text must be a string longer than block={block} characters")
    lm = CharLM(alphabet or "".join(sorted(set(text))), block, width, layers, heads, seed)
    X, Y = text_windows(lm.encode(text), block)
    run = train_dp(lm.net, X, Y, epochs=epochs, batch_size=min(batch_size, len(X)), lr=lr, optimizer="adam",
                   max_grad_norm=max_grad_norm, noise_multiplier=noise_multiplier, delta=delta, seed=seed,
                   loss_fn=lm_loss, clipping="vmap", device="cpu", on_epoch=on_epoch)
    lm.net.eval()
    return lm, run


# --------------------------------------------------------------------------- exposure over a digit tree


def _template_check(lm_alphabet: str, template: str) -> None:
    format_candidates(template)
    for ch in set(template.replace("d", "") + DIGITS):
        if ch not in lm_alphabet:
            raise ValueError(f"template character {ch!r} is not in the model's alphabet")


def digit_rank(next_logprobs, prefix: str, secret: str, template: str, alphabet: str,
               max_nodes: int = 200_000) -> int | None:
    """The exact 1-based rank of ``secret`` among every completion of ``prefix`` fitting ``template``
    (ties count against the secret, as in ``memorisation.rank_of``), or None when the search would
    expand more than ``max_nodes`` tree nodes.

    Branch and bound: walk the digit tree level by level, keeping only the nodes whose log-probability
    so far is at least the secret's; every further character can only lower it, so the dropped
    branches hold no candidate ahead of the secret. ``next_logprobs`` as in
    ``memorisation.all_candidate_scores``."""
    if not isinstance(prefix, str) or not prefix:
        raise ValueError("prefix must be a non-empty string")
    _template_check(alphabet, template)
    secret_index(secret, template)  # raises unless the secret fits
    max_nodes = _int(max_nodes, "max_nodes", 1)
    index = {c: i for i, c in enumerate(alphabet)}
    # the secret's own log-probability, character by character
    lp_secret = np.asarray(next_logprobs([prefix + secret[:i] for i in range(len(secret))]), dtype=np.float64)
    target = float(sum(lp_secret[i, index[c]] for i, c in enumerate(secret)))
    texts, logp, expanded = [prefix], np.zeros(1), 0
    for slot in template:
        expanded += len(texts)
        if expanded > max_nodes:
            return None
        lp = np.asarray(next_logprobs(texts), dtype=np.float64)
        if slot == "d":
            logp = (logp[:, None] + lp[:, [index[c] for c in DIGITS]]).ravel()
            texts = [t + c for t in texts for c in DIGITS]
        else:
            logp = logp + lp[:, index[slot]]
            texts = [t + slot for t in texts]
        keep = np.nonzero(logp >= target - 1e-5 * max(1.0, abs(target)))[0]  # float32 model: near-ties
        texts, logp = [texts[i] for i in keep], logp[keep]
    # ``logp`` now holds the secret (kept: >= itself) and every candidate at least as likely
    return max(1, len(logp))


@dataclass(frozen=True)
class Exposure:
    """A secret's exposure in bits and how it was obtained: ``"exact"`` (branch and bound), ``"sampled"``
    (estimated from uniformly drawn candidates) or ``"importance"`` (estimated from candidates drawn
    from the model, :func:`importance_rank`)."""

    bits: float
    method: str
    n_candidates: int

    def __float__(self) -> float:
        return self.bits

    def __str__(self) -> str:
        return f"{self.bits:.1f} bits ({self.method})"


def importance_rank(lm: CharLM, prefix: str, secret: str, template: str, *, samples: int = 500,
                    seed: int = 0) -> float:
    """An unbiased estimate of the secret's rank (how many candidates score at least as high as it does,
    itself included) by importance sampling: draw candidates from the model's own digit distribution
    (each digit slot renormalised over the ten digits: proposal ``q``) and average ``1[score >=
    secret's] / q(candidate)``. The draws land where the model puts its probability — on the
    candidates that beat the secret — so the estimate stays usable where uniform draws never hit one
    (Carlini et al. 2019 fit a distribution instead; this needs no fit)."""
    _template_check(lm.alphabet, template)
    secret_index(secret, template)
    samples = _int(samples, "samples", 1)
    rng = np.random.default_rng(seed)
    index = {c: i for i, c in enumerate(lm.alphabet)}
    digit_cols = [index[c] for c in DIGITS]
    target = float(lm.completion_logprobs(prefix, [secret])[0])
    texts, score, log_q = [prefix] * samples, np.zeros(samples), np.zeros(samples)
    rows = np.arange(samples)
    for slot in template:
        lp = lm.next_logprobs(texts)
        if slot == "d":
            d = lp[:, digit_cols]
            q = d - np.logaddexp.reduce(d, axis=1, keepdims=True)
            pick = np.minimum((np.cumsum(np.exp(q), axis=1) < rng.random(samples)[:, None]).sum(1), 9)
            score += d[rows, pick]
            log_q += q[rows, pick]
            texts = [t + DIGITS[c] for t, c in zip(texts, pick)]
        else:
            score += lp[:, index[slot]]
            texts = [t + slot for t in texts]
    beats = score >= target - 1e-5 * max(1.0, abs(target))
    return float(np.mean(np.where(beats, np.exp(-log_q), 0.0)))


def secret_exposure(lm: CharLM, prefix: str, secret: str, template: str, *, samples: int = 500,
                    max_nodes: int = 20_000, seed: int = 0) -> Exposure:
    """Exposure of ``secret`` after ``prefix`` among all completions fitting ``template`` (e.g.
    ``"ddd-dd-dddd"``: 10⁹ candidates, at most 29.9 bits), exact where it can be.

    1. ``samples`` uniformly drawn candidates are scored in one batched pass. If at least 20 of them
       beat the secret (a secret the model has not memorised), the rank is estimated as
       ``1 + |R| · (share that beat it)`` (``"sampled"``; relative error about 1/√hits).
    2. Otherwise the exact rank comes from :func:`digit_rank` (``"exact"``) when the search needs at
       most ``max_nodes`` nodes;
    3. else :func:`importance_rank` estimates it from ``samples`` candidates drawn from the model's own
       digit distribution (``"importance"``)."""
    _template_check(lm.alphabet, template)
    secret_index(secret, template)
    samples = _int(samples, "samples", 1)
    n = format_candidates(template)
    rng = np.random.default_rng(seed)
    slots = [i for i, c in enumerate(template) if c == "d"]
    chars = np.array([list(template)] * samples)
    chars[:, slots] = rng.integers(0, 10, size=(samples, len(slots))).astype(str)
    scores = lm.completion_logprobs(prefix, ["".join(row) for row in chars])
    target = float(lm.completion_logprobs(prefix, [secret])[0])
    hits = int(np.count_nonzero(scores >= target))
    if hits >= 20:
        return Exposure(math.log2(n) - math.log2(min(float(n), 1.0 + n * hits / samples)), "sampled", n)
    rank = digit_rank(lm.next_logprobs, prefix, secret, template, lm.alphabet, max_nodes)
    if rank is not None:
        return Exposure(exposure_from_rank(rank, n), "exact", n)
    estimate = importance_rank(lm, prefix, secret, template, samples=samples, seed=seed)
    return Exposure(math.log2(n) - math.log2(min(float(n), max(1.0, estimate))), "importance", n)


# --------------------------------------------------------------------------- extraction


def _check_prefix(lm: CharLM, prefix: str, n_chars: int) -> int:
    if not isinstance(prefix, str) or not prefix:
        raise ValueError("prefix must be a non-empty string")
    lm.encode(prefix)
    return _int(n_chars, "n_chars", 1)


def greedy(lm: CharLM, prefix: str, n_chars: int) -> str:
    """The ``n_chars`` characters after ``prefix`` taking the most likely character each time (the
    first in alphabet order among equals)."""
    n_chars = _check_prefix(lm, prefix, n_chars)
    text = prefix
    for _ in range(n_chars):
        text += lm.alphabet[int(np.argmax(lm.next_logprobs([text])[0]))]
    return text[len(prefix):]


def beam_search(lm: CharLM, prefix: str, n_chars: int, width: int = 10) -> list[tuple[str, float]]:
    """The ``width`` most likely continuations of ``n_chars`` characters that beam search finds, best
    first, with their log-probabilities. Each step extends every kept continuation by every character
    and keeps the ``width`` best (stable order: among equals, the earlier beam and character first),
    so width 1 is greedy decoding."""
    n_chars = _check_prefix(lm, prefix, n_chars)
    width = _int(width, "width", 1)
    beams, scores = [""], np.zeros(1)
    for _ in range(n_chars):
        lp = lm.next_logprobs([prefix + b for b in beams])
        total = (scores[:, None] + lp).ravel()
        best = np.argsort(-total, kind="stable")[:width]
        k = len(lm.alphabet)
        beams = [beams[i // k] + lm.alphabet[i % k] for i in best]
        scores = total[best]
    return list(zip(beams, scores.tolist()))


@torch.no_grad()
def sample(lm: CharLM, n: int, length: int, *, prompt: str = "\n", temperature: float = 1.0,
           top_k: int | None = None, seed: int = 0) -> list[str]:
    """``n`` texts of ``length`` characters drawn from the model after ``prompt`` (a line break: the
    start of a document; untargeted), at ``temperature``, optionally from the ``top_k`` characters."""
    n, length = _int(n, "n", 1), _int(length, "length", 1)
    temperature = _positive(temperature, "temperature")
    if top_k is not None:
        top_k = _int(top_k, "top_k", 1)
    if not isinstance(prompt, str) or not prompt:
        raise ValueError("prompt must be a non-empty string")
    gen = torch.Generator().manual_seed(seed)
    codes = lm.encode(prompt).repeat(n, 1)
    lm.net.eval()
    for _ in range(length):
        logits = lm.net(codes[:, -lm.block:])[:, -1].double() / temperature
        if top_k is not None and top_k < logits.shape[1]:
            cut = logits.topk(top_k, dim=1).values[:, -1:]
            logits = logits.masked_fill(logits < cut, float("-inf"))
        nxt = torch.multinomial(logits.softmax(dim=1), 1, generator=gen)
        codes = torch.cat([codes, nxt], dim=1)
    return [lm.decode(row[len(prompt):]) for row in codes]


def membership_scores(target: CharLM, reference: CharLM, texts: Sequence[str],
                      window: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """For each text, the largest mean per-character log-likelihood ratio ``log p_target − log p_ref``
    over its windows of ``window`` characters, and where that window starts.

    High = the target model finds this stretch far likelier than a model that never saw the secrets:
    what memorisation looks like (Carlini et al. 2021 divide log-perplexities of whole samples; a
    window finds a short secret inside a long sample). Texts of one length, at least ``window + 1``."""
    texts = list(texts)
    window = _int(window, "window", 1)
    if target.alphabet != reference.alphabet:
        raise ValueError("target and reference must read the same alphabet")
    if not texts or len({len(t) for t in texts}) != 1 or len(texts[0]) < window + 1:
        raise ValueError(f"texts must be strings of one length >= window + 1 = {window + 1}")
    d = target.char_logprobs(texts) - reference.char_logprobs(texts)  # (n, L - 1): characters 1..L-1
    csum = np.concatenate([np.zeros((len(d), 1)), np.cumsum(d, axis=1)], axis=1)
    means = (csum[:, window:] - csum[:, :-window]) / window
    return means.max(axis=1), means.argmax(axis=1) + 1


def zlib_scores(lm: CharLM, texts: Sequence[str]) -> np.ndarray:
    """Carlini et al. (2021)'s zlib filter: zlib-compressed bits over the model's bits (−log₂ p) of
    each text. High = the model finds the text far more predictable than a general-purpose compressor
    does — a hint of memorised, not merely repetitive, text. Texts of one length >= 2."""
    lp = lm.char_logprobs(texts).sum(axis=1) / math.log(2)
    z = np.array([8 * len(zlib.compress(t[1:].encode("utf-8"), 9)) for t in texts], dtype=np.float64)
    return z / np.maximum(-lp, 1e-9)

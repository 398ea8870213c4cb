"""Canaries in text: plant a secret, train a small character model, and measure what it remembers.

The model is the smallest one that shows the effect: a character-level MLP language model (Bengio et
al. 2003) that reads the last ``context`` characters (embedded, concatenated) and predicts the next.
It memorises a secret it has seen a few times, and a secret masked out of its training text is at
chance: the link between notebook 01's detector and what a model can leak. Exposure is computed
exactly over every candidate of the secret's format (:mod:`course_lib.attacks.memorisation`).

References:
    Y. Bengio, R. Ducharme, P. Vincent, C. Jauvin. A neural probabilistic language model. JMLR 2003.
    N. Carlini, C. Liu, Ú. Erlingsson, J. Kos, D. Song. The Secret Sharer. USENIX Security 2019.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

PAD = "\x00"  # pads the context at the start of the text


class CharTable:
    """Characters to their positions in ``alphabet``, for a whole string in one vectorised lookup."""

    def __init__(self, alphabet: str):
        points = np.frombuffer(alphabet.encode("utf-32-le"), dtype=np.uint32)
        self._order = np.argsort(points)
        self._sorted = points[self._order]

    def codes(self, text: str) -> torch.Tensor:
        """The position of each character of ``text`` in the alphabet; a character outside it is a
        ``ValueError`` naming it."""
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        pos = np.minimum(np.searchsorted(self._sorted, points), len(self._sorted) - 1)
        unknown = self._sorted[pos] != points
        if unknown.any():
            bad = chr(int(points[np.argmax(unknown)]))
            raise ValueError(f"text holds a character outside the model's alphabet: {bad!r}")
        return torch.from_numpy(self._order[pos].astype(np.int64))


class CharModel:
    """A character MLP language model and the alphabet it reads."""

    def __init__(self, alphabet: str, context: int = 12, emb: int = 16, hidden: int = 256, seed: int = 0):
        if PAD in alphabet or len(set(alphabet)) != len(alphabet) or len(alphabet) < 2:
            raise ValueError("alphabet must hold at least 2 distinct characters, not the padding character")
        for name, v in (("context", context), ("emb", emb), ("hidden", hidden)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be an int >= 1, got {v!r}")
        self.alphabet, self.context = alphabet, context
        self.index = {c: i + 1 for i, c in enumerate(alphabet)}  # 0 is the padding
        self._table = CharTable(PAD + alphabet)
        torch.manual_seed(seed)
        self.net = nn.Sequential(nn.Embedding(len(alphabet) + 1, emb), nn.Flatten(),
                                 nn.Linear(context * emb, hidden), nn.ReLU(),
                                 nn.Linear(hidden, len(alphabet)))
        self.net.eval()

    def _codes(self, text: str) -> torch.Tensor:
        """The model's codes of the characters of ``text`` (0 for the padding)."""
        return self._table.codes(text)

    def encode(self, text: str) -> torch.Tensor:
        """The codes of ``text``'s characters (``1..len(alphabet)``)."""
        if PAD in text:
            raise ValueError("text holds the padding character \\x00")
        return self._codes(text)

    def windows(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        """``(X, y)``: for each position, the ``context`` characters before it and the character."""
        codes = torch.cat([torch.zeros(self.context, dtype=torch.long), self.encode(text)])
        X = codes.unfold(0, self.context, 1)[:-1]
        return X, codes[self.context:] - 1

    @torch.no_grad()
    def next_logprobs(self, texts: Sequence[str]) -> np.ndarray:
        """Log-probabilities ``(len(texts), len(alphabet))`` of the character after each text."""
        tails = "".join((PAD * self.context + t)[-self.context:] for t in texts)
        ctx = self._codes(tails).reshape(len(texts), self.context)
        self.net.eval()
        out = [torch.log_softmax(self.net(ctx[i:i + 8192]).double(), dim=1) for i in range(0, len(ctx), 8192)]
        return torch.cat(out).numpy()

    @torch.no_grad()
    def loss(self, text: str) -> float:
        """Mean cross-entropy per character, in nats."""
        X, y = self.windows(text)
        self.net.eval()
        return float(nn.functional.cross_entropy(self.net(X), y))


def alphabet_of(*texts: str) -> str:
    """The sorted characters of ``texts``, digits always included (a secret's candidates are digits)."""
    return "".join(sorted(set("".join(texts)) | set("0123456789")))


def train_char_model(text: str, *, alphabet: str | None = None, context: int = 12, emb: int = 16,
                     hidden: int = 256, epochs: int = 10, batch_size: int = 256, lr: float = 3e-3,
                     seed: int = 0) -> CharModel:
    """Train a :class:`CharModel` on every position of ``text`` with Adam, shuffled mini-batches."""
    if not isinstance(text, str) or len(text) < 2:
        raise ValueError("text must be a string of at least 2 characters")
    for name, v in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be an int >= 1, got {v!r}")
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    model = CharModel(alphabet or alphabet_of(text), context, emb, hidden, seed)
    X, y = model.windows(text)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.net.parameters(), lr=lr)
    model.net.train()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=gen)
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            loss = nn.functional.cross_entropy(model.net(X[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.net.eval()
    return model


def plant(text: str, sentences: Sequence[str], generator: np.random.Generator) -> str:
    """``text`` with each of ``sentences`` inserted after a random sentence end (". " or a newline),
    each at its own place."""
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"generator must be a numpy.random.Generator, got {type(generator).__name__}")
    ends = [i + 1 for i, c in enumerate(text) if c == "\n" or (c == " " and i and text[i - 1] == ".")]
    if len(ends) < len(sentences):
        raise ValueError(f"text has {len(ends)} sentence ends, fewer than the {len(sentences)} sentences "
                         "to plant")
    spots = sorted(generator.choice(ends, size=len(sentences), replace=False))
    pieces, last = [], 0
    for spot, sentence in zip(spots, generator.permutation(len(sentences))):
        pieces += [text[last:spot], sentences[int(sentence)] + " "]
        last = spot
    return "".join(pieces) + text[last:]

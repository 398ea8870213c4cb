"""THE WRONG WAY, kept to be broken: unsalted hashing of identifiers, and the dictionary attack.

``naive_hash(v) = SHA-256(v)`` looks irreversible, but a hash cannot hide a value drawn from a
small, enumerable space. US Social Security numbers issued in one area number are at most
99 x 9,999 = 989,901 values (``ssn_candidates``); the phone numbers of one exchange are 10,000.
Hashing every candidate and looking the published hashes up inverts them all, in seconds
(:func:`dictionary_attack`; benchmarks/masking_tables.py measures the rate). A salt shared by the
whole table does not help (the attacker hashes with it); a per-row random salt breaks joins.

The fix is a *keyed* function: ``pseudonymize`` is ``HMAC(K, value)``, and without ``K`` the
attacker cannot compute a single candidate's image, so the same attack finds nothing; with ``K``
it succeeds, which is why the key must stay away from the published data. The 2014 release of New
York City taxi trips, with medallion and licence numbers as unsalted MD5 hashes, fell to exactly
this attack (Pandurangan, 2014).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator


def naive_hash(value: str) -> str:
    """``hex(SHA-256(value))``: deterministic, unkeyed, and invertible by enumeration. Do not use."""
    if not isinstance(value, str):
        raise TypeError(f"value must be a str, got {type(value).__name__}")
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def dictionary_attack(hashes: Iterable[str], candidates: Iterable[str],
                      hash_fn: Callable[[str], str] = naive_hash) -> dict[str, str]:
    """Invert ``hashes`` by computing ``hash_fn(c)`` for every candidate ``c``.

    Returns ``{hash: value}`` for each published hash that some candidate reproduces, and stops early
    once all are found. ``hash_fn`` is the attacker's guess of how the data were hashed: the default
    breaks :func:`naive_hash`; against ``pseudonymize`` the attacker lacks the key and recovers nothing.
    """
    if isinstance(hashes, str):
        raise TypeError("hashes must be a collection of hash strings, not one str")
    targets = set(hashes)
    if not all(isinstance(h, str) for h in targets):
        raise TypeError("hashes must all be str")
    if not callable(hash_fn):
        raise TypeError(f"hash_fn must be callable, got {type(hash_fn).__name__}")
    found: dict[str, str] = {}
    if not targets:
        return found
    sha256 = hashlib.sha256
    fast = hash_fn is naive_hash  # same function, without the per-call type check
    for candidate in candidates:
        if not isinstance(candidate, str):
            raise TypeError(f"candidates must all be str, got {type(candidate).__name__}")
        h = sha256(candidate.encode("utf-8")).hexdigest() if fast else hash_fn(candidate)
        if h in targets:
            found[h] = candidate
            if len(found) == len(targets):
                break
    return found


def ssn_candidates(area: int, groups: Iterable[int] = range(1, 100), sep: str = "-") -> Iterator[str]:
    """Every SSN ``AAA-GG-SSSS`` of one area number: groups 01-99, serials 0001-9999 (a group or
    serial of zeros is never issued; SSA)."""
    if isinstance(area, bool) or not isinstance(area, int):
        raise TypeError(f"area must be an int in [1, 899] other than 666, got {type(area).__name__}")
    if not 1 <= area <= 899 or area == 666:
        raise ValueError(f"area must be an int in [1, 899] other than 666 (never issued), got {area}")
    groups = list(groups)
    if not all(isinstance(g, int) and 1 <= g <= 99 for g in groups):
        raise ValueError("groups must hold ints in [1, 99]")
    if sep not in ("-", "", " "):
        raise ValueError(f"sep must be '-', ' ' or '', got {sep!r}")
    for g in groups:
        prefix = f"{area:03d}{sep}{g:02d}{sep}"
        for s in range(1, 10000):
            yield f"{prefix}{s:04d}"


def phone_candidates(area_code: int, exchange: int, fmt: str = "{a:03d}-{e:03d}-{n:04d}") -> Iterator[str]:
    """The 10,000 numbers of one North American exchange, e.g. ``617-555-0000 ... 617-555-9999``."""
    for name, v in (("area_code", area_code), ("exchange", exchange)):
        if isinstance(v, bool) or not isinstance(v, int) or not 200 <= v <= 999:
            raise ValueError(f"{name} must be an int in [200, 999] (NANP), got {v!r}")
    for n in range(10000):
        yield fmt.format(a=area_code, e=exchange, n=n)

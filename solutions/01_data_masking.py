"""Exercise 01 — data masking: validate what you detect, pseudonymize with a key, shift dates, and see
why an unkeyed hash protects nothing.

Notebook 01 builds each idea. Only the standard library is needed. Check your work with

    python3 course.py check 01_data_masking            # every task
    python3 course.py check 01_data_masking luhn_valid  # one task

or, in a notebook, ``from course_lib.check import check; check("01_data_masking", "luhn_valid")``.
Raise ``TypeError`` for an argument of the wrong type and ``ValueError`` naming the argument for a
value out of range: a masking function that quietly lets a bad input through is how data leaks.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

#: IBAN length per country (ISO 13616 IBAN registry) for the countries this exercise accepts.
IBAN_LENGTHS = {
    "BE": 16, "CH": 21, "DE": 22, "ES": 24, "FR": 27, "GB": 22, "IT": 27, "MT": 31, "NL": 18, "NO": 15,
}

#: The shortest key accepted for HMAC: 16 bytes (128 bits) cannot be guessed by brute force.
MIN_KEY_BYTES = 16


def _check_key(key: bytes) -> None:
    """Raise unless ``key`` is ``bytes`` of at least ``MIN_KEY_BYTES`` bytes (use it for every key)."""
    if not isinstance(key, bytes):
        raise TypeError(f"key must be bytes, got {type(key).__name__}")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"key must be at least {MIN_KEY_BYTES} bytes long, got {len(key)}")


def luhn_valid(number: str) -> bool:
    """True when ``number`` passes the Luhn (mod 10) check of payment card numbers (ISO/IEC 7812-1).

    Spaces and dashes are ignored (``"4111 1111-1111 1111"`` is fine). Any other character — a
    letter, a dot, a non-ASCII digit such as ``"٤"`` — makes the number invalid, and so does having
    fewer than two digits (a check digit needs something to check).

    The rule: starting from the RIGHTMOST digit (the check digit, which is not doubled) and moving
    left, double every second digit; when a doubled digit exceeds 9, subtract 9 from it. The number
    is valid when the sum of all the digits is a multiple of 10. ``number`` must be a ``str``
    (``TypeError`` otherwise).
    """
    # BEGIN SOLUTION
    if not isinstance(number, str):
        raise TypeError(f"number must be a str, got {type(number).__name__}")
    digits = number.replace(" ", "").replace("-", "")
    if len(digits) < 2 or any(ch not in "0123456789" for ch in digits):
        return False
    total = 0
    for position, ch in enumerate(reversed(digits)):
        d = int(ch)
        if position % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0
    # END SOLUTION


def iban_valid(iban: str) -> bool:
    """True when ``iban`` is a well-formed IBAN whose check digits are right (ISO 13616, ISO 7064 MOD 97-10).

    1. Remove the spaces and uppercase the rest (IBANs are printed in groups of four, either case).
    2. The first two characters must be a country code listed in ``IBAN_LENGTHS`` and the IBAN must
       have exactly that many characters; characters 3 and 4 (the check digits) must be digits 0-9
       and the rest only the characters A-Z and 0-9.
    3. Move the first four characters to the end, replace every letter by two digits
       (A = 10, B = 11, ..., Z = 35) and read the result as one integer.
    4. The IBAN is valid when that integer mod 97 equals 1.

    Anything that fails a step is invalid (``False``). ``iban`` must be a ``str`` (``TypeError``
    otherwise).
    """
    # BEGIN SOLUTION
    if not isinstance(iban, str):
        raise TypeError(f"iban must be a str, got {type(iban).__name__}")
    text = iban.replace(" ", "").upper()
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    if len(text) != IBAN_LENGTHS.get(text[:2], -1) or not text[2:4].isdigit() or not set(text) <= allowed:
        return False
    rearranged = text[4:] + text[:4]
    as_digits = "".join(str(int(ch, 36)) for ch in rearranged)  # int("A", 36) == 10, int("7", 36) == 7
    return int(as_digits) % 97 == 1
    # END SOLUTION


def pseudonymize(value: str, key: bytes, key_id: str) -> str:
    """A keyed pseudonym for ``value``: ``f"{key_id}:{hex digest}"``, the digest being HMAC-SHA-256.

    Normalise first, so that the same person always gets the same pseudonym: strip the surrounding
    whitespace and lowercase (``value.strip().lower()``), then encode as UTF-8. The digest is
    ``hmac.new(key, normalised_bytes, hashlib.sha256).hexdigest()`` (RFC 2104), all 64 lowercase hex
    characters. Without the key nobody can recompute a pseudonym from a guessed value; the key id in
    front says which key made it, so keys can be rotated and old pseudonyms traced to their key.

    ``value`` must be a ``str``; ``key`` ``bytes`` of at least ``MIN_KEY_BYTES`` bytes; ``key_id`` a
    non-empty ``str`` without ``":"`` (``TypeError`` for a wrong type, ``ValueError`` otherwise;
    ``_check_key`` does the key's part).
    """
    # BEGIN SOLUTION
    if not isinstance(value, str):
        raise TypeError(f"value must be a str, got {type(value).__name__}")
    _check_key(key)
    if not isinstance(key_id, str):
        raise TypeError(f"key_id must be a str, got {type(key_id).__name__}")
    if not key_id or ":" in key_id:
        raise ValueError(f"key_id must be a non-empty str without ':', got {key_id!r}")
    normalised = value.strip().lower().encode("utf-8")
    return f"{key_id}:{hmac.new(key, normalised, hashlib.sha256).hexdigest()}"
    # END SOLUTION


def invert_hashes(hashes: Iterable[str], candidates: Iterable[str]) -> dict[str, str]:
    """The dictionary attack on unsalted SHA-256: recover the values behind ``hashes``.

    Each hash is a digest as ``hashlib.sha256(value.encode("utf-8")).hexdigest()`` writes it: 64
    lowercase hex characters (``ValueError`` otherwise). Hash every candidate ONCE — ``candidates``
    may be a generator that can be read only once, and the attack must cost one hash per candidate,
    not one per candidate and target — and return a dict mapping each hash of ``hashes`` whose value
    is among the candidates to that value. Hashes that no candidate produces are left out. Every
    candidate must be a ``str`` (``TypeError`` otherwise).
    """
    # BEGIN SOLUTION
    targets = set()
    for h in hashes:
        if not isinstance(h, str) or len(h) != 64 or any(c not in "0123456789abcdef" for c in h):
            raise ValueError(f"hashes must hold 64-character lowercase hex digests, got {h!r}")
        targets.add(h)
    found: dict[str, str] = {}
    for value in candidates:
        if not isinstance(value, str):
            raise TypeError(f"candidates must be str, got {type(value).__name__}")
        digest = hashlib.sha256(value.encode("utf-8")).hexdigest()
        if digest in targets:
            found[digest] = value
    return found
    # END SOLUTION


def shift_dates(dates_by_person: Mapping[str, list[date]], key: bytes,
                max_days: int = 365) -> dict[str, list[date]]:
    """Shift all of a person's dates by one secret offset per person, so intervals within a person survive.

    The offset of person ``pid`` comes from the key, so the same person is always shifted the same
    way and nobody without the key can undo it:

    - ``d = hmac.new(key, pid.encode("utf-8"), hashlib.sha256).digest()``
    - ``n = int.from_bytes(d[:8], "big") % (2 * max_days)``
    - the offset is ``n - max_days`` days when ``n < max_days`` and ``n - max_days + 1`` days
      otherwise: a whole number in ``[-max_days, -1]`` or ``[1, max_days]``, never 0.

    Return a new dict with the same person ids, each mapped to a new list of their dates shifted by
    their offset, in the same order (``date`` and ``datetime`` both work with ``timedelta``). Leave
    the input unchanged. ``key`` must be ``bytes`` of at least ``MIN_KEY_BYTES`` bytes; ``max_days``
    an int >= 1; person ids ``str`` (``TypeError`` for a wrong type, ``ValueError`` otherwise;
    ``_check_key`` does the key's part).
    """
    # BEGIN SOLUTION
    _check_key(key)
    if isinstance(max_days, bool) or not isinstance(max_days, int) or max_days < 1:
        raise ValueError(f"max_days must be an int >= 1, got {max_days!r}")
    shifted = {}
    for pid, dates in dates_by_person.items():
        if not isinstance(pid, str):
            raise TypeError(f"person ids must be str, got {type(pid).__name__}")
        d = hmac.new(key, pid.encode("utf-8"), hashlib.sha256).digest()
        n = int.from_bytes(d[:8], "big") % (2 * max_days)
        offset = n - max_days if n < max_days else n - max_days + 1
        shifted[pid] = [day + timedelta(days=offset) for day in dates]
    return shifted
    # END SOLUTION

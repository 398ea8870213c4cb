"""Plausible wrong answers to exercise 01; every one must be rejected by its task's checker.

Each mutant is a mistake learners (or articles on data masking) really make. Keys are task names.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import timedelta


def _sol():
    from tests.exercises.impl import load_solution

    return load_solution("01_data_masking")


# --------------------------------------------------------------------------- luhn_valid


def _digits_or_none(number):
    if not isinstance(number, str):
        raise TypeError("number")
    digits = number.replace(" ", "").replace("-", "")
    if len(digits) < 2 or any(ch not in "0123456789" for ch in digits):
        return None
    return digits


def luhn_doubles_from_left(number):
    """Doubles every second digit counting from the LEFT: right for 16 digits, wrong for 15 (Amex)."""
    digits = _digits_or_none(number)
    if digits is None:
        return False
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def luhn_no_minus_nine(number):
    """Adds the doubled digit as is (14 instead of 1 + 4 = 5)."""
    digits = _digits_or_none(number)
    if digits is None:
        return False
    total = sum(int(ch) * (2 if i % 2 else 1) for i, ch in enumerate(reversed(digits)))
    return total % 10 == 0


def luhn_doubles_check_digit(number):
    """Off by one: doubles the check digit and every second digit from it."""
    digits = _digits_or_none(number)
    if digits is None:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def luhn_drops_other_characters(number):
    """Keeps only the digits it finds, so '4111 1111 1111 1111x' (or any junk) passes."""
    if not isinstance(number, str):
        raise TypeError("number")
    digits = "".join(ch for ch in number if ch.isdigit())
    try:
        return len(digits) >= 2 and _sol().luhn_valid(digits)
    except TypeError:
        return False


def luhn_empty_is_valid(number):
    """No length rule: the empty string (digit sum 0) and single digits pass."""
    if not isinstance(number, str):
        raise TypeError("number")
    digits = number.replace(" ", "").replace("-", "")
    if digits == "" or digits == "0":
        return True
    return _sol().luhn_valid(number)


def luhn_isdigit(number):
    """Tests characters with str.isdigit(), which lets non-ASCII digits through."""
    if not isinstance(number, str):
        raise TypeError("number")
    digits = number.replace(" ", "").replace("-", "")
    if len(digits) < 2 or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


# --------------------------------------------------------------------------- iban_valid


def _iban_text(iban):
    if not isinstance(iban, str):
        raise TypeError("iban")
    return iban.replace(" ", "").upper()


def iban_no_rearrangement(iban):
    """Converts and tests the IBAN in its printed order, without moving the first four characters."""
    text = _iban_text(iban)
    if len(text) != _sol().IBAN_LENGTHS.get(text[:2], -1) or not text.isalnum() or not text.isascii():
        return False
    return int("".join(str(int(ch, 36)) for ch in text)) % 97 == 1


def iban_mod_zero(iban):
    """Tests mod 97 == 0 (the remainder used when COMPUTING check digits, with '00' in their place)."""
    text = _iban_text(iban)
    if len(text) != _sol().IBAN_LENGTHS.get(text[:2], -1) or not text.isalnum() or not text.isascii():
        return False
    return int("".join(str(int(ch, 36)) for ch in text[4:] + text[:4])) % 97 == 0


def iban_no_length_check(iban):
    """Checks the checksum only: wrong-length IBANs and unknown countries pass."""
    text = _iban_text(iban)
    if len(text) < 5 or not text.isalnum() or not text.isascii() or not text[2:4].isdigit():
        return False
    return int("".join(str(int(ch, 36)) for ch in text[4:] + text[:4])) % 97 == 1


def iban_letters_as_ord(iban):
    """Replaces letters by their character codes (A = 65) instead of A = 10."""
    text = _iban_text(iban)
    if len(text) != _sol().IBAN_LENGTHS.get(text[:2], -1) or not text.isalnum() or not text.isascii():
        return False
    return int("".join(ch if ch.isdigit() else str(ord(ch)) for ch in text[4:] + text[:4])) % 97 == 1


def iban_letters_from_one(iban):
    """Numbers the alphabet from 1 (A = 1) instead of 10."""
    text = _iban_text(iban)
    if len(text) != _sol().IBAN_LENGTHS.get(text[:2], -1) or not text.isalnum() or not text.isascii():
        return False
    return int("".join(ch if ch.isdigit() else str(ord(ch) - 64) for ch in text[4:] + text[:4])) % 97 == 1


def iban_keeps_spaces(iban):
    """Forgets to remove the spaces, so every IBAN in print format is rejected."""
    if not isinstance(iban, str):
        raise TypeError("iban")
    return " " not in iban and _sol().iban_valid(iban)


# --------------------------------------------------------------------------- pseudonymize


def _validate(value, key, key_id):
    if not isinstance(value, str) or not isinstance(key, bytes) or not isinstance(key_id, str):
        raise TypeError("types")
    if len(key) < 16 or not key_id or ":" in key_id:
        raise ValueError("key or key_id")


def pseudo_key_concatenated(value, key, key_id):
    """sha256(key + value): keyed, but not HMAC (open to length extension)."""
    _validate(value, key, key_id)
    return f"{key_id}:{hashlib.sha256(key + value.strip().lower().encode()).hexdigest()}"


def pseudo_unkeyed_hash(value, key, key_id):
    """Plain sha256 of the value: anyone can rebuild the table of pseudonyms."""
    _validate(value, key, key_id)
    return f"{key_id}:{hashlib.sha256(value.strip().lower().encode()).hexdigest()}"


def pseudo_python_hash(value, key, key_id):
    """Python's hash(): salted per process, so pseudonyms change at every restart (and are 64-bit)."""
    _validate(value, key, key_id)
    return f"{key_id}:{hash((key, value.strip().lower())) & (2**64 - 1):016x}"


def pseudo_no_key_id(value, key, key_id):
    """The right HMAC without the key id: after a key rotation nobody knows which key made what."""
    _validate(value, key, key_id)
    return hmac.new(key, value.strip().lower().encode(), hashlib.sha256).hexdigest()


def pseudo_no_normalisation(value, key, key_id):
    """HMAC of the raw value: 'Bob@X.org ' and 'bob@x.org' become two people."""
    _validate(value, key, key_id)
    return f"{key_id}:{hmac.new(key, value.encode(), hashlib.sha256).hexdigest()}"


def pseudo_truncated(value, key, key_id):
    """Keeps only 16 hex characters of the digest."""
    return _sol().pseudonymize(value, key, key_id)[: len(key_id) + 1 + 16]


def pseudo_any_key(value, key, key_id):
    """Right pseudonym, but accepts an empty or short key (or a str), which anyone can guess."""
    if isinstance(key, str):
        key = key.encode()
    if not isinstance(value, str):
        raise TypeError("value")
    if not key_id or ":" in key_id:
        raise ValueError("key_id")
    return f"{key_id}:{hmac.new(key, value.strip().lower().encode(), hashlib.sha256).hexdigest()}"


# --------------------------------------------------------------------------- invert_hashes


def _targets(hashes):
    targets = list(hashes)
    for h in targets:
        if len(h) != 64 or any(c not in "0123456789abcdef" for c in h):
            raise ValueError("hashes")
    return targets


def invert_stops_at_first_hit(hashes, candidates):
    """Returns as soon as one hash is cracked."""
    targets = set(_targets(hashes))
    for value in candidates:
        if not isinstance(value, str):
            raise TypeError("candidates")
        digest = hashlib.sha256(value.encode()).hexdigest()
        if digest in targets:
            return {digest: value}
    return {}


def invert_loops_per_target(hashes, candidates):
    """For each target, scans the candidates again: O(n·m), and a generator is empty after target 1."""
    found = {}
    for h in _targets(hashes):
        for value in candidates:
            if not isinstance(value, str):
                raise TypeError("candidates")
            if hashlib.sha256(value.encode()).hexdigest() == h:
                found[h] = value
                break
    return found


def invert_list_per_target(hashes, candidates):
    """Reads the candidates once into a list, then hashes the whole list for every target."""
    values = list(candidates)
    found = {}
    for h in _targets(hashes):
        for value in values:
            if not isinstance(value, str):
                raise TypeError("candidates")
            if hashlib.sha256(value.encode()).hexdigest() == h:
                found[h] = value
    return found


def invert_value_to_hash(hashes, candidates):
    """Maps the recovered value to its hash (the dict the wrong way round)."""
    return {value: digest for digest, value in _sol().invert_hashes(hashes, candidates).items()}


def invert_none_for_misses(hashes, candidates):
    """Includes every target, with None where no candidate matched."""
    targets = _targets(hashes)
    found = _sol().invert_hashes(targets, candidates)
    return {h: found.get(h) for h in targets}


def invert_strips_candidates(hashes, candidates):
    """Normalises the candidates before hashing (a leaked hash is of the exact bytes, not a normal form)."""
    targets = set(_targets(hashes))
    found = {}
    for value in candidates:
        if not isinstance(value, str):
            raise TypeError("candidates")
        digest = hashlib.sha256(value.strip().lower().encode("ascii", "ignore")).hexdigest()
        if digest in targets:
            found[digest] = value
    return found


# --------------------------------------------------------------------------- shift_dates


def _offset(key, pid, max_days):
    n = int.from_bytes(hmac.new(key, pid.encode(), hashlib.sha256).digest()[:8], "big") % (2 * max_days)
    return n - max_days if n < max_days else n - max_days + 1


def _check(key, max_days):
    if not isinstance(key, bytes):
        raise TypeError("key")
    if len(key) < 16 or isinstance(max_days, bool) or not isinstance(max_days, int) or max_days < 1:
        raise ValueError("key or max_days")


def shift_per_date(dates_by_person, key, max_days=365):
    """A fresh random offset for every date: intervals (length of stay, age) are destroyed."""
    _check(key, max_days)
    out = {}
    for pid, dates in dates_by_person.items():
        if not isinstance(pid, str):
            raise TypeError("pid")
        rng = random.Random(hmac.new(key, pid.encode(), hashlib.sha256).digest())
        out[pid] = [d + timedelta(days=rng.choice([-1, 1]) * rng.randint(1, max_days)) for d in dates]
    return out


def shift_same_for_everyone(dates_by_person, key, max_days=365):
    """One offset from the key alone: anyone who knows one true date can undo the whole table."""
    _check(key, max_days)
    offset = _offset(key, "", max_days)
    for pid in dates_by_person:
        if not isinstance(pid, str):
            raise TypeError("pid")
    return {pid: [d + timedelta(days=offset) for d in dates] for pid, dates in dates_by_person.items()}


def shift_may_be_zero(dates_by_person, key, max_days=365):
    """Offsets in [-max_days, max_days] including 0: some people keep their true dates."""
    _check(key, max_days)
    out = {}
    for pid, dates in dates_by_person.items():
        if not isinstance(pid, str):
            raise TypeError("pid")
        n = int.from_bytes(hmac.new(key, pid.encode(), hashlib.sha256).digest()[:8], "big")
        offset = n % (2 * max_days + 1) - max_days
        out[pid] = [d + timedelta(days=offset) for d in dates]
    return out


def shift_unkeyed(dates_by_person, key, max_days=365):
    """Offset from a plain hash of the person id: anyone can recompute and undo it."""
    _check(key, max_days)
    out = {}
    for pid, dates in dates_by_person.items():
        if not isinstance(pid, str):
            raise TypeError("pid")
        n = int.from_bytes(hashlib.sha256(pid.encode()).digest()[:8], "big") % (2 * max_days)
        offset = n - max_days if n < max_days else n - max_days + 1
        out[pid] = [d + timedelta(days=offset) for d in dates]
    return out


def shift_in_place(dates_by_person, key, max_days=365):
    """Right offsets, but it overwrites the caller's lists."""
    out = _sol().shift_dates(dates_by_person, key, max_days)
    for pid, dates in dates_by_person.items():
        dates[:] = out[pid]
    return dates_by_person


# --------------------------------------------------------------------------- found by measuring


def _iban_rest(text):
    return int("".join(str(int(c, 36)) for c in text[4:] + text[:4])) % 97 == 1


def iban_isalnum(iban):
    """isdigit() and isalnum(): Arabic-Indic and full-width digits pass, and int(c, 36) reads them."""
    if not isinstance(iban, str):
        raise TypeError("iban")
    text = iban.replace(" ", "").upper()
    lengths = _sol().IBAN_LENGTHS
    if lengths.get(text[:2]) != len(text) or not text[2:4].isdigit() or not text.isalnum():
        return False
    return _iban_rest(text)


def iban_letters_as_check_digits(iban):
    """Never tests that characters 3 and 4 are digits."""
    if not isinstance(iban, str):
        raise TypeError("iban")
    text = iban.replace(" ", "").upper()
    lengths = _sol().IBAN_LENGTHS
    allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    if lengths.get(text[:2]) != len(text) or any(c not in allowed for c in text):
        return False
    return _iban_rest(text)


def pseudo_casefold(value, key, key_id):
    """casefold() instead of lower(): 'Straße' and 'STRASSE' collide, and pseudonyms made with lower()
    elsewhere no longer match."""
    if not isinstance(value, str):
        raise TypeError("value")
    return _sol().pseudonymize(value.casefold(), key, key_id)


def invert_accepts_upper_case(hashes, candidates):
    """Lowercases the targets instead of refusing digests that hexdigest() never writes."""
    targets = [h.lower() if isinstance(h, str) else h for h in hashes]
    return _sol().invert_hashes(targets, candidates)


def pseudo_key_of_16_refused(value, key, key_id):
    """len(key) <= 16 instead of < 16: the shortest allowed key is refused."""
    if isinstance(key, bytes) and len(key) <= 16:
        raise ValueError("key must be at least 16 bytes")
    return _sol().pseudonymize(value, key, key_id)


def shift_tuples(dates_by_person, key, max_days=365):
    """Maps each person to a tuple instead of a new list."""
    return {pid: tuple(ds) for pid, ds in _sol().shift_dates(dates_by_person, key, max_days).items()}


MUTANTS = {
    "luhn_valid": [luhn_doubles_from_left, luhn_no_minus_nine, luhn_doubles_check_digit,
                   luhn_drops_other_characters, luhn_empty_is_valid, luhn_isdigit],
    "iban_valid": [iban_no_rearrangement, iban_mod_zero, iban_no_length_check, iban_letters_as_ord,
                   iban_letters_from_one, iban_keeps_spaces, iban_isalnum, iban_letters_as_check_digits],
    "pseudonymize": [pseudo_key_concatenated, pseudo_unkeyed_hash, pseudo_python_hash, pseudo_no_key_id,
                     pseudo_no_normalisation, pseudo_truncated, pseudo_any_key, pseudo_casefold,
                     pseudo_key_of_16_refused],
    "invert_hashes": [invert_stops_at_first_hit, invert_loops_per_target, invert_list_per_target,
                      invert_value_to_hash, invert_none_for_misses, invert_strips_candidates,
                      invert_accepts_upper_case],
    "shift_dates": [shift_per_date, shift_same_for_everyone, shift_may_be_zero, shift_unkeyed,
                    shift_in_place, shift_tuples],
}


# --------------------------------------------------------------------------- correct, written differently


def luhn_divmod(number):
    """Sums the digits of each doubled digit with divmod instead of subtracting 9."""
    if not isinstance(number, str):
        raise TypeError("number")
    digits = [c for c in number if c not in " -"]
    if len(digits) < 2 or not all(c in "0123456789" for c in digits):
        return False
    total = 0
    for i, c in enumerate(digits[::-1]):
        total += sum(divmod(int(c) * 2, 10)) if i % 2 else int(c)
    return total % 10 == 0


def iban_piecewise(iban):
    """Reduces mod 97 chunk by chunk, as ISO 7064 does on machines without big integers."""
    if not isinstance(iban, str):
        raise TypeError("iban")
    text = iban.replace(" ", "").upper()
    lengths = _sol().IBAN_LENGTHS
    if text[:2] not in lengths or len(text) != lengths[text[:2]] or not text[2:4].isdigit():
        return False
    if not all(c.isascii() and c.isalnum() for c in text):
        return False
    digits = "".join(str(ord(c) - 55) if c.isalpha() else c for c in text[4:] + text[:4])
    remainder = 0
    for start in range(0, len(digits), 7):
        remainder = int(str(remainder) + digits[start:start + 7]) % 97
    return remainder == 1


def invert_comprehension(hashes, candidates):
    """Builds the whole digest -> candidate table first, then looks the targets up."""
    targets = list(hashes)
    for h in targets:
        if not isinstance(h, str) or len(h) != 64 or set(h) - set("0123456789abcdef"):
            raise ValueError("hashes")
    table = {}
    for c in candidates:
        if not isinstance(c, str):
            raise TypeError("candidates")
        table[hashlib.sha256(c.encode()).hexdigest()] = c
    return {h: table[h] for h in targets if h in table}


def shift_with_hmac_digest(dates_by_person, key, max_days=365):
    """Uses hmac.digest and divmod-free arithmetic; same offsets."""
    _check(key, max_days)
    out = {}
    for pid, dates in dates_by_person.items():
        if not isinstance(pid, str):
            raise TypeError("pid")
        n = int.from_bytes(hmac.digest(key, pid.encode("utf-8"), "sha256")[:8], "big") % (2 * max_days)
        offset = timedelta(days=n - max_days + (n >= max_days))
        out[pid] = [d + offset for d in dates]
    return out


def invert_exact_type(hashes, candidates):
    """Refuses anything whose type is not exactly str (a str subclass too)."""
    targets = set()
    for h in hashes:
        if type(h) is not str or len(h) != 64 or set(h) - set("0123456789abcdef"):
            raise ValueError("hashes")
        targets.add(h)
    found = {}
    for c in candidates:
        if type(c) is not str:
            raise TypeError("candidates must be str")
        digest = hashlib.sha256(c.encode()).hexdigest()
        if digest in targets:
            found[digest] = c
    return found


EQUIVALENTS = {
    "luhn_valid": [luhn_divmod],
    "iban_valid": [iban_piecewise],
    "invert_hashes": [invert_comprehension, invert_exact_type],
    "shift_dates": [shift_with_hmac_digest],
}

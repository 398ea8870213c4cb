"""Answers to exercise 01 written from its docstrings: CORRECT ones the checkers must accept, WRONG
ones they must reject."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta

IBAN_LENGTHS = {
    "BE": 16, "CH": 21, "DE": 22, "ES": 24, "FR": 27, "GB": 22, "IT": 27, "MT": 31, "NL": 18, "NO": 15,
}

# --------------------------------------------------------------------------- luhn_valid


def luhn_table(number):
    if not isinstance(number, str):
        raise TypeError("number")
    digits = re.sub(r"[ -]", "", number)
    if len(digits) < 2 or not re.fullmatch(r"[0-9]+", digits):
        return False
    doubled = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9]
    total = sum(doubled[int(c)] if i % 2 else int(c) for i, c in enumerate(reversed(digits)))
    return total % 10 == 0


def luhn_from_left(number):
    if not isinstance(number, str):
        raise TypeError("number")
    digits = number.replace("-", "").replace(" ", "")
    if len(digits) < 2 or not (digits.isascii() and digits.isdigit()):
        return False
    parity = len(digits) % 2
    total = 0
    for i, c in enumerate(digits):
        d = ord(c) - 48
        if i % 2 == parity:
            d = sum(divmod(2 * d, 10))
        total += d
    return not total % 10


def luhn_regex_whole(number):
    if not isinstance(number, str):
        raise TypeError("number")
    if not re.fullmatch(r"[0-9 \-]*", number):
        return False
    digits = [int(c) for c in number if c in "0123456789"]
    if len(digits) < 2:
        return False
    s = 0
    for i, d in enumerate(digits[::-1]):
        s += d if i % 2 == 0 else (2 * d - 9 if 2 * d > 9 else 2 * d)
    return s % 10 == 0


def _luhn_sum(digits, double_check_digit=False, minus9=True):
    s = 0
    for i, d in enumerate(reversed(digits)):
        if (i % 2 == 1) != double_check_digit:
            d *= 2
            if minus9 and d > 9:
                d -= 9
        s += d
    return s


def luhn_double_left(number):  # WRONG: doubles from the left
    if not isinstance(number, str):
        raise TypeError("number")
    digits = number.replace(" ", "").replace("-", "")
    if len(digits) < 2 or not all(c in "0123456789" for c in digits):
        return False
    s = sum(sum(divmod(2 * int(c), 10)) if i % 2 == 0 else int(c) for i, c in enumerate(digits))
    return s % 10 == 0


def luhn_double_check_digit(number):  # WRONG
    if not isinstance(number, str):
        raise TypeError("number")
    digits = number.replace(" ", "").replace("-", "")
    if len(digits) < 2 or not all(c in "0123456789" for c in digits):
        return False
    return _luhn_sum([int(c) for c in digits], double_check_digit=True) % 10 == 0


def luhn_no_minus9(number):  # WRONG
    if not isinstance(number, str):
        raise TypeError("number")
    digits = number.replace(" ", "").replace("-", "")
    if len(digits) < 2 or not all(c in "0123456789" for c in digits):
        return False
    return _luhn_sum([int(c) for c in digits], minus9=False) % 10 == 0


def luhn_isdigit(number):  # WRONG: non-ASCII digits accepted
    if not isinstance(number, str):
        raise TypeError("number")
    digits = number.replace(" ", "").replace("-", "")
    if len(digits) < 2 or not digits.isdecimal():
        return False
    return _luhn_sum([int(c) for c in digits]) % 10 == 0


def luhn_filter(number):  # WRONG: every non-digit ignored
    if not isinstance(number, str):
        raise TypeError("number")
    digits = [int(c) for c in number if c in "0123456789"]
    return len(digits) >= 2 and _luhn_sum(digits) % 10 == 0


def luhn_spaces_only(number):  # WRONG: dashes not ignored
    if not isinstance(number, str):
        raise TypeError("number")
    digits = number.replace(" ", "")
    if len(digits) < 2 or not all(c in "0123456789" for c in digits):
        return False
    return _luhn_sum([int(c) for c in digits]) % 10 == 0


def luhn_one_digit(number):  # WRONG: a single digit accepted
    if not isinstance(number, str):
        raise TypeError("number")
    digits = number.replace(" ", "").replace("-", "")
    if not digits or not all(c in "0123456789" for c in digits):
        return False
    return _luhn_sum([int(c) for c in digits]) % 10 == 0


def luhn_strip(number):  # WRONG: only the outer spaces removed
    if not isinstance(number, str):
        raise TypeError("number")
    digits = number.strip().replace("-", "")
    if len(digits) < 2 or not all(c in "0123456789" for c in digits):
        return False
    return _luhn_sum([int(c) for c in digits]) % 10 == 0


def luhn_dots(number):  # WRONG: dots ignored too
    return luhn_table(number.replace(".", "") if isinstance(number, str) else number)


def luhn_int_result(number):  # WRONG: returns the remainder, not a bool
    if not isinstance(number, str):
        raise TypeError("number")
    digits = number.replace(" ", "").replace("-", "")
    if len(digits) < 2 or not all(c in "0123456789" for c in digits):
        return 0
    return int(_luhn_sum([int(c) for c in digits]) % 10 == 0)


def luhn_str_of_int(number):  # WRONG: an int number is accepted
    return luhn_table(str(number))


# --------------------------------------------------------------------------- iban_valid


def iban_ord(iban):
    if not isinstance(iban, str):
        raise TypeError("iban")
    s = iban.replace(" ", "").upper()
    if len(s) < 4 or IBAN_LENGTHS.get(s[:2]) != len(s):
        return False
    if not all(c in "0123456789" for c in s[2:4]) or not re.fullmatch(r"[A-Z0-9]+", s):
        return False
    s = s[4:] + s[:4]
    n = "".join(c if c.isdigit() else str(ord(c) - 55) for c in s)
    return int(n) % 97 == 1


def iban_chunked(iban):
    if not isinstance(iban, str):
        raise TypeError("iban")
    s = "".join(iban.split(" ")).upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+", s, flags=re.ASCII) or len(s) != IBAN_LENGTHS.get(s[:2]):
        return False
    rest = 0
    for c in s[4:] + s[:4]:
        v = int(c, 36)
        rest = (rest * (100 if v > 9 else 10) + v) % 97
    return rest == 1


def iban_lower_country(iban):
    if not isinstance(iban, str):
        raise TypeError("iban")
    s = iban.replace(" ", "")
    s = s.upper()
    allowed = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if s[:2] not in IBAN_LENGTHS or len(s) != IBAN_LENGTHS[s[:2]]:
        return False
    if any(c not in "0123456789" for c in s[2:4]) or any(c not in allowed for c in s):
        return False
    return int("".join(str(allowed.index(c)) for c in s[4:] + s[:4])) % 97 == 1


def iban_isalnum(iban):  # WRONG: non-ASCII digits pass isdigit/isalnum
    if not isinstance(iban, str):
        raise TypeError("iban")
    s = iban.replace(" ", "").upper()
    if IBAN_LENGTHS.get(s[:2]) != len(s) or not s[2:4].isdigit() or not s.isalnum():
        return False
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1


def iban_no_upper(iban):  # WRONG: lower-case IBANs refused
    if not isinstance(iban, str):
        raise TypeError("iban")
    s = iban.replace(" ", "")
    if IBAN_LENGTHS.get(s[:2]) != len(s) or not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+", s):
        return False
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1


def iban_no_length(iban):  # WRONG: any length
    if not isinstance(iban, str):
        raise TypeError("iban")
    s = iban.replace(" ", "").upper()
    if s[:2] not in IBAN_LENGTHS or not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+", s):
        return False
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1


def iban_any_country(iban):  # WRONG: unknown countries accepted
    if not isinstance(iban, str):
        raise TypeError("iban")
    s = iban.replace(" ", "").upper()
    if not 15 <= len(s) <= 34 or not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+", s):
        return False
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1


def iban_keep_spaces(iban):  # WRONG: spaces not removed
    if not isinstance(iban, str):
        raise TypeError("iban")
    s = iban.upper()
    if IBAN_LENGTHS.get(s[:2]) != len(s) or not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+", s):
        return False
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1


def iban_move_two(iban):  # WRONG: moves two characters
    if not isinstance(iban, str):
        raise TypeError("iban")
    s = iban.replace(" ", "").upper()
    if IBAN_LENGTHS.get(s[:2]) != len(s) or not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+", s):
        return False
    return int("".join(str(int(c, 36)) for c in s[2:] + s[:2])) % 97 == 1


def iban_a_is_1(iban):  # WRONG letter values
    if not isinstance(iban, str):
        raise TypeError("iban")
    s = iban.replace(" ", "").upper()
    if IBAN_LENGTHS.get(s[:2]) != len(s) or not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+", s):
        return False
    return int("".join(c if c.isdigit() else str(ord(c) - 64) for c in s[4:] + s[:4])) % 97 == 1


def iban_mod_zero(iban):  # WRONG: mod 97 == 0
    if not isinstance(iban, str):
        raise TypeError("iban")
    s = iban.replace(" ", "").upper()
    if IBAN_LENGTHS.get(s[:2]) != len(s) or not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+", s):
        return False
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 0


def iban_letters_in_check(iban):  # WRONG: characters 3-4 not required to be digits
    if not isinstance(iban, str):
        raise TypeError("iban")
    s = iban.replace(" ", "").upper()
    if IBAN_LENGTHS.get(s[:2]) != len(s) or not re.fullmatch(r"[A-Z0-9]+", s):
        return False
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1


def iban_dashes(iban):  # WRONG: dashes ignored too
    return iban_ord(iban.replace("-", "") if isinstance(iban, str) else iban)


def iban_no_typeerror(iban):  # WRONG: a non-str is simply invalid
    return isinstance(iban, str) and iban_ord(iban)


# --------------------------------------------------------------------------- pseudonymize


def _key_ok(key):
    if not isinstance(key, bytes):
        raise TypeError("key")
    if len(key) < 16:
        raise ValueError("key")


def _kid_ok(key_id):
    if not isinstance(key_id, str):
        raise TypeError("key_id")
    if not key_id or ":" in key_id:
        raise ValueError("key_id")


def pseudo_digest(value, key, key_id):
    if not isinstance(value, str):
        raise TypeError("value")
    _key_ok(key)
    _kid_ok(key_id)
    return key_id + ":" + hmac.digest(key, value.strip().lower().encode(), "sha256").hex()


def pseudo_hmac_obj(value, key, key_id):
    _kid_ok(key_id)
    _key_ok(key)
    if not isinstance(value, str):
        raise TypeError("value")
    mac = hmac.HMAC(key, digestmod=hashlib.sha256)
    mac.update(value.strip().lower().encode("utf-8"))
    return ":".join([key_id, mac.hexdigest()])


def _pseudo(value, key, key_id, norm=lambda v: v.strip().lower(), algo=hashlib.sha256, sep=":"):
    if not isinstance(value, str):
        raise TypeError("value")
    _key_ok(key)
    _kid_ok(key_id)
    return f"{key_id}{sep}{hmac.new(key, norm(value).encode('utf-8'), algo).hexdigest()}"


def pseudo_casefold(value, key, key_id):  # WRONG: casefold, not lower
    return _pseudo(value, key, key_id, norm=lambda v: v.strip().casefold())


def pseudo_strip_spaces(value, key, key_id):  # WRONG: strip(" ") leaves tabs and newlines
    return _pseudo(value, key, key_id, norm=lambda v: v.strip(" ").lower())


def pseudo_no_strip(value, key, key_id):  # WRONG
    return _pseudo(value, key, key_id, norm=lambda v: v.lower())


def pseudo_no_lower(value, key, key_id):  # WRONG
    return _pseudo(value, key, key_id, norm=lambda v: v.strip())


def pseudo_upper_hex(value, key, key_id):  # WRONG: upper-case hex
    out = _pseudo(value, key, key_id)
    return key_id + ":" + out.split(":", 1)[1].upper()


def pseudo_sha1(value, key, key_id):  # WRONG
    return _pseudo(value, key, key_id, algo=hashlib.sha1)


def pseudo_unkeyed(value, key, key_id):  # WRONG: sha256(key + value) is not HMAC
    _key_ok(key)
    _kid_ok(key_id)
    if not isinstance(value, str):
        raise TypeError("value")
    return f"{key_id}:{hashlib.sha256(key + value.strip().lower().encode()).hexdigest()}"


def pseudo_colon_ok(value, key, key_id):  # WRONG: key ids with ':' accepted
    if not isinstance(value, str) or not isinstance(key_id, str):
        raise TypeError("value")
    _key_ok(key)
    if not key_id:
        raise ValueError("key_id")
    return f"{key_id}:{hmac.new(key, value.strip().lower().encode(), hashlib.sha256).hexdigest()}"


def pseudo_empty_id_ok(value, key, key_id):  # WRONG
    if not isinstance(value, str) or not isinstance(key_id, str):
        raise TypeError("value")
    _key_ok(key)
    if ":" in key_id:
        raise ValueError("key_id")
    return f"{key_id}:{hmac.new(key, value.strip().lower().encode(), hashlib.sha256).hexdigest()}"


def pseudo_short_key(value, key, key_id):  # WRONG: any key length
    if not isinstance(value, str) or not isinstance(key, bytes):
        raise TypeError("value")
    _kid_ok(key_id)
    return f"{key_id}:{hmac.new(key, value.strip().lower().encode(), hashlib.sha256).hexdigest()}"


def pseudo_str_key(value, key, key_id):  # WRONG: a str key is encoded instead of refused
    if isinstance(key, str):
        key = key.encode()
    return pseudo_digest(value, key, key_id)


def pseudo_dash(value, key, key_id):  # WRONG separator
    return _pseudo(value, key, key_id, sep="-")


def pseudo_truncated(value, key, key_id):  # WRONG: 16 hex characters
    return _pseudo(value, key, key_id)[: len(key_id) + 17]


def pseudo_latin1(value, key, key_id):  # WRONG encoding
    if not isinstance(value, str):
        raise TypeError("value")
    _key_ok(key)
    _kid_ok(key_id)
    data = value.strip().lower().encode("latin-1", errors="replace")
    return f"{key_id}:{hmac.new(key, data, hashlib.sha256).hexdigest()}"


# --------------------------------------------------------------------------- invert_hashes


def _hash_ok(h):
    if not isinstance(h, str) or not re.fullmatch(r"[0-9a-f]{64}", h):
        raise ValueError(f"bad hash {h!r}")


def invert_comprehension(hashes, candidates):
    targets = set(hashes)
    for h in targets:
        _hash_ok(h)
    out = {}
    for c in candidates:
        if not isinstance(c, str):
            raise TypeError("candidate")
        out[hashlib.sha256(c.encode("utf-8")).hexdigest()] = c
    return {h: v for h, v in out.items() if h in targets}


def invert_filter(hashes, candidates):
    wanted = []
    for h in hashes:
        if not (isinstance(h, str) and len(h) == 64 and all(c in "0123456789abcdef" for c in h)):
            raise ValueError("hashes")
        wanted.append(h)
    wanted = frozenset(wanted)
    found = {}
    for c in iter(candidates):
        if type(c) is not str:
            raise TypeError("candidates")
        d = hashlib.new("sha256", c.encode()).hexdigest()
        if d in wanted:
            found.setdefault(d, c)
    return found


def invert_nested(hashes, candidates):  # WRONG: reads the candidates once per hash
    hs = list(hashes)
    for h in hs:
        _hash_ok(h)
    out = {}
    for h in hs:
        for c in candidates:
            if not isinstance(c, str):
                raise TypeError("c")
            if hashlib.sha256(c.encode()).hexdigest() == h:
                out[h] = c
    return out


def invert_nested_list(hashes, candidates):  # WRONG: one hash per candidate AND target
    hs = list(hashes)
    for h in hs:
        _hash_ok(h)
    cs = list(candidates)
    for c in cs:
        if not isinstance(c, str):
            raise TypeError("c")
    return {h: c for h in hs for c in cs if hashlib.sha256(c.encode()).hexdigest() == h}


def invert_upper_ok(hashes, candidates):  # WRONG: upper-case digests accepted
    targets = set()
    for h in hashes:
        if not isinstance(h, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", h):
            raise ValueError("hash")
        targets.add(h.lower())
    return invert_comprehension(targets, candidates)


def invert_length_only(hashes, candidates):  # WRONG: any 64 characters
    targets = set()
    for h in hashes:
        if not isinstance(h, str) or len(h) != 64:
            raise ValueError("hash")
        targets.add(h)
    out = {}
    for c in candidates:
        if not isinstance(c, str):
            raise TypeError("c")
        d = hashlib.sha256(c.encode()).hexdigest()
        if d in targets:
            out[d] = c
    return out


def invert_reversed(hashes, candidates):  # WRONG: value -> hash
    return {v: h for h, v in invert_comprehension(hashes, candidates).items()}


def invert_with_misses(hashes, candidates):  # WRONG: unmatched hashes mapped to None
    hs = list(hashes)
    found = invert_comprehension(hs, candidates)
    return {h: found.get(h) for h in hs}


def invert_md5(hashes, candidates):  # WRONG
    targets = set(hashes)
    for h in targets:
        _hash_ok(h)
    out = {}
    for c in candidates:
        if not isinstance(c, str):
            raise TypeError("c")
        d = hashlib.md5(c.encode()).hexdigest()
        if d in targets:
            out[d] = c
    return out


def invert_strip(hashes, candidates):  # WRONG: candidates normalised
    targets = set(hashes)
    for h in targets:
        _hash_ok(h)
    out = {}
    for c in candidates:
        if not isinstance(c, str):
            raise TypeError("c")
        d = hashlib.sha256(c.strip().lower().encode()).hexdigest()
        if d in targets:
            out[d] = c
    return out


def invert_no_type_check(hashes, candidates):  # WRONG: bytes candidates hashed as they are
    targets = set(hashes)
    for h in targets:
        _hash_ok(h)
    out = {}
    for c in candidates:
        d = hashlib.sha256(c if isinstance(c, bytes) else str(c).encode()).hexdigest()
        if d in targets:
            out[d] = c
    return out


# --------------------------------------------------------------------------- shift_dates


def _offset(key, pid, max_days, *, tail=False, little=False, zero=False, mod=None):
    d = hmac.new(key, pid.encode("utf-8"), hashlib.sha256).digest()
    n = int.from_bytes(d[-8:] if tail else d[:8], "little" if little else "big") % (mod or 2 * max_days)
    if zero:
        return n - max_days
    return n - max_days if n < max_days else n - max_days + 1


def _shift_ok(key, max_days):
    _key_ok(key)
    if isinstance(max_days, bool) or not isinstance(max_days, int):
        raise TypeError("max_days")
    if max_days < 1:
        raise ValueError("max_days")


def shift_comprehension(dates_by_person, key, max_days=365):
    _shift_ok(key, max_days)
    for pid in dates_by_person:
        if not isinstance(pid, str):
            raise TypeError("pid")
    return {pid: [x + timedelta(days=_offset(key, pid, max_days)) for x in ds]
            for pid, ds in dates_by_person.items()}


def shift_formula(dates_by_person, key, max_days=365):
    _key_ok(key)
    if not isinstance(max_days, int) or max_days < 1:
        raise ValueError("max_days")
    out = {}
    for pid, ds in dates_by_person.items():
        if not isinstance(pid, str):
            raise TypeError("pid")
        n = int.from_bytes(hmac.digest(key, pid.encode(), "sha256")[:8], "big") % (2 * max_days)
        off = timedelta(days=n - max_days + (n >= max_days))
        out[pid] = list(map(lambda x, o=off: x + o, ds))
    return out


def _shift(dates_by_person, key, max_days, **kw):
    _shift_ok(key, max_days)
    out = {}
    for pid, ds in dates_by_person.items():
        if not isinstance(pid, str):
            raise TypeError("pid")
        out[pid] = [x + timedelta(days=_offset(key, pid, max_days, **kw)) for x in ds]
    return out


def shift_zero_possible(dates_by_person, key, max_days=365):  # WRONG: offset 0 possible, never +max
    return _shift(dates_by_person, key, max_days, zero=True)


def shift_tail_bytes(dates_by_person, key, max_days=365):  # WRONG
    return _shift(dates_by_person, key, max_days, tail=True)


def shift_little_endian(dates_by_person, key, max_days=365):  # WRONG
    return _shift(dates_by_person, key, max_days, little=True)


def shift_mod_max(dates_by_person, key, max_days=365):  # WRONG: % max_days
    return _shift(dates_by_person, key, max_days, mod=max_days)


def shift_one_offset(dates_by_person, key, max_days=365):  # WRONG: one offset for everyone
    _shift_ok(key, max_days)
    off = _offset(key, "", max_days)
    return {pid: [x + timedelta(days=off) for x in ds] for pid, ds in dates_by_person.items()}


def shift_in_place(dates_by_person, key, max_days=365):  # WRONG: the input lists change
    _shift_ok(key, max_days)
    for pid, ds in dates_by_person.items():
        off = timedelta(days=_offset(key, pid, max_days))
        ds[:] = [x + off for x in ds]
    return dict(dates_by_person)


def shift_sorted(dates_by_person, key, max_days=365):  # WRONG: order not kept
    return {pid: sorted(ds) for pid, ds in _shift(dates_by_person, key, max_days).items()}


def shift_no_key_check(dates_by_person, key, max_days=365):  # WRONG: short keys accepted
    out = {}
    for pid, ds in dates_by_person.items():
        out[pid] = [x + timedelta(days=_offset(key, pid, max_days)) for x in ds]
    return out


def shift_zero_days_ok(dates_by_person, key, max_days=365):  # WRONG: max_days=0 -> ZeroDivisionError
    _key_ok(key)
    return {pid: [x + timedelta(days=_offset(key, str(pid), max_days)) for x in ds]
            for pid, ds in dates_by_person.items()}


def shift_sha_concat(dates_by_person, key, max_days=365):  # WRONG: sha256(key + pid), not HMAC
    _shift_ok(key, max_days)
    out = {}
    for pid, ds in dates_by_person.items():
        n = int.from_bytes(hashlib.sha256(key + pid.encode()).digest()[:8], "big") % (2 * max_days)
        off = n - max_days if n < max_days else n - max_days + 1
        out[pid] = [x + timedelta(days=off) for x in ds]
    return out


def shift_negated(dates_by_person, key, max_days=365):  # WRONG sign
    _shift_ok(key, max_days)
    return {pid: [x - timedelta(days=_offset(key, pid, max_days)) for x in ds]
            for pid, ds in dates_by_person.items()}


def shift_int_pid(dates_by_person, key, max_days=365):  # WRONG: non-str ids accepted
    _shift_ok(key, max_days)
    return {pid: [x + timedelta(days=_offset(key, str(pid), max_days)) for x in ds]
            for pid, ds in dates_by_person.items()}


def pseudo_key_off_by_one(value, key, key_id):  # WRONG: a key of exactly 16 bytes refused
    if isinstance(key, bytes) and len(key) <= 16:
        raise ValueError("key too short")
    return pseudo_digest(value, key, key_id)


def shift_tuples(dates_by_person, key, max_days=365):  # WRONG: tuples, not new lists
    return {pid: tuple(ds) for pid, ds in shift_comprehension(dates_by_person, key, max_days).items()}


def shift_key_off_by_one(dates_by_person, key, max_days=365):  # WRONG: 16 bytes refused
    if isinstance(key, bytes) and len(key) <= 16:
        raise ValueError("key too short")
    return shift_comprehension(dates_by_person, key, max_days)


CORRECT = {
    "luhn_valid": [luhn_table, luhn_from_left, luhn_regex_whole],
    "iban_valid": [iban_ord, iban_chunked, iban_lower_country],
    "pseudonymize": [pseudo_digest, pseudo_hmac_obj],
    "invert_hashes": [invert_comprehension, invert_filter],
    "shift_dates": [shift_comprehension, shift_formula],
}

WRONG = {
    "luhn_valid": [luhn_double_left, luhn_double_check_digit, luhn_no_minus9, luhn_isdigit, luhn_filter,
                   luhn_spaces_only, luhn_one_digit, luhn_strip, luhn_dots, luhn_int_result,
                   luhn_str_of_int],
    "iban_valid": [iban_isalnum, iban_no_upper, iban_no_length, iban_any_country, iban_keep_spaces,
                   iban_move_two, iban_a_is_1, iban_mod_zero, iban_letters_in_check, iban_dashes,
                   iban_no_typeerror],
    "pseudonymize": [pseudo_casefold, pseudo_strip_spaces, pseudo_no_strip, pseudo_no_lower, pseudo_upper_hex,
                     pseudo_sha1, pseudo_unkeyed, pseudo_colon_ok, pseudo_empty_id_ok, pseudo_short_key,
                     pseudo_str_key, pseudo_dash, pseudo_truncated, pseudo_latin1,
                     pseudo_key_off_by_one],
    "invert_hashes": [invert_nested, invert_nested_list, invert_upper_ok, invert_length_only, invert_reversed,
                      invert_with_misses, invert_md5, invert_strip, invert_no_type_check],
    "shift_dates": [shift_zero_possible, shift_tail_bytes, shift_little_endian, shift_mod_max,
                    shift_one_offset, shift_in_place, shift_sorted, shift_no_key_check, shift_zero_days_ok,
                    shift_sha_concat, shift_negated, shift_int_pid, shift_tuples, shift_key_off_by_one],
}

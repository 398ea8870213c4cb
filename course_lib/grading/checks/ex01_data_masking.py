"""Checkers for exercise 01 (data masking): validators, keyed pseudonyms, the dictionary attack, and
date shifting.

Each checker compares the learner's function with a small reference computation of its own (written
differently from the solution: a doubling table for Luhn, the piece-wise ISO 7064 remainder for IBAN,
the standard library's ``hmac`` for the keyed functions) on hand-picked cases and on cases drawn from
a seeded generator. Messages name the input and the property that failed, never the expected output.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import random
import string
from datetime import date, datetime, timedelta

from ..probes import CountedStr, Counter, OnceIterable
from ..spec import CheckFailure, Exercise, Task
from ._common import expect_error

# --------------------------------------------------------------------------- shared


def _bool(out, call: str) -> bool:
    if not isinstance(out, bool):
        raise CheckFailure(f"{call} returned {type(out).__name__}, expected True or False")
    return out


# --------------------------------------------------------------------------- luhn_valid

_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # digit d doubled, with 9 subtracted when above 9


def _luhn_sum(digits: str) -> int:
    """Luhn sum of an ASCII digit string: the check digit (rightmost) as is, then alternately doubled."""
    return sum(_DOUBLED[int(d)] if i % 2 else int(d) for i, d in enumerate(reversed(digits)))


def _luhn_reference(number: str) -> bool:
    digits = number.replace(" ", "").replace("-", "")
    if len(digits) < 2 or not all("0" <= ch <= "9" for ch in digits):
        return False
    return _luhn_sum(digits) % 10 == 0


def _with_check_digit(payload: str) -> str:
    """``payload`` followed by the Luhn check digit that makes it valid."""
    return payload + str((10 - _luhn_sum(payload + "0") % 10) % 10)


def _luhn_mistakes(digits: str) -> list[tuple[bool, str]]:
    """The verdicts of three classic wrong versions of Luhn on an ASCII digit string, with their hints."""
    def total(doubled_first: bool, minus_nine: bool, from_left: bool) -> int:
        seq = digits if from_left else digits[::-1]
        out = 0
        for i, ch in enumerate(seq):
            d = int(ch) * (2 if (i % 2 == 0) == doubled_first else 1)
            out += d - 9 if minus_nine and d > 9 else d
        return out
    return [
        (total(True, True, True) % 10 == 0,
         "Double every second digit counting from the RIGHT; with an odd number of digits, counting from "
         "the left doubles the wrong ones."),
        (total(False, False, False) % 10 == 0,
         "A doubled digit above 9 counts as the sum of its two digits: subtract 9 (14 -> 5)."),
        (total(True, True, False) % 10 == 0,
         "The check digit (rightmost) is NOT doubled; the digit to its left is, then every second one."),
    ]


_LUHN_CASES = [
    # (number, what it is, hint when the verdict is wrong and no classic mistake explains it)
    ("5555555555554444", "a valid 16-digit test card number", None),
    ("4111 1111 1111 1111", "a valid test card number written with spaces", None),
    ("4111-1111-1111-1111", "a valid test card number written with dashes", None),
    ("6011 1111 1111 1117", "a valid 16-digit test card number", None),
    ("4539 1488 0343 6467", "a valid 16-digit card number", None),
    ("79927398713", "a valid 11-digit number", None),
    ("378282246310005", "a valid 15-digit test card number", None),
    ("18", "a valid two-digit number", None),
    ("4111 1111 1111 1112", "a card number with the last digit changed", None),
    ("79927398710", "an 11-digit number with a wrong check digit", None),
    ("4539 1488 0343 6468", "a card number with the check digit off by one", None),
    ("5555 5555 5554 5444", "a card number with two neighbouring digits swapped", None),
    ("", "the empty string",
     "An empty string has a digit sum of 0, a multiple of 10 — but there is no number to validate."),
    ("0", "a single digit", "Fewer than two digits is never a valid card number."),
    ("4111 1111 1111 1111x", "a valid number followed by a letter",
     "Only digits, spaces and dashes may appear; do not silently drop other characters."),
    ("4111.1111.1111.1111", "a number with dots between the groups",
     "Only spaces and dashes are separators; any other character makes the number invalid."),
    ("٤١١١١١١١١١١١١١١١", "a number in Arabic-Indic digits",
     "Only the ASCII digits 0-9 count: str.isdigit() also accepts other digits."),
    ("4111 1111 1111 111l", "a number whose last digit is the letter l",
     "Only digits, spaces and dashes may appear."),
]

_LUHN_HINT = ("From the right: keep the check digit, double the next, keep, double, ...; a doubled digit "
              "above 9 loses 9; the number is valid when the total is a multiple of 10.")


def _luhn_verdict(fn, number: str, what: str, hint: str | None) -> None:
    call = f"luhn_valid({number!r})"
    out = _bool(fn(number), call)
    if out == _luhn_reference(number):
        return
    digits = number.replace(" ", "").replace("-", "")
    if len(digits) >= 2 and all("0" <= ch <= "9" for ch in digits):
        if digits != number and fn(digits) == _luhn_reference(digits):
            hint = "Spaces and dashes are separators: remove them before checking."
        elif hint is None:
            hint = next((h for verdict, h in _luhn_mistakes(digits) if verdict == out), None)
    verb = "accepted" if out else "rejected"
    raise CheckFailure(f"{call} {verb} {what}", hint=hint or _LUHN_HINT)


def check_luhn_valid(fn) -> None:
    for number, what, hint in _LUHN_CASES:
        _luhn_verdict(fn, number, what, hint)
    gen = random.Random(7812)
    for _ in range(300):
        payload = "".join(gen.choice(string.digits) for _ in range(gen.randint(1, 18)))
        number = _with_check_digit(payload)
        _luhn_verdict(fn, number, f"this valid {len(number)}-digit number", None)
        i = gen.randrange(len(number))  # one digit changed: the Luhn check catches every such error
        changed = number[:i] + str((int(number[i]) + gen.randint(1, 9)) % 10) + number[i + 1:]
        _luhn_verdict(fn, changed, f"this {len(number)}-digit number with one digit changed", None)
        j = gen.randrange(len(number) - 1)  # two neighbours swapped: caught unless they are 0 and 9
        swapped = number[:j] + number[j + 1] + number[j] + number[j + 2:]
        valid = "valid" if _luhn_reference(swapped) else "invalid"
        _luhn_verdict(fn, swapped, f"this {valid} {len(number)}-digit number", None)
    expect_error(fn, (4111111111111111,), (TypeError,), "luhn_valid(4111111111111111) (an int)")
    expect_error(fn, (None,), (TypeError,), "luhn_valid(None)")


# --------------------------------------------------------------------------- iban_valid

IBAN_LENGTHS = {
    "BE": 16, "CH": 21, "DE": 22, "ES": 24, "FR": 27, "GB": 22, "IT": 27, "MT": 31, "NL": 18, "NO": 15,
}
_ALNUM = string.ascii_uppercase + string.digits


def _mod97(text: str) -> int:
    """``int(text with A=10..Z=35) mod 97``, computed piece-wise as ISO 7064 describes (no big integers)."""
    remainder = 0
    for ch in text:
        value = string.digits.index(ch) if ch.isdigit() else 10 + string.ascii_uppercase.index(ch)
        remainder = (remainder * (100 if value > 9 else 10) + value) % 97
    return remainder


def _iban_reference(iban: str) -> bool:
    text = iban.replace(" ", "").upper()
    if not text or any(ch not in _ALNUM for ch in text) or len(text) < 4:
        return False
    if IBAN_LENGTHS.get(text[:2]) != len(text) or not all(ch in string.digits for ch in text[2:4]):
        return False
    return _mod97(text[4:] + text[:4]) == 1


def _as_int(chars: str, letter) -> int:
    return int("".join(ch if ch.isdigit() else str(letter(ch)) for ch in chars))


_IBAN_MISTAKES = [
    # (a classic wrong checksum on a well-formed IBAN, the hint for a learner who wrote it)
    (lambda t: _as_int(t, lambda ch: ord(ch) - 55) % 97 == 1,
     "Move the first four characters (country code and check digits) to the END before converting."),
    (lambda t: _as_int(t[4:] + t[:4], lambda ch: ord(ch) - 55) % 97 == 0,
     "A valid IBAN leaves remainder 1, not 0 (the check digits are chosen so that it does)."),
    (lambda t: _as_int(t[4:] + t[:4], ord) % 97 == 1,
     "Letters become 10..35 (A = 10), not their character codes."),
    (lambda t: _as_int(t[4:] + t[:4], lambda ch: ord(ch) - 64) % 97 == 1,
     "Letters become 10..35: A = 10, not A = 1."),
]


def _iban_diagnosis(fn, text: str) -> str | None:
    """The hint of the first classic mistake whose checksum ``fn`` follows, probed with check digits that
    pass that mistake's rule and fail the real one; None when no mistake explains it."""
    for rule, hint in _IBAN_MISTAKES:
        probes = (text[:2] + f"{cd:02d}" + text[4:] for cd in range(100))
        probe = next((p for p in probes if rule(p) and not _iban_reference(p)), None)
        try:
            if probe is not None and fn(probe) is True:
                return hint
        except Exception:  # noqa: BLE001 - a probe only picks a hint
            continue
    return None


def _iban_verdict(fn, iban: str, what: str, hint: str | None) -> None:
    call = f"iban_valid({iban!r})"
    out = _bool(fn(iban), call)
    if out == _iban_reference(iban):
        return
    text = iban.replace(" ", "").upper()
    if hint is None and text != iban.replace(" ", "") and fn(text) == _iban_reference(text):
        hint = "Uppercase before converting letters."
    if hint is None and " " in iban and fn(iban.replace(" ", "")) == _iban_reference(iban):
        hint = "IBANs are printed in groups of four: remove the spaces first."
    well_formed = IBAN_LENGTHS.get(text[:2]) == len(text) and all(ch in _ALNUM for ch in text) \
        and text[2:4].isdigit()
    if hint is None and well_formed:
        hint = _iban_diagnosis(fn, text)
    raise CheckFailure(f"{call} {'accepted' if out else 'rejected'} {what}", hint=hint or _IBAN_HINT)


def _make_iban(country: str, bban: str) -> str:
    """The IBAN with the check digits that make ``country + ?? + bban`` valid (whatever its length)."""
    return f"{country}{98 - _mod97(bban + country + '00'):02d}{bban}"


def _grouped(iban: str) -> str:
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


_NOT_ASCII = ("Only the ASCII digits 0-9 and letters A-Z are allowed: str.isdigit(), str.isalnum() and "
              "int(ch, 36) also accept the digits of other scripts.")


def _letters_as_check_digits(country: str, bban: str) -> str:
    """A well-sized IBAN whose checksum works out with two LETTERS as check digits: invalid."""
    pairs = (a + b for a in string.ascii_uppercase for b in string.ascii_uppercase)
    return next(country + p + bban for p in pairs if _mod97(bban + country + p) == 1)


_IBAN_CASES = [
    ("GB82 WEST 1234 5698 7654 32", "a valid British IBAN in print format", None),
    ("GB82WEST12345698765432", "a valid British IBAN without spaces", None),
    ("gb82 west 1234 5698 7654 32", "a valid British IBAN in lowercase",
     "Uppercase before converting letters."),
    ("DE89 3704 0044 0532 0130 00", "a valid German IBAN", None),
    ("FR14 2004 1010 0505 0001 3M02 606", "a valid French IBAN", None),
    ("NL91 ABNA 0417 1643 00", "a valid Dutch IBAN", None),
    ("BE68 5390 0754 7034", "a valid Belgian IBAN", None),
    ("CH93 0076 2011 6238 5295 7", "a valid Swiss IBAN", None),
    ("NO93 8601 1117 947", "a valid Norwegian IBAN (15 characters)", None),
    ("MT84 MALT 0110 0001 2345 MTLC AST0 01S", "a valid Maltese IBAN (31 characters, many letters)", None),
    ("GB82 WEST 1234 5698 7654 33", "a British IBAN with the last digit changed", None),
    ("GB28 WEST 1234 5698 7654 32", "a British IBAN with its check digits swapped", None),
    ("DE89 3704 0044 0532 0130 0", "a German IBAN missing its last character",
     "Compare the length with IBAN_LENGTHS for the country."),
    ("XX82 WEST 1234 5698 7654 32", "an IBAN with an unknown country code",
     "A country code must be listed in IBAN_LENGTHS."),
    ("GB82-WEST-1234-5698-7654-32", "an IBAN written with dashes",
     "Only spaces are removed; any other character makes the IBAN invalid."),
    ("", "the empty string", None),
    ("GB82", "just a country code and check digits", None),
    ("GB٨٢ WEST 1234 5698 7654 32", "an IBAN whose check digits are Arabic-Indic digits", _NOT_ASCII),
    ("GB82 WEST 1234 5698 7654 ٣٢", "an IBAN ending in Arabic-Indic digits", _NOT_ASCII),
    ("NL91 ABNA 0417 1643 ００", "an IBAN ending in full-width digits", _NOT_ASCII),
]


_IBAN_HINT = ("Remove spaces, uppercase, check the country's length, move the first four characters to the "
              "end, turn letters into 10..35, and test the integer mod 97 == 1.")


def check_iban_valid(fn) -> None:
    for iban, what, hint in _IBAN_CASES:
        _iban_verdict(fn, iban, what, hint)
    lettered = _letters_as_check_digits("GB", "WEST12345698765432")
    _iban_verdict(fn, lettered, "an IBAN whose check digits are letters (its checksum works out)",
                  "Characters 3 and 4 are the check digits: they must be digits 0-9.")
    gen = random.Random(13616)
    for _ in range(120):
        country = gen.choice(sorted(IBAN_LENGTHS))
        size = IBAN_LENGTHS[country] - 4
        letters = gen.random() < 0.5  # some banks put letters in the account part
        bban = "".join(gen.choice(_ALNUM if letters else string.digits) for _ in range(size))
        iban = _make_iban(country, bban)
        i = gen.randrange(4, len(iban))
        changed = iban[:i] + gen.choice(_ALNUM.replace(iban[i], "")) + iban[i + 1:]
        too_long = _make_iban(country, bban + gen.choice(string.digits))  # right check digits, wrong length
        length_hint = "Check the length against IBAN_LENGTHS before the checksum: the check digits alone " \
            "cannot tell a wrong length."
        cases = [(iban, "a valid IBAN", None), (_grouped(iban), "a valid IBAN in print format", None),
                 (changed, "an IBAN with one character changed", None),
                 (too_long, "an IBAN one character too long for its country", length_hint)]
        for candidate, what, hint in cases:
            _iban_verdict(fn, candidate, what, hint)
    expect_error(fn, (None,), (TypeError,), "iban_valid(None)")
    expect_error(fn, (b"GB82WEST12345698765432",), (TypeError,), "iban_valid(b'GB82WEST...') (bytes)")


# --------------------------------------------------------------------------- pseudonymize


def _pseudonym(value: str, key: bytes, key_id: str) -> str:
    mac = hmac.HMAC(key, msg=None, digestmod="sha256")
    mac.update(value.strip().lower().encode("utf-8"))
    return key_id + ":" + mac.hexdigest()


def _str(out, call: str) -> str:
    if not isinstance(out, str):
        raise CheckFailure(f"{call} returned {type(out).__name__}, expected a str")
    return out


def check_pseudonymize(fn) -> None:
    key_a = bytes(range(32))
    key_b = hashlib.sha256(b"a second, rotated key").digest()[:24]
    values = ["alice@example.com", "078-05-1120", "Zoë Ångström", "+44 20 7946 0958", "x", "",
              "  Bob.Smith@Example.ORG \n", "Straße ﬁrst"]
    for key, key_id in [(key_a, "k1"), (key_b, "2024-06")]:
        for value in values:
            call = f"pseudonymize({value!r}, key=<{len(key)} bytes>, key_id={key_id!r})"
            out = _str(fn(value, key, key_id), call)
            if out == _pseudonym(value, key, key_id):
                continue
            prefix, _, digest = out.partition(":")
            if prefix != key_id:
                raise CheckFailure(f"{call} does not start with the key id and ':'",
                                   hint="Without the key id nobody knows which key made a pseudonym, "
                                   "and keys can never be rotated.")
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise CheckFailure(f"{call}: the part after ':' is not a 64-character lowercase hex digest",
                                   hint="Use the full hexdigest() of the HMAC.")
            if value.casefold() != value.lower() and out == _pseudonym(value.casefold(), key, key_id):
                raise CheckFailure(f"{call} normalises with casefold(), which turns 'ß' into 'ss'; the "
                                   "docstring's normalisation is value.strip().lower()",
                                   hint="Pseudonyms made elsewhere with strip().lower() must match yours.")
            if fn(value, key_a, key_id) == fn(value, key_b, key_id):
                raise CheckFailure(f"{call} gives the same pseudonym under two different keys: it does not "
                                   "depend on the key, so anyone can recompute it from a guessed value",
                                   hint="Use hmac.new(key, message, hashlib.sha256), not a plain hash.")
            if fn(value.strip().lower(), key, key_id) == out and value != value.strip().lower():
                raise CheckFailure(f"{call}: the digest is not HMAC-SHA-256 of the normalised value",
                                   hint="Hashing key + value is not HMAC (and is open to length-extension "
                                   "attacks); use hmac.new(key, value_bytes, hashlib.sha256).")
            if value != value.strip().lower():
                raise CheckFailure(f"{call}: differently written forms of the same value get different "
                                   "pseudonyms (or the digest is not HMAC-SHA-256)",
                                   hint="Normalise with value.strip().lower() before the HMAC, so that "
                                   "'Bob@X.org ' and 'bob@x.org' are the same person.")
            raise CheckFailure(f"{call}: the digest is not HMAC-SHA-256 of the normalised value",
                               hint="hmac.new(key, value.strip().lower().encode('utf-8'), "
                               "hashlib.sha256).hexdigest(); concatenating key and value is not HMAC.")
    edge = key_a[:16]  # exactly MIN_KEY_BYTES: the shortest key allowed
    call = "pseudonymize('alice', key=<16 bytes>, 'k1')"
    try:
        out = fn("alice", edge, "k1")
    except ValueError:
        raise CheckFailure(f"{call} refused a key of exactly 16 bytes; 'at least 16 bytes' allows it",
                           hint="Refuse keys SHORTER than MIN_KEY_BYTES: len(key) < MIN_KEY_BYTES.") from None
    if out != _pseudonym("alice", edge, "k1"):
        raise CheckFailure(f"{call}: the digest is not HMAC-SHA-256 of the normalised value")
    bad = [
        (("alice", key_a[:15], "k1"), (ValueError,), "pseudonymize('alice', key=<15 bytes>, 'k1')"),
        (("alice", key_a[:8], "k1"), (ValueError,), "pseudonymize('alice', key=<8 bytes>, 'k1') (too short)"),
        (("alice", b"", "k1"), (ValueError,), "pseudonymize('alice', key=b'', 'k1')"),
        (("alice", "secret-key-0123456789", "k1"), (TypeError,), "pseudonymize('alice', key=<a str>, 'k1')"),
        (("alice", key_a, ""), (ValueError,), "pseudonymize('alice', key, key_id='')"),
        (("alice", key_a, "k:1"), (ValueError,), "pseudonymize('alice', key, key_id='k:1')"),
        (("alice", key_a, 1), (TypeError,), "pseudonymize('alice', key, key_id=1)"),
        ((78051120, key_a, "k1"), (TypeError,), "pseudonymize(78051120, key, 'k1') (an int)"),
    ]
    for args, kinds, what in bad:
        expect_error(fn, args, kinds, what)


# --------------------------------------------------------------------------- invert_hashes


def _sha(value: str) -> str:
    return hashlib.new("sha256", value.encode("utf-8")).hexdigest()


# Candidates that count how they are used; they live in ``probes`` so that the grading child can
# rebuild them without seeing the checkers.
_Counter, _CountedStr, _Candidates = Counter, CountedStr, OnceIterable


def _attack(fn, targets: list[str], values: list[str], call: str) -> None:
    candidates = _Candidates(values)
    _Counter.encoded = 0
    try:
        out = fn(list(targets), candidates)
    except TypeError:
        # The counting candidates are a str subclass; an answer that tests type(c) is str refuses them.
        # Such an answer is judged on plain strings (its results only).
        candidates = _Candidates([])
        _Counter.encoded = 0
        out = fn(list(targets), list(values))
    if candidates.passes > 1:
        raise CheckFailure(f"{call} iterated over candidates {candidates.passes} times; a generator is "
                           "empty after the first pass, so later targets are never found",
                           hint="Hash each candidate once, then look it up in a set of the targets.")
    if not isinstance(out, dict):
        raise CheckFailure(f"{call} returned {type(out).__name__}, expected a dict hash -> value")
    if _Counter.encoded > 2 * len(values):  # a second encode per candidate is wasteful, not wrong
        raise CheckFailure(f"{call} encoded candidates {_Counter.encoded} times for {len(values)} "
                           "candidates: it hashes the candidates once per target",
                           hint="One hash per candidate: put the targets in a set and test each "
                           "candidate's digest against it.")
    by_digest = {_sha(v): v for v in values}
    wanted = {h: by_digest[h] for h in targets if h in by_digest}
    if set(out) - set(targets):
        raise CheckFailure(f"{call}: some keys of the result are not among the given hashes",
                           hint="Key the result by the hash, and map it to the value that produced it.")
    for h, value in out.items():
        if value is None:
            raise CheckFailure(f"{call} maps a hash it could not invert to None",
                               hint="Leave out the hashes that no candidate produces.")
        if not isinstance(value, str) or _sha(value) != h:
            raise CheckFailure(f"{call} maps a hash to a value whose SHA-256 digest is a different one",
                               hint="Hash each candidate exactly as given (UTF-8, no normalisation) and map "
                               "the digest to that candidate.")
        if value not in values:
            raise CheckFailure(f"{call} maps a hash to a value that is not among the candidates")
    if set(wanted) - set(out):
        raise CheckFailure(f"{call} recovered {len(out)} of the {len(wanted)} hashes that the candidates "
                           "invert", hint="Keep going after the first hit: every candidate may match.")


def check_invert_hashes(fn) -> None:
    gen = random.Random(2024)
    pins = [f"{i:04d}" for i in range(10_000)]
    leaked = gen.sample(pins, 25) + ["hunter2", "correct horse", "12345"]
    targets = [_sha(v) for v in leaked] + [_sha(leaked[0])]  # one hash listed twice
    gen.shuffle(targets)
    _attack(fn, targets, pins, "invert_hashes(28 hashes of PINs and passwords, all 10,000 4-digit PINs)")
    serials = [f"078-05-{s:04d}" for s in range(1, 10_000)]
    ssns = gen.sample(serials, 5) + ["078-05-1120", "219-09-9999"]
    _attack(fn, [_sha(v) for v in ssns], serials,
            "invert_hashes(7 hashed SSNs, every serial of area 078 group 05)")
    _attack(fn, [_sha("Zoë"), _sha("zoe")], ["Zoë", "Chloé", "Zoe"],
            "invert_hashes(2 hashes, ['Zoë', 'Chloé', 'Zoe'])")
    _attack(fn, [_sha("nobody")], pins[:100], "invert_hashes(a hash no candidate matches, 100 PINs)")
    _attack(fn, [], pins[:100], "invert_hashes([], 100 PINs)")
    bad_hashes = [
        ("abc123", "a 6-character hash"),
        ("g" * 64, "a 64-character string with non-hex letters"),
        (_sha("x") + "00", "a 66-character hash"),
        (_sha("x").upper(), "an upper-case hex digest (hexdigest() writes lower case)"),
    ]
    for h, what in bad_hashes:
        expect_error(fn, ([h], ["x"]), (ValueError,), f"invert_hashes with {what}")
    expect_error(fn, ([_sha("1")], ["0", 1]), (TypeError,), "invert_hashes with an int among the candidates")


# --------------------------------------------------------------------------- shift_dates


def _offset(key: bytes, pid: str, max_days: int) -> int:
    n = int.from_bytes(hmac.digest(key, pid.encode("utf-8"), "sha256")[:8], "big") % (2 * max_days)
    return n - max_days if n < max_days else n - max_days + 1


def check_shift_dates(fn) -> None:
    key = hashlib.sha256(b"date-shift key").digest()
    records = {
        "p001": [date(2020, 1, 5), date(2020, 1, 9), date(2021, 7, 4)],
        "p002": [date(1999, 12, 31), date(2000, 2, 29)],
        "p003": [],
        "p004": [datetime(2023, 3, 1, 14, 30), datetime(2023, 3, 2, 9, 15)],
        "Zoë": [date(2024, 2, 29)],
    }
    gen = random.Random(4711)
    many = {f"id{i:04d}": [date(2015, 1, 1) + timedelta(days=gen.randrange(3000)) for _ in range(3)]
            for i in range(300)}
    for data, max_days in [(records, 365), (records, 30), (many, 365), (many, 1)]:
        original = copy.deepcopy(data)
        call = f"shift_dates({len(data)} people, key, max_days={max_days})"
        out = fn(data, key, max_days)
        if data != original:
            raise CheckFailure(f"{call} modified its input; return a new dict")
        if not isinstance(out, dict) or set(out) != set(data):
            raise CheckFailure(f"{call} must return a dict with the same person ids as its input")
        offsets = {}
        for pid, dates in data.items():
            if not isinstance(out[pid], list):
                raise CheckFailure(f"{call}: person {pid!r} is mapped to a {type(out[pid]).__name__}, "
                                   "expected a new list of dates")
            new = out[pid]
            if len(new) != len(dates):
                raise CheckFailure(f"{call}: person {pid!r} has {len(dates)} dates in and {len(new)} out")
            if any(type(a) is not type(b) for a, b in zip(dates, new)):
                raise CheckFailure(f"{call}: the dates of person {pid!r} changed type")
            gaps = {b - a for a, b in zip(dates, new)}
            if len(gaps) > 1:
                raise CheckFailure(f"{call}: the dates of person {pid!r} moved by different amounts, so "
                                   "the intervals between them changed",
                                   hint="One offset per PERSON, not per date: lengths of stay and ages at "
                                   "diagnosis must survive.")
            if gaps:
                offsets[pid] = gaps.pop()
        for pid, shift in offsets.items():
            if shift % timedelta(days=1):
                raise CheckFailure(f"{call}: person {pid!r} was shifted by a fraction of a day")
            if not timedelta(days=1) <= abs(shift) <= timedelta(days=max_days):
                raise CheckFailure(f"{call}: person {pid!r} was shifted by {shift.days} days, outside "
                                   f"[-{max_days}, -1] and [1, {max_days}]",
                                   hint="A shift of 0 leaves the real dates in the data.")
        if len(offsets) > 2 and len(set(offsets.values())) == 1:
            raise CheckFailure(f"{call} shifted everyone by the same amount: one known date reveals the "
                               "offset for all", hint="Derive the offset from the key AND the person id.")
        for pid, shift in offsets.items():
            if shift.days != _offset(key, pid, max_days):
                raise CheckFailure(f"{call}: person {pid!r} was shifted by an offset other than the one "
                                   "the docstring derives from the key",
                                   hint="HMAC-SHA-256(key, pid as UTF-8); first 8 bytes big-endian; mod "
                                   "2*max_days; then map to [-max_days, -1] or [1, max_days].")
    other = fn({"p001": [date(2020, 1, 5)]}, key[::-1], 365)["p001"][0]
    if other - date(2020, 1, 5) != timedelta(days=_offset(key[::-1], "p001", 365)):
        raise CheckFailure("shift_dates with a different key gives a shift the key does not determine")
    one = {"p1": [date(2020, 1, 1)]}
    edge = bytes(range(100, 100 + 16))  # exactly MIN_KEY_BYTES: the shortest key allowed
    call = "shift_dates(..., key=<16 bytes>)"
    try:
        out = fn(one, edge, 365)
    except ValueError:
        raise CheckFailure(f"{call} refused a key of exactly 16 bytes; 'at least 16 bytes' allows it",
                           hint="Refuse keys SHORTER than MIN_KEY_BYTES: len(key) < MIN_KEY_BYTES.") from None
    if out["p1"][0] - date(2020, 1, 1) != timedelta(days=_offset(edge, "p1", 365)):
        raise CheckFailure(f"{call}: the shift is not the one the docstring derives from the key")
    bad = [
        ((one, edge[:15], 365), (ValueError,), "shift_dates(..., key=<15 bytes>)"),
        ((one, b"short", 365), (ValueError,), "shift_dates(..., key=<5 bytes>)"),
        ((one, "a str key, 16+ chars", 365), (TypeError,), "shift_dates(..., key=<str>)"),
        ((one, key, 0), (ValueError,), "shift_dates(..., max_days=0)"),
        ((one, key, -5), (ValueError,), "shift_dates(..., max_days=-5)"),
        ((one, key, 2.5), (ValueError, TypeError), "shift_dates(..., max_days=2.5)"),
        (({1: [date(2020, 1, 1)]}, key, 365), (TypeError,), "shift_dates with an int person id"),
    ]
    for args, kinds, what in bad:
        expect_error(fn, args, kinds, what)


EXERCISE = Exercise(
    name="01_data_masking",
    title="Data masking: validators, keyed pseudonyms, the dictionary attack, date shifting",
    tasks=(
        Task("luhn_valid", "luhn_valid", check_luhn_valid, notebook="01_data_masking",
             hint="Strip spaces and dashes, reject anything but 0-9, double every second digit from the "
             "right, subtract 9 above 9, test the sum mod 10."),
        Task("iban_valid", "iban_valid", check_iban_valid, notebook="01_data_masking",
             hint="Length by country, rearrange (first four to the end), letters to 10..35, mod 97 == 1."),
        Task("pseudonymize", "pseudonymize", check_pseudonymize, notebook="01_data_masking",
             hint="key_id + ':' + HMAC-SHA-256(key, normalised value) in hex; validate key and key id."),
        Task("invert_hashes", "invert_hashes", check_invert_hashes, notebook="01_data_masking",
             hint="Hash every candidate once, look each digest up in a set of the targets."),
        Task("shift_dates", "shift_dates", check_shift_dates, notebook="01_data_masking",
             hint="One keyed, nonzero offset per person, applied to all of that person's dates."),
    ),
)

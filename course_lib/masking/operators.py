"""Value-level masking operators: what to put in place of a detected value.

The seed article masked ``'1234567890'`` as ``'********90'`` with a regex: it kept digits, showed
nothing about keys or joins, and had no way back. Each operator below makes one trade-off explicit:

============  ========================  ==========  ============  =====  ===========================
operator      ``123-45-6789`` becomes   reversible  joinable      keyed  still leaks
============  ========================  ==========  ============  =====  ===========================
mask          ``***-**-6789``           no          no            no     last digits, length, format
redact        ``""``                    no          no            no     that something was there
replace       ``<US_SSN>``              no          no            no     the entity type
pseudonymize  ``k1:3f9a0c...`` (HMAC)   no          yes, per key  yes    equality (who is who again)
tokenize      ``k1:Xq3...`` (AES-SIV)   with key    yes, per key  yes    equality, value length
encrypt       ``k1:9Pz...`` (AES-GCM)   with key    no            yes    value length
keep          ``123-45-6789``           n/a         yes           no     everything (explicit opt-in)
============  ========================  ==========  ============  =====  ===========================

*Joinable* means equal values give equal outputs and distinct values distinct ones, so a join or a
count on the output matches one on the input: a mask is not (``***-**-6789`` is many people), nor
is randomised encryption (a fresh nonce each time).

Date shifting (``date_shift``) and generalisation (``generalize``) build on the same
:class:`Operator`. An unkeyed hash is *not* an operator here: ``hash_attack`` shows why.

Keyed operators take a :class:`~course_lib.masking.keys.Key` or a ``Keyring`` (its active key) and
write the key id in front of every output, so old outputs can be matched to their key after a rotation.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import ipaddress
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV

from .._validate import check_int
from .keys import Key, active_key, key_for
from .spans import ENTITIES
from .validators import ascii_digits

DIGIT_ENTITIES = ("CREDIT_CARD", "US_SSN", "PHONE_NUMBER")
LABEL = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")
NONCE_BYTES = 12  # AES-GCM's standard 96-bit nonce (NIST SP 800-38D)
TAG_BYTES = 16  # the authentication tag of AES-GCM, and the synthetic IV of AES-SIV


# ------------------------------------------------------------------------------------ checks
def check_value(value, name: str = "value") -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def check_entity(entity) -> str | None:
    """``None`` (an untyped value) or one of :data:`~course_lib.masking.spans.ENTITIES`."""
    if entity is not None and entity not in ENTITIES:
        raise ValueError(f"entity must be None or one of {', '.join(ENTITIES)}, got {entity!r}")
    return entity


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _split(output, what: str) -> tuple[str, bytes]:
    """``"<key id>:<urlsafe base64>"`` into the key id and the bytes."""
    check_value(output, what)
    key_id, sep, body = output.partition(":")
    try:
        if not sep or not re.fullmatch(r"[A-Za-z0-9_-]*", body):
            raise ValueError
        return key_id, _unb64(body)
    except (ValueError, binascii.Error):
        raise ValueError(f"{what} must look like '<key id>:<urlsafe base64>'") from None


@functools.lru_cache(maxsize=64)
def _subkey(key: Key, purpose: str) -> bytes:
    return key.subkey(purpose)


def _encode(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass")


# --------------------------------------------------------------------- mask, redact, replace
def mask(value: str, keep_last: int = 4, char: str = "*", preserve_separators: bool = True) -> str:
    """Replace every letter and digit by ``char`` except the last ``shown`` of them.

    ``shown = min(keep_last, n // 2)`` where ``n`` counts letters, digits and ``char`` itself: at most
    half of a value is ever shown, so a short value (``"12"`` with ``keep_last=4``) is never revealed
    whole. With ``preserve_separators`` other characters (``-``, spaces, ``@``, ``.``) stay, so the
    format stays readable (``4111-1111-1111-1111`` -> ``****-****-****-1111``); without it every
    character before the shown tail becomes ``char``. The length never changes, and
    ``mask(mask(v)) == mask(v)``: masked characters still count towards ``n``.
    """
    check_value(value)
    keep_last = check_int(keep_last, "keep_last", 0, 10**6)
    if not isinstance(char, str) or len(char) != 1 or char.isspace():
        raise ValueError(f"char must be one non-space character, got {char!r}")
    if not isinstance(preserve_separators, bool):
        raise TypeError(f"preserve_separators must be True or False, got {preserve_separators!r}")
    content = [i for i, c in enumerate(value) if c.isalnum() or c == char]
    shown = min(keep_last, len(content) // 2)
    boundary = content[len(content) - shown] if shown else len(value)
    head = value[:boundary]
    if preserve_separators:
        head = "".join(char if (c.isalnum() or c == char) else c for c in head)
    else:
        head = char * len(head)
    return head + value[boundary:]


def redact(value: str) -> str:
    """Remove the value: ``""``."""
    check_value(value)
    return ""


def replace(value: str, entity: str | None = None, label: str | None = None) -> str:
    """The type tag ``"<ENTITY>"`` (or ``"<LABEL>"`` for a table column of another kind)."""
    check_value(value)
    check_entity(entity)
    if label is not None and (not isinstance(label, str) or not LABEL.match(label)):
        raise ValueError(f"label must be an upper-case name like 'PATIENT_NAME' (A-Z, 0-9, _), got {label!r}")
    tag = label or entity
    if tag is None:
        raise ValueError("replace needs an entity or a label to write in place of the value")
    return f"<{tag}>"


# ----------------------------------------------------------------------------- pseudonymize
def normalize(value: str, entity: str | None = None) -> str:
    """The form that is pseudonymised, so that one person's value gets one pseudonym.

    Always Unicode NFC and surrounding whitespace stripped; then by entity:
    CREDIT_CARD, US_SSN, PHONE_NUMBER: the digits only, each as its ASCII digit (``"(617) 555-0123"``
    -> ``"6175550123"``; ``detect`` reads digits of any script, so a fullwidth ``"４８９-５７-８５４２"``
    is the same SSN as ``"489-57-8542"``; a country code is not inferred, so ``+1 617...`` differs);
    EMAIL_ADDRESS: lower case;
    IBAN_CODE: no spaces, upper case; IP_ADDRESS: the canonical address (``ipaddress`` module);
    PERSON: one space between words, case folded (``"Maria\\nGARCIA"`` -> ``"maria garcia"``).
    """
    check_value(value)
    check_entity(entity)
    value = unicodedata.normalize("NFC", value).strip()
    if entity in DIGIT_ENTITIES:
        value = "".join(c for c in ascii_digits(value) if c in "0123456789")
        if not value:
            raise ValueError(f"value must contain digits to be normalised as {entity}")
    elif entity == "EMAIL_ADDRESS":
        value = value.lower()
    elif entity == "PERSON":
        value = " ".join(value.split()).casefold()
    elif entity == "IBAN_CODE":
        value = "".join(value.split()).upper()
    elif entity == "IP_ADDRESS":
        try:
            value = str(ipaddress.ip_address(value))
        except ValueError:
            value = value.lower()
    return value


def pseudonymize(value: str, key, entity: str | None = None, length: int = 16) -> str:
    """``"<key id>:" + hex(HMAC-SHA256(K, normalize(value, entity)))[:length]`` (RFC 2104).

    ``K`` is the key's pseudonymisation subkey. Stable for one key, unrelated across keys (and key
    versions), not reversible, and, unlike an unsalted hash, not recomputable by someone who lacks
    the key. ``length`` hex characters (8-64; default 16 = 64 bits, so a collision among n values
    has probability about ``n**2 / 2**65``).
    """
    k = active_key(key)
    length = check_int(length, "length", 8, 64)
    digest = hmac.new(_subkey(k, "pseudonymize"), _encode(normalize(value, entity)), hashlib.sha256)
    return f"{k.key_id}:{digest.hexdigest()[:length]}"


def pseudonym_matches(pseudonym: str, value: str, key, entity: str | None = None) -> bool:
    """Whether ``pseudonym`` is ``value``'s pseudonym under the key its prefix names (``key`` may be
    a keyring holding old keys); compared in constant time."""
    check_value(pseudonym, "pseudonym")
    key_id, _, digest = pseudonym.partition(":")
    if not 8 <= len(digest) <= 64:
        raise ValueError("pseudonym must look like '<key id>:<8 to 64 hex characters>'")
    expected = pseudonymize(value, key_for(key_id, key), entity, len(digest))
    return hmac.compare_digest(expected, pseudonym)


# -------------------------------------------------------------------------- tokenize (AES-SIV)
@functools.lru_cache(maxsize=64)
def _siv(key: Key) -> AESSIV:
    return AESSIV(_subkey(key, "tokenize"))


def _associated(entity: str | None, purpose: str) -> list[bytes]:
    return [f"course_lib.masking {purpose}|{entity or ''}".encode()]


def tokenize(value: str, key, entity: str | None = None) -> str:
    """A deterministic, reversible token: ``"<key id>:" + b64(AES-SIV(K, value, ad=entity))``.

    AES-SIV (RFC 5297) is deterministic authenticated encryption: the same value gives the same token
    under one key (joins work), and only a holder of the key opens it, as the same entity only
    (the entity is associated data). The token is 16 bytes longer than the UTF-8 value, so it
    leaks the value's length. The value is encrypted exactly as given (not normalised).
    """
    k = active_key(key)
    check_value(value)
    check_entity(entity)
    return f"{k.key_id}:{_b64(_siv(k).encrypt(_encode(value), _associated(entity, 'token')))}"


def detokenize(token: str, key, entity: str | None = None) -> str:
    """The value inside a :func:`tokenize` token; ``key`` is the key or a keyring holding it.

    A ``ValueError`` if the token was made for another entity, with another key, or altered.
    """
    check_entity(entity)
    key_id, data = _split(token, "token")
    if len(data) < TAG_BYTES:
        raise ValueError(f"token is too short to be a token ({len(data)} bytes; at least {TAG_BYTES})")
    k = key_for(key_id, key)
    try:
        plain = _siv(k).decrypt(data, _associated(entity, "token"))
    except InvalidTag:
        raise ValueError(f"token does not open with key {key_id!r} as entity {entity!r}: it was made "
                         f"for another entity or key, or it was altered") from None
    return plain.decode("utf-8", "surrogatepass")


# ------------------------------------------------------------------------- encrypt (AES-GCM)
def encrypt(value: str, key, entity: str | None = None) -> str:
    """Randomised encryption: ``"<key id>:" + b64(nonce | AES-GCM(K, nonce, value, ad=entity))``.

    A fresh random 96-bit nonce per call (NIST SP 800-38D) makes equal values encrypt differently,
    so ciphertexts cannot be joined or counted; contrast with :func:`tokenize`.
    """
    k = active_key(key)
    check_value(value)
    check_entity(entity)
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_subkey(k, "encrypt")).encrypt(nonce, _encode(value), _associated(entity, "cipher")[0])
    return f"{k.key_id}:{_b64(nonce + sealed)}"


def decrypt(ciphertext: str, key, entity: str | None = None) -> str:
    """The value inside an :func:`encrypt` ciphertext; a ``ValueError`` for a wrong key or entity."""
    check_entity(entity)
    key_id, data = _split(ciphertext, "ciphertext")
    if len(data) < NONCE_BYTES + TAG_BYTES:
        raise ValueError(f"ciphertext is too short ({len(data)} bytes; at least {NONCE_BYTES + TAG_BYTES})")
    k = key_for(key_id, key)
    try:
        plain = AESGCM(_subkey(k, "encrypt")).decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:],
                                                      _associated(entity, "cipher")[0])
    except InvalidTag:
        raise ValueError(f"ciphertext does not open with key {key_id!r} as entity {entity!r}: it was "
                         f"made for another entity or key, or it was altered") from None
    return plain.decode("utf-8", "surrogatepass")


# -------------------------------------------------------------------------------- Operator
@dataclass(frozen=True)
class Operator:
    """An operator ready to apply: ``op(value, entity)`` returns the replacement.

    ``entity`` fixed here (for a table column) is used when the call gives none; the flags are the
    columns of the table in the module docstring. ``deterministic`` operators may be computed once
    per distinct value; ``accepts`` says which cells a table column must hold (``"text"``,
    ``"number"`` or ``"date"``); ``by`` names the column a per-person operator reads its person from,
    and ``column(values, by_values)``, when set, transforms a whole pandas column at once.
    """

    name: str
    func: Callable[[object, str | None], object]
    reversible: bool = False
    joinable: bool = False
    keyed: bool = False
    deterministic: bool = True
    accepts: str = "text"
    entity: str | None = None
    by: str | None = None
    column: Callable | None = None

    def __post_init__(self) -> None:
        if not callable(self.func):
            raise TypeError(f"func must be callable, got {type(self.func).__name__}")
        if self.accepts not in ("text", "number", "date"):
            raise ValueError(f"accepts must be 'text', 'number' or 'date', got {self.accepts!r}")
        check_entity(self.entity)

    def __call__(self, value, entity: str | None = None):
        check_entity(entity)
        if entity is not None and self.entity is not None and entity != self.entity:
            raise ValueError(f"operator {self.name!r} is for entity {self.entity}, called with {entity}")
        return self.func(value, entity or self.entity)


def mask_with(keep_last: int = 4, char: str = "*", preserve_separators: bool = True) -> Operator:
    mask("", keep_last, char, preserve_separators)  # check the arguments now, not on first use
    return Operator("mask", lambda v, e: mask(v, keep_last, char, preserve_separators))


def replace_with(label: str | None = None, entity: str | None = None) -> Operator:
    if label is not None or entity is not None:
        replace("", entity, label)  # check the arguments now
    return Operator("replace", lambda v, e: replace(v, e, label), entity=entity)


def pseudonymize_with(key, entity: str | None = None, length: int = 16) -> Operator:
    """:func:`pseudonymize` with this key (a keyring's active key at the time of this call)."""
    k = active_key(key)
    check_int(length, "length", 8, 64)
    return Operator("pseudonymize", lambda v, e: pseudonymize(v, k, e, length), joinable=True, keyed=True,
                    entity=check_entity(entity))


def tokenize_with(key, entity: str | None = None) -> Operator:
    k = active_key(key)
    return Operator("tokenize", lambda v, e: tokenize(v, k, e), reversible=True, joinable=True, keyed=True,
                    entity=check_entity(entity))


def encrypt_with(key, entity: str | None = None) -> Operator:
    k = active_key(key)
    return Operator("encrypt", lambda v, e: encrypt(v, k, e), reversible=True, keyed=True,
                    deterministic=False, entity=check_entity(entity))


def _replace_tag(value, entity):
    return replace(value, entity)


MASK_KEEP_LAST = {"CREDIT_CARD": 4, "US_SSN": 4, "PHONE_NUMBER": 4, "IBAN_CODE": 4, None: 4}
"""What the named operator ``"mask"`` shows of each entity: the last four characters of numbers that
statements and receipts print that way, nothing of e-mail addresses, IP addresses and dates, whose
tails still identify (``mask("fd00:3d3c::1")`` is ``"****:*d3c::1"``, and ``d3c::1`` is itself an
address)."""


def _mask_by_entity(value, entity):
    return mask(value, MASK_KEEP_LAST.get(entity, 0))


NAMED: dict[str, Operator] = {
    "mask": Operator("mask", _mask_by_entity),
    "redact": Operator("redact", lambda v, e: redact(v)),
    "replace": Operator("replace", _replace_tag),
    "keep": Operator("keep", lambda v, e: check_value(v), joinable=True),
}


def as_operator(spec) -> Operator:
    """``"mask"``, ``"redact"``, ``"replace"``, ``"keep"``, an :class:`Operator`, or any callable
    ``f(value, entity) -> str`` (wrapped as an operator with every flag off: not known to be
    deterministic, so a table applies it to every cell, never once per distinct value)."""
    if isinstance(spec, Operator):
        return spec
    if isinstance(spec, str):
        if spec not in NAMED:
            raise ValueError(f"operator name must be one of {', '.join(NAMED)}, got {spec!r}")
        return NAMED[spec]
    if callable(spec):
        return Operator(getattr(spec, "__name__", "custom"), spec, deterministic=False)
    raise TypeError(f"operator must be a name ({', '.join(NAMED)}), an Operator or a callable "
                    f"f(value, entity), got {type(spec).__name__}")

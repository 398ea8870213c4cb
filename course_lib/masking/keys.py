"""Secret keys for the keyed operators, with ids so that keys can be rotated.

A keyed pseudonym, token or ciphertext is only as private as its key: whoever holds the key can
recompute ``HMAC(key, value)`` for every candidate value, or simply decrypt. So

* a :class:`Key` is a key id plus at least 16 random bytes (128 bits, the floor NIST SP 800-107
  sets for HMAC security strength; SP 800-131A for AES); :meth:`Key.generate` draws them from the
  operating system (``secrets.token_bytes``); its ``repr`` never shows the secret;
* every output of a keyed operator starts with the key id (``"k2:3f9a..."``), so after a rotation
  a :class:`Keyring` finds the key that made an old token, while new outputs use the active key;
* one secret serves several algorithms through independent subkeys,
  ``HKDF-SHA256(secret, info=purpose)`` (RFC 5869): the HMAC key of the pseudonyms, the 64-byte
  AES-SIV key of the tokens (RFC 5297 needs 32 or 64 bytes) and the AES-GCM key never coincide,
  as NIST SP 800-57 asks (one key, one purpose);
* :func:`demo_key` derives a reproducible key from a public seed for the notebooks. Anyone can
  recompute it, so its id always starts with ``"demo-"``: it is for teaching, never for real data.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MIN_SECRET_BYTES = 16
KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
PURPOSES = {"pseudonymize": 32, "tokenize": 64, "encrypt": 32, "shift_dates": 32}


def check_key_id(key_id) -> str:
    if not isinstance(key_id, str):
        raise TypeError(f"key_id must be a str, got {type(key_id).__name__}")
    if not KEY_ID.match(key_id):
        raise ValueError(
            f"key_id must be 1-64 characters from A-Z a-z 0-9 _ . - (no ':', which separates the id "
            f"from the output), got {key_id!r}"
        )
    return key_id


@dataclass(frozen=True, repr=False)
class Key:
    """A key id and a secret of at least 16 bytes."""

    key_id: str
    secret: bytes

    def __post_init__(self) -> None:
        check_key_id(self.key_id)
        if not isinstance(self.secret, bytes):
            raise TypeError(f"secret must be bytes (e.g. secrets.token_bytes(32)), got "
                            f"{type(self.secret).__name__}")
        if len(self.secret) < MIN_SECRET_BYTES:
            raise ValueError(f"secret must be at least {MIN_SECRET_BYTES} bytes (128 bits); 32 bytes are "
                             f"recommended, got {len(self.secret)} bytes")

    @classmethod
    def generate(cls, key_id: str, nbytes: int = 32) -> Key:
        """A fresh key of ``nbytes`` (>= 16) random bytes from the operating system."""
        if isinstance(nbytes, bool) or not isinstance(nbytes, int):
            raise TypeError(f"nbytes must be an int >= {MIN_SECRET_BYTES}, got {type(nbytes).__name__}")
        if nbytes < MIN_SECRET_BYTES:
            raise ValueError(f"nbytes must be an int >= {MIN_SECRET_BYTES}, got {nbytes}")
        return cls(key_id, secrets.token_bytes(nbytes))

    @property
    def is_demo(self) -> bool:
        """Whether the id marks a publicly reproducible teaching key."""
        return self.key_id.startswith("demo-")

    def subkey(self, purpose: str) -> bytes:
        """``HKDF-SHA256(secret, salt=None, info=b"course_lib.masking/" + purpose)``, of the length the
        purpose's algorithm needs (see ``PURPOSES``)."""
        if purpose not in PURPOSES:
            raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}, got {purpose!r}")
        hkdf = HKDF(algorithm=hashes.SHA256(), length=PURPOSES[purpose], salt=None,
                    info=b"course_lib.masking/" + purpose.encode())
        return hkdf.derive(self.secret)

    def __repr__(self) -> str:
        return f"Key(key_id={self.key_id!r}, secret=<{len(self.secret)} bytes hidden>)"


def demo_key(label: str, seed: int) -> Key:
    """A reproducible teaching key, ``secret = SHA-256("course_lib demo key" | label | seed)``.

    Its id is ``"demo-<label>-<seed>"``. The seed is public, so so is the key: never use it on real data.
    """
    if not isinstance(label, str) or not re.match(r"^[A-Za-z0-9_.]{1,40}$", label):
        raise ValueError(f"label must be 1-40 characters from A-Z a-z 0-9 _ ., got {label!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int >= 0, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed}")
    secret = hashlib.sha256(f"course_lib demo key|{label}|{seed}".encode()).digest()
    return Key(f"demo-{label}-{seed}", secret)


class Keyring:
    """Several keys by id, one of them active (the one new outputs are made with).

    Rotation adds a new key and makes it active; old keys stay in the ring so that tokens and
    ciphertexts made with them can still be opened, and old pseudonyms verified, by the key id
    they carry. A keyring is immutable: :meth:`rotate` returns a new one.
    """

    def __init__(self, keys: Iterable[Key], active: str | None = None) -> None:
        keys = tuple(keys)
        if not keys:
            raise ValueError("keys must hold at least one Key")
        for k in keys:
            if not isinstance(k, Key):
                raise TypeError(f"keys must all be Key objects, got {type(k).__name__}")
        ids = [k.key_id for k in keys]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"keys must have distinct ids; repeated: {duplicates}")
        self._keys = {k.key_id: k for k in keys}
        active = ids[-1] if active is None else check_key_id(active)
        if active not in self._keys:
            raise ValueError(f"active must be one of the key ids {ids}, got {active!r}")
        self._active = active

    @property
    def active(self) -> Key:
        return self._keys[self._active]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def __getitem__(self, key_id: str) -> Key:
        try:
            return self._keys[key_id]
        except KeyError:
            raise KeyError(f"no key with id {key_id!r} in this keyring (ids: {list(self._keys)})") from None

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._keys

    def __iter__(self) -> Iterator[Key]:
        return iter(self._keys.values())

    def __len__(self) -> int:
        return len(self._keys)

    def rotate(self, new: Key) -> Keyring:
        """A keyring holding every key of this one plus ``new``, with ``new`` active."""
        if not isinstance(new, Key):
            raise TypeError(f"new must be a Key, got {type(new).__name__}")
        return Keyring((*self._keys.values(), new), active=new.key_id)

    def __repr__(self) -> str:
        return f"Keyring(ids={list(self._keys)}, active={self._active!r})"


def active_key(key) -> Key:
    """The key to make new outputs with: a :class:`Key` itself, or a keyring's active key."""
    if isinstance(key, Keyring):
        return key.active
    if isinstance(key, Key):
        return key
    raise TypeError(f"key must be a Key or a Keyring, got {type(key).__name__}")


def key_for(key_id: str, key) -> Key:
    """The key named ``key_id`` (from an output's prefix) in a :class:`Keyring`, or ``key`` if it has
    that id; a ``ValueError`` naming the ids otherwise."""
    if isinstance(key, Keyring):
        if key_id not in key:
            raise ValueError(f"this was made with key {key_id!r}, which is not in the keyring "
                             f"(ids: {list(key.ids)})")
        return key[key_id]
    if isinstance(key, Key):
        if key.key_id != key_id:
            raise ValueError(f"this was made with key {key_id!r}, not with the given key {key.key_id!r}")
        return key
    raise TypeError(f"key must be a Key or a Keyring, got {type(key).__name__}")

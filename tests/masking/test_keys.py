"""Tests for course_lib.masking.keys: key ids, secret lengths, hidden secrets, subkeys and rotation."""

from __future__ import annotations

import pytest

from course_lib.masking.keys import PURPOSES, Key, Keyring, active_key, demo_key, key_for


def test_a_key_needs_at_least_16_secret_bytes():
    assert len(Key("k1", b"\x00" * 16).secret) == 16
    with pytest.raises(ValueError, match=r"secret must be at least 16 bytes \(128 bits\).*got 15"):
        Key("k1", b"\x00" * 15)
    with pytest.raises(TypeError, match="secret must be bytes"):
        Key("k1", "a" * 32)


@pytest.mark.parametrize("key_id", ["", "has:colon", "space id", "x" * 65])
def test_key_ids_that_would_break_the_output_format_are_rejected(key_id):
    with pytest.raises(ValueError, match="key_id must be 1-64 characters"):
        Key(key_id, b"\x01" * 32)
    with pytest.raises(TypeError, match="key_id must be a str"):
        Key(1, b"\x01" * 32)


def test_repr_never_shows_the_secret():
    key = Key.generate("k1")
    text = repr(key) + str(key) + repr(Keyring([key]))
    assert "hidden" in repr(key) and "k1" in repr(key)
    assert key.secret.hex() not in text and repr(key.secret) not in text


def test_generated_keys_are_fresh_and_long_enough():
    a, b = Key.generate("k1"), Key.generate("k1")
    assert len(a.secret) == 32 and a.secret != b.secret and not a.is_demo
    assert len(Key.generate("k2", nbytes=64).secret) == 64
    with pytest.raises(ValueError, match="nbytes must be an int >= 16"):
        Key.generate("k1", nbytes=8)
    with pytest.raises(TypeError, match="nbytes"):
        Key.generate("k1", nbytes=32.0)


def test_demo_keys_are_reproducible_and_labelled_as_demo():
    assert demo_key("clinic", 0) == demo_key("clinic", 0)
    assert demo_key("clinic", 0).secret != demo_key("clinic", 1).secret
    assert demo_key("clinic", 0).secret != demo_key("census", 0).secret
    key = demo_key("clinic", 3)
    assert key.key_id == "demo-clinic-3" and key.is_demo
    with pytest.raises(ValueError, match="label"):
        demo_key("bad label", 0)
    with pytest.raises(ValueError, match="seed must be an int >= 0"):
        demo_key("clinic", -1)
    with pytest.raises(TypeError, match="seed"):
        demo_key("clinic", 1.5)


def test_subkeys_are_separate_per_purpose_and_sized_for_their_algorithm():
    key = demo_key("clinic", 0)
    subkeys = {p: key.subkey(p) for p in PURPOSES}
    assert {p: len(s) for p, s in subkeys.items()} == PURPOSES
    assert len(set(subkeys.values())) == len(PURPOSES)
    assert key.secret not in subkeys.values()
    assert demo_key("clinic", 1).subkey("tokenize") != subkeys["tokenize"]
    with pytest.raises(ValueError, match="purpose must be one of"):
        key.subkey("sign")


def test_keyring_lookup_and_rotation():
    k1, k2 = demo_key("clinic", 1), demo_key("clinic", 2)
    ring = Keyring([k1])
    assert ring.active == k1 and ring.ids == ("demo-clinic-1",)
    rotated = ring.rotate(k2)
    assert rotated.active == k2 and rotated[k1.key_id] == k1 and len(rotated) == 2
    assert ring.ids == ("demo-clinic-1",)  # the old ring is unchanged
    assert list(rotated) == [k1, k2] and k1.key_id in rotated
    assert Keyring([k1, k2], active=k1.key_id).active == k1
    with pytest.raises(KeyError, match="no key with id 'k9'"):
        rotated["k9"]


def test_keyring_rejects_bad_input():
    k1 = demo_key("clinic", 1)
    with pytest.raises(ValueError, match="at least one Key"):
        Keyring([])
    with pytest.raises(ValueError, match="distinct ids"):
        Keyring([k1, Key(k1.key_id, b"\x02" * 32)])
    with pytest.raises(TypeError, match="Key objects"):
        Keyring([k1, b"\x02" * 32])
    with pytest.raises(ValueError, match="active must be one of"):
        Keyring([k1], active="k2")
    with pytest.raises(TypeError, match="new must be a Key"):
        Keyring([k1]).rotate("k2")


def test_key_for_finds_the_key_named_by_an_output_or_says_which_is_missing():
    k1, k2 = demo_key("clinic", 1), demo_key("clinic", 2)
    ring = Keyring([k1, k2])
    assert key_for(k1.key_id, ring) == k1 and key_for(k2.key_id, k2) == k2
    assert active_key(ring) == k2 and active_key(k1) == k1
    with pytest.raises(ValueError, match="not with the given key"):
        key_for(k1.key_id, k2)
    with pytest.raises(ValueError, match="not in the keyring"):
        key_for("k9", ring)
    with pytest.raises(TypeError, match="Key or a Keyring"):
        active_key(b"secret" * 6)

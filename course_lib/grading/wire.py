"""Plain data between the grader and the process that runs a submission.

The grader never receives a live object from a submission: a learner's function runs in a child
process, and what it returns crosses a pipe as *data* — JSON for numbers, strings and containers, the
``.npy`` format (read with ``allow_pickle=False``) for NumPy arrays. The grader rebuilds every value as
an exact built-in, NumPy or pandas type, so a returned ``str``, ``float`` or ``ndarray`` subclass whose
comparisons lie arrives as a plain ``str``, ``float`` or ``ndarray``; anything else arrives as an inert
stand-in that only carries its type's name.

One message is ``u32 header length, JSON header, u32 blob count, then (u64 length, bytes) per blob``.
:func:`read_message` reads at most ``limit`` bytes in all and never blocks past its deadline.

Both sides use this module; :func:`encode` runs on either side, :func:`decode` is strict (only known
tags, bounded depth) because the grader runs it on data from a submission.
"""

from __future__ import annotations

import base64
import builtins
import datetime as _dt
import importlib
import io
import os
import re
import select
import struct
import time
from json import dumps as _json_dumps
from json import loads as _json_loads

import numpy as np

MAX_DEPTH = 64
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


class WireError(Exception):
    """A message is malformed, too large or too deep."""


class ChildGone(BaseException):
    """The child can no longer answer: ``status`` is 'timeout', 'crashed' or 'error'. A BaseException,
    so that no checker's ``except Exception`` swallows it."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Opaque:
    """A value the child could not send as data; only its type's name crosses the pipe."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object>"


_opaque_types: dict[str, type] = {}


def opaque(type_name: str) -> Opaque:
    name = type_name if _NAME.fullmatch(str(type_name)) else "object"
    if name not in _opaque_types:
        _opaque_types[name] = type(name, (Opaque,), {"__slots__": ()})
    return _opaque_types[name]()


# --------------------------------------------------------------------------- probes

PROBE_MODULE = "course_lib.grading.probes"


def is_probe(obj) -> bool:
    """Checker-made argument objects that watch how a function uses them (see ``wire_*`` methods)."""
    return hasattr(type(obj), "wire_state") and hasattr(type(obj), "from_wire")


# --------------------------------------------------------------------------- encode


def _npy(arr: np.ndarray, blobs: list) -> dict:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)  # any memory layout; ascontiguousarray would make 0-d 1-d
    blobs.append(buf.getvalue())
    return {"$": "nd", "b": len(blobs) - 1}


def _array(arr: np.ndarray, blobs: list, depth: int, strict: bool) -> dict:
    arr = np.asarray(arr).view(np.ndarray) if type(arr) is not np.ndarray else arr
    if arr.dtype.hasobject:
        flat = [encode(v, blobs, depth + 1, strict) for v in arr.ravel().tolist()]
        return {"$": "ndo", "shape": list(arr.shape), "v": flat}
    return _npy(arr, blobs)


def encode(obj, blobs: list, depth: int = 0, strict: bool = True):
    """``obj`` as a JSON-able tree (arrays appended to ``blobs``).

    ``strict`` (the grader's side) raises TypeError on an unknown type; otherwise (the child's side)
    subclasses are sent as their base type and unknown objects as an :class:`Opaque` stand-in."""
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    t = type(obj)
    if obj is None or t is bool or t is str:
        return obj
    if t is int:
        return obj if -(2**63) <= obj < 2**63 else {"$": "int", "v": str(obj)}
    if t is float:
        return obj
    if t is list:
        return [encode(v, blobs, depth + 1, strict) for v in obj]
    if t is tuple:
        return {"$": "tuple", "v": [encode(v, blobs, depth + 1, strict) for v in obj]}
    if t is dict:
        return {"$": "dict", "v": [[encode(k, blobs, depth + 1, strict), encode(v, blobs, depth + 1, strict)]
                                   for k, v in obj.items()]}
    if t is np.ndarray:
        return _array(obj, blobs, depth, strict)
    if isinstance(obj, np.generic):
        out = _array(np.asarray(obj), blobs, depth, strict)
        out["scalar"] = True
        return out
    if isinstance(obj, np.random.Generator):
        bitgen = obj.bit_generator
        return {"$": "rng", "bitgen": type(bitgen).__name__, "state": encode(bitgen.state, blobs, depth + 1)}
    if is_probe(obj):
        return {"$": "probe", "cls": f"{t.__module__}:{t.__qualname__}",
                "v": encode(obj.wire_state(), blobs, depth + 1, strict)}
    if strict and t not in _STRICT_OK and not t.__module__.startswith("pandas."):
        raise TypeError(f"cannot send a {t.__name__} to a submission")
    return _encode_other(obj, blobs, depth, strict)


def _encode_other(obj, blobs, depth, strict):
    # Built-in subclasses are sent as their base type; bool before int, datetime before date.
    if isinstance(obj, bool):
        return bool(obj)
    if isinstance(obj, int):
        return encode(int.__index__(obj), blobs, depth, strict)
    if isinstance(obj, float):
        return float.__float__(obj)
    if isinstance(obj, str):
        return str.__str__(obj)
    if isinstance(obj, complex):
        return {"$": "complex", "re": obj.real, "im": obj.imag}
    if isinstance(obj, (bytes, bytearray)):
        return {"$": "bytearray" if isinstance(obj, bytearray) else "bytes",
                "v": base64.b64encode(bytes(obj)).decode("ascii")}
    if isinstance(obj, _dt.datetime):
        return {"$": "datetime", "v": _dt.datetime.isoformat(obj)}
    if isinstance(obj, _dt.date):
        return {"$": "date", "v": _dt.date.isoformat(obj)}
    if isinstance(obj, _dt.timedelta):
        return {"$": "timedelta", "v": [obj.days, obj.seconds, obj.microseconds]}
    if isinstance(obj, tuple):
        return {"$": "tuple", "v": [encode(v, blobs, depth + 1, strict) for v in tuple.__iter__(obj)]}
    if isinstance(obj, list):
        return [encode(v, blobs, depth + 1, strict) for v in list.__iter__(obj)]
    if isinstance(obj, dict):
        return {"$": "dict", "v": [[encode(k, blobs, depth + 1, strict), encode(v, blobs, depth + 1, strict)]
                                   for k, v in dict.items(obj)]}
    if isinstance(obj, (set, frozenset)):
        tag = "frozenset" if isinstance(obj, frozenset) else "set"
        return {"$": tag, "v": [encode(v, blobs, depth + 1, strict) for v in obj]}
    if isinstance(obj, np.ndarray):
        return _array(obj, blobs, depth, strict)
    if isinstance(obj, range):
        return {"$": "range", "v": [obj.start, obj.stop, obj.step]}
    pd = _pandas()
    if pd is not None:
        if isinstance(obj, pd.DataFrame):
            cols = [_array(obj.iloc[:, i].to_numpy(), blobs, depth + 1, strict) for i in range(obj.shape[1])]
            return {"$": "df", "columns": _index(obj.columns, blobs, depth, strict),
                    "index": _index(obj.index, blobs, depth, strict), "v": cols}
        if isinstance(obj, pd.Series):
            return {"$": "series", "v": _array(obj.to_numpy(), blobs, depth + 1, strict),
                    "index": _index(obj.index, blobs, depth, strict),
                    "name": encode(obj.name, blobs, depth + 1, strict)}
        if isinstance(obj, pd.Index):
            return _index(obj, blobs, depth, strict)
        if obj is pd.NaT:
            return {"$": "nat"}
        if isinstance(obj, pd.Timestamp):
            return {"$": "timestamp", "v": obj.isoformat()}
    return {"$": "opaque", "type": type(obj).__name__[:64]}


def _index(index, blobs, depth, strict):
    pd = _pandas()
    if isinstance(index, pd.RangeIndex):
        return {"$": "rangeindex", "v": [index.start, index.stop, index.step],
                "name": encode(index.name, blobs, depth + 1, strict)}
    return {"$": "index", "v": _array(index.to_numpy(), blobs, depth + 1, strict),
            "name": encode(index.name, blobs, depth + 1, strict)}


def _pandas():
    import sys

    return sys.modules.get("pandas")


_STRICT_OK = {bytes, bytearray, complex, set, frozenset, _dt.date, _dt.datetime, _dt.timedelta, range}


# --------------------------------------------------------------------------- decode


def decode(tree, blobs: list, depth: int = 0, probes: bool = False):
    """The value ``tree`` describes, built from exact types only. ``probes`` (the child's side) allows
    checker-made probe objects."""
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if tree is None or type(tree) in (bool, int, float, str):
        return tree
    if type(tree) is list:
        return [decode(v, blobs, depth + 1, probes) for v in tree]
    if type(tree) is not dict:
        raise WireError(f"unexpected {type(tree).__name__} in a message")
    tag = tree.get("$")
    v = tree.get("v")
    try:
        if tag == "tuple":
            return tuple(decode(x, blobs, depth + 1, probes) for x in _list(v))
        if tag == "dict":
            out = {}
            for pair in _list(v):
                k, val = _list(pair)
                out[decode(k, blobs, depth + 1, probes)] = decode(val, blobs, depth + 1, probes)
            return out
        if tag == "nd":
            return _load_npy(blobs, tree.get("b"), bool(tree.get("scalar")))
        if tag == "ndo":
            shape = tuple(int(s) for s in _list(tree.get("shape")))
            items = [decode(x, blobs, depth + 1, probes) for x in _list(v)]
            arr = np.empty(len(items), dtype=object)
            arr[:] = items if items else arr
            arr = arr.reshape(shape)
            return arr[()] if tree.get("scalar") else arr
        if tag == "int":
            return int(_str(v))
        if tag == "complex":
            return complex(float(tree["re"]), float(tree["im"]))
        if tag in ("bytes", "bytearray"):
            data = base64.b64decode(_str(v), validate=True)
            return bytearray(data) if tag == "bytearray" else data
        if tag == "datetime":
            return _dt.datetime.fromisoformat(_str(v))
        if tag == "date":
            return _dt.date.fromisoformat(_str(v))
        if tag == "timedelta":
            d, s, us = (int(x) for x in _list(v))
            return _dt.timedelta(days=d, seconds=s, microseconds=us)
        if tag in ("set", "frozenset"):
            items = [decode(x, blobs, depth + 1, probes) for x in _list(v)]
            return frozenset(items) if tag == "frozenset" else set(items)
        if tag == "range":
            return range(*(int(x) for x in _list(v)))
        if tag == "opaque":
            return opaque(str(tree.get("type")))
        if tag == "rng":
            return _rng(tree, blobs, depth)
        if tag == "probe" and probes:
            module, _, name = _str(tree.get("cls")).partition(":")
            if module != PROBE_MODULE:
                raise WireError("unknown probe")
            cls = getattr(importlib.import_module(module), name)
            return cls.from_wire(decode(v, blobs, depth + 1, probes))
        if tag in ("df", "series", "index", "rangeindex", "nat", "timestamp"):
            return _decode_pandas(tag, tree, blobs, depth, probes)
    except WireError:
        raise
    except (TypeError, ValueError, KeyError, OverflowError, AttributeError, ImportError) as exc:
        raise WireError(f"malformed {tag} value ({type(exc).__name__})") from None
    raise WireError(f"unknown tag {str(tag)[:40]!r}")


def _list(v) -> list:
    if type(v) is not list:
        raise WireError("expected a list")
    return v


def _str(v) -> str:
    if type(v) is not str:
        raise WireError("expected a string")
    return v


def _load_npy(blobs, index, scalar):
    if type(index) is not int or not 0 <= index < len(blobs):
        raise WireError("bad array reference")
    arr = np.load(io.BytesIO(blobs[index]), allow_pickle=False)
    if type(arr) is not np.ndarray or arr.dtype.hasobject:
        raise WireError("bad array")
    return arr[()] if scalar else arr


def _rng(tree, blobs, depth):
    name = _str(tree.get("bitgen"))
    if name not in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"):
        raise WireError("unknown bit generator")
    bitgen = getattr(np.random, name)()
    bitgen.state = decode(tree.get("state"), blobs, depth + 1)
    return np.random.Generator(bitgen)


def _decode_pandas(tag, tree, blobs, depth, probes):
    import pandas as pd

    if tag == "nat":
        return pd.NaT
    if tag == "timestamp":
        return pd.Timestamp(_str(tree.get("v")))
    if tag == "rangeindex":
        start, stop, step = (int(x) for x in _list(tree.get("v")))
        return pd.RangeIndex(start, stop, step, name=decode(tree.get("name"), blobs, depth + 1))
    if tag == "index":
        values = decode(tree.get("v"), blobs, depth + 1, probes)
        if type(values) is not np.ndarray:
            raise WireError("bad index")
        return pd.Index(values, name=decode(tree.get("name"), blobs, depth + 1), tupleize_cols=False)
    if tag == "series":
        values = decode(tree.get("v"), blobs, depth + 1, probes)
        index = decode(tree.get("index"), blobs, depth + 1, probes)
        if type(values) is not np.ndarray or not isinstance(index, pd.Index) or len(index) != len(values):
            raise WireError("bad series")
        return pd.Series(values, index=index, name=decode(tree.get("name"), blobs, depth + 1), copy=False)
    columns = decode(tree.get("columns"), blobs, depth + 1, probes)
    index = decode(tree.get("index"), blobs, depth + 1, probes)
    data = [decode(c, blobs, depth + 1, probes) for c in _list(tree.get("v"))]
    if not isinstance(columns, pd.Index) or not isinstance(index, pd.Index) or len(columns) != len(data) \
            or any(type(c) is not np.ndarray or c.shape != (len(index),) for c in data):
        raise WireError("bad table")
    df = pd.DataFrame({i: c for i, c in enumerate(data)}, index=index)
    df.columns = columns
    return df


# --------------------------------------------------------------------------- messages


def pack(header: dict, blobs: list) -> bytes:
    head = _json_dumps(header, separators=(",", ":")).encode("utf-8")
    parts = [struct.pack("<I", len(head)), head, struct.pack("<I", len(blobs))]
    for b in blobs:
        parts += [struct.pack("<Q", len(b)), b]
    return b"".join(parts)


def unpack(data: bytes) -> tuple[dict, list]:
    """``(header, blobs)`` of one whole message held in ``data``."""
    view = memoryview(data)
    try:
        (n,) = struct.unpack_from("<I", view, 0)
        header = _json_loads(bytes(view[4:4 + n]).decode("utf-8"))
        pos = 4 + n
        (count,) = struct.unpack_from("<I", view, pos)
        pos += 4
        blobs = []
        for _ in range(count):
            (size,) = struct.unpack_from("<Q", view, pos)
            pos += 8
            if pos + size > len(view):
                raise WireError("truncated message")
            blobs.append(bytes(view[pos:pos + size]))
            pos += size
    except (struct.error, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise WireError(f"unreadable message ({type(exc).__name__})") from None
    if pos != len(view) or type(header) is not dict:
        raise WireError("malformed message")
    return header, blobs


def send(fd: int, data: bytes, deadline: float | None = None) -> None:
    """Write one framed message (``u64 length`` then the bytes) to ``fd``; with a ``deadline``, the
    pipe is written without blocking, so a reader that stops reading cannot hold the writer."""
    data = struct.pack("<Q", len(data)) + data
    view = memoryview(data)
    if deadline is not None:
        os.set_blocking(fd, False)
    while view:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout()
            _, ready, _ = select.select([], [fd], [], left)
            if not ready:
                raise Timeout()
        try:
            n = os.write(fd, view[: 1 << 16])
        except BlockingIOError:
            continue
        view = view[n:]


class Timeout(Exception):
    """The deadline passed before a whole message arrived."""


class Closed(Exception):
    """The other side closed the pipe."""


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout()
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise Timeout()
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise Closed()
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def receive(fd: int, limit: int, deadline: float | None = None) -> bytes:
    """One framed message from ``fd``; raises WireError past ``limit`` bytes, Timeout past ``deadline``
    (a monotonic time that no amount of arriving data moves), Closed at end of file."""
    (size,) = struct.unpack("<Q", _read_exact(fd, 8, deadline))
    if size > limit:
        raise WireError(f"a message of {size} bytes is over the limit of {limit} bytes")
    return _read_exact(fd, size, deadline)


# --------------------------------------------------------------------------- exceptions

_BUILTIN_EXC = {name: cls for name, cls in vars(builtins).items()
                if isinstance(cls, type) and issubclass(cls, BaseException)}


def describe_exception(exc: BaseException, line: int | None) -> dict:
    """What the grader needs to rebuild ``exc``: its type's name, its built-in bases, its text."""
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001 - a submission's __str__ may raise anything
        text = "<unprintable>"
    bases = [c.__name__ for c in type(exc).__mro__ if _BUILTIN_EXC.get(c.__name__) is c]
    info = {"type": type(exc).__name__[:64], "bases": bases[:8], "message": text[:2000], "line": line}
    if isinstance(exc, SystemExit):
        code = exc.code
        info["code"] = code if code is None or type(code) in (int, str) else repr(code)[:200]
    return info


_rebuilt: dict[tuple, type] = {}


def rebuild_exception(info) -> BaseException:
    """An exception of a fresh class named like the child's, deriving from the same built-in
    exception classes, whose ``str()`` is the child's text. Never a class the child defined."""
    if type(info) is not dict:
        raise WireError("malformed exception")
    name = info.get("type")
    name = name if type(name) is str and _NAME.fullmatch(name) else "Exception"
    bases = [b for b in info.get("bases", []) if type(b) is str and b in _BUILTIN_EXC] or ["Exception"]
    message = info.get("message")
    message = message[:2000] if type(message) is str else ""
    line = info.get("line")
    for base in bases:
        key = (name, base)
        if key not in _rebuilt:
            _rebuilt[key] = type(name, (_BUILTIN_EXC[base],), {
                "__str__": lambda self: self.wire_message, "__module__": "submission",
                "__init__": lambda self, *a: None})
        cls = _rebuilt[key]
        try:
            exc = cls.__new__(cls)
            exc.wire_message = message
            exc.wire_line = line if type(line) is int else None
            if issubclass(cls, SystemExit):
                exc.code = info.get("code")
            return exc
        except (TypeError, AttributeError):
            continue
    exc = Exception(message)
    return exc

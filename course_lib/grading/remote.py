"""The grader's side of a submission's functions: callables that run them in the child.

A :class:`RemoteFunction` stands in for the learner's function inside the unchanged checkers: calling
it sends the arguments to the child (:mod:`course_lib.grading.child`), waits — never past the task's
and the submission's deadlines — and rebuilds the answer from plain data. Exceptions come back as
fresh classes with the same name and built-in bases; an argument the call modified is modified here
too, and a random generator's state advances as it did there, so every checker keeps its meaning.

When the child dies, sends something unreadable or too large, or a deadline passes,
:class:`ChildGone` (a BaseException, so that no checker's ``except Exception`` can swallow it) ends
the task; the grader kills the child and starts a new one for the tasks that are left.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from . import wire
from .sandbox import Child, Limits, start
from .wire import ChildGone

__all__ = ["ChildGone", "Deadline", "RemoteFunction", "Session"]


@dataclass
class Deadline:
    """A monotonic time limit; nothing that arrives from the child moves it."""

    at: float
    what: str

    @staticmethod
    def after(seconds: float, what: str) -> Deadline:
        return Deadline(time.monotonic() + seconds, what)


class Session:
    """One child process holding one submission, and the deadlines it runs under."""

    def __init__(self, source: bytes, filename: str, *, limits: Limits, uid: int | None,
                 max_message_mb: int = 64, hide=()):
        self.child: Child
        self.child, self.path = start(source, filename, limits=limits, uid=uid, hide=list(hide))
        self.limit = max_message_mb * 1024 * 1024
        self.deadlines: list[Deadline] = []
        self.budget = 512 * 1024 * 1024  # bytes it may still send; the grader resets it per task

    def close(self) -> None:
        self.child.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(self, header: dict, blobs: list) -> tuple[dict, list]:
        """Send one request and read its answer, within the earliest deadline."""
        if self.child.closed:
            raise ChildGone("crashed", "the process had already ended")
        deadline = min(self.deadlines, key=lambda d: d.at) if self.deadlines else None
        try:
            wire.send(self.child.to_child, wire.pack(header, blobs), deadline.at if deadline else None)
            data = wire.receive(self.child.from_child, min(self.limit, self.budget),
                                deadline.at if deadline else None)
            self.budget -= len(data)
            answer, out = wire.unpack(data)
        except wire.Timeout:
            self.close()
            raise ChildGone("timeout", deadline.what) from None
        except (wire.Closed, BrokenPipeError, ConnectionError, OSError):
            try:  # it is ending on its own: let it say with which code
                code = self.child.proc.wait(timeout=1.0)
            except Exception:  # noqa: BLE001
                code = None
            self.close()
            code = self.child.proc.returncode if code is None else code
            raise ChildGone("crashed", f"the process exited with code {code}") from None
        except wire.WireError as exc:
            self.close()
            raise ChildGone("error", f"the process sent data the grader cannot read: {exc}") from None
        if "error" in answer:
            self.close()
            raise ChildGone("error", f"the process could not serve the request: {str(answer['error'])[:200]}")
        return answer, out

    def load(self, functions: list[str]) -> dict:
        """Import the file in the child; ``{"functions": {name: callable?}}`` or ``{"import_error": ...}``."""
        from .sandbox import REPO_ROOT

        answer, _ = self.request({"op": "load", "path": self.path, "functions": functions,
                                  "watch": str(REPO_ROOT / "solutions")}, [])
        if "import_error" in answer:
            return {"import_error": str(answer["import_error"])[:2000]}
        found = answer.get("functions")
        if type(found) is not dict:
            raise ChildGone("error", "the process answered the import with something unreadable")
        return {"functions": {str(k): v is True for k, v in found.items() if k in functions},
                "touched_solutions": answer.get("touched_solutions") is True}

    def function(self, name: str) -> RemoteFunction:
        return RemoteFunction(self, name)


def _key_of(key: str):
    return key[2:] if key.startswith("k:") else int(key)


class RemoteFunction:
    """Calls ``name`` in the child; to a checker it looks like the learner's function."""

    def __init__(self, session: Session, name: str):
        self.session = session
        self.__name__ = name

    def __repr__(self) -> str:
        return f"<function {self.__name__} of the submission>"

    def __call__(self, *args, **kwargs):
        return next(iter(self.repeat(args, 1, kwargs=kwargs)))

    def repeat(self, args: tuple, times: int, *, copy=(), kwargs=None, chunk: int = 500):
        """``times`` calls on ``args`` (those at positions ``copy`` copied afresh for each call),
        batched into few requests; yields each output, raises where the child's call raised."""
        kwargs = dict(kwargs or {})
        sent = 0
        first = True
        while sent < times:
            n = min(times - sent, 8 if first else chunk)  # a small first batch fails fast
            first = False
            results, exc = self._request(args, kwargs, n, copy)
            yield from results
            if exc is not None:
                raise exc
            sent += n

    def _request(self, args, kwargs, times, copy):
        blobs: list = []
        header = {"op": "call", "fn": self.__name__, "times": times, "copy": sorted(copy),
                  "args": wire.encode(list(args), blobs), "kwargs": wire.encode(kwargs, blobs)}
        answer, out = self.session.request(header, blobs)
        try:
            results = answer.get("results")
            if type(results) is not list or len(results) > times:
                raise wire.WireError("bad results")
            values = [wire.decode(r, out) for r in results]
            for key, tree in _dict(answer.get("after")).items():
                # Only an argument the calls shared can come back changed: the grader keeps its
                # copied ones (and may still use them for its reference) as they were.
                original = _argument(key, args, kwargs, copy)
                _absorb(original, wire.decode(tree, out))
            for key, tree in _dict(answer.get("reports")).items():
                original = _argument(key, args, kwargs, copy)
                if wire.is_probe(original):
                    original.wire_absorb(wire.decode(tree, out))
            exc = answer.get("exc")
            exc = wire.rebuild_exception(exc) if exc is not None else None
            if exc is None and len(values) != times:
                raise wire.WireError("missing results")
        except (wire.WireError, KeyError, IndexError, ValueError, TypeError, AttributeError,
                RecursionError) as e:
            self.session.close()
            raise ChildGone("error", f"the process sent an answer the grader cannot read "
                            f"({type(e).__name__})") from None
        return values, exc


def _argument(key, args, kwargs, copy):
    """The argument an answer's ``key`` names ('0', '1', ... or 'k:name'), never a copied one."""
    k = _key_of(str(key))
    if isinstance(k, int):
        if not 0 <= k < len(args) or k in copy:
            raise wire.WireError("an answer names an argument it cannot change")
        return args[k]
    return kwargs[k]


def _dict(v) -> dict:
    if v is None:
        return {}
    if type(v) is not dict:
        raise wire.WireError("expected a mapping")
    return v


def _absorb(original, new) -> None:
    """Make ``original`` (the grader's argument) look as the child's call left it."""
    if isinstance(original, np.random.Generator):
        if isinstance(new, np.random.Generator) and \
                type(new.bit_generator) is type(original.bit_generator):
            original.bit_generator.state = new.bit_generator.state
        return
    if isinstance(original, np.ndarray):
        if isinstance(new, np.ndarray) and new.size == original.size:
            if new.shape != original.shape:
                original.shape = new.shape
            writeable = original.flags.writeable
            original.flags.writeable = True
            np.copyto(original, new, casting="unsafe")
            original.flags.writeable = writeable
        return
    if isinstance(original, list) and isinstance(new, list):
        original[:] = new
    elif isinstance(original, dict) and isinstance(new, dict):
        original.clear()
        original.update(new)
    elif isinstance(original, set) and isinstance(new, set):
        original.clear()
        original.update(new)
    elif isinstance(original, bytearray) and isinstance(new, bytearray | bytes):
        original[:] = new
    elif type(original).__module__.startswith("pandas") and type(new) is type(original):
        original._update_inplace(new)


class _Loopback:
    """A stand-in for :class:`Session` that serves calls in this process, through the same encoding:
    the tests use it to show that the grader's verdicts equal the in-process ones."""

    def __init__(self, fn):
        self.fn = fn
        self.path = getattr(getattr(fn, "__code__", None), "co_filename", None)

    def request(self, header: dict, blobs: list) -> tuple[dict, list]:
        from .child import serve_call

        header, blobs = wire.unpack(wire.pack(header, blobs))
        answer, out = serve_call({header["fn"]: self.fn}, self.path, header, blobs)
        return wire.unpack(wire.pack(answer, out))

    def close(self) -> None:
        pass


def loopback(fn) -> RemoteFunction:
    """``fn`` behind the grader's data path, served in this process (for tests)."""
    return RemoteFunction(_Loopback(fn), getattr(fn, "__name__", "fn"))

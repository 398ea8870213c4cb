"""The untrusted side of grading: load one submission and call its functions on request.

Started by :mod:`course_lib.grading.remote` as ``python -I -B child.py`` (isolated mode: no user site,
no ``PYTHON*`` variables, not even this file's folder on ``sys.path``) inside the sandbox that
:mod:`course_lib.grading.sandbox` builds. It reads requests on the file descriptor named by its
first argument and answers on the second; its own standard output and error go nowhere.

It decides nothing: it loads the file, calls the function a request names on the arguments the
request carries, and sends back what came out as plain data (:mod:`course_lib.grading.wire`): the
return values, the exception raised, the arguments again if the call changed them, and the state of
any random generator it was given. The grader rebuilds every value and judges it. Whatever the
submission does to this process (patching ``json``, ``numpy`` or this module) can only change the data
it sends, which is its answer.
"""

from __future__ import annotations

import copy
import io
import os
import sys


class _Discard(io.TextIOBase):
    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        return len(s)


def _mutable(value) -> bool:
    import numpy as np

    from .wire import is_probe

    if isinstance(value, (list, dict, set, bytearray, np.ndarray)) or is_probe(value):
        return True
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(value, (pd.DataFrame, pd.Series))


def _encoded(value) -> bytes:
    from .wire import encode, pack

    blobs: list = []
    return pack({"v": encode(value, blobs, strict=False)}, blobs)


def serve_call(namespace: dict, path, header: dict, blobs: list) -> tuple[dict, list]:
    """Run one ``call`` request against the functions in ``namespace``; the answer as plain data.

    Used by the child process, and in-process by the tests that compare the two paths."""
    import numpy as np

    from .wire import decode, describe_exception, encode, is_probe

    fn = namespace[header["fn"]]
    args = decode(header["args"], blobs, probes=True)
    kwargs = decode(header["kwargs"], blobs, probes=True)
    times = int(header.get("times", 1))
    fresh = set(header.get("copy", []))
    keys = [(i, a) for i, a in enumerate(args) if i not in fresh] + \
        [(f"k:{k}", v) for k, v in kwargs.items()]
    before = {key: _encoded(v) for key, v in keys
              if _mutable(v) and not is_probe(v) and not isinstance(v, np.random.Generator)}
    out_blobs: list = []
    results, exc = [], None
    for _ in range(times):
        call_args = [copy.deepcopy(a) if i in fresh else a for i, a in enumerate(args)]
        try:
            out = fn(*call_args, **kwargs)
        except BaseException as e:  # noqa: BLE001 - every outcome is an answer
            exc = describe_exception(e, _line(e, path))
            break
        try:
            results.append(encode(out, out_blobs, strict=False))
        except BaseException as e:  # noqa: BLE001
            exc = describe_exception(TypeError(
                f"returned a value that cannot be sent to the grader ({type(e).__name__})"), None)
            exc["type"] = "UnreadableResult"
            break
    after, reports = {}, {}
    for key, value in keys:
        try:
            if is_probe(value):
                reports[str(key)] = encode(value.wire_report(), out_blobs)
            elif isinstance(value, np.random.Generator):
                after[str(key)] = encode(value, out_blobs)
            elif key in before and _encoded(value) != before[key]:
                after[str(key)] = encode(value, out_blobs, strict=False)
        except BaseException:  # noqa: BLE001 - an argument the call made unreadable stays as it was
            continue
    return {"results": results, "exc": exc, "after": after, "reports": reports}, out_blobs


def _line(exc: BaseException, path) -> int | None:
    """The innermost line of the traceback that lies in the submission file."""
    import traceback
    from pathlib import Path

    if path is None:
        return None
    line = None
    try:
        for frame in traceback.extract_tb(exc.__traceback__):
            if Path(frame.filename).resolve() == Path(path).resolve():
                line = frame.lineno
    except Exception:  # noqa: BLE001
        return None
    return line


def _watch(folder, touched: list) -> None:
    """Note any attempt to open a file under ``folder`` (the course's solutions) or import it."""
    if not isinstance(folder, str) or not folder:
        return
    prefix = os.path.realpath(folder) + os.sep

    def hook(event, args):
        if touched:
            return
        if event == "open" and args and isinstance(args[0], str | bytes):
            name = os.fsdecode(args[0])
            if os.path.realpath(name).startswith(prefix) or os.path.realpath(name) + os.sep == prefix:
                touched.append(name)
        elif event == "import" and args and str(args[0]).split(".")[0] == "solutions":
            touched.append(str(args[0]))

    sys.addaudithook(hook)


def main(requests: int, answers: int) -> int:
    from pathlib import Path

    from .loader import SubmissionError, load_submission
    from .wire import Closed, pack, receive, send, unpack

    sys.stdout = _Discard()
    sys.stderr = _Discard()
    namespace: dict = {}
    path = None
    touched: list = []
    while True:
        try:
            header, blobs = unpack(receive(requests, 1 << 31))
        except Closed:
            return 0
        op = header.get("op")
        try:
            if op == "load":
                path = Path(header["path"])
                _watch(header.get("watch"), touched)
                try:
                    module = load_submission(path)
                except SubmissionError as exc:
                    answer, out = {"import_error": str(exc)}, []
                else:
                    namespace = {}
                    found = {}
                    for name in header["functions"]:
                        if hasattr(module, name):
                            namespace[name] = getattr(module, name)
                            found[name] = callable(namespace[name])
                    answer, out = {"functions": found, "touched_solutions": bool(touched)}, []
            elif op == "call":
                answer, out = serve_call(namespace, path, header, blobs)
            else:
                answer, out = {"error": f"unknown request {op!r}"}, []
        except BaseException as exc:  # noqa: BLE001 - a broken request is reported, not fatal
            answer, out = {"error": f"{type(exc).__name__}: {exc}"[:500]}, []
        try:
            message = pack(answer, out)
        except BaseException as exc:  # noqa: BLE001
            message = pack({"error": f"could not pack the answer ({type(exc).__name__})"}, [])
        send(answers, message)


if __name__ == "__main__":
    # Started as a file in isolated mode: the package is imported from the installed course_lib.
    from course_lib.grading.child import main as _main

    code = _main(int(sys.argv[1]), int(sys.argv[2]))
    os._exit(code)

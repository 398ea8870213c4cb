"""Start the process that runs a submission, as isolated as this machine allows, and end it entirely.

Layers, each used when available (:func:`describe` says which are):

- **bubblewrap** (``bwrap``): a read-only view of the file system in which the course folder shows only
  ``course_lib/`` without the checkers, and the virtual environment (no ``solutions/``, ``tests/``,
  no other learner's file, no gradebook), an empty private ``/tmp``, a size-limited writable working
  folder, no network, its own process-ID namespace (when its first process dies, all die) and its own
  session.
- **a user id of its own** (when the grader runs as root): each child runs under a numeric uid that no
  other process uses, leased with a lock so that two grading runs never share one. It cannot write
  files it does not own, cannot signal the grader or another learner's process, is bound by a process
  limit that really applies (``RLIMIT_NPROC`` is not enforced for root), and every process it leaves
  behind — even one that called ``setsid`` — is found and killed by that uid. Without bubblewrap it
  also gets an empty network namespace.
- **always**: a new session, a clean environment carrying a unique marker, ``python -I``, resource
  limits (CPU time, address space, processes, file size, open files, no core files), and after every
  submission the whole session, the uid and every process carrying the marker are killed.

Without bubblewrap and without root (a normal account) the child can read and write whatever that
account can, and can reach the network; see the README's instructor section.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # .../course_lib
REPO_ROOT = PACKAGE_ROOT.parent
CHILD = Path(__file__).resolve().with_name("child.py")
UID_BASE = 1_610_000  # children run as uid UID_BASE + slot: far above any real account
UID_SLOTS = 256
LOCK_DIR = Path(tempfile.gettempdir()) / "course-grader-uids"
MARKER = "COURSE_GRADER_RUN"


@dataclass
class Limits:
    """Resource limits of one child process."""

    memory_mb: int = 4096
    cpu_seconds: int = 120
    processes: int = 32
    file_mb: int = 64
    open_files: int = 256
    scratch_mb: int = 64

    def __post_init__(self):
        for name in ("cpu_seconds", "processes", "file_mb", "open_files", "scratch_mb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if isinstance(self.memory_mb, bool) or not isinstance(self.memory_mb, int) or self.memory_mb < 0:
            raise ValueError(f"memory_mb must be an int >= 0 (0: no limit), got {self.memory_mb!r}")


@cache
def bwrap_path() -> str | None:
    """``bwrap`` when it is installed and works here (some containers forbid namespaces)."""
    if os.environ.get("COURSE_GRADER_NO_BWRAP") or sys.platform != "linux":
        return None
    path = shutil.which("bwrap")
    if not path:
        return None
    try:
        ok = subprocess.run([path, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, timeout=20, preexec_fn=_drop_probe)
    except (OSError, subprocess.SubprocessError):
        return None
    return path if ok.returncode == 0 else None


def _drop_probe():
    if can_switch_uid():
        os.setgroups([])
        os.setgid(UID_BASE + UID_SLOTS)
        os.setuid(UID_BASE + UID_SLOTS)


def can_switch_uid() -> bool:
    """Whether children can run under their own uid: the grader runs as root on Linux, and this
    Python and its packages can be run by another user."""
    return sys.platform == "linux" and os.geteuid() == 0 and not os.environ.get("COURSE_GRADER_NO_UID") \
        and _python_runs_as_another_user()


@cache
def _python_runs_as_another_user() -> bool:
    def drop():
        os.setgroups([])
        os.setgid(UID_BASE + UID_SLOTS)
        os.setuid(UID_BASE + UID_SLOTS)

    try:
        ok = subprocess.run([sys.executable, "-I", "-B", "-c", "import numpy, course_lib.grading.child"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd="/", env={"PATH": "/usr/bin:/bin"}, timeout=60, preexec_fn=drop)
    except (OSError, subprocess.SubprocessError):
        return False
    return ok.returncode == 0


def describe() -> list[str]:
    """The protections in force on this machine, one line each."""
    lines = ["own session, clean environment, python -I, resource limits, everything killed after "
             "each submission"]
    if can_switch_uid():
        lines.append("own user id per child (running as root)")
    elif os.geteuid() == 0:
        lines.append("NO own user id: other users cannot run this Python or its packages (make them "
                     "readable to all); the child runs as root")
    else:
        lines.append("NO own user id: the child runs as this account (run as root to add one)")
    lines.append("bubblewrap: read-only file system view, no network, own process namespace"
                 if bwrap_path() else "NO bubblewrap: the file system is only protected by file "
                 "permissions, the network is reachable (apt-get install bubblewrap)")
    return lines


# --------------------------------------------------------------------------- uid leases


@contextlib.contextmanager
def uid_lease():
    """A uid no other grading run is using, or None when uids cannot be switched."""
    if not can_switch_uid():
        yield None
        return
    import fcntl

    LOCK_DIR.mkdir(mode=0o700, exist_ok=True)
    os.chmod(LOCK_DIR, 0o700)
    start = secrets.randbelow(UID_SLOTS)
    for k in range(UID_SLOTS):
        slot = (start + k) % UID_SLOTS
        fd = os.open(LOCK_DIR / f"slot-{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        uid = UID_BASE + slot
        try:
            kill_uid(uid)  # anything a crashed earlier run left under this uid
            yield uid
        finally:
            kill_uid(uid)
            os.close(fd)  # releases the lock
        return
    raise RuntimeError(f"all {UID_SLOTS} grading uids are in use")


# --------------------------------------------------------------------------- finding processes


def _proc_status(pid: str) -> dict[str, str]:
    out = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                out[key] = value.strip()
    except OSError:
        return {}
    return out


def _proc_entries() -> list[str]:
    """Process ids listed in /proc (none where there is no /proc, e.g. macOS)."""
    try:
        return [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return []


def pids_of_uid(uid: int) -> list[int]:
    """Live (not zombie) processes whose real or effective uid is ``uid``."""
    found = []
    for entry in _proc_entries():
        st = _proc_status(entry)
        uids = st.get("Uid", "").split()
        if str(uid) in uids[:2] and not st.get("State", "").startswith(("Z", "X")):
            found.append(int(entry))
    return found


def pids_with_marker(marker: str) -> list[int]:
    """Processes whose initial environment carries ``MARKER=marker`` (those this account can read)."""
    needle = f"{MARKER}={marker}".encode()
    found = []
    for entry in _proc_entries():
        if int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                env = fh.read(1 << 20)
        except OSError:
            continue
        if needle in env.split(b"\0") and not _proc_status(entry).get("State", "").startswith(("Z", "X")):
            found.append(int(entry))
    return found


def kill_uid(uid: int, rounds: int = 200) -> None:
    """Kill every process of ``uid``: ``kill(-1)`` from a helper running as that uid reaches all of
    them at once, however many sessions they started; repeat until none is left."""
    for _ in range(rounds):
        if not pids_of_uid(uid):
            return
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the helper
            try:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        for p in pids_of_uid(uid):  # in case one is stopped or raced the helper
            with contextlib.suppress(OSError):
                os.kill(p, signal.SIGKILL)
        time.sleep(0.005)


# --------------------------------------------------------------------------- the child


@dataclass
class Child:
    """A running child: the process, its pipes and how to end it."""

    proc: subprocess.Popen
    to_child: int
    from_child: int
    uid: int | None
    marker: str
    workdir: Path
    closed: bool = field(default=False)

    def close(self) -> None:
        """Kill the child and everything it started; remove its folder. Safe to call twice."""
        if self.closed:
            return
        self.closed = True
        for fd in (self.to_child, self.from_child):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.proc.kill()
        if self.uid is not None:
            kill_uid(self.uid)
        for _ in range(50):
            left = pids_with_marker(self.marker)
            if not left:
                break
            for p in left:
                with contextlib.suppress(OSError):
                    os.kill(p, signal.SIGKILL)
            time.sleep(0.005)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        shutil.rmtree(self.workdir, ignore_errors=True)


def _libc_function(name: str):
    """A C library function, looked up now: after fork, only calls to it are safe, not dlopen."""
    if sys.platform != "linux":
        return None
    try:
        return getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError):
        return None


_UNSHARE = _libc_function("unshare")
_PRCTL = _libc_function("prctl")


def _libc_unshare_net() -> None:
    if _UNSHARE is not None:
        _UNSHARE(0x40000000)  # CLONE_NEWNET: an empty network namespace (needs root)


def _die_with_parent() -> None:
    """Ask Linux to kill this process when the grader that started it dies (PR_SET_PDEATHSIG), and
    never to grant it more privileges, not even through a set-user-id program (PR_SET_NO_NEW_PRIVS)."""
    if _PRCTL is not None:
        _PRCTL(1, int(signal.SIGKILL), 0, 0, 0)
        _PRCTL(38, 1, 0, 0, 0)


def _preexec(limits: Limits, uid: int | None, use_bwrap: bool):
    def apply():  # in the child between fork and exec
        import resource

        def cap(which, value):
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(which, (value, value))

        if uid is not None:
            if not use_bwrap:
                _libc_unshare_net()
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        _die_with_parent()  # after setuid, which clears it
        cap(resource.RLIMIT_CORE, 0)
        if limits.memory_mb:
            cap(resource.RLIMIT_AS, limits.memory_mb * 1024 * 1024)
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
        cap(resource.RLIMIT_FSIZE, limits.file_mb * 1024 * 1024)
        cap(resource.RLIMIT_NOFILE, limits.open_files)
        if uid is not None:  # for root the kernel does not enforce it
            cap(resource.RLIMIT_NPROC, limits.processes)

    return apply


def _reachable(path: Path, uid: int | None) -> bool:
    """Whether ``uid`` may look up ``path`` (search permission on every folder above it)."""
    if uid is None:
        return True
    for parent in path.parents:
        st = parent.stat()
        bit = 0o100 if st.st_uid == uid else 0o001
        if not st.st_mode & bit:
            return False
    return True


def _mask_args(hide: list[Path], uid: int | None) -> list[str]:
    """Cover each folder with an empty one; a folder the child's uid cannot even reach needs no
    cover (and bubblewrap, running as that uid, could not mount there)."""
    out = []
    for p in hide:
        p = Path(p).resolve()
        if p.is_dir() and p != Path("/") and _reachable(p, uid):
            out += ["--tmpfs", str(p)]
    return out


def start(source: bytes, filename: str, *, limits: Limits, uid: int | None,
          hide: list[Path] = ()) -> tuple[Child, str]:
    """Start a child holding a private copy of ``source``; return it and the path it sees the file at."""
    workdir = Path(tempfile.mkdtemp(prefix="course-grade-"))
    subdir, scratch = workdir / "submission", workdir / "work"
    subdir.mkdir()
    scratch.mkdir()
    (subdir / filename).write_bytes(source)
    if uid is not None:  # only that uid (and the grader) can see this child's copy
        for p in (workdir, subdir, scratch, subdir / filename):
            os.chown(p, uid, uid)
        for p in (workdir, subdir, scratch):
            os.chmod(p, 0o700)
        os.chmod(subdir / filename, 0o400)
    marker = secrets.token_hex(12)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MPLBACKEND": "Agg", "COURSE_FAST": "1", MARKER: marker}
    bwrap = bwrap_path()
    req_r, req_w = os.pipe()
    ans_r, ans_w = os.pipe()
    python = [sys.executable, "-I", "-B", str(CHILD), str(req_r), str(ans_w)]
    if bwrap:
        seen_file, cwd = f"/tmp/submission/{filename}", "/tmp/work"
        env["HOME"] = cwd
        keep = list(dict.fromkeys(Path(p).resolve() for p in (
            PACKAGE_ROOT, sys.prefix, sys.base_prefix, sys.exec_prefix,
            Path(sys.executable).resolve().parent)))
        cmd = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        masked = [REPO_ROOT, *hide, Path("/root"), Path("/home"), Path("/run"), Path("/var/tmp"),
                  Path("/tmp")]
        cmd += _mask_args(masked, uid)
        for p in keep:  # bring back what the child needs, read-only, wherever a cover hid it
            if p.is_dir() and _reachable(p, uid) and any(p.is_relative_to(Path(m).resolve()) for m in masked):
                cmd += ["--ro-bind", str(p), str(p)]
        cmd += ["--tmpfs", str(PACKAGE_ROOT / "grading" / "checks")]  # the references stay hidden
        cmd += ["--ro-bind", str(subdir), "/tmp/submission",
                "--size", str(limits.scratch_mb * 1024 * 1024), "--tmpfs", cwd, "--chdir", cwd,
                "--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]
        for k, v in env.items():
            cmd += ["--setenv", k, v]
        cmd += python
        popen_env, popen_cwd = {}, "/"
    else:
        seen_file, cwd = str(subdir / filename), str(scratch)
        env["HOME"] = cwd
        cmd, popen_env, popen_cwd = python, env, cwd
    try:
        proc = subprocess.Popen(
            cmd, cwd=popen_cwd, env=popen_env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True,
            pass_fds=(req_r, ans_w), preexec_fn=_preexec(limits, uid, bool(bwrap)),
        )
    except BaseException:
        for fd in (req_r, req_w, ans_r, ans_w):
            os.close(fd)
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    os.close(req_r)
    os.close(ans_w)
    return Child(proc, req_w, ans_r, uid, marker, workdir), seen_file

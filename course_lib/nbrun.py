"""Execute course notebooks top to bottom, as the test suite and the full-mode build do.

``execute(path, fast=True, seed=0, time_limit=60)`` runs one notebook with papermill in a fresh
``python3`` kernel, setting ``FAST`` and ``SEED`` in its ``parameters`` cell. The whole notebook,
kernel start included, must finish within ``time_limit`` seconds; a failure raises
:class:`NotebookError` naming the notebook, the cell (as numbered in the stored notebook) and the
error. ``python -m course_lib.nbrun --full`` (``python3 course.py full``) executes every notebook in
full mode into ``build/`` with outputs and a metrics file each, for instructors.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO_ROOT / "notebooks"


class NotebookError(AssertionError):
    """A notebook failed: which one, which cell, what went wrong."""


@dataclass
class NotebookRun:
    path: Path
    seconds: float
    output: Path | None
    metrics: dict


def notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The course notebooks, in syllabus order."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def hardware() -> str:
    """A one-line description of the machine, for metrics and benchmark reports."""
    try:
        import torch

        torch_part = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
        if torch.cuda.is_available():
            torch_part += f", {torch.cuda.get_device_name(0)}"
    except ImportError:  # pragma: no cover
        torch_part = "no torch"
    return (f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cpus, "
            f"Python {platform.python_version()}, {torch_part}").replace("  ", " ")


def _stored_cell_number(executed: Path, cell_index: int) -> int:
    """Map papermill's cell index (which counts its injected cell) to the stored notebook's 1-based
    cell number."""
    try:
        cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return cell_index + 1
    injected = [i for i, c in enumerate(cells)
                if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
    shift = 1 if injected and injected[0] < cell_index else 0
    return cell_index - shift + 1


def execute(
    path: str | Path,
    *,
    fast: bool = True,
    seed: int = 0,
    time_limit: float = 60.0,
    output: str | Path | None = None,
    metrics_file: str | Path | None = None,
) -> NotebookRun:
    """Run one notebook; raise NotebookError on an error or when ``time_limit`` is exceeded."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    path = Path(path).resolve()
    if not path.is_file():
        raise ValueError(f"path: no notebook at {path}")
    if not time_limit > 0:
        raise ValueError(f"time_limit must be > 0 seconds, got {time_limit}")
    start = time.monotonic()
    deadline = start + time_limit

    def remaining(cell) -> float:  # nbclient treats 0 or None as "no limit": never return those
        return max(deadline - time.monotonic(), 0.01)

    tmp = None
    if output is None:
        tmp = tempfile.TemporaryDirectory(prefix="course-nb-")
        out_path = Path(tmp.name) / path.name
    else:
        out_path = Path(output)
        out_path.parent.mkdir(parents=True, exist_ok=True)
    saved_env = os.environ.get("COURSE_METRICS_FILE")
    metrics_path = Path(metrics_file) if metrics_file else out_path.with_suffix(".metrics.json")
    metrics_path.unlink(missing_ok=True)
    os.environ["COURSE_METRICS_FILE"] = str(metrics_path)
    try:
        pm.execute_notebook(
            str(path), str(out_path), parameters={"FAST": bool(fast), "SEED": int(seed)},
            kernel_name="python3", cwd=str(path.parent), progress_bar=False,
            start_timeout=min(60, time_limit), timeout_func=remaining,
        )
    except PapermillExecutionError as exc:
        number = _stored_cell_number(out_path, exc.cell_index)
        source = "\n".join("    " + line for line in exc.source.splitlines()[:12])
        raise NotebookError(
            f"{path.name}, cell {number}: {exc.ename}: {exc.evalue}\n  cell source:\n{source}"
        ) from None
    except Exception as exc:  # timeouts and kernel deaths surface as other exceptions
        elapsed = time.monotonic() - start
        if elapsed >= time_limit:
            raise NotebookError(
                f"{path.name}: exceeded its time limit of {time_limit:g} s "
                f"({type(exc).__name__}: {exc})".strip()
            ) from None
        raise NotebookError(f"{path.name}: {type(exc).__name__}: {exc}") from None
    finally:
        if saved_env is None:
            os.environ.pop("COURSE_METRICS_FILE", None)
        else:
            os.environ["COURSE_METRICS_FILE"] = saved_env
    elapsed = time.monotonic() - start
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    if tmp is not None:
        tmp.cleanup()
        out_path = None
    if elapsed > time_limit:
        raise NotebookError(f"{path.name}: took {elapsed:.1f} s, over its limit of {time_limit:g} s")
    return NotebookRun(path, elapsed, out_path, metrics)


def build_full(out_dir: Path, only: list[str] | None = None, seed: int = 0,
               time_limit: float = 600.0) -> int:
    """Execute every notebook in full mode into ``out_dir``; return the number that failed."""
    out_dir = Path(out_dir)
    failures = 0
    summary = []
    for nb in notebooks():
        if only and not any(nb.name.startswith(o) for o in only):
            continue
        print(f"{nb.name}: running in full mode ...", flush=True)
        metrics_path = out_dir / "metrics" / f"{nb.stem}.json"
        metrics_path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"notebook": nb.name, "fast": False, "seed": seed, "hardware": hardware()}
        try:
            run = execute(nb, fast=False, seed=seed, time_limit=time_limit,
                          output=out_dir / "notebooks" / nb.name, metrics_file=metrics_path)
            entry.update(status="ok", seconds=round(run.seconds, 1), metrics=run.metrics)
        except NotebookError as exc:
            failures += 1
            metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
            entry.update(status="failed", error=str(exc), metrics=metrics)
        metrics_path.write_text(json.dumps(entry, indent=2, sort_keys=True) + "\n")
        summary.append(entry)
        print(f"  {entry['status']}" + (f" in {entry['seconds']} s" if "seconds" in entry else
                                        f": {entry.get('error', '')}"), flush=True)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"executed notebooks: {out_dir / 'notebooks'}; metrics: {out_dir / 'metrics'}")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.nbrun", description=__doc__)
    parser.add_argument("--full", action="store_true", help="full mode (default: FAST)")
    parser.add_argument("--out", default=str(REPO_ROOT / "build"), help="output folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per notebook")
    parser.add_argument("only", nargs="*", help="notebook name prefixes, e.g. 00 03")
    args = parser.parse_args(argv)
    if args.full:
        return 1 if build_full(Path(args.out), args.only, args.seed, args.time_limit or 600) else 0
    failed = 0
    for nb in notebooks():
        if args.only and not any(nb.name.startswith(o) for o in args.only):
            continue
        try:
            run = execute(nb, fast=True, seed=args.seed, time_limit=args.time_limit or 60)
            print(f"{nb.name}: ok in {run.seconds:.1f} s")
        except NotebookError as exc:
            failed += 1
            print(exc)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

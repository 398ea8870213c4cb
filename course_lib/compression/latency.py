"""Honest latency numbers: warm-up, repeats, medians with an interquartile range, fixed threads.

A single timing says little: the first calls pay for allocation and caches, and the machine's other
work adds noise. ``measure`` warms up, times ``repeats`` calls with ``time.perf_counter`` at a fixed
number of PyTorch threads and reports the median and the 25th/75th percentiles. ``compare`` times
several functions *interleaved* (round-robin), so slow drift (a laptop warming up, a neighbour's job)
hits all of them equally, and gives each one's median relative to a reference.

``int8_linear`` is the weight-only int8 matrix product that makes a quantized linear layer faster
on CPU, not just smaller.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from course_lib.nbrun import hardware

from .._validate import check_int

_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))


@dataclass
class Timing:
    """Wall-clock time of one call: median and interquartile range over ``repeats`` calls."""

    median_s: float
    p25_s: float
    p75_s: float
    repeats: int
    threads: int
    hardware: str
    samples: list[float] = field(default_factory=list, repr=False)

    def __str__(self) -> str:
        scale, unit = next(((s, u) for s, u in _UNITS if self.median_s >= s), _UNITS[-1])
        value = self.median_s / scale
        decimals = max(0, 2 - math.floor(math.log10(value))) if value > 0 else 2

        def fmt(seconds: float) -> str:
            return f"{seconds / scale:.{decimals}f}"

        runs = "run" if self.repeats == 1 else "runs"
        threads = "thread" if self.threads == 1 else "threads"
        return (f"{fmt(self.median_s)} {unit} (IQR {fmt(self.p25_s)}–{fmt(self.p75_s)} {unit}, "
                f"{self.repeats} {runs}, {self.threads} {threads})")

def _sync() -> None:
    """Wait for queued GPU work, so that a timing covers it (no-op unless CUDA is in use)."""
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def _timed(fn: Callable[[], object]) -> float:
    _sync()
    start = time.perf_counter()
    fn()
    _sync()
    return time.perf_counter() - start


def _interleaved(fns: dict[str, Callable[[], object]], warmup: int, repeats: int,
                 threads: int) -> dict[str, Timing]:
    """Time every function ``repeats`` times, round-robin, with a rotating start so that no function
    always runs first; ``threads`` PyTorch threads during the measurement only."""
    for name, fn in fns.items():
        if not callable(fn):
            raise TypeError(f"fn {name!r} must be callable with no arguments, got {type(fn).__name__}")
    warmup = check_int(warmup, "warmup", 0)
    repeats = check_int(repeats, "repeats", 1)
    threads = check_int(threads, "threads", 1)
    names = list(fns)
    samples: dict[str, list[float]] = {name: [] for name in names}
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        machine = hardware()
        for _ in range(warmup):
            for name in names:
                fns[name]()
        for r in range(repeats):
            shift = r % len(names)
            for name in names[shift:] + names[:shift]:
                samples[name].append(_timed(fns[name]))
    finally:
        torch.set_num_threads(previous)
    timings = {}
    for name in names:
        p25, median, p75 = np.percentile(samples[name], [25, 50, 75])
        timings[name] = Timing(float(median), float(p25), float(p75), repeats, threads, machine,
                               samples[name])
    return timings


def measure(fn: Callable[[], object], *, warmup: int = 3, repeats: int = 20, threads: int = 1) -> Timing:
    """Time ``fn()``: ``warmup`` untimed calls, then ``repeats`` calls timed with
    ``time.perf_counter``, with PyTorch set to ``threads`` intra-op threads (the previous count is
    restored afterwards). Returns the median and interquartile range; pending CUDA work is
    synchronised around each call."""
    if not callable(fn):
        raise TypeError(f"fn must be callable with no arguments, got {type(fn).__name__}")
    return _interleaved({"fn": fn}, warmup, repeats, threads)["fn"]


def compare(fns: dict[str, Callable[[], object]], reference: str, **measure_kwargs) -> dict[str, dict]:
    """Time several functions interleaved and compare their medians with ``fns[reference]``.

    Returns ``{name: {"median_s": ..., "ratio": median / reference median, "timing": Timing}}``;
    the reference's ratio is 1.0, a ratio of 0.5 means twice as fast. ``measure_kwargs`` are
    ``warmup``, ``repeats`` and ``threads`` as in :func:`measure`.
    """
    if not isinstance(fns, dict) or not fns:
        raise TypeError("fns must be a non-empty dict of name -> callable with no arguments")
    if reference not in fns:
        raise ValueError(f"reference must be one of {sorted(fns)}, got {reference!r}")
    unknown = set(measure_kwargs) - {"warmup", "repeats", "threads"}
    if unknown:
        raise TypeError(f"compare() got unexpected keyword arguments {sorted(unknown)}; "
                        "use warmup, repeats, threads")
    kwargs = {"warmup": 3, "repeats": 20, "threads": 1, **measure_kwargs}
    timings = _interleaved(fns, kwargs["warmup"], kwargs["repeats"], kwargs["threads"])
    base = timings[reference].median_s
    result = {}
    for name, timing in timings.items():
        if name == reference:
            ratio = 1.0
        else:
            ratio = timing.median_s / base if base > 0 else math.inf
        result[name] = {"median_s": timing.median_s, "ratio": ratio, "timing": timing}
    return result


# ---------------------------------------------------------------------------- int8 matmul
def has_int8_kernel() -> bool:
    """Whether this PyTorch has the CPU weight-only int8 kernel ``aten._weight_int8pack_mm``."""
    return hasattr(torch.ops.aten, "_weight_int8pack_mm")


def int8_linear(x: torch.Tensor, codes: torch.Tensor, scale: torch.Tensor,
                bias: torch.Tensor | None = None) -> torch.Tensor:
    """``y = x @ (codes * scale[:, None]).T + bias`` with int8 ``codes`` of shape ``(out, in)`` and
    one float ``scale`` per output row: a weight-only int8 linear layer.

    On CPU this uses ``torch.ops.aten._weight_int8pack_mm`` (the weights stay int8 in memory, a
    quarter of fp32) when available; otherwise, or on other devices, it dequantizes and multiplies.
    ``x`` has shape ``(..., in)``; the result has shape ``(..., out)`` and ``x``'s dtype.
    """
    for name, t in (("x", x), ("codes", codes), ("scale", scale)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"x must be a floating-point tensor, got dtype {x.dtype}")
    if codes.dtype != torch.int8 or codes.dim() != 2:
        raise TypeError(f"codes must be a 2-D torch.int8 tensor (out, in), got {codes.dtype} "
                        f"with shape {tuple(codes.shape)}")
    out_features, in_features = codes.shape
    if x.dim() < 1 or x.shape[-1] != in_features:
        raise ValueError(f"x must have shape (..., {in_features}) to match codes, got {tuple(x.shape)}")
    if scale.shape != (out_features,):
        raise ValueError(f"scale must have shape ({out_features},), got {tuple(scale.shape)}")
    if bias is not None and (not isinstance(bias, torch.Tensor) or bias.shape != (out_features,)):
        raise ValueError(f"bias must be None or a tensor of shape ({out_features},)")
    flat = x.reshape(-1, in_features).contiguous()
    s = scale.to(x.dtype).contiguous()
    y = None
    if x.device.type == "cpu" and has_int8_kernel():
        try:
            y = torch.ops.aten._weight_int8pack_mm(flat, codes.contiguous(), s)
        except (RuntimeError, NotImplementedError):  # dtype or shape this build's kernel refuses
            y = None
    if y is None:
        y = flat @ (codes.to(x.dtype) * s[:, None]).T
    if bias is not None:
        y = y + bias.to(y.dtype)
    return y.reshape(*x.shape[:-1], out_features)


class Int8DynamicLinear:
    """A linear layer computed as an *integer* matrix product: int8 weights x int8 activations.

    Weights are quantized once, symmetric per output row (``w ~ codes * w_scale[:, None]``).
    Each call quantizes the activations per row on the fly (``x ~ xq * x_scale[:, None]``), multiplies
    int8 by int8 into int32 with ``torch._int_mm``, and rescales:
    ``y = (xq @ codes.T) * x_scale[:, None] * w_scale[None, :] + bias``.
    This is "dynamic quantization"; the quantization of ``x`` is part of the measured cost. Where
    ``torch._int_mm`` is missing or refuses the shapes, the same arithmetic runs in float (exact for
    these integer ranges, but without the integer kernel's speed).
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None = None):
        if not isinstance(weight, torch.Tensor) or weight.dim() != 2 or not weight.is_floating_point():
            raise TypeError("weight must be a 2-D floating-point tensor (out, in)")
        if bias is not None and (not isinstance(bias, torch.Tensor) or bias.shape != weight.shape[:1]):
            raise ValueError(f"bias must be None or a tensor of shape ({weight.shape[0]},)")
        w = weight.detach().float()
        top = w.abs().amax(dim=1)
        self.w_scale = torch.where(top > 0, top / 127, torch.ones_like(top))
        codes = torch.clamp(torch.round(w / self.w_scale[:, None]), -127, 127).to(torch.int8)
        self.codes_t = codes.t().contiguous()  # (in, out): the layout the integer kernel wants
        self.bias = None if bias is None else bias.detach().float()

    @property
    def nbytes(self) -> int:
        """Stored bytes: int8 codes + one float32 scale per row (+ the fp32 bias, if any)."""
        extra = 0 if self.bias is None else self.bias.numel() * 4
        return self.codes_t.numel() + self.w_scale.numel() * 4 + extra

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.shape[1] != self.codes_t.shape[0]:
            raise ValueError(f"x must have shape (batch, {self.codes_t.shape[0]})")
        top = x.abs().amax(dim=1)
        x_scale = torch.where(top > 0, top / 127, torch.ones_like(top))
        xq = torch.clamp(torch.round(x / x_scale[:, None]), -127, 127).to(torch.int8)
        try:
            acc = torch._int_mm(xq, self.codes_t)
        except (RuntimeError, AttributeError):
            acc = xq.float() @ self.codes_t.float()
        y = acc.float() * x_scale[:, None] * self.w_scale[None, :]
        return y if self.bias is None else y + self.bias


# ---------------------------------------------------------------------------- the CPU's abilities
# Instruction-set extensions that decide how fast int8 and fp32 products can be, as Linux names
# them in /proc/cpuinfo (x86 "flags", ARM "Features") and macOS in `sysctl hw.optional`.
_X86_VECTOR = (("avx2", "AVX2"), ("avx512f", "AVX-512"))
_X86_INT8 = (("avx512_vnni", "AVX-512 VNNI"), ("avx_vnni", "AVX-VNNI"), ("amx_int8", "AMX-INT8"))
_ARM_VECTOR = (("asimd", "NEON"), ("sve", "SVE"))
_ARM_INT8 = (("asimddp", "dot product (SDOT)"), ("i8mm", "int8 matrix multiply (I8MM)"))
_MAC_INT8 = (("hw.optional.arm.FEAT_DotProd", "dot product (SDOT)"),
             ("hw.optional.arm.FEAT_I8MM", "int8 matrix multiply (I8MM)"))


def _cpuinfo() -> tuple[str, set[str]]:
    """(model name, feature flags) from /proc/cpuinfo; empty where there is none."""
    try:
        text = open("/proc/cpuinfo", encoding="utf-8", errors="replace").read()
    except OSError:
        return "", set()
    model, flags = "", set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key in ("model name", "hardware", "cpu model") and not model:
            model = value.strip()
        elif key in ("flags", "features") and not flags:
            flags = set(value.split())
    return model, flags


def _sysctl(name: str) -> str:
    import subprocess

    try:
        out = subprocess.run(["sysctl", "-n", name], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def cpu_capabilities() -> dict:
    """What this CPU offers fast matrix products: ``{"cpu": model name, "vector": [...],
    "int8_dot": [...], "torch_kernels": ...}``.

    ``vector`` lists wide float SIMD (AVX2, AVX-512; NEON, SVE), ``int8_dot`` the instructions that
    multiply-accumulate int8 values in hardware (AVX-512 VNNI, AVX-VNNI, AMX-INT8; ARM's SDOT and
    I8MM) and ``torch_kernels`` the instruction set PyTorch's CPU kernels were dispatched for
    (``torch.backends.cpu.get_cpu_capability()``). Read from /proc/cpuinfo on Linux and ``sysctl``
    on macOS; an empty list means none was found (or the platform does not say).
    """
    import platform

    model, flags = _cpuinfo()
    vector: list[str] = []
    int8: list[str] = []
    if flags:
        x86 = "sse2" in flags or "avx" in flags
        table_v, table_i = (_X86_VECTOR, _X86_INT8) if x86 else (_ARM_VECTOR, _ARM_INT8)
        vector = [label for flag, label in table_v if flag in flags]
        int8 = [label for flag, label in table_i if flag in flags]
    elif platform.system() == "Darwin":
        model = _sysctl("machdep.cpu.brand_string")
        if platform.machine() == "arm64":
            vector = ["NEON"]
            int8 = [label for key, label in _MAC_INT8 if _sysctl(key) == "1"]
    try:
        kernels = str(torch.backends.cpu.get_cpu_capability())
    except (AttributeError, RuntimeError):  # pragma: no cover - older torch
        kernels = "unknown"
    return {"cpu": model or platform.processor() or platform.machine(), "vector": vector,
            "int8_dot": int8, "torch_kernels": kernels}


def describe_cpu() -> str:
    """One line: the CPU, its vector and int8 dot-product instructions, PyTorch's kernel level and
    thread count, e.g. ``AMD EPYC; vector: AVX2, AVX-512; int8 dot product: AVX-512 VNNI;
    PyTorch kernels: AVX512, 1 thread``."""
    caps = cpu_capabilities()
    threads = torch.get_num_threads()
    return (f"{caps['cpu']}; vector: {', '.join(caps['vector']) or 'none found'}; "
            f"int8 dot product: {', '.join(caps['int8_dot']) or 'none found'}; "
            f"PyTorch kernels: {caps['torch_kernels']}, {threads} thread{'s' if threads != 1 else ''}")

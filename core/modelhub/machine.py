"""This machine's memory, and whether a model of a given size fits it.

RAM comes from ``/proc/meminfo`` (``os.sysconf`` elsewhere); GPU memory only when the installed
llama.cpp build can offload (``models.llama_libs``) and ``nvidia-smi`` answers. A probe is kept
for a few seconds, so a table of models asks once.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROBE_TTL_S = 10.0
NVIDIA_SMI_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Machine:
    ram_total: int
    ram_available: int
    gpu_offload: bool = False                 # the llama.cpp build can offload layers
    gpus: tuple[str, ...] = ()
    vram_total: int | None = None             # all GPUs together; None = no GPU usable
    vram_free: int | None = None


@dataclass(frozen=True)
class Fit:
    """Where a model of ``needed`` bytes runs on this machine."""

    needed: int
    fits: bool
    where: str          # "GPU" | "RAM" | ""
    text: str           # "fits (GPU)", "fits (RAM)", "does not fit"
    detail: str = field(default="")


def read_meminfo(path: Path = Path("/proc/meminfo")) -> tuple[int, int]:
    """(total, available) RAM in bytes."""
    try:
        values: dict[str, int] = {}
        for line in path.read_text().splitlines():
            key, _, rest = line.partition(":")
            parts = rest.split()
            if parts and parts[0].isdigit():
                values[key] = int(parts[0]) * (1024 if parts[1:] == ["kB"] else 1)
        total = values["MemTotal"]
        return total, values.get("MemAvailable", values.get("MemFree", total))
    except (OSError, KeyError, IndexError):
        page = os.sysconf("SC_PAGE_SIZE")
        total = os.sysconf("SC_PHYS_PAGES") * page
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * page
        except (ValueError, OSError):
            avail = total
        return total, avail


def read_nvidia_smi() -> tuple[tuple[str, ...], int, int] | None:
    """(GPU names, total bytes, free bytes) from nvidia-smi, or None when it is missing or fails."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "--query-gpu=name,memory.total,memory.free", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=NVIDIA_SMI_TIMEOUT_S, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    names: list[str] = []
    total = free = 0
    for line in out.strip().splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 3:
            continue
        try:
            total += int(float(parts[1])) * 2**20
            free += int(float(parts[2])) * 2**20
        except ValueError:
            continue
        names.append(parts[0])
    return (tuple(names), total, free) if names else None


def _gpu_offload() -> bool:
    try:
        from models.llama_libs import llama_supports_gpu_offload

        return llama_supports_gpu_offload()
    except Exception:  # no llama-cpp-python: nothing can run on a GPU either
        return False


_cache: tuple[float, Machine] | None = None
_cache_lock = threading.Lock()


def probe_machine(fresh: bool = False) -> Machine:
    """RAM, and GPU memory when this llama.cpp build can use a GPU."""
    global _cache
    with _cache_lock:
        if not fresh and _cache is not None and time.monotonic() - _cache[0] < PROBE_TTL_S:
            return _cache[1]
        total, avail = read_meminfo()
        offload = _gpu_offload()
        smi = read_nvidia_smi() if offload else None
        machine = Machine(ram_total=total, ram_available=avail, gpu_offload=offload,
                          gpus=smi[0] if smi else (), vram_total=smi[1] if smi else None,
                          vram_free=smi[2] if smi else None)
        _cache = (time.monotonic(), machine)
        return machine


def fit(needed: int, machine: Machine, n_gpu_layers: int = -1) -> Fit:
    """Whether ``needed`` bytes fit: all in GPU memory (offload on), else in the RAM free now."""
    if machine.vram_free is not None and n_gpu_layers != 0 and needed <= machine.vram_free:
        return Fit(needed, True, "GPU", "fits (GPU)", f"{gib(needed)} of {gib(machine.vram_free)} GPU memory free")
    if needed <= machine.ram_available:
        return Fit(needed, True, "RAM", "fits (RAM)", f"{gib(needed)} of {gib(machine.ram_available)} RAM free")
    if needed <= machine.ram_total:
        return Fit(needed, False, "", "does not fit now",
                   f"needs {gib(needed)}, {gib(machine.ram_available)} RAM free of {gib(machine.ram_total)}: "
                   "close other programs or lower the context length (model.n_ctx)")
    return Fit(needed, False, "", "does not fit",
               f"needs {gib(needed)}, this machine has {gib(machine.ram_total)} RAM"
               + (f" and {gib(machine.vram_total)} GPU memory" if machine.vram_total else ""))


def gib(n: int | None) -> str:
    """A byte count for people: 512 MB, 4.2 GB."""
    if n is None:
        return "?"
    if n >= 10**9:
        return f"{n / 10**9:.1f} GB"
    if n >= 10**6:
        return f"{n / 10**6:.0f} MB"
    if n >= 10**3:
        return f"{n / 10**3:.0f} kB"
    return f"{n} B"

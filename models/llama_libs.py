"""Loading llama.cpp's shared libraries so that torch can share the process with its CUDA backend.

llama-cpp-python opens ``libggml*.so``/``libllama.so`` with ctypes' default ``RTLD_LOCAL``. With a
CUDA build (llama-cpp-python 0.3.36, CUDA 13.0) next to torch 2.11+cu130, that killed the
process: ``import torch`` after ``import llama_cpp`` aborted with "free(): invalid pointer", and
loading a model after ``import torch`` segfaulted (H100, 2026-11-26; the same libraries opened
one by one, or all with ``RTLD_GLOBAL``, did not). Opening them first with ``RTLD_GLOBAL`` — ctypes
then hands llama-cpp-python the same handles — let llama.cpp generate with full offload while
torch trained and ran the memory decoder on the same GPU, in either import order.

Only builds that ship a GPU backend are touched; CPU builds import exactly as before.
``MNEMO_LLAMA_PRELOAD=0`` turns this off. ``llama_supports_gpu_offload`` asks the installed build
whether it can offload (``mnemo doctor``), so that nothing outside ``models`` imports llama_cpp.
"""
from __future__ import annotations

import ctypes
import importlib.util
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

# dependency order: each library's NEEDED ones come before it
ORDER = ("libggml-base.so", "libggml-cpu.so", "libggml-cuda.so", "libggml.so", "libllama.so", "libmtmd.so")
GPU_BACKENDS = ("libggml-cuda.so",)

_loaded: list[str] | None = None


def llama_lib_dir() -> Path | None:
    """``llama_cpp/lib`` of the installed llama-cpp-python, found without importing it."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "lib"


def preload_llama_libs() -> list[str]:
    """Open a GPU build's libraries with RTLD_GLOBAL (once); returns the names opened."""
    global _loaded
    if _loaded is not None:
        return _loaded
    _loaded = []
    if os.environ.get("MNEMO_LLAMA_PRELOAD", "1") == "0" or os.name != "posix":
        return _loaded
    try:
        lib = llama_lib_dir()
    except (ImportError, ValueError):
        return _loaded
    if lib is None or not any((lib / n).exists() for n in GPU_BACKENDS):
        return _loaded
    for name in ORDER:
        if (lib / name).exists():
            try:
                ctypes.CDLL(str(lib / name), mode=ctypes.RTLD_GLOBAL)
                _loaded.append(name)
            except OSError as exc:  # llama-cpp-python's own import will report a broken install
                log.warning("could not preload %s: %s", name, exc)
                break
    return _loaded


def llama_supports_gpu_offload() -> bool:
    """Whether the installed llama.cpp build can offload layers to a GPU (imports llama_cpp)."""
    import llama_cpp

    return bool(llama_cpp.llama_supports_gpu_offload())

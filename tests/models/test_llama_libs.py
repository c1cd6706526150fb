"""The GPU-build preload of llama.cpp's libraries: a no-op for CPU builds, RTLD_GLOBAL for GPU ones."""
from __future__ import annotations

import ctypes
from pathlib import Path

import pytest

from models import llama_libs


@pytest.fixture()
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(llama_libs, "_loaded", None)


def test_cpu_build_is_left_alone(fresh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "libllama.so").write_bytes(b"")
    monkeypatch.setattr(llama_libs, "llama_lib_dir", lambda: tmp_path)
    opened: list[str] = []
    monkeypatch.setattr(ctypes, "CDLL", lambda p, mode=0: opened.append(p))
    assert llama_libs.preload_llama_libs() == [] and opened == []


def test_gpu_build_opens_its_libraries_globally_in_dependency_order(fresh: None, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for n in ("libllama.so", "libggml.so", "libggml-cuda.so", "libggml-base.so", "libggml-cpu.so"):
        (tmp_path / n).write_bytes(b"")
    monkeypatch.setattr(llama_libs, "llama_lib_dir", lambda: tmp_path)
    opened: list[tuple[str, int]] = []
    monkeypatch.setattr(ctypes, "CDLL", lambda p, mode=0: opened.append((Path(p).name, mode)))
    got = llama_libs.preload_llama_libs()
    assert got == ["libggml-base.so", "libggml-cpu.so", "libggml-cuda.so", "libggml.so", "libllama.so"]
    assert [m for _, m in opened] == [ctypes.RTLD_GLOBAL] * 5
    assert llama_libs.preload_llama_libs() is got and len(opened) == 5          # once per process


def test_switch_off(fresh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "libggml-cuda.so").write_bytes(b"")
    monkeypatch.setattr(llama_libs, "llama_lib_dir", lambda: tmp_path)
    monkeypatch.setenv("MNEMO_LLAMA_PRELOAD", "0")
    assert llama_libs.preload_llama_libs() == []


def test_finds_the_installed_package_without_importing_it() -> None:
    lib = llama_libs.llama_lib_dir()
    assert lib is not None and (lib / "libllama.so").exists()

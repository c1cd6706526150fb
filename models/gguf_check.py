"""Cheap checks of a GGUF file before llama.cpp sees it, so bad files get a clear message."""
from __future__ import annotations

import struct
from pathlib import Path

from models.errors import ModelFileError


GGUF_MAGIC = b"GGUF"


def check_gguf(path: Path) -> None:
    """Raise ``ModelFileError`` unless ``path`` looks like a complete GGUF file."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"The model file {path} does not exist. Pick an existing .gguf file (setting model.path) or leave it empty for the embedded model.")
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a GGUF model file. Pick the .gguf file inside it.")
    size = path.stat().st_size
    try:
        with open(path, "rb") as f:
            head = f.read(24)
    except OSError as exc:
        raise ModelFileError(f"The model file {path} cannot be read ({exc.strerror}). Check its permissions.") from exc
    if len(head) < 4 or head[:4] != GGUF_MAGIC:
        raise ModelFileError(
            f"{path} is not a GGUF model (it does not start with 'GGUF'). Mnemo runs llama.cpp GGUF files; "
            "convert the model with llama.cpp's convert_hf_to_gguf.py or download a .gguf build.")
    if len(head) < 24:
        raise ModelFileError(f"The model file {path} is truncated ({size} bytes). Download it again.")
    version, n_tensors, n_kv = struct.unpack("<IQQ", head[4:24])
    if version not in (1, 2, 3):
        raise ModelFileError(f"{path} uses GGUF version {version}, which this llama.cpp does not read. Update Mnemo or re-convert the model.")
    if n_tensors == 0 or size < 1024:
        raise ModelFileError(f"The model file {path} is truncated or empty ({size} bytes, {n_tensors} tensors). Download it again.")

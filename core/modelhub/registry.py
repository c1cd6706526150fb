"""The model manager's small JSON files in the models folder, each written atomically.

``registry.json``: the models added by path (name → path; their files are the user's, never
deleted) and where each downloaded file came from (URL, sha256). ``info-cache.json``: what each
GGUF's header says, keyed by path, size and modification time, because reading a header with
the ``gguf`` package takes seconds (it parses the whole vocabulary).
"""
from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from core.settings.store import atomic_write_text

log = logging.getLogger(__name__)

VERSION = 1


class JsonFile:
    """One JSON object on disk; a damaged file is reported, set aside and started afresh."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()

    def read(self) -> dict[str, Any]:
        with self._lock:
            if not self.path.exists():
                return {}
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if isinstance(data, dict):
                    return data
                raise ValueError("not an object")
            except (OSError, ValueError) as exc:
                aside = self.path.with_name(self.path.name + ".unreadable")
                log.warning("%s could not be read (%s); kept as %s, starting afresh", self.path, exc, aside.name)
                try:
                    self.path.replace(aside)
                except OSError:
                    pass
                return {}

    def write(self, data: dict[str, Any]) -> None:
        with self._lock:
            atomic_write_text(self.path, json.dumps({**data, "version": VERSION}, indent=2, sort_keys=True) + "\n")


class Registry:
    """Models added by path, and the origin of downloaded ones."""

    def __init__(self, folder: Path) -> None:
        self.file = JsonFile(folder / "registry.json")
        self._lock = threading.RLock()

    def added(self) -> dict[str, str]:
        """name → path of every model added by path."""
        data = self.file.read().get("added", {})
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def add(self, name: str, path: Path) -> None:
        with self._lock:
            data = self.file.read()
            data.setdefault("added", {})[name] = str(path)
            self.file.write(data)

    def forget(self, name: str) -> None:
        with self._lock:
            data = self.file.read()
            data.get("added", {}).pop(name, None)
            self.file.write(data)

    def origin(self, filename: str) -> dict[str, Any]:
        data = self.file.read().get("downloads", {})
        value = data.get(filename, {}) if isinstance(data, dict) else {}
        return value if isinstance(value, dict) else {}

    def set_origin(self, filename: str, origin: dict[str, Any] | None) -> None:
        with self._lock:
            data = self.file.read()
            downloads = data.setdefault("downloads", {})
            if origin is None:
                downloads.pop(filename, None)
            else:
                downloads[filename] = origin
            self.file.write(data)


# the same facts for this process, across data folders (the embedded model's are read once)
_memo: dict[tuple[str, int, int], dict[str, Any]] = {}


class InfoCache:
    """GGUF facts by (path, size, mtime): read once per file version."""

    def __init__(self, folder: Path) -> None:
        self.file = JsonFile(folder / "info-cache.json")
        self._lock = threading.RLock()

    @staticmethod
    def _stamp(path: Path) -> list[int]:
        st = path.stat()
        return [st.st_size, st.st_mtime_ns]

    @staticmethod
    def _key(path: Path, stamp: list[int]) -> tuple[str, int, int]:
        return str(path), stamp[0], stamp[1]

    def get(self, path: Path) -> dict[str, Any] | None:
        try:
            stamp = self._stamp(path)
        except OSError:
            return None
        memo = _memo.get(self._key(path, stamp))
        if memo is not None:
            return memo
        entry = self.file.read().get("files", {}).get(str(path))
        if isinstance(entry, dict) and entry.get("stamp") == stamp and isinstance(entry.get("info"), dict):
            _memo[self._key(path, stamp)] = entry["info"]
            return entry["info"]
        return None

    def put(self, path: Path, info: dict[str, Any]) -> None:
        with self._lock:
            try:
                stamp = self._stamp(path)
            except OSError:
                return
            _memo[self._key(path, stamp)] = info
            data = self.file.read()
            files = {k: v for k, v in data.get("files", {}).items() if Path(k).exists()}  # forget files gone
            files[str(path)] = {"stamp": stamp, "info": info}
            data["files"] = files
            try:
                self.file.write(data)
            except OSError as exc:  # a cache: a full disk only costs a slower next listing
                log.warning("could not save the model info cache: %s", exc)

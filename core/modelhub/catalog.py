"""ModelCatalog: the chat models Mnemo knows, what their files say, whether they fit, and which one is in use.

The catalog is the embedded default (named ``embedded``), every ``*.gguf`` in the models folder
(downloaded there by ``add``; named by file name without ``.gguf``) and the files added by path
(kept in ``registry.json``). ``use`` sets ``model.path`` and ``model.backend = embedded`` through the
settings store (the services reload the model on that change); ``remove`` deletes a downloaded
file, only forgets a file added by path, and never touches the embedded default.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from core.jobs import CancelToken, ProgressFn, no_progress
from core.modelhub import download as dl
from core.modelhub.errors import ModelHubError
from core.modelhub.machine import Fit, Machine, fit, probe_machine
from core.modelhub.registry import InfoCache, Registry
from core.modelhub.sources import resolve, safe_filename
from core.settings import SettingsStore
from models.errors import ModelFileError
from models.gguf_info import GGUFInfo, MemoryEstimate, estimate_memory, read_gguf_info

log = logging.getLogger(__name__)

EMBEDDED = "embedded"
KINDS = ("embedded", "downloaded", "added")


@dataclass
class ModelEntry:
    """One model of the catalog, with its facts when its header could be read."""

    name: str
    path: Path
    kind: str                        # "embedded" | "downloaded" | "added"
    in_use: bool
    info: GGUFInfo | None = None
    error: str = ""                  # why the facts are missing (file gone, damaged)
    estimate: MemoryEstimate | None = None
    fit: Fit | None = None
    origin: str = ""                 # where a downloaded file came from
    sha256: str = ""                 # its sha256 when it was downloaded


class ModelCatalog:
    """List, add (download or by path), switch to and remove chat models."""

    def __init__(self, folder: Path, settings: SettingsStore, embedded: Callable[[], Path | None],
                 decoder_checkpoint: Path | None = None,
                 machine: Callable[[], Machine] = probe_machine) -> None:
        self.folder = Path(folder)
        self.settings = settings
        self._embedded = embedded
        self.decoder_checkpoint = decoder_checkpoint
        self._machine = machine
        self.registry = Registry(self.folder)
        self.cache = InfoCache(self.folder)
        self._lock = threading.RLock()

    # ---- listing ----------------------------------------------------------------------------------
    def entries(self, facts: bool = True) -> list[ModelEntry]:
        """Every model; with ``facts`` each one's header, memory estimate and fit (cached per file version)."""
        with self._lock:
            found: list[ModelEntry] = []
            embedded = self._embedded()
            if embedded is not None:
                found.append(ModelEntry(EMBEDDED, embedded, "embedded", False))
            names = {EMBEDDED}
            if self.folder.is_dir():
                for p in sorted(self.folder.glob("*.gguf")):
                    name = _unique(p.name[: -len(".gguf")], names)
                    origin = self.registry.origin(p.name)
                    found.append(ModelEntry(name, p, "downloaded", False, origin=str(origin.get("url", "")),
                                            sha256=str(origin.get("sha256", ""))))
            for name, path in self.registry.added().items():
                found.append(ModelEntry(_unique(name, names), Path(path), "added", False))
            current = self.current_path()
            for e in found:
                e.in_use = current is not None and _same(e.path, current)
            if facts:
                machine = self._machine()
                for e in found:
                    self._fill(e, machine)
            return found

    def partials(self) -> list[tuple[Path, int, str]]:
        """Unfinished downloads: (partial file, bytes so far, its URL); ``add URL`` resumes one."""
        out: list[tuple[Path, int, str]] = []
        if not self.folder.is_dir():
            return out
        for p in sorted(self.folder.glob("*" + dl.PARTIAL)):
            meta = dl._read_meta(p.with_suffix(dl.PARTIAL + ".json"))
            try:
                out.append((p, p.stat().st_size, str(meta.get("url") or "")))
            except OSError:
                continue
        return out

    def get(self, name: str, facts: bool = True) -> ModelEntry:
        entries = self.entries(facts=False)
        for e in entries:
            if e.name == name:
                if facts:
                    self._fill(e, self._machine())
                return e
        raise ModelHubError(f"There is no model named {name!r}.",
                            "Models: " + ", ".join(e.name for e in entries) + " (mnemo models list).")

    def in_use(self) -> ModelEntry | None:
        return next((e for e in self.entries(facts=False) if e.in_use), None)

    def current_path(self) -> Path | None:
        """The GGUF the chat runs on, or None when the chat model runs on a server."""
        m = self.settings.settings.model
        if m.backend != "embedded":
            return None
        return Path(m.path).expanduser() if m.path else self._embedded()

    def info(self, path: Path) -> GGUFInfo:
        """The header facts of ``path`` (cached); ``ModelFileError`` for a missing or damaged file."""
        cached = self.cache.get(path)
        if cached is not None:
            try:
                return GGUFInfo.from_json(cached)
            except TypeError:
                pass
        info = read_gguf_info(path)
        self.cache.put(path, info.to_json())
        return info

    def _fill(self, e: ModelEntry, machine: Machine) -> None:
        try:
            e.info = self.info(e.path)
        except ModelFileError as exc:
            e.error = exc.message
            return
        m = self.settings.settings.model
        e.estimate = estimate_memory(e.info, m.n_ctx)
        e.fit = fit(e.estimate.total, machine, m.n_gpu_layers)

    # ---- switching -----------------------------------------------------------------------------------
    def use(self, name: str) -> ModelEntry:
        """Make ``name`` the chat model (``model.path``, ``model.backend = embedded``); checks its file first."""
        e = self.get(name, facts=True)
        if e.info is None:
            raise ModelHubError(f"The model {name!r} cannot be used: {e.error}",
                                "Download or add it again, or pick another model.")
        if e.info.n_vocab == 0:
            raise ModelHubError(f"{e.path.name} has no tokenizer, so it cannot chat.", "Pick a chat model's GGUF.")
        self.settings.update({"model.path": "" if e.kind == "embedded" else str(e.path), "model.backend": "embedded"})
        e.in_use = True
        return e

    def remove(self, name: str) -> str:
        """Delete a downloaded model or forget one added by path; returns what was done, in words."""
        e = self.get(name, facts=False)
        if e.kind == "embedded":
            raise ModelHubError("The embedded model is part of Mnemo and cannot be removed.",
                                "Pick another model with mnemo models use NAME if you do not want to use it.")
        if e.in_use:
            raise ModelHubError(f"{name} is the chat model in use.",
                                "Switch to another model first (mnemo models use embedded), then remove it.")
        with self._lock:
            if e.kind == "added":
                self.registry.forget(name)
                return f"Forgot {name}; its file {e.path} is left where it is."
            try:
                e.path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise ModelHubError(f"{e.path} could not be deleted ({exc.strerror}).", "Check its permissions.") from exc
            self.registry.set_origin(e.path.name, None)
            return f"Deleted {name} ({e.path})."

    # ---- adding ----------------------------------------------------------------------------------------
    def add(self, source: str, *, sha256: str | None = None, name: str | None = None,
            progress: ProgressFn = no_progress, cancel: CancelToken | None = None, **download_options: object) -> ModelEntry:
        """Add a file by path (kept where it is) or download a URL / Hugging Face shorthand into the models folder."""
        src = resolve(source)
        if src.kind == "path":
            assert src.path is not None
            return self.add_path(src.path, name=name, sha256=sha256)
        filename = safe_filename(name) if name else (src.filename or "")
        if not filename:
            raise ModelHubError(f"{src.url} does not name a file.", "Give the model a name: --name NAME.")
        dest = self.folder / filename
        self._check_new_name(filename[: -len(".gguf")], dest)
        result = dl.download(src.url, dest, sha256=sha256, progress=progress, cancel=cancel,
                             **download_options)  # type: ignore[arg-type]
        try:
            info = read_gguf_info(dest)
        except ModelFileError as exc:
            dest.unlink(missing_ok=True)
            raise ModelHubError(f"{src.url} is not a GGUF model ({exc.message}); the file was deleted.",
                                "Check the address: it must be a .gguf file.") from exc
        self.cache.put(dest, info.to_json())
        self.registry.set_origin(filename, {"url": src.url, "sha256": result.sha256, "verified": result.verified,
                                            "downloaded": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        return self.get(filename[: -len(".gguf")])

    def add_path(self, path: Path, name: str | None = None, sha256: str | None = None) -> ModelEntry:
        """Remember a GGUF where it is; its header must read (and match ``sha256`` when given)."""
        path = Path(path).expanduser().resolve()
        if path.parent == self.folder.resolve():
            raise ModelHubError(f"{path.name} is already in the models folder.", "mnemo models list shows it.")
        try:
            info = read_gguf_info(path)
        except ModelFileError as exc:
            raise ModelHubError(exc.message, exc.hint or "Pick a .gguf model file.") from exc
        if sha256:
            import hashlib

            want = dl._normal_sha(sha256)
            got = dl._hash_file(path, hashlib.sha256()).hexdigest()
            if got != want:
                raise ModelHubError(f"{path}'s sha256 is {got}, not {want}.", "Check the hash, or the file.")
        for e in self.entries(facts=False):
            if e.path.exists() and _same(e.path, path):
                raise ModelHubError(f"{path} is already in the list as {e.name}.", f"mnemo models use {e.name}")
        base = name or (path.name[: -len(".gguf")] if path.name.lower().endswith(".gguf") else path.name)
        self._check_new_name(base, None)
        with self._lock:
            self.cache.put(path, info.to_json())
            self.registry.add(base, path)
        return self.get(base)

    def _check_new_name(self, base: str, dest: Path | None) -> None:
        if dest is not None and dest.exists():
            raise ModelHubError(f"{dest.name} is already in the models folder.",
                                "Give the new one another name (--name), or remove the old one first.")
        if base in {e.name for e in self.entries(facts=False)}:
            raise ModelHubError(f"A model named {base!r} is already in the list.", "Give it another name: --name NAME.")

    # ---- the memory decoder ------------------------------------------------------------------------------
    def decoder_note(self) -> str:
        """A line when the memory decoder's checkpoint was trained for another tokenizer than the model in use."""
        if self.decoder_checkpoint is None:
            return ""
        from models.decoder.checkpoint import read_record

        try:
            record = read_record(self.decoder_checkpoint)
        except (OSError, ValueError):
            return ""
        trained = str((record or {}).get("tokenizer_hash") or "")
        current = self.current_path()
        if not trained or current is None:
            return ""
        try:
            now = self.info(current).tokenizer_hash
        except ModelFileError:
            return ""
        if now == trained:
            return ""
        match = ""
        for e in self.entries(facts=False):
            try:
                if self.info(e.path).tokenizer_hash == trained:
                    match = e.name
                    break
            except ModelFileError:
                continue
        back = match or str((record or {}).get("model_name") or "the model it was trained for")
        return (f"The memory decoder was trained for another model's tokenizer: retrain it (Memory ▸ Decoder) "
                f"or switch back to {back}")


def _unique(name: str, taken: set[str]) -> str:
    out, i = name, 2
    while out in taken:
        out = f"{name}-{i}"
        i += 1
    taken.add(out)
    return out


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(os.path.abspath(a)) == Path(os.path.abspath(b))

"""Load, validate and atomically save the settings file.

Unknown keys and invalid values in the file are reported (``warnings``) and kept in the
file, never silently dropped; a refused ``set`` leaves the stored settings unchanged.
"""
from __future__ import annotations

import builtins
import copy
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from core.errors import SettingsError
from core.settings.fields import InvalidSetting, specs
from core.settings.schema import SCHEMA_VERSION, Settings


@dataclass(frozen=True)
class SettingInfo:
    """One setting as the CLI and the settings pane show it."""

    key: str            # "section.field"
    section_title: str
    title: str
    description: str
    value: Any
    default: Any
    bounds: str         # human text: "between 0 and 1", "one of: a, b", ...
    kind: str           # "bool" | "int" | "float" | "str" | "choice" | "list"
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a crash leaves the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _bounds_text(kind: str, choices: tuple[str, ...], lo: float | None, hi: float | None) -> str:
    if kind == "choice":
        return "one of: " + ", ".join(choices)
    if kind == "bool":
        return "true or false"
    if kind == "list":
        return 'a JSON list, e.g. ["a", "b"], or comma-separated values'
    if lo is not None and hi is not None:
        return f"between {lo:g} and {hi:g}"
    if lo is not None:
        return f"at least {lo:g}"
    if hi is not None:
        return f"at most {hi:g}"
    return "any text"


def parse_value(kind: str, raw: Any) -> Any:
    """Turn a CLI/UI string into the setting's type; non-strings pass through."""
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    if kind == "bool":
        low = text.lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        return raw
    if kind == "list":
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                return raw
        return [p.strip() for p in text.split(",") if p.strip()]
    return raw


class SettingsStore:
    """The settings file of one data folder, with validation and change callbacks."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._raw: dict[str, Any] = {}
        self.warnings: list[str] = []
        self._listeners: list[Callable[[set[str]], None]] = []
        self.settings = Settings()
        self.reload()

    # ----- loading -------------------------------------------------------------------
    def reload(self) -> Settings:
        """Read the file; report unknown and invalid entries; fall back to defaults for them."""
        with self._lock:
            self.warnings = []
            raw: dict[str, Any] = {}
            if self.path.exists():
                try:
                    raw = json.loads(self.path.read_text(encoding="utf-8") or "{}")
                    if not isinstance(raw, dict):
                        raise ValueError("top level is not an object")
                except (ValueError, OSError) as exc:
                    backup = self.path.with_suffix(".json.unreadable")
                    try:
                        os.replace(self.path, backup)
                    except OSError:
                        pass
                    self.warnings.append(
                        f"The settings file {self.path} could not be read ({exc}); it was kept as {backup.name} and defaults are used.")
                    raw = {}
            version = raw.get("version", SCHEMA_VERSION)
            if isinstance(version, int) and version > SCHEMA_VERSION:
                self.warnings.append(
                    f"The settings file was written by a newer Mnemo (schema {version} > {SCHEMA_VERSION}); unknown entries are kept but not used.")
            self._raw = raw
            settings = Settings()
            for section_name in specs(Settings):
                values = raw.get(section_name, {})
                if not isinstance(values, dict):
                    self.warnings.append(f"Settings section '{section_name}' is not an object; defaults are used.")
                    continue
                section = getattr(settings, section_name)
                for key, value in values.items():
                    if key not in specs(type(section)):
                        self.warnings.append(f"Unknown setting '{section_name}.{key}' in {self.path.name}; it is kept in the file but not used.")
                        continue
                    try:
                        setattr(section, key, value)
                    except InvalidSetting:
                        info = self.info(f"{section_name}.{key}", settings)
                        self.warnings.append(
                            f"Invalid value {value!r} for '{section_name}.{key}' (must be {info.bounds}); the default {info.default!r} is used.")
            for key in raw:
                if key != "version" and key not in specs(Settings):
                    self.warnings.append(f"Unknown settings section '{key}' in {self.path.name}; it is kept in the file but not used.")
            self.settings = settings
            return settings

    # ----- reading -------------------------------------------------------------------
    def keys(self) -> list[str]:
        return [f"{s}.{f}" for s, section in specs(Settings).items() for f in specs(section.type)]

    def _split(self, key: str) -> tuple[str, str, type]:
        if "." not in key:
            raise SettingsError(f"Unknown setting '{key}'.", "Use 'mnemo settings list' to see every key (section.name).")
        section, name = key.split(".", 1)
        sections = specs(Settings)
        if section not in sections:
            raise SettingsError(f"Unknown settings section '{section}'.", "Sections: " + ", ".join(sections) + ".")
        cls = sections[section].type
        if name not in specs(cls):
            raise SettingsError(f"Unknown setting '{key}'.", f"Settings in '{section}': " + ", ".join(specs(cls)) + ".")
        return section, name, cls

    def get(self, key: str) -> Any:
        section, name, _ = self._split(key)
        return getattr(getattr(self.settings, section), name)

    def info(self, key: str, settings: Settings | None = None) -> SettingInfo:
        section, name, cls = self._split(key)
        settings = settings or self.settings
        field = specs(cls)[name]
        kind, choices, lo, hi = field.kind, field.choices, field.minimum, field.maximum
        return SettingInfo(
            key=key, section_title=specs(Settings)[section].title or section, title=field.title or name,
            description=field.description or "", value=getattr(getattr(settings, section), name),
            default=field.default(), bounds=_bounds_text(kind, choices, lo, hi), kind=kind, choices=choices,
            minimum=lo, maximum=hi)

    def list(self) -> list[SettingInfo]:
        return [self.info(k) for k in self.keys()]

    # ----- writing -------------------------------------------------------------------
    def validate(self, key: str, raw: Any) -> Any:
        """Return the typed value for ``key`` or raise ``SettingsError`` with the allowed range."""
        section, name, cls = self._split(key)
        info = self.info(key)
        value = parse_value(info.kind, raw)
        probe = copy.copy(getattr(self.settings, section))
        try:
            setattr(probe, name, value)
        except InvalidSetting as exc:
            reason = exc.reason
            raise SettingsError(f"Invalid value {raw!r} for '{key}': {reason}.", f"It must be {info.bounds}.") from None
        return getattr(probe, name)

    def set(self, key: str, raw: Any) -> Any:
        """Validate, apply and save one setting atomically; return the typed value."""
        return self.update({key: raw})[key]

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Validate every change first; apply and save all or none."""
        with self._lock:
            typed = {key: self.validate(key, raw) for key, raw in changes.items()}
            new = copy.deepcopy(self.settings)
            raw = json.loads(json.dumps(self._raw)) if self._raw else {}
            for key, value in typed.items():
                section, name, _ = self._split(key)
                setattr(getattr(new, section), name, value)
                raw.setdefault(section, {})
                if not isinstance(raw[section], dict):
                    raw[section] = {}
                raw[section][name] = value
            raw["version"] = SCHEMA_VERSION
            atomic_write_text(self.path, json.dumps(raw, indent=2, sort_keys=True) + "\n")
            self._raw = raw
            self.settings = new
            changed = set(typed)
        for listener in list(self._listeners):
            listener(changed)
        return typed

    def reset(self, key: str) -> Any:
        """Put one setting back to its default."""
        return self.set(key, self.info(key).default)

    def on_change(self, listener: Callable[[builtins.set[str]], None]) -> None:
        """Call ``listener(changed_keys)`` after every successful save."""
        self._listeners.append(listener)

"""``export_all``: the user's data in open formats they can read without Mnemo.

facts.json (every profile fact, sensitive values masked unless ``reveal``), me.vcf (the
profile as a vCard) and one Markdown file per conversation. Facts come from the persona
service (``services.persona.facts.all(reveal=...)``) when that feature is present.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import MnemoError
from core.export.vcard import facts_to_vcard
from core.jobs import CancelToken, Progress, ProgressFn, no_progress, token_or_new


@dataclass
class ExportResult:
    folder: Path
    facts: int = 0
    conversations: int = 0
    files: list[Path] = field(default_factory=list)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    if isinstance(obj, (_dt.datetime, _dt.date)):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [_jsonable(v) for v in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _jsonable(dataclasses.asdict(obj))
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        return _jsonable(dump())
    if hasattr(obj, "__dict__"):
        return _jsonable({k: v for k, v in vars(obj).items() if not k.startswith("_")})
    return str(obj)


def _slug(text: str) -> str:
    s = re.sub(r"[^\w\-]+", "-", text.lower(), flags=re.UNICODE).strip("-")
    return s[:50] or "conversation"


def _write(path: Path, text: str, newline: str | None = None) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as f:
        f.write(text)


def facts_of(services: Any, reveal: bool) -> list[dict[str, Any]]:
    """The profile facts as plain dicts, or [] if the persona feature is not there."""
    facts_api = getattr(getattr(services, "persona", None), "facts", None)
    if facts_api is None or not hasattr(facts_api, "all"):
        return []
    try:
        rows = facts_api.all(reveal=reveal)
    except TypeError:  # an older signature without reveal
        rows = facts_api.all()
    return [_jsonable(r) for r in rows]


def export_all(services: Any, folder: Path, *, reveal: bool = False, progress: ProgressFn = no_progress,
               cancel: CancelToken | None = None) -> ExportResult:
    """Write facts.json, me.vcf and conversations/*.md into ``folder`` (created; must be empty)."""
    cancel = token_or_new(cancel)
    folder = Path(folder).expanduser()
    if folder.exists() and any(folder.iterdir()):
        raise MnemoError(f"The folder {folder} is not empty.", "Export into a new or empty folder.")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    result = ExportResult(folder)
    facts = facts_of(services, reveal)
    _write(folder / "facts.json", json.dumps({"exported_at": _dt.datetime.now(_dt.timezone.utc).isoformat(
        timespec="seconds"), "sensitive_revealed": reveal, "facts": facts}, indent=2, ensure_ascii=False) + "\n")
    result.facts = len(facts)
    result.files.append(folder / "facts.json")
    by_key: dict[str, list[str]] = {}
    for f in facts:
        key, value = f.get("key"), f.get("value")
        if key and isinstance(value, str) and value and (reveal or not f.get("sensitive")):
            by_key.setdefault(str(key), []).append(value)
    _write(folder / "me.vcf", facts_to_vcard(by_key), newline="")
    result.files.append(folder / "me.vcf")
    conv_dir = folder / "conversations"
    conv_dir.mkdir(mode=0o700, exist_ok=True)
    convs = services.conversations.list(limit=10**9)
    for i, c in enumerate(convs):
        cancel.raise_if_cancelled("Export cancelled.")
        progress(Progress(i, len(convs), f"conversation {c.id}"))
        p = conv_dir / f"{c.id:05d}-{_slug(c.title)}.md"
        _write(p, services.conversations.to_markdown(c.id))
        result.files.append(p)
    result.conversations = len(convs)
    progress(Progress(len(convs), len(convs), "done"))
    return result

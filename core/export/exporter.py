"""``export_all``: the user's data in open formats they can read without Mnemo.

facts.json (every profile fact, sensitive values masked unless ``reveal``), me.vcf (the
profile as a vCard) and one Markdown file per conversation. Facts come from the persona's
``FactStore``, conversations from the ``ConversationStore``.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from core.errors import MnemoError
from core.export.vcard import facts_to_vcard
from core.jobs import CancelToken, Progress, ProgressFn, no_progress, token_or_new

if TYPE_CHECKING:
    from core.chat.store import ConversationStore
    from core.persona.facts import FactRecord, FactStore


@dataclass
class ExportResult:
    folder: Path
    facts: int = 0
    conversations: int = 0
    files: list[Path] = field(default_factory=list)


def _json_default(obj: object) -> str:
    """Dates and times as ISO 8601; anything else json cannot write as its text."""
    return obj.isoformat() if isinstance(obj, (_dt.datetime, _dt.date)) else str(obj)


def _slug(text: str) -> str:
    s = re.sub(r"[^\w\-]+", "-", text.lower(), flags=re.UNICODE).strip("-")
    return s[:50] or "conversation"


def _write(path: Path, text: str, newline: str | None = None) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as f:
        f.write(text)


def _write_facts(records: Sequence[FactRecord], folder: Path, reveal: bool, result: ExportResult) -> None:
    """facts.json (every field of every fact) and me.vcf (the facts shown in full)."""
    doc = {"exported_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
           "sensitive_revealed": reveal, "facts": [dataclasses.asdict(r) for r in records]}
    _write(folder / "facts.json", json.dumps(doc, indent=2, ensure_ascii=False, default=_json_default) + "\n")
    result.facts = len(records)
    result.files.append(folder / "facts.json")
    by_key: dict[str, list[str]] = {}
    for r in records:
        if r.key and r.value and (reveal or not r.sensitive):
            by_key.setdefault(r.key, []).append(r.value)
    _write(folder / "me.vcf", facts_to_vcard(by_key), newline="")
    result.files.append(folder / "me.vcf")


def _write_conversations(conversations: ConversationStore, folder: Path, result: ExportResult,
                         progress: ProgressFn, cancel: CancelToken) -> None:
    """conversations/NNNNN-title.md, one Markdown file per conversation."""
    conv_dir = folder / "conversations"
    conv_dir.mkdir(mode=0o700, exist_ok=True)
    convs = conversations.list(limit=10**9)
    for i, c in enumerate(convs):
        cancel.raise_if_cancelled("Export cancelled.")
        progress(Progress(i, len(convs), f"conversation {c.id}"))
        p = conv_dir / f"{c.id:05d}-{_slug(c.title)}.md"
        _write(p, conversations.to_markdown(c.id))
        result.files.append(p)
    result.conversations = len(convs)
    progress(Progress(len(convs), len(convs), "done"))


def export_all(facts: FactStore, conversations: ConversationStore, folder: Path, *, reveal: bool = False,
               progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> ExportResult:
    """Write facts.json, me.vcf and conversations/*.md into ``folder`` (created; must be empty)."""
    token = token_or_new(cancel)
    folder = Path(folder).expanduser()
    if folder.exists() and any(folder.iterdir()):
        raise MnemoError(f"The folder {folder} is not empty.", "Export into a new or empty folder.")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    result = ExportResult(folder)
    _write_facts(facts.all(reveal=reveal), folder, reveal, result)
    _write_conversations(conversations, folder, result, progress, token)
    return result

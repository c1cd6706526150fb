"""ChatGPT's data export (``conversations.json``): one conversation = the thread that ends at its
current node, each message a unit with its id, role and date; chunks pack consecutive messages."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import PurePath
from typing import Any

from core.documents.importers.textutil import decode_text
from core.documents.model import Importer, ParsedDocument, Section
from core.errors import ImportFailed

FORMAT = "chatgpt"
EXTENSIONS = (".json",)
EXPECTS = "ChatGPT's conversations.json (other JSON files are not read)"


def sniff(data: bytes, name: str) -> bool:
    head = data[:4096].lstrip()
    return head.startswith(b"[") and b'"mapping"' in data[:200_000]


def _date(ts: Any) -> str:
    try:
        return datetime.fromtimestamp(float(ts), tz=timezone.utc).date().isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


def _text(message: dict[str, Any]) -> str:
    content = message.get("content") or {}
    parts = content.get("parts") or ([content["text"]] if isinstance(content.get("text"), str) else [])
    return "\n".join(p for p in parts if isinstance(p, str)).strip()


def _thread(conv: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    mapping: dict[str, Any] = conv.get("mapping") or {}
    node = conv.get("current_node")
    if node not in mapping:  # no current node: follow first children from the root
        roots = [k for k, v in mapping.items() if not v.get("parent")]
        order, node = [], roots[0] if roots else None
        while node in mapping:
            order.append(node)
            kids = mapping[node].get("children") or []
            node = kids[0] if kids else None
    else:
        order, seen = [], set()
        while node in mapping and node not in seen:
            seen.add(node)
            order.append(node)
            node = mapping[node].get("parent")
        order.reverse()
    return [(k, mapping[k]["message"]) for k in order if mapping[k].get("message")]


def parse(data: bytes, name: str) -> ParsedDocument:
    from core.documents.importers import display_name

    try:
        convs = json.loads(decode_text(data))
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"damaged JSON ({exc.msg} at line {exc.lineno})", "Export your ChatGPT data again.") from exc
    if not isinstance(convs, list):
        raise ImportFailed("not ChatGPT's conversations.json (expected a list)", "Export your ChatGPT data again.")
    sections: list[Section] = []
    file = PurePath(name).name  # the label names the export, so a source can be opened
    for ci, conv in enumerate(convs):
        if not isinstance(conv, dict):
            continue
        title = str(conv.get("title") or "Untitled")
        conv_id = str(conv.get("id") or conv.get("conversation_id") or ci)
        cdate = _date(conv.get("create_time"))
        for mid, msg in _thread(conv):
            role = ((msg.get("author") or {}).get("role")) or "?"
            text = _text(msg)
            if role not in ("user", "assistant") or not text:
                continue
            date = _date(msg.get("create_time")) or cdate
            sections.append(Section(f"{role}: {text}", f"{file} › '{display_name(title)}'" + (f" ({date})" if date else ""),
                                    {"conversation_id": conv_id, "message_id": mid, "role": role, "date": date,
                                     "title": title}, group=f"conv:{conv_id}"))
    if not sections:
        raise ImportFailed("no ChatGPT messages found", "Export your ChatGPT data again (conversations.json).")
    return ParsedDocument(sections, {"conversations": len(convs)})


IMPORTER = Importer(FORMAT, EXTENSIONS, parse, sniff=sniff, expects=EXPECTS)

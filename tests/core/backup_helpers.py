"""Helpers shared by the backup, crash and leak tests: fill a data folder, dump it for comparison."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np


def fill(services, n_conversations: int = 3) -> dict:
    """Conversations with cited sources, a vector collection, a trained-weights file and a setting."""
    ids = []
    for i in range(n_conversations):
        c = services.conversations.create(title=f"Trip {i}")
        services.conversations.add_message(c.id, "user", f"Where did I go in year {2000 + i}?")
        services.conversations.add_message(
            c.id, "assistant", f"You went to Lisbon [1] in {2000 + i}.",
            meta={"sources": [{"n": 1, "source": f"notes/trip{i}.md:3", "text": "Lisbon", "cited": True}]})
        ids.append(c.id)
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(8, 384)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    services.vectors.upsert("memories", list(range(1, 9)), emb, [{"kind": "memory"}] * 8)
    (services.paths.models / "reranker.safetensors").write_bytes(b"\x00weights" * 1000)
    services.settings_store.set("generation.temperature", 0.3)
    persona = getattr(services, "persona", None)
    if persona is not None:  # its background worker writes after each message: let it finish first
        persona.flush()
    return {"conversations": ids, "embeddings": emb}


def dump_db(path: Path) -> dict[str, list[tuple]]:
    """Every user table's rows, sorted: equal dumps mean equal data."""
    con = sqlite3.connect(str(path))
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        out = {}
        for t in tables:
            try:
                out[t] = sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
            except sqlite3.OperationalError:  # virtual tables' shadow quirks
                continue
        return out
    finally:
        con.close()


def all_bytes(folder: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in sorted(Path(folder).rglob("*")) if p.is_file()]

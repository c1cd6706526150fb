"""kill -9 during ``mnemo reflect`` at exact points; on restart the data folder opens and reflecting
again leaves no turn behind: every message of the user ends up behind some memory (Mnemo's own turns are
stored as turns but are never a memory's source: its unverified words do not become memories).
MNEMO_CRASH_ALL=1 tries more points."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.crash_helpers import kill_after_sql, run_cli

TOPICS = ["my garden in Lisbon", "piano lessons with Marta"]
POINTS = [
    ("INSERT INTO memory_turn", 2),     # inside the transaction that stores a session's turns
    ("memory_llm_cache", 1),            # turns committed, the model not asked yet, no memory written
]
if os.environ.get("MNEMO_CRASH_ALL"):
    POINTS += [("INSERT INTO memory ", 1), ("COMMIT", 8), ("memory_llm_cache", 2), ("INSERT INTO memory_turn", 5)]


@pytest.fixture
def chatted_home(home: Path) -> Path:
    from app.services import Services

    with Services(home) as s:
        for t in TOPICS:
            c = s.conversations.create(title=t)
            s.conversations.add_message(c.id, "user", f"I started {t} last week and I love it.")
            s.conversations.add_message(c.id, "assistant", f"That is great! Tell me more about {t}.")
            s.conversations.add_message(c.id, "user", f"My sister Ana joined me for {t} on Saturday.")
        persona = getattr(s, "persona", None)
        if persona is not None:
            persona.flush()
    return home


@pytest.mark.parametrize("match,n", POINTS, ids=[f"{m.strip().split()[-1]}#{n}" for m, n in POINTS])
def test_kill_during_reflection_then_reflect_again(chatted_home: Path, shared_llm, shared_embedder,
                                                    match: str, n: int) -> None:
    r = kill_after_sql(chatted_home, ["reflect"], n, match=match, timeout=600)
    assert r.returncode == -9, f"the kill point was not reached:\n{r.stdout}\n{r.stderr[-2000:]}"
    assert run_cli(chatted_home, "doctor", "--no-load").returncode == 0
    from app.services import Services

    with Services(chatted_home) as s:
        s.set_llm(shared_llm)
        s.set_embedder(shared_embedder)
        s.memory.reflect_pending()
        refs = {f"msg:{m.id}" for c in s.conversations.list() for m in s.conversations.messages(c.id)
                if m.role == "user"}
        covered = {ref for mem in s.memory.list(limit=1000) for ref in mem.sources}
        assert refs <= covered, f"turns that no memory comes from after the crash: {sorted(refs - covered)}"
        persona = getattr(s, "persona", None)
        if persona is not None:
            persona.flush()

"""kill -9 while the first start after the upgrade protects sensitive values already stored (right after any of
its statements): the next start finishes the job; no message is lost or changed but for its placeholder, and no
value is left in plaintext in the data folder."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.e2e.crash_helpers import count_sql, kill_after_sql, run_cli

N_MESSAGES = 450  # three batches
# the statements of the protection: a row masked, a value stored, a batch's cursor, the purge
MATCH = r"UPDATE message|INSERT INTO sensitive_value|INTO sensitive_scan|VACUUM|wal_checkpoint"


def _card(i: int) -> str:
    from stdnum import luhn

    body = f"4{i:014d}"
    return body + luhn.calc_check_digit(body)


def _plant(home: Path) -> None:
    from app.services import Services

    with Services(home) as s:
        s.conversations.sensitive = None  # as an older Mnemo stored them
        conv = s.conversations.create()
        assert conv.id is not None
        for i in range(N_MESSAGES):
            s.conversations.add_message(conv.id, "user", f"note {i}: card {_card(i)} for the gym")
    con = sqlite3.connect(home / "mnemo.sqlite3")
    try:
        con.execute("DELETE FROM sensitive_scan")
        con.commit()
    finally:
        con.close()


def _plaintext(home: Path) -> list[str]:
    needles = [_card(i).encode() for i in range(0, N_MESSAGES, 37)]
    return [str(p) for p in home.rglob("*") if p.is_file() and p.name != "secrets.json"
            and any(n in p.read_bytes() for n in needles)]


@pytest.fixture(scope="module")
def n_commits(tmp_path_factory: pytest.TempPathFactory) -> int:
    home = tmp_path_factory.mktemp("count") / "home"
    _plant(home)
    return count_sql(home, ["doctor", "--no-load"], match=MATCH)


def test_kill_while_protecting_then_start_again(n_commits: int, tmp_path: Path) -> None:
    for n in sorted({3, n_commits // 3, n_commits // 2 + 1, n_commits - 2, n_commits}):
        home = tmp_path / f"h{n}"
        _plant(home)
        assert _plaintext(home)
        r = kill_after_sql(home, ["doctor", "--no-load"], n, match=MATCH)
        assert r.returncode == -9, (n, r.stderr[-1500:])
        again = run_cli(home, "doctor", "--no-load")
        assert "database heads" in again.stdout, (n, again.stderr[-1500:])
        con = sqlite3.connect(home / "mnemo.sqlite3")
        try:
            rows = con.execute("SELECT content FROM message ORDER BY id").fetchall()
            refs = con.execute("SELECT count(*) FROM sensitive_value").fetchone()[0]
        finally:
            con.close()
        assert len(rows) == N_MESSAGES, n
        assert all(c.startswith(f"note {i}: card CARD ••••") and c.endswith("for the gym")
                   for i, (c,) in enumerate(rows)), n
        assert refs == N_MESSAGES, n
        assert _plaintext(home) == [], n

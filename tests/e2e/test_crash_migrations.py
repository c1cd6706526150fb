"""kill -9 while a data folder is created and migrated (right after its Nth SQL statement): the next
start opens it and ends at the same schema. Before migrations ran in one transaction, a kill here
left a half-made schema that never opened again ("table conversation already exists").
By default a spread of points; MNEMO_CRASH_ALL=1 tries every statement."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.crash_helpers import count_sql, kill_after_sql, run_cli


@pytest.fixture(scope="module")
def n_statements(tmp_path_factory: pytest.TempPathFactory) -> int:
    return count_sql(tmp_path_factory.mktemp("count") / "home", ["doctor", "--no-load"])


def test_kill_at_any_statement_of_the_first_start(n_statements: int, tmp_path: Path) -> None:
    reference = run_cli(tmp_path / "ref", "doctor", "--no-load")
    heads = [ln for ln in reference.stdout.splitlines() if "database heads" in ln]
    assert reference.returncode == 0 and heads
    points = range(1, n_statements) if os.environ.get("MNEMO_CRASH_ALL") else sorted(
        {1, 3, n_statements // 4, n_statements // 2, 3 * n_statements // 4, n_statements - 2})
    for n in points:
        home = tmp_path / f"h{n}"
        r = kill_after_sql(home, ["doctor", "--no-load"], n)
        assert r.returncode == -9, (n, r.stderr[-1500:])
        again = run_cli(home, "doctor", "--no-load")
        assert again.returncode == 0, (n, again.stderr[-1500:])
        assert [ln for ln in again.stdout.splitlines() if "database heads" in ln] == heads, n

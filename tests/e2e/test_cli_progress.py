"""The one CLI progress renderer: whole lines off a terminal, stages, unknown totals, notes, Ctrl-C cancels."""
from __future__ import annotations

import io

import pytest

from app.cli.progress import CliProgress, run_job
from core.jobs import Progress


def test_off_a_terminal_every_line_is_whole_and_the_last_state_is_shown() -> None:
    out = io.StringIO()
    with CliProgress("import", "files", stream=out) as bar:
        for i in range(0, 11):
            bar(Progress(i, 10, f"file{i}.md"))
        bar.note("a note between reports")
        bar(Progress(0, 0, "embedding"))          # next stage, of unknown length
    text = out.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert lines[0].startswith("import:") and "0/10 files" in lines[0]
    assert any("10/10 files" in line and "100%" in line and "file10.md" in line for line in lines)
    assert "a note between reports" in lines
    assert lines[-1].startswith("import: [") and "embedding" in lines[-1]


def test_a_job_s_own_eta_wins_and_quiet_draws_nothing() -> None:
    out = io.StringIO()
    with CliProgress("import", stream=out) as bar:
        bar(Progress(1, 4, "", extra={"eta_s": 125.0}))
    assert "ETA 02:05" in out.getvalue()
    quiet = io.StringIO()
    with CliProgress("import", stream=quiet, quiet=True) as bar:
        bar(Progress(1, 4, "x"))
    assert quiet.getvalue() == ""


def test_run_job_cancels_the_token_on_ctrl_c() -> None:
    seen = []

    def job(progress, cancel):
        seen.append(cancel)
        progress(Progress(1, 2, "half"))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_job(job, "work", quiet=True)
    assert seen and seen[0].cancelled

"""Per-folder import progress: the plan of each folder, and rows with an ETA from a real import's reports."""
from __future__ import annotations

from core.insights.import_progress import ImportTracker, plan
from core.jobs import Progress


def _folders(tmp_path):
    a, b = tmp_path / "Notes", tmp_path / "Mail"
    a.mkdir()
    b.mkdir()
    for i in range(3):
        (a / f"n{i}.txt").write_text(f"Note {i}: " + "words " * (50 * (i + 1)), encoding="utf-8")
    (b / "m.txt").write_text("A mail about the boiler. " * 40, encoding="utf-8")
    (b / "skip.xyz").write_text("not importable", encoding="utf-8")
    loose = tmp_path / "loose.md"
    loose.write_text("# A loose note\nwith some text\n", encoding="utf-8")
    return a, b, loose


def test_plan_groups_files_by_the_folder_given(tmp_path) -> None:
    a, b, loose = _folders(tmp_path)
    plans = plan([a, b, loose])
    assert [p.folder for p in plans] == [str(a), str(b), str(tmp_path)]
    assert [len(p.files) for p in plans] == [3, 1, 1]
    assert plans[0].total_bytes == sum((a / f"n{i}.txt").stat().st_size for i in range(3))


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_rows_follow_a_real_import_with_an_eta(services, shared_embedder, tmp_path) -> None:
    services.set_embedder(shared_embedder)
    a, b, loose = _folders(tmp_path)
    plans = plan([a, b, loose])
    reports: list[Progress] = []
    services.documents.import_paths([a, b, loose], progress=reports.append)
    clock = Clock()
    tracker = ImportTracker(plans, clock)
    seen = []
    for p in reports:
        clock.t += 1.0
        seen.append(tracker.update(p))
    first_b = next(rows for rows, p in zip(seen, reports) if p.message == str(b / "m.txt"))
    assert [r.state for r in first_b] == ["done", "reading", "waiting"]
    assert first_b[0].files_done == 3 and first_b[0].eta_s == 0.0 and first_b[0].fraction == 1.0
    assert first_b[1].files_done == 0 and first_b[1].current == str(b / "m.txt")
    assert first_b[1].eta_s is not None and first_b[1].eta_s > 0
    assert first_b[2].eta_s is not None and first_b[2].eta_s > first_b[1].eta_s   # read after Mail
    last = seen[-1]
    assert [r.state for r in last] == ["done"] * 3 and all(r.fraction == 1.0 for r in last)


def test_eta_is_the_bytes_left_at_the_rate_so_far() -> None:
    from core.insights.import_progress import FolderPlan

    plans = [FolderPlan("/a", ("/a/1", "/a/2"), (100, 100)), FolderPlan("/b", ("/b/1",), (200,))]
    clock = Clock()
    t = ImportTracker(plans, clock)
    rows = t.update(Progress(0, 3, "/a/1", {"bytes": 0}))
    assert rows[0].state == "reading" and rows[0].eta_s is None and rows[1].state == "waiting"
    clock.t += 10
    rows = t.update(Progress(1, 3, "/a/2", {"bytes": 100}))     # 10 bytes/s
    assert rows[0].files_done == 1 and rows[0].bytes_done == 100 and rows[0].eta_s == 10.0
    assert rows[1].eta_s == 30.0 and rows[1].bytes_done == 0
    clock.t += 10
    rows = t.update(Progress(2, 3, "/b/1"))                     # no byte count: the files before are read
    assert rows[0].state == "done" and rows[1].state == "reading" and rows[1].eta_s == 20.0

"""``mnemo eval autofill [DIR]``: precision and recall of autofill on a labelled set of personas and forms.

``--facts import`` (the default) imports each persona's
documents into a fresh data folder, lets the persona feature extract the profile, and
fills the forms from that; ``--facts truth`` fills from the persona's true facts, which
measures the form reading and matching alone.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

DEFAULT_SET = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "autofill"


def register(es: argparse._SubParsersAction) -> None:
    p = es.add_parser("autofill", help="precision/recall of form autofill on personas and forms")
    p.add_argument("dir", nargs="?", default=str(DEFAULT_SET), help="test set folder (personas/, forms/)")
    p.add_argument("--facts", choices=["import", "truth"], default="import",
                   help="import: extract the profile from each persona's documents; truth: use the true facts")
    p.add_argument("--no-model", action="store_true", help="do not ask the model for fields no fact answers")
    p.add_argument("--show", action="store_true", help="list every wrong and every missed field")
    p.set_defaults(func=run)


def _build_profile(s: Any, docs: Path, use_model: bool) -> None:
    """Import ``docs`` as the user's own and wait for the persona feature to extract the profile."""
    persona = s.persona
    if not use_model:
        persona.set_model_use(False, writing=False)
    s.documents.import_paths([str(docs)], owner_self=True)
    persona.flush(600)


def run(args: argparse.Namespace, services: Any) -> int:
    from core.autofill import AutofillService, StaticFacts
    from core.autofill.evaluation import evaluate, facts_table

    root = Path(args.dir)
    mode = args.facts
    use_model = not args.no_model

    if mode == "truth":
        current: dict[str, Any] = {}
        svc = AutofillService(settings=lambda: services.settings.autofill, facts=lambda: current.get("facts"),
                              embedder=lambda: services.embedder)

        def propose_for(pid: str, pdir: Path, fields: list) -> list:
            import json

            if current.get("pid") != pid:
                current["pid"], current["facts"] = pid, StaticFacts(json.loads((pdir / "truth.json").read_text(encoding="utf-8")))
            return svc.propose(fields, use_model=False)
    else:
        from app.services import Services

        tmp = tempfile.TemporaryDirectory(prefix="mnemo-eval-autofill-")
        opened: dict[str, Any] = {}

        def propose_for(pid: str, pdir: Path, fields: list) -> list:
            if pid not in opened:
                for old in opened.values():
                    old.close()
                opened.clear()
                s = Services(Path(tmp.name) / pid)
                if services.llm_loaded:
                    s.set_llm(services.llm)
                _build_profile(s, pdir / "docs", use_model)
                opened[pid] = s
                print(f"{pid}: profile {facts_table(s.autofill.facts_source()) if s.autofill.facts_source() else {}}")
            return opened[pid].autofill.propose(fields, use_model=use_model)

    print(f"autofill eval on {root} (facts from {mode}, model {'on' if use_model and mode == 'import' else 'off'})")
    try:
        total, _ = evaluate(root, propose_for, log=print)
    finally:
        if mode != "truth":
            for s in opened.values():
                s.close()
            tmp.cleanup()
    if args.show:
        for e in total.errors:
            print("WRONG ", e)
        for m in total.misses:
            print("MISSED", m)
    print(f"TOTAL precision {total.precision:.3f} ({total.correct}/{total.filled})  "
          f"recall {total.recall:.3f} ({total.correct}/{total.answerable})")
    return 0

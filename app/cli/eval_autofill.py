"""``mnemo eval autofill [SET]``: precision and recall of ``mnemo fill`` on a form set, on the user's path.

The default (``--facts import``) is what a user gets: for each persona of the set, ``mnemo import
DOCS`` (no ``--mine``) into a scratch data folder, the persona's background work left to finish as
the app would, then ``mnemo fill FORM --json`` on every form of the set; the review it prints is
scored by ``core.autofill.evaluation`` (strict: see there). ``--facts truth`` fills from the
persona's true profile instead, which measures reading and matching forms alone.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Callable

from core.errors import MnemoError

DEFAULT_SET = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "forms_dev"


def register(es: argparse._SubParsersAction) -> None:
    p = es.add_parser("autofill", help="precision/recall of 'mnemo fill' on a form set, after a plain import",
                      description="For each persona of the set: import its documents as 'mnemo import' does into a "
                                  "scratch data folder, then 'mnemo fill' every form, and score the values strictly "
                                  "against the persona's expected.json.")
    p.add_argument("dir", nargs="?", default=str(DEFAULT_SET), help="form set folder (set.json, forms, *.expected.json)")
    p.add_argument("--facts", choices=["import", "truth"], default="import",
                   help="import (default): the user's path; truth: fill from the persona's true profile")
    p.add_argument("--no-model", action="store_true", help="rules only: no model for the persona or for fill")
    p.add_argument("--show", action="store_true", help="list every wrong and every missed field")
    p.add_argument("--json", dest="json_out", help="also write the scores to this JSON file")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for the persona's background work")
    p.set_defaults(func=run)


def _fill_via_cli(scratch: Any, form: Path, use_model: bool) -> list:
    from app.cli.scratch import run_cli
    from core.autofill.evaluation import proposals_from_review

    rc, out = run_cli(["fill", str(form), "--json"] + ([] if use_model else ["--no-model"]), scratch)
    if rc:
        raise MnemoError(f"mnemo fill {form} failed (exit code {rc}).", "Run it by hand to see why.")
    return proposals_from_review(json.loads(out))


def _imported(services: Any, persona: Path, use_model: bool, timeout: float,
              each: Callable[[Callable[[Path], list]], None]) -> None:
    """Import ``persona/docs`` as a user would into a scratch data folder, then call ``each(fill)``."""
    from app.cli.scratch import run_cli, scratch_services

    with scratch_services(services, "mnemo-eval-autofill-", persona_model=use_model) as scratch:
        rc, out = run_cli(["import", "--quiet", str(persona / "docs")], scratch)
        print(f"{persona.name}: {out.strip().splitlines()[-1] if out.strip() else ''}"
              + (f" (exit code {rc})" if rc else ""))
        if not scratch.persona.flush(timeout):
            print(f"{persona.name}: the persona's background work did NOT finish in {timeout:.0f} s")
        each(lambda form: _fill_via_cli(scratch, form, use_model))


def _from_truth(services: Any, truth: dict[str, Any], each: Callable[[Callable[[Path], list]], None]) -> None:
    from core.autofill import AutofillService, StaticFacts
    from core.autofill.forms import read_form

    first = {k: (v[0] if isinstance(v, list) else v) for k, v in truth.items()
             if not k.startswith("_") and isinstance(v, (str, list)) and v}
    facts = StaticFacts({k: str(v) for k, v in first.items()})
    svc = AutofillService(settings=lambda: services.settings.autofill, facts=lambda: facts,
                          embedder=lambda: services.embedder)
    each(lambda form: svc.propose(read_form(form).fields, use_model=False))


def run(args: argparse.Namespace, services: Any) -> int:
    from core.autofill.evaluation import Score, load_set, score_form
    from core.autofill.forms import read_form

    root = Path(args.dir)
    if not (root / "set.json").is_file():
        raise MnemoError(f"{root} has no set.json.", "Give a form set folder (set.json naming the personas, forms, "
                                                     "and <form>.expected.json beside each form).")
    personas, forms = load_set(root)
    use_model = not args.no_model
    print(f"autofill eval on {root}: {len(forms)} forms x {len(personas)} personas "
          f"(facts from {args.facts}, model {'on' if use_model and args.facts == 'import' else 'off'})")
    total = Score()
    per_form: dict[str, Score] = {}
    per_lang: dict[str, Score] = {}
    rows: list[dict[str, Any]] = []
    for pdir in personas:
        truth = json.loads((pdir / "expected.json").read_text(encoding="utf-8"))

        def each(fill: Callable[[Path], list], pdir: Path = pdir, truth: dict[str, Any] = truth) -> None:
            for form_path, expected in forms:
                s = score_form(read_form(form_path), fill(form_path), expected, truth, f"{pdir.name}/{form_path.name}")
                print(f"  {pdir.name:<14} {form_path.name:<34} {s.line()}")
                rows.append({"persona": pdir.name, "form": form_path.name, "precision": s.precision,
                             "recall": s.recall, "filled": s.filled, "correct": s.correct,
                             "answerable": s.answerable, "forbidden_filled": s.forbidden_filled})
                per_form.setdefault(form_path.name, Score()).add(s)
                per_lang.setdefault(form_path.name.split("_")[0], Score()).add(s)
                total.add(s)

        if args.facts == "truth":
            _from_truth(services, truth, each)
        else:
            _imported(services, pdir, use_model, args.timeout, each)
    print("\nper form:")
    for name, s in sorted(per_form.items()):
        print(f"  {name:<34} {s.line()}")
    print("\nper language:")
    for lang, s in sorted(per_lang.items()):
        print(f"  {lang:<6} {s.line()}")
    if args.show:
        for e in total.errors:
            print("WRONG ", e)
        for m in total.misses:
            print("MISSED", m)
    print(f"TOTAL {total.line()}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({
            "set": str(root), "facts": args.facts, "model": use_model, "rows": rows,
            "per_language": {k: {"precision": s.precision, "recall": s.recall, "forbidden_filled": s.forbidden_filled}
                             for k, s in per_lang.items()},
            "total": {"precision": total.precision, "recall": total.recall, "filled": total.filled,
                      "correct": total.correct, "answerable": total.answerable,
                      "forbidden_filled": total.forbidden_filled},
            "errors": total.errors, "misses": total.misses}, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0

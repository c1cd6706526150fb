"""``mnemo eval answers QA.tsv DOCS_DIR``: are the chat's answers right, and never invented?

The user's path: ``mnemo import DOCS_DIR`` into a scratch data folder, the persona's background
work left to finish, then each question asked as ``mnemo chat -m QUESTION`` asks it (a new
conversation each). Scored by ``core.chat.evaluate``: accuracy (the expected value is in the
answer), the share of answers holding a value found in no document or fact (invented),
citation precision, and speed.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from pathlib import Path

from core.errors import MnemoError


def register(es: argparse._SubParsersAction) -> None:
    p = es.add_parser("answers", help="grounded chat: accuracy and invented values on a question set",
                      description="Import DOCS_DIR as a user would into a scratch data folder, ask every question of "
                                  "QA.tsv (question<TAB>expected pattern[<TAB>kind]) through 'mnemo chat -m', and "
                                  "report accuracy, invented values, citation precision and speed.")
    p.add_argument("questions", help="TSV file of questions and expected-answer patterns")
    p.add_argument("dir", help="folder of documents to import first")
    p.add_argument("--rules-only", action="store_true", help="the persona's background work without the model")
    p.add_argument("--json", dest="json_out", help="also write the scores and every answer to this JSON file")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for the background work")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, services) -> int:  # noqa: ANN001 - app.services.Services
    from app.cli.scratch import run_cli, scratch_services
    from core.chat.evaluate import AnswerScore, load_questions, score_answer
    from core.grounding.check import Support

    questions = load_questions(Path(args.questions))
    folder = Path(args.dir)
    if not folder.is_dir():
        raise MnemoError(f"{folder} is not a folder.", "Give the folder of documents to import.")
    score = AnswerScore()
    # the chat model is always lent: 'mnemo chat -m' uses it; --rules-only only keeps it out of the persona's work
    with scratch_services(services, "mnemo-eval-answers-", persona_model=not args.rules_only, chat_model=True) as scratch:
        rc, imported = run_cli(["import", "--quiet", str(folder)], scratch)
        scratch.persona.flush(args.timeout)
        store = Support.of([c.text for c in scratch.documents.iter_chunks()] +
                           [f.value for f in scratch.persona.facts.all()])
        print(imported.strip() + (f" (exit code {rc})" if rc else ""))
        for q in questions:
            t0 = time.perf_counter()
            with contextlib.redirect_stderr(io.StringIO()):   # "(conversation N)"
                run_cli(["chat", "-m", q.text], scratch)
            seconds = time.perf_counter() - t0
            conv = scratch.conversations.list()[0]
            msg = scratch.conversations.messages(conv.id)[-1]
            meta = msg.meta or {}
            grounding = meta.get("grounding")
            mode = str(grounding.get("mode", "model")) if isinstance(grounding, dict) else "model"
            row = score_answer(q, msg.content, meta.get("sources", []), mode, store, seconds,
                               float(meta.get("tokens_per_s", 0.0)))
            score.rows.append(row)
            mark = "✓" if row.right else "✗"
            print(f"{mark} [{mode}, {seconds:.1f} s] {q.text}\n    {' '.join(msg.content.split())[:200]}"
                  + (f"\n    INVENTED: {', '.join(row.invented)}" if row.invented else ""))
    j = score.to_json()
    print(f"\naccuracy {j['accuracy']:.3f} ({sum(r.right for r in score.rows)}/{j['n']}), invented {j['invented']:.3f}, "
          f"citation precision {j['citation_precision']:.3f}, by kind "
          + ", ".join(f"{k or '-'} {v:.2f}" for k, v in j["by_kind"].items())
          + f"; modes {j['modes']}; {j['seconds_per_answer']} s/answer, {j['tokens_per_s']} tok/s")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(j, indent=2, ensure_ascii=False), encoding="utf-8")
    sys.stdout.flush()
    return 0

"""``mnemo eval locomo FILE``: evidence recall of the reflective memory on the LoCoMo format."""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path


def register(es: argparse._SubParsersAction) -> None:
    p = es.add_parser("locomo", help="evidence recall@5/10/20 on a LoCoMo file (baseline, hybrid, Mnemo + reranker)")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--answers", action="store_true", help="also answer the held-out questions as the chat does (checked draft or quote): token F1, invented values (slow)")
    p.add_argument("--no-model", action="store_true", help="reflect without the model (extractive notes; fast)")
    p.add_argument("--conversations", type=int, default=None, help="only the first N conversations")
    p.add_argument("--sessions", type=int, default=None, help="only the first N sessions of each")
    p.add_argument("--train-frac", type=float, default=0.5, help="share of questions the reranker learns from")
    p.add_argument("--epochs", type=int, default=5, help="passes over the training questions")
    p.add_argument("--lr", type=float, default=None, help="reranker learning rate (default: the setting)")
    p.add_argument("--workdir", type=Path, default=None, help="where the per-conversation data folders go")
    p.add_argument("--reuse", action="store_true", help="development: reuse the reflected data folders an earlier run left in --workdir")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run)


def run(args: argparse.Namespace, services) -> int:
    from app.cli.progress import run_job
    from core.evals.locomo import format_table, run_locomo

    r = services.settings.retrieval
    llm = None if args.no_model else (lambda: services.llm)
    tmp = None
    workdir = args.workdir
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="mnemo-locomo-")
        workdir = Path(tmp.name)

    try:
        result = run_job(run_locomo, "locomo", args.file, workdir, services.embedder, llm, quiet=args.json,
                         k=r.top_k, m=r.top_m, tau=r.gumbel_tau,
                         lr=args.lr if args.lr is not None else r.reranker_lr, baseline=r.reinforce_baseline,
                         train_frac=args.train_frac, epochs=args.epochs, answers=args.answers,
                         max_conversations=args.conversations, max_sessions=args.sessions, seed=args.seed,
                         reuse=args.reuse and args.workdir is not None,
                         answer_llm=(lambda: services.llm) if args.answers else None)
    finally:
        if tmp is not None:
            tmp.cleanup()
    print(json.dumps(result, indent=1) if args.json else format_table(result))
    return 0

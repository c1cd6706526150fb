"""``mnemo eval ...``: evaluation commands, one module each (locomo, profile, perplexity, autofill, answers)."""
from __future__ import annotations

import argparse
import importlib

# Each module has ``register(eval_subparsers)``; a feature that has not landed is skipped.
EVALS = ["app.cli.eval_locomo", "app.cli.eval_profile", "app.cli.eval_perplexity", "app.cli.eval_autofill",
         "app.cli.eval_answers"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="measure Mnemo on evaluation data")
    es = p.add_subparsers(dest="eval_name", metavar="EVAL", required=True)
    for name in EVALS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(es)

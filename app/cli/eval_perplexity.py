"""``mnemo eval perplexity``: held-out perplexity of base, kNN-LM and base+memory decoder, and the speed ratio."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from core.errors import MnemoError


def register(es: argparse._SubParsersAction) -> None:
    p = es.add_parser("perplexity", help="memory decoder: held-out perplexity and generation speed",
                      description="Build and train a decoder on the training text (a temporary datastore; your own "
                                  "decoder is not touched), then measure on the held-out text.")
    p.add_argument("--train", type=Path, help="folder of .txt/.md files to train on")
    p.add_argument("--heldout", type=Path, help="folder of .txt/.md files to measure on")
    p.add_argument("--locomo", type=Path, help="a LoCoMo-format JSON file: early sessions train, late ones are held out")
    p.add_argument("--split", type=float, default=0.7,
                   help="fraction of each LoCoMo conversation's sessions (or of the stored corpus) used for training")
    p.add_argument("--epochs", type=int, help="override decoder.epochs")
    p.add_argument("--speed-tokens", type=int, default=64, help="tokens generated per speed run (0 = skip)")
    p.add_argument("--work-dir", type=Path, help="keep the datastore, decoder and held-out states here (default: a temporary folder)")
    p.add_argument("--reuse", action="store_true", help="with --work-dir: reuse the datastore built there; only retrain")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=run)


def _texts(args: argparse.Namespace, services):  # -> (train, heldout)
    from core.decoder import corpus

    if args.locomo:
        return corpus.locomo_split(args.locomo, args.split)
    if args.train or args.heldout:
        if not (args.train and args.heldout):
            raise MnemoError("--train and --heldout go together.", "Give both folders, or --locomo FILE.")
        return corpus.folder_texts(args.train), corpus.folder_texts(args.heldout)
    texts = services.decoder.corpus()
    cut = int(len(texts) * args.split)
    if cut < 1 or cut >= len(texts):
        raise MnemoError("The stored corpus is too small to split into training and held-out text.",
                         "Give --train DIR --heldout DIR or --locomo FILE.")
    return texts[:cut], texts[cut:]


def run(args: argparse.Namespace, services) -> int:
    from dataclasses import replace

    from app.cli.progress import run_job
    from core.decoder.perplexity import evaluate

    train, held = _texts(args, services)
    if not train or not held:
        raise MnemoError("No training or no held-out text was found.", "Check the folders (.txt or .md files).")
    settings = services.settings.decoder
    if args.epochs:
        settings = replace(settings, epochs=args.epochs)
    rep = run_job(evaluate, "perplexity", train, held, str(services.llm.config.resolved_path()), settings,
                  llm=services.llm if args.speed_tokens > 0 else None, speed_tokens=args.speed_tokens,
                  work_dir=args.work_dir, reuse_build=args.reuse)
    if args.json:
        d = {k: v for k, v in rep.__dict__.items()}
        d["recovered"] = rep.recovered
        print(json.dumps(d, indent=2))
    else:
        print("\n".join(rep.lines()))
    return 0

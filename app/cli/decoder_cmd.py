"""``mnemo decoder build|train|status|enable|disable``: the memory decoder from the command line."""
from __future__ import annotations

import argparse
import math
import sys

from app.cli.progress import run_job


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("decoder", help="the memory decoder (parametric memory of your corpus)",
                       description="Build the kNN datastore from your conversations and documents, train the memory "
                                   "decoder on it, and mix it into answers.")
    ds = p.add_subparsers(dest="decoder_cmd", metavar="ACTION", required=True)
    b = ds.add_parser("build", help="run the chat model over your corpus and build the kNN datastore")
    b.set_defaults(func=_build)
    t = ds.add_parser("train", help="train the decoder on the datastore (CUDA when present)")
    t.add_argument("--resume", action="store_true", help="continue a cancelled training run")
    t.set_defaults(func=_train)
    ds.add_parser("status", help="what is built, trained and enabled").set_defaults(func=_status)
    ds.add_parser("enable", help="mix the decoder into answers (checks the tokenizer)").set_defaults(func=_enable)
    ds.add_parser("disable", help="answer without the decoder").set_defaults(func=_disable)


def _build(args: argparse.Namespace, services) -> int:
    r = run_job(services.decoder.build, "decoder")
    print(f"Datastore: {r.n_keys} keys from {r.n_tokens} tokens of {r.n_texts} texts ({r.n_out} distinct tokens), "
          f"{r.index}, k={r.k}, τ={r.tau:.4g}; {r.seconds:.0f} s (hidden states {r.seconds_hidden:.0f} s, kNN {r.seconds_knn:.0f} s).")
    print(f"Alignment check: the nearest neighbour's next token is right {r.nn_accuracy:.1%} of the time on a held-out "
          f"slice (chance {r.chance:.1%}).")
    if r.nn_accuracy < 3 * r.chance:
        print("Warning: that is close to chance; keys and next tokens may be misaligned.", file=sys.stderr)
    print("Next: mnemo decoder train")
    return 0


def _train(args: argparse.Namespace, services) -> int:
    r = run_job(services.decoder.train, "decoder", resume=args.resume)
    print(f"Trained {r.n_params} parameters for {r.epochs} epochs ({r.steps} steps) on {r.device} in {r.seconds:.0f} s.")
    sel = [(h["heldout_ppl"], i + 1) for i, h in enumerate(r.history) if math.isfinite(h.get("heldout_ppl", math.nan))]
    if sel:
        ppl, ep = min(sel)
        print(f"Kept epoch {ep} (the best held-out perplexity with the decoder: {ppl:.2f}).")
    h = r.heldout
    if h:
        mixed = ", ".join(f"α={a}: {v:.2f}" for a, v in h["mixed_ppl"].items())
        print(f"Held-out perplexity ({h['positions']} positions): base {h['base_ppl']:.2f}; base+decoder {mixed}.")
    print("Use it with: mnemo decoder enable")
    return 0


def _status(args: argparse.Namespace, services) -> int:
    s = services.decoder.status()
    print(f"enabled: {'yes' if s.enabled else 'no'}{' (active)' if s.active else ''}; α = {services.settings.decoder.alpha}")
    if s.datastore:
        d = s.datastore
        print(f"datastore: {d['n_keys']} keys, {d['n_tokens']} tokens, {d['index']}, nearest-neighbour accuracy "
              f"{d['nn_accuracy']:.1%} (chance {d['chance']:.1%})")
    else:
        print("datastore: none (mnemo decoder build)")
    if s.checkpoint:
        c = s.checkpoint
        h = c.get("heldout") or {}
        extra = f", held-out base {h['base_ppl']:.2f} -> {min(h['mixed_ppl'].values()):.2f}" if h.get("mixed_ppl") else ""
        print(f"checkpoint: {c.get('created')}, for {c.get('model_name', '?')} (tokenizer {c['tokenizer_hash']}){extra}")
    else:
        print("checkpoint: none (mnemo decoder train)")
    if s.extra.get("resumable_training"):
        print("a cancelled training run can be resumed: mnemo decoder train --resume")
    if s.notice:
        print(f"note: {s.notice}")
    return 0


def _enable(args: argparse.Namespace, services) -> int:
    services.decoder.enable()
    print("The memory decoder is on: answers mix it in with α = %s." % services.settings.decoder.alpha)
    return 0


def _disable(args: argparse.Namespace, services) -> int:
    services.decoder.disable()
    print("The memory decoder is off.")
    return 0

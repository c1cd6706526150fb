"""Wall time of ``decoder build`` + ``decoder train`` on a ~100k-token corpus with the embedded model
(the issue's target: within 15 minutes on a 2-core machine), stage by stage.

    .venv/bin/python bench/decoder_build.py                      # LoCoMo + package READMEs, 100k tokens
    .venv/bin/python bench/decoder_build.py --corpus DIR --tokens 100000

The default corpus is every LoCoMo session in ``../shared/eval`` (a personal chat corpus)
topped up with the long descriptions of the installed Python packages (varied English prose,
so the corpus vocabulary — and with it the decoder's output layer — is as large as a real
user's). Texts are cut so the total is ``--tokens`` tokens of the model's tokenizer.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from email.parser import HeaderParser
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def package_texts() -> list[str]:
    out = []
    for dist in sorted(metadata.distributions(), key=lambda d: d.metadata.get("Name", "") or ""):
        raw = dist.read_text("METADATA") or ""
        body = HeaderParser().parsestr(raw).get_payload() or ""
        if len(body) > 2000:
            out.append(body)
    return out


def corpus(args: argparse.Namespace) -> list[str]:
    from core.decoder.corpus import folder_texts, locomo_sessions

    if args.corpus:
        return [t.text for t in folder_texts(args.corpus)]
    texts = []
    loc = ROOT.parent / "shared" / "eval" / "locomo-dev.json"
    if loc.exists():
        texts += [t for _, _, t in locomo_sessions(loc)]
    return texts + package_texts()


def cut_to_tokens(texts: list[str], n_tokens: int, tokenize) -> list[str]:  # type: ignore[no-untyped-def]
    out, total = [], 0
    for t in texts:
        ids = tokenize(t)
        if total + len(ids) > n_tokens:
            keep = n_tokens - total
            if keep > 64:
                out.append(t[: int(len(t) * keep / len(ids))])
            break
        out.append(t)
        total += len(ids)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, help="folder of .txt/.md files (default: LoCoMo + package READMEs)")
    ap.add_argument("--tokens", type=int, default=100_000)
    ap.add_argument("--gguf", default="", help="chat model (default: the embedded SmolLM2)")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--workdir", type=Path, help="keep the datastore and checkpoint here (default: a temporary folder)")
    ap.add_argument("--reuse-build", action="store_true", help="train on the datastore already in --workdir")
    ap.add_argument("--epochs", type=int, help="override decoder.epochs")
    args = ap.parse_args()

    import llama_cpp

    from core.decoder import pipeline
    from core.settings.schema import DecoderSettings
    from models.embedded import default_gguf

    path = args.gguf or str(default_gguf())
    tok = llama_cpp.Llama(model_path=path, vocab_only=True, verbose=False)
    texts = cut_to_tokens(corpus(args), args.tokens, lambda t: tok.tokenize(t.encode("utf-8"), add_bos=True))
    tok.close()
    d = DecoderSettings()
    figs: dict = {"texts": len(texts)}
    with tempfile.TemporaryDirectory() as tmp:
        root = args.workdir or Path(tmp)
        t0 = time.perf_counter()
        if args.reuse_build:
            b = pipeline.BuildReport(**json.loads((root / "ds" / "build.json").read_text()))
        else:
                b = pipeline.build(texts, path, root / "ds", window=d.window, k=d.knn_k, tau_scale=d.knn_tau_scale,
                               ivfpq_threshold=d.ivfpq_threshold)
        figs["build"] = {"tokens": b.n_tokens, "keys": b.n_keys, "n_out": b.n_out, "index": b.index,
                         "seconds": round(b.seconds, 1), "seconds_hidden": round(b.seconds_hidden, 1),
                         "seconds_knn": round(b.seconds_knn, 1), "nn_accuracy": round(b.nn_accuracy, 3),
                         "chance": round(b.chance, 4)}
        print("build:", json.dumps(figs["build"]), flush=True)
        t1 = time.perf_counter()
        tc = pipeline.train_config(d, epochs=args.epochs or d.epochs, device=args.device)
        tr = pipeline.train(root / "ds", root / "ck", tc)
        figs["train"] = {"device": tr.device, "steps": tr.steps, "epochs": tr.epochs, "params": tr.n_params,
                         "seconds": round(time.perf_counter() - t1, 1), "heldout": tr.heldout}
        print("train:", json.dumps(figs["train"]), flush=True)
        figs["total_seconds"] = round(time.perf_counter() - t0, 1)
    print(f"build + train of {figs['build']['tokens']} tokens: {figs['total_seconds'] / 60:.1f} min "
          f"(build {figs['build']['seconds']:.0f} s, train {figs['train']['seconds']:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(figs, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Tokens/s of a chat through Mnemo's runtime against raw llama-cpp-python, same model, prompt, settings.

Both run in this process on two separately loaded copies of the model, interleaved round
by round so machine load hits both alike; prints the medians and the ratio (target ≥ 0.97).

    .venv/bin/python bench/generation.py [--rounds 5] [--tokens 128] [--model PATH]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.llm import LlamaConfig, LlamaRuntime, Sampling  # noqa: E402

PROMPT = [{"role": "system", "content": "You are a helpful assistant."},
          {"role": "user", "content": "Write a short story about a lighthouse keeper who collects letters."}]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--model", default="")
    ap.add_argument("--n-gpu-layers", type=int, default=-1)
    args = ap.parse_args()

    import llama_cpp

    cfg = LlamaConfig(path=args.model, n_ctx=2048, n_gpu_layers=args.n_gpu_layers, seed=1)
    path = cfg.resolved_path()
    threads = os.cpu_count() or 1
    raw = llama_cpp.Llama(model_path=str(path), n_ctx=2048, n_gpu_layers=args.n_gpu_layers, n_threads=threads,
                          n_batch=512, seed=1, verbose=False)
    rt = LlamaRuntime(cfg)
    rt.load()
    sampling = Sampling(temperature=0.0, top_p=1.0, top_k=1, repeat_penalty=1.0, max_tokens=args.tokens)

    def run_raw() -> tuple[int, float]:
        t0 = time.perf_counter()
        n = 0
        for chunk in raw.create_chat_completion(messages=PROMPT, stream=True, temperature=0.0, top_p=1.0, top_k=1,
                                                repeat_penalty=1.0, max_tokens=args.tokens):
            if chunk["choices"][0]["delta"].get("content"):
                n += 1
        return n, time.perf_counter() - t0

    def run_mnemo() -> tuple[int, float]:
        t0 = time.perf_counter()
        n = sum(1 for _ in rt.stream_chat(PROMPT, sampling))
        return n, time.perf_counter() - t0

    run_raw(), run_mnemo()  # warm-up
    raw_tps, mnemo_tps = [], []
    for r in range(args.rounds):
        order = (run_raw, run_mnemo) if r % 2 == 0 else (run_mnemo, run_raw)
        for fn in order:
            n, dt = fn()
            (raw_tps if fn is run_raw else mnemo_tps).append(n / dt)
    a, b = statistics.median(raw_tps), statistics.median(mnemo_tps)
    print(f"model: {path.name}  tokens/answer: {args.tokens}  rounds: {args.rounds}  threads: {threads}")
    print(f"raw llama-cpp-python : {a:8.1f} tokens/s (median; runs {', '.join(f'{x:.1f}' for x in raw_tps)})")
    print(f"Mnemo LlamaRuntime   : {b:8.1f} tokens/s (median; runs {', '.join(f'{x:.1f}' for x in mnemo_tps)})")
    print(f"ratio Mnemo / raw    : {b / a:.3f}  (target >= 0.97)")
    rt.close()
    raw.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

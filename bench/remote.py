"""Chat tokens/s through the model on a server (``model.backend = openai``) ÷ the embedded backend, same GGUF.

Starts ``python -m llama_cpp.server`` on 127.0.0.1 with the GGUF (same context, threads and
batch as the embedded runtime), then runs the same prompt through Mnemo's ``OpenAIChatModel``
and ``LlamaRuntime`` in this process, interleaved round by round so machine load hits both
alike; tokens/s is what the chat meta reports (pieces ÷ seconds from request to last piece).
Prints the medians and the ratio (goal ≥ 0.9). Both use half the cores by default: llama.cpp's
threads spin, and with every core asked for on a loaded machine both backends collapse to a
few tokens/s and the ratio measures the scheduler, not the backend.

    .venv/bin/python bench/remote.py [--rounds 7] [--tokens 128] [--threads N] [--model PATH]
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.llm import LlamaConfig, LlamaRuntime, Sampling  # noqa: E402
from models.openai_llm import OpenAIChatModel, OpenAIConfig  # noqa: E402

PROMPT = [{"role": "system", "content": "You are a helpful assistant."},
          {"role": "user", "content": "Write a short story about a lighthouse keeper who collects letters."}]
KEY = "bench-key"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(gguf: Path, threads: int, n_ctx: int, n_gpu_layers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    out = open(log, "wb")
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
                             "--port", str(port), "--api_key", KEY, "--n_ctx", str(n_ctx), "--n_batch", "512",
                             "--n_threads", str(threads), "--n_threads_batch", str(threads), "--seed", "1",
                             "--n_gpu_layers", str(n_gpu_layers)],
                            stdout=out, stderr=subprocess.STDOUT)
    out.close()
    url = f"http://127.0.0.1:{port}/v1"
    probe = OpenAIChatModel(OpenAIConfig(base_url=url, api_key=KEY))
    deadline = time.monotonic() + 180
    try:
        while True:
            try:
                probe.ping()
                return proc, url
            except Exception:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    raise SystemExit(f"llama_cpp.server did not start: {log.read_text(errors='replace')[-1500:]}") from None
                time.sleep(0.3)
    finally:
        probe.close()


def bench_chat(args: argparse.Namespace) -> float:
    """Tokens/s remote ÷ embedded (medians); prints both series."""
    threads = args.threads or max(1, (os.cpu_count() or 2) // 2)
    cfg = LlamaConfig(path=args.model, n_ctx=2048, n_threads=threads, n_gpu_layers=args.n_gpu_layers, seed=1)
    gguf = cfg.resolved_path()
    log = Path(tempfile.mkdtemp(prefix="mnemo-bench-")) / "llama-server.log"
    proc, url = start_server(gguf, threads, 2048, args.n_gpu_layers, log)
    embedded = LlamaRuntime(cfg)
    embedded.load()
    remote = OpenAIChatModel(OpenAIConfig(base_url=url, api_key=KEY))
    remote.load()
    sampling = Sampling(temperature=0.0, top_p=1.0, top_k=1, repeat_penalty=1.0, max_tokens=args.tokens, seed=1)
    try:
        def run(model: LlamaRuntime | OpenAIChatModel) -> tuple[int, float]:
            usage: dict = {}
            for _ in model.stream_chat(PROMPT, sampling, on_done=usage.update):
                pass
            return usage["pieces"], usage["seconds"]

        run(embedded), run(remote)   # warm-up
        tps: dict[str, list[float]] = {"embedded": [], "remote": []}
        pieces: dict[str, list[int]] = {"embedded": [], "remote": []}
        for r in range(args.rounds):
            order = [("embedded", embedded), ("remote", remote)]
            for name, model in (order if r % 2 == 0 else order[::-1]):
                n, dt = run(model)
                tps[name].append(n / dt)
                pieces[name].append(n)
        a, b = statistics.median(tps["embedded"]), statistics.median(tps["remote"])
        print(f"model: {gguf.name}  tokens/answer: {args.tokens}  rounds: {args.rounds}  threads: {threads} "
              f"(server and embedded alike)  server: llama_cpp.server at {url}")
        for name in ("embedded", "remote"):
            runs = ", ".join(f"{x:.1f}" for x in tps[name])
            print(f"{name:<9}: {statistics.median(tps[name]):8.1f} tokens/s (median; runs {runs}; pieces {pieces[name]})")
        ratio = b / a
        print(f"ratio remote / embedded: {ratio:.3f}  (goal >= 0.9)")
        return ratio
    finally:
        remote.close()
        embedded.close()
        proc.kill()
        proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--threads", type=int, default=0, help="threads of both backends (0 = half the cores)")
    ap.add_argument("--model", default="", help="a GGUF (default: the embedded SmolLM2-135M-Instruct)")
    ap.add_argument("--n-gpu-layers", type=int, default=-1)
    args = ap.parse_args()
    bench_chat(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Memory decoder benchmark: generation tokens/s with and without the decoder (a ratio, one process),
decoder training throughput, and — with ``--device cuda`` — the CUDA path (GPU offload of the chat
model, a training step and the mixing on the GPU).

    .venv/bin/python bench/decoder.py                       # CPU, embedded model
    python3 bench/decoder.py --gguf model.gguf --device cuda --n-gpu-layers -1

It trains a small decoder on a synthetic personal corpus (no data folder is touched), so it
runs anywhere; the perplexity figures come from ``mnemo eval perplexity``.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NAMES = ["Ingrid", "Pilot", "Comet", "Juniper", "Pistachio", "Vesterbro", "Holmen", "Tromsø", "Castellanos", "Brompton"]


def synthetic_corpus(n_texts: int = 40, seed: int = 0) -> list[str]:
    import random

    rng = random.Random(seed)
    verbs = ["visited", "called", "wrote to", "cooked for", "walked with", "met", "thanked", "sang with"]
    places = ["at the harbour", "in the Vesterbro office", "near Holmen church", "in Tromsø", "at the pet shop"]
    out = []
    for _ in range(n_texts):
        lines = []
        for _ in range(12):
            a, b = rng.sample(NAMES, 2)
            lines.append(f"User: Yesterday I {rng.choice(verbs)} {a} {rng.choice(places)}.")
            lines.append(f"Assistant: That sounds lovely. {a} and {b} were {rng.choice(places)} last week too.")
        out.append("\n".join(lines))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gguf", default="", help="chat model (default: the embedded SmolLM2)")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--n-gpu-layers", type=int, default=0)
    ap.add_argument("--texts", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--alpha", type=float, default=0.6)
    ap.add_argument("--scale-test", action="store_true", help="also time training steps of a large-model-sized decoder")
    ap.add_argument("--checkpoint", type=Path, help="measure this trained decoder (skip the synthetic build and training)")
    ap.add_argument("--prompt", default="User: Tell me about Ingrid and the dogs.\nAssistant:")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args()

    from models.decoder.checkpoint import load_checkpoint
    from models.decoder.config import resolve_device
    from models.llm import LlamaConfig, LlamaRuntime

    # importing models preloads a GPU llama.cpp build's libraries globally (see models/llama_libs.py)
    rt = LlamaRuntime(LlamaConfig(path=args.gguf, n_gpu_layers=args.n_gpu_layers, n_ctx=2048, seed=1))
    info = rt.load()
    import torch  # only now (see above)

    figs: dict = {"torch": torch.__version__, "cuda_available": torch.cuda.is_available()}
    device = resolve_device(args.device)
    figs["device"] = device
    figs["model"] = {"name": info.name, "n_layers": info.n_layers, "gpu_offload_supported": info.gpu_offload_supported,
                     "n_gpu_layers_requested": info.n_gpu_layers_requested, "layers_offloaded": info.layers_offloaded,
                     "tokenizer_hash": info.tokenizer_hash}
    print("model:", json.dumps(figs["model"]), flush=True)
    if args.checkpoint:
        figs["speed"] = speed(rt, load_checkpoint(args.checkpoint), device, args)
        print("speed:", json.dumps(figs["speed"]), flush=True)
        rt.close()
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        build_and_train(str(rt.config.resolved_path()), Path(tmp), device, args, figs)
        figs["speed"] = speed(rt, load_checkpoint(Path(tmp) / "ck"), device, args)
        print("speed:", json.dumps(figs["speed"]), flush=True)
    if device == "cuda":
        figs["gpu"] = torch.cuda.get_device_name(0)
    if args.scale_test:
        figs["scale"] = scale_test(device)
        print("scale:", json.dumps(figs["scale"]), flush=True)
    rt.close()
    if args.json:
        args.json.write_text(json.dumps(figs, indent=2, default=str))
    return 0


def build_and_train(path: str, root: Path, device: str, args: argparse.Namespace, figs: dict) -> None:
    """A datastore from the synthetic corpus and a decoder trained on it, in ``root``; their figures go into ``figs``."""
    from core.decoder import pipeline
    from models.decoder.config import TrainConfig

    t0 = time.perf_counter()
    b = pipeline.build(synthetic_corpus(args.texts), path, root / "ds", window=256, k=64, n_gpu_layers=args.n_gpu_layers)
    figs["build"] = {"tokens": b.n_tokens, "seconds": round(time.perf_counter() - t0, 2),
                     "hidden_tok_per_s": round(b.n_tokens / max(b.seconds_hidden, 1e-9), 1),
                     "nn_accuracy": round(b.nn_accuracy, 3), "chance": round(b.chance, 3)}
    print("build:", json.dumps(figs["build"]), flush=True)
    tr = pipeline.train(root / "ds", root / "ck", TrainConfig(epochs=args.epochs, device=device))
    figs["train"] = {"device": tr.device, "steps": tr.steps, "seconds": round(tr.seconds, 2), "params": tr.n_params,
                     "train_tok_per_s": round(b.n_tokens * args.epochs / max(tr.seconds, 1e-9), 1),
                     "heldout": tr.heldout}
    print("train:", json.dumps(figs["train"]), flush=True)


def speed(rt, ck, device: str, args: argparse.Namespace) -> dict:  # type: ignore[no-untyped-def]
    """Generation tokens/s without and with the decoder (interleaved rounds, one process)."""
    from core.decoder.perplexity import generation_speed
    from models.decoder.mixing import MemoryDecoderProcessor

    proc = MemoryDecoderProcessor(ck.model(device), ck.vocab, args.alpha, device)
    out = generation_speed(rt, args.prompt, proc, args.tokens, args.rounds)
    out["processor_device"] = str(next(proc.stream.model.parameters()).device)
    out["processor_error"] = repr(proc.error) if proc.error else None
    out["decoder_params"] = sum(p.numel() for p in proc.stream.model.parameters())
    return out


def scale_test(device: str, steps: int = 10) -> dict:
    """Training steps of a decoder sized for a large base model (4096-wide head, 32k corpus tokens)."""
    import torch

    from models.decoder.config import DecoderConfig
    from models.decoder.model import build_model
    from models.decoder.train import Batch, decoder_loss

    cfg = DecoderConfig(n_in=32001, n_out=32000, n_embd_base=4096, d_model=1024, n_layer=8, n_head=16,
                        block_size=512, dropout=0.1)
    m = build_model(cfg, head=torch.randn(32000, 4096) * 0.02).to(device)
    opt = torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=1e-4)
    B, T, nnz_per = 8, 512, 32
    x = torch.randint(0, 32000, (B, T), device=device)
    y = torch.randint(0, 32000, (B, T), device=device)
    rows = torch.arange(B * T, device=device).repeat_interleave(nnz_per)
    batch = Batch(x, y, rows, torch.randint(0, 32000, (B * T * nnz_per,), device=device),
                  torch.full((B * T * nnz_per,), 1.0 / nnz_per, device=device), B * T)
    times = []
    for i in range(steps + 2):
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=device == "cuda"):
            logits, _ = m(x)
        loss, _ = decoder_loss(logits, batch, 0.5)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if device == "cuda":
            torch.cuda.synchronize()
        if i >= 2:
            times.append(time.perf_counter() - t0)
    dt = sum(times) / len(times)
    return {"config": cfg.to_json(), "trainable_params": m.n_trainable(), "step_seconds": round(dt, 4),
            "tokens_per_s": round(B * T / dt, 1),
            "max_mem_gb": round(torch.cuda.max_memory_allocated() / 1e9, 2) if device == "cuda" else None}


if __name__ == "__main__":
    raise SystemExit(main())

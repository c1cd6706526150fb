"""The memory decoder's CUDA path: llama.cpp offload, GPU hidden states, training and mixing on CUDA.

Without ``models.llama_libs``' preload, a CUDA llama.cpp and a CUDA torch crashed in one
process (H100, CUDA 13.0, torch 2.11+cu130); ``one`` runs both together as the app does, the
other two stages run them apart:

    python3 bench/decoder_cuda.py one --gguf M.gguf [--order torch-first]  # both in one process, as in the app
    python3 bench/decoder_cuda.py step                              # torch only: one token's step, eager vs CUDA graph
    python3 bench/decoder_cuda.py hidden --gguf M.gguf --out DIR   # llama.cpp on the GPU: offload + datastore
    python3 bench/decoder_cuda.py torch --out DIR                  # torch on the GPU: kNN targets, training, mixing
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def hidden(args: argparse.Namespace) -> dict:
    from bench.decoder import synthetic_corpus
    from models.decoder.datastore import build_datastore
    from models.llm import LlamaConfig, LlamaRuntime

    rt = LlamaRuntime(LlamaConfig(path=args.gguf, n_gpu_layers=-1, n_ctx=2048))
    info = rt.load()
    print("loaded", flush=True)
    out = {"layers_offloaded": info.layers_offloaded, "n_layers": info.n_layers,
           "gpu_offload_supported": info.gpu_offload_supported, "tokenizer_hash": info.tokenizer_hash}

    def gen(n: int = 64) -> float:
        def work(l):  # type: ignore[no-untyped-def]
            l.create_completion("User: hello\nAssistant:", max_tokens=1, temperature=0.0)
            t0 = time.perf_counter()
            o = l.create_completion("User: hello\nAssistant:", max_tokens=n, temperature=0.0)
            return o["usage"]["completion_tokens"] / (time.perf_counter() - t0)
        return rt.call(work)
    out["gen_tok_per_s"] = round(sum(gen() for _ in range(3)) / 3, 1)
    print("generated", out, flush=True)
    rt.close()
    print("closed", flush=True)
    t0 = time.perf_counter()
    ds = build_datastore(synthetic_corpus(args.texts), args.gguf, 256, n_gpu_layers=-1)
    dt = time.perf_counter() - t0
    ds.meta.update({"window": 256})
    ds.save(Path(args.out) / "ds")
    out.update({"datastore_tokens": int(len(ds.tokens)), "hidden_seconds": round(dt, 2),
                "hidden_tok_per_s": round(len(ds.tokens) / dt, 1)})
    return out


def torch_stage(args: argparse.Namespace) -> dict:
    import numpy as np
    import torch

    from bench.decoder import scale_test
    from core.decoder import pipeline
    from models.decoder import knn
    from models.decoder.checkpoint import load_checkpoint
    from models.decoder.config import TrainConfig
    from models.decoder.datastore import Datastore
    from models.decoder.mixing import MemoryDecoderProcessor

    folder = Path(args.out) / "ds"
    ds = Datastore.load(folder)
    t0 = time.perf_counter()
    index = knn.TorchFlatIndex(ds.keys, "cuda")
    D, I = index.search(ds.keys, 65)
    D, I = knn.drop_self(D, I, np.arange(len(ds.keys)), 64)
    tau = 0.3 * knn.median_nearest(D)
    knn.sparse_targets(D, I, ds.vocab().to_compact(ds.values), tau).save(folder / "targets.npz")
    out: dict = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__,
                 "knn_seconds": round(time.perf_counter() - t0, 2), "nn_top1": knn.top1_accuracy(I, ds.values, ds.values)}
    rep = pipeline.train(folder, Path(args.out) / "ck", TrainConfig(epochs=args.epochs, device="cuda"))
    out["train"] = {"device": rep.device, "steps": rep.steps, "seconds": round(rep.seconds, 2), "params": rep.n_params,
                    "tok_per_s": round(len(ds.tokens) * args.epochs / rep.seconds, 1), "heldout": rep.heldout}
    ck = load_checkpoint(Path(args.out) / "ck")
    proc = MemoryDecoderProcessor(ck.model("cuda"), ck.vocab, 0.6, "cuda")
    rng = np.random.default_rng(0)
    scores = rng.normal(size=ds.n_vocab).astype(np.float32)
    ms, mixed = mixing_ms(proc, list(ds.window(0)[:32]), lambda i: int(ds.tokens[(32 + i) % len(ds.tokens)]), scores, 200)
    out["mixing"] = {"device": str(next(proc.stream.model.parameters()).device), "ms_per_token": round(ms, 3),
                     "sum_p": float(np.exp(mixed.astype(np.float64)).sum()), "error": repr(proc.error) if proc.error else None}
    out["scale"] = scale_test("cuda")
    return out


def one(args: argparse.Namespace) -> dict:
    """llama.cpp (full offload) and the torch decoder on the GPU in one process, as the app runs them:
    datastore from GPU hidden states, training on CUDA, generation with and without the decoder."""
    import numpy as np

    from bench.decoder import synthetic_corpus
    from core.decoder import pipeline
    from core.decoder.perplexity import generation_speed
    from models.decoder import knn
    from models.decoder.checkpoint import load_checkpoint
    from models.decoder.config import TrainConfig
    from models.decoder.datastore import build_datastore
    from models.decoder.mixing import MemoryDecoderProcessor
    from models.llm import LlamaConfig, LlamaRuntime

    out: dict = {"order": args.order}
    if args.order == "torch-first":
        import torch
        out["torch_cuda_first"] = float((torch.ones(64, 64, device="cuda") @ torch.ones(64, 64, device="cuda")).sum())
    rt = LlamaRuntime(LlamaConfig(path=args.gguf, n_gpu_layers=-1, n_ctx=2048, seed=1))
    info = rt.load()
    out.update({"layers_offloaded": info.layers_offloaded, "n_layers": info.n_layers})
    print("llama loaded", out, flush=True)
    import torch
    out["torch"] = torch.__version__
    out["torch_cuda_after_llama"] = float((torch.ones(64, 64, device="cuda") @ torch.ones(64, 64, device="cuda")).sum())
    print("torch on cuda next to llama.cpp", flush=True)
    folder = Path(args.out) / "one"
    ds = build_datastore(synthetic_corpus(args.texts), args.gguf, 256, n_gpu_layers=-1)
    ds.meta.update({"window": 256})
    ds.save(folder)
    index = knn.TorchFlatIndex(ds.keys, "cuda")
    D, I = index.search(ds.keys, 65)
    D, I = knn.drop_self(D, I, np.arange(len(ds.keys)), 64)
    knn.sparse_targets(D, I, ds.vocab().to_compact(ds.values), 0.3 * knn.median_nearest(D)).save(folder / "targets.npz")
    print("datastore", len(ds.keys), flush=True)
    rep = pipeline.train(folder, Path(args.out) / "one-ck", TrainConfig(epochs=args.epochs, device="cuda"))
    out["train"] = {"device": rep.device, "steps": rep.steps, "seconds": round(rep.seconds, 2), "heldout": rep.heldout}
    print("trained", out["train"], flush=True)
    ck = load_checkpoint(Path(args.out) / "one-ck")
    prompt = "User: Tell me about Ingrid and the dogs.\nAssistant:"
    for dev in ("cuda", "cpu"):
        proc = MemoryDecoderProcessor(ck.model(dev), ck.vocab, 0.2, dev)
        out[f"speed_{dev}"] = generation_speed(rt, prompt, proc, 64, 3)
        out[f"speed_{dev}"]["error"] = repr(proc.error) if proc.error else None
        print(dev, out[f"speed_{dev}"], flush=True)
    rt.close()
    return out


def mixing_ms(proc: Any, seq: list[int], next_token: Callable[[int], int], scores: Any, n: int) -> tuple[float, Any]:
    """Milliseconds per generated token of the decoder's logits processor (after one warm-up call), and its
    last mixed row: token ``i`` of the ``n`` appended to ``seq`` is ``next_token(i)``."""
    import numpy as np
    import torch

    proc(np.array(seq, dtype=np.intc), scores)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for i in range(n):
        seq.append(next_token(i))
        mixed = proc(np.array(seq, dtype=np.intc), scores)
    return (time.perf_counter() - t0) / n * 1000, mixed


def _step_times(m: Any, ids: Any, dev: str) -> dict:
    """One token's decoder step, eager against the CUDA graph: ms per token and how far their logits differ."""
    import torch

    from models.decoder.inference import FoldedDecoder

    res: dict = {}
    logits = {}
    for mode in ("eager", "graph"):
        f = FoldedDecoder(m, dev, static_steps=(mode == "graph"))
        res[f"{mode}_graph_error"] = f.graph_error
        with torch.inference_mode():
            f.feed(ids[:8])
            outs = []
            for i in range(8, 40):       # warm
                outs.append(f.feed(ids[i:i + 1]))
            if dev == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            for i in range(40, 200):
                outs.append(f.feed(ids[i:i + 1]))
            if dev == "cuda":
                torch.cuda.synchronize()
        res[f"{mode}_ms_per_token"] = round((time.perf_counter() - t0) / 160 * 1000, 4)
        logits[mode] = torch.stack(outs)
    res["graph_vs_eager_max_abs_diff"] = float((logits["graph"] - logits["eager"]).abs().max())
    with torch.no_grad():
        full, _ = m(ids[None])
    res["graph_vs_model_max_abs_diff"] = float((logits["graph"] - full[0, 8:200]).abs().max())
    return res


def step(args: argparse.Namespace) -> dict:
    """torch only (no llama.cpp needed): one generated token's decoder step and mixing on the GPU,
    eager against the CUDA graph, and a training step with bfloat16 autocast."""
    import numpy as np
    import torch

    from models.decoder.config import DecoderConfig
    from models.decoder.mixing import MemoryDecoderProcessor
    from models.decoder.model import build_model
    from models.decoder.vocab import CompactVocab

    dev = args.device
    n_vocab, n_out = 49152, args.n_out
    rng = np.random.default_rng(0)
    vocab = CompactVocab(np.sort(rng.choice(n_vocab, n_out, replace=False)), n_vocab)
    out: dict = {"gpu": torch.cuda.get_device_name(0) if dev == "cuda" else None, "torch": torch.__version__, "n_out": n_out}
    for name, (d, L, H) in {"gpu_default_512x6": (512, 6, 8), "cpu_default_256x3": (256, 3, 4)}.items():
        torch.manual_seed(0)
        cfg = DecoderConfig(n_in=n_out + 1, n_out=n_out, n_embd_base=576, d_model=d, n_layer=L, n_head=H, block_size=256)
        m = build_model(cfg, head=torch.randn(n_out, 576) * 0.05)
        with torch.no_grad():
            m.proj_out.weight.normal_(0, 0.02)
        m = m.to(dev).eval()
        res = _step_times(m, torch.as_tensor(rng.integers(0, n_out, 200), device=dev), dev)
        proc = MemoryDecoderProcessor(m, vocab, 0.2, dev)
        seq = list(vocab.ids[rng.integers(0, n_out, 16)])
        scores = rng.normal(size=n_vocab).astype(np.float32)
        ms, mixed = mixing_ms(proc, seq, lambda _i: int(vocab.ids[rng.integers(0, n_out)]), scores, 150)
        res["processor_ms_per_token"] = round(ms, 4)
        res["processor_error"] = repr(proc.error) if proc.error else None
        res["mixed_sum_p"] = float(np.exp(mixed.astype(np.float64)).sum())
        out[name] = res
        print(name, res, flush=True)
    if dev == "cuda":
        from bench.decoder import scale_test
        out["scale_train_step"] = scale_test(dev)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("stage", choices=["hidden", "torch", "one", "step"])
    ap.add_argument("--n-out", type=int, default=8000)
    ap.add_argument("--device", default="cuda", help="step: where to run (cpu for a dry run)")
    ap.add_argument("--order", default="llama-first", choices=["llama-first", "torch-first"])
    ap.add_argument("--gguf", default="")
    ap.add_argument("--out", default="/tmp/mdcuda")
    ap.add_argument("--texts", type=int, default=40)
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    res = {"hidden": hidden, "torch": torch_stage, "one": one, "step": step}[args.stage](args)
    print(json.dumps(res, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

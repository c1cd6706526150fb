"""``mnemo models [list|add|use|remove|info]``: the chat models, what their files say, and switching between them."""
from __future__ import annotations

import argparse
import json
from typing import Any

from app.cli.docs_cmd import safe


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list, download, switch and remove chat models (GGUF)",
                       description="The embedded model, the GGUF files in Mnemo's models folder and those added by "
                                   "path: what each file says, the memory it needs, whether it fits this computer.")
    ms = p.add_subparsers(dest="models_cmd", metavar="ACTION")
    lp = ms.add_parser("list", help="the models with their facts (* = in use)")
    lp.add_argument("--json", action="store_true", help="print JSON")
    ap = ms.add_parser("add", help="download a GGUF (https URL or Hugging Face owner/repo/file.gguf) or add a file",
                       description="A URL or owner/repo/file.gguf is downloaded into the models folder (resumed if "
                                   "interrupted, checked against its sha256 when one is known); a file on this "
                                   "computer is added where it is.")
    ap.add_argument("source", metavar="URL|PATH|owner/repo/file.gguf")
    ap.add_argument("--sha256", metavar="HEX", help="the file's expected sha256")
    ap.add_argument("--name", help="the name it gets in the list (default: its file name)")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    up = ms.add_parser("use", help="chat with this model from now on")
    up.add_argument("name")
    rp = ms.add_parser("remove", help="delete a downloaded model, or forget one added by path (its file stays)")
    rp.add_argument("name")
    ip = ms.add_parser("info", help="everything the model's file says")
    ip.add_argument("name")
    ip.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run, json=False)   # plain ``mnemo models`` lists them


def run(args: argparse.Namespace, services) -> int:
    cmd = args.models_cmd or "list"
    catalog = services.models
    if cmd == "list":
        return _list(catalog, services, args.json)
    if cmd == "add":
        return _add(catalog, args)
    if cmd == "use":
        e = catalog.use(args.name)
        print(safe(f"Chat model: {e.name} ({e.path}). The next answer loads it."))
        _fit_line(e)
        _decoder_note(catalog)
        return 0
    if cmd == "remove":
        print(safe(catalog.remove(args.name)))
        return 0
    if cmd == "info":
        e = catalog.get(args.name)
        if args.json:
            print(json.dumps(_as_json(e), indent=2))
        else:
            _print_info(e)
        return 0
    raise AssertionError(cmd)


def _list(catalog, services, as_json: bool) -> int:
    from core.modelhub import gib

    entries = catalog.entries()
    if as_json:
        print(json.dumps([_as_json(e) for e in entries], indent=2))
        return 0
    head = ("", "NAME", "ARCH", "PARAMS", "QUANT", "FILE", "CONTEXT", "CHAT", "TOKENIZER", "NEEDS", "FITS")
    rows = [head]
    for e in entries:
        i = e.info
        if i is None:
            rows.append(("*" if e.in_use else "", e.name, "?", "", "", "", "", "", "", "", e.error))
            continue
        rows.append(("*" if e.in_use else "", e.name, i.architecture, i.parameters_label, i.quantization,
                     gib(i.file_size), str(i.context_length or "?"), "yes" if i.chat_template else "no",
                     i.tokenizer_hash or "?", gib(e.estimate.total) if e.estimate else "?", e.fit.text if e.fit else "?"))
    widths = [max(len(str(r[c])) for r in rows[:]) for c in range(len(head) - 1)]
    for r in rows:
        print(safe("  ".join(str(v).ljust(w) for v, w in zip(r, widths)) + "  " + str(r[-1])).rstrip())
    m = services.settings.model
    n_ctx = m.n_ctx
    print(f"NEEDS: weights + KV cache for {n_ctx} tokens of context (model.n_ctx) + buffers, roughly.")
    if m.backend != "embedded":
        print(safe(f"The chat runs on a server ({m.base_url or 'model.base_url'}, model.backend = {m.backend}); "
                   "'mnemo models use NAME' switches back to a local model."))
    for part, size, url in catalog.partials():
        print(safe(f"Unfinished download: {part} ({gib(size)}); resume it with: mnemo models add {url or 'URL'}"
                   " (or delete the file)."))
    _decoder_note(catalog)
    print("Add one: mnemo models add URL|PATH|owner/repo/file.gguf   Switch: mnemo models use NAME")
    return 0


def _add(catalog, args: argparse.Namespace) -> int:
    from app.cli.progress import CliProgress
    from core.jobs import CancelToken

    cancel = CancelToken()

    def rate(p: Any) -> str:
        r = p.extra.get("rate")
        return f"{r / 1e6:.1f} MB/s" if r else ""

    with CliProgress("download", "KiB", detail=rate, quiet=args.quiet) as bar:
        try:
            e = catalog.add(args.source, sha256=args.sha256, name=args.name, progress=bar, cancel=cancel)
        except KeyboardInterrupt:
            cancel.cancel()
            raise
    verb = "Downloaded" if e.kind == "downloaded" else "Added"
    checked = " (sha256 verified)" if e.kind == "downloaded" and e.sha256 and _verified(catalog, e) else ""
    print(safe(f"{verb} {e.name}: {e.path}{checked}."))
    _fit_line(e)
    print(safe(f"Chat with it: mnemo models use {e.name}"))
    return 0


def _verified(catalog, e) -> bool:
    return bool(catalog.registry.origin(e.path.name).get("verified"))


def _fit_line(e) -> None:
    from core.modelhub import gib

    if e.info is None:
        print(safe(f"Its file cannot be read: {e.error}"))
        return
    if e.fit is not None and e.estimate is not None:
        print(safe(f"{e.info.architecture}, {e.info.parameters_label} parameters, {e.info.quantization}: needs about "
                   f"{gib(e.estimate.total)} with {e.estimate.n_ctx} tokens of context: {e.fit.text} ({e.fit.detail})."))


def _decoder_note(catalog) -> None:
    note = catalog.decoder_note()
    if note:
        print(safe(note + "."))


def _print_info(e) -> None:
    from core.modelhub import gib

    print(safe(f"{e.name}{'  (in use)' if e.in_use else ''}"))
    print(safe(f"  file            {e.path}"))
    print(f"  kind            {e.kind}")
    if e.origin:
        print(safe(f"  downloaded from {e.origin}"))
    if e.sha256:
        print(f"  sha256          {e.sha256}")
    i = e.info
    if i is None:
        print(safe(f"  cannot be read: {e.error}"))
        return
    facts = [("name", i.name), ("architecture", i.architecture),
             ("parameters", f"{i.parameters:,} ({i.parameters_label})"), ("quantization", i.quantization),
             ("file size", f"{gib(i.file_size)} ({i.file_size:,} bytes)"), ("context length", i.context_length),
             ("chat template", "yes" if i.chat_template else "no"), ("layers", i.n_layers),
             ("heads", f"{i.n_head} ({i.n_head_kv} for keys/values)"), ("embedding", i.n_embd),
             ("vocabulary", f"{i.n_vocab} tokens ({i.tokenizer_model or '?'})"),
             ("tokenizer hash", i.tokenizer_hash or "?")]
    for k, v in facts:
        print(safe(f"  {k:<15} {v}"))
    if e.estimate is not None and e.fit is not None:
        est = e.estimate
        print(f"  memory          {gib(est.total)}: weights {gib(est.weights)} + KV cache {gib(est.kv_cache)} "
              f"({est.n_ctx} tokens) + buffers {gib(est.overhead)}")
        print(safe(f"  fits            {e.fit.text}: {e.fit.detail}"))


def _as_json(e) -> dict[str, Any]:
    out: dict[str, Any] = {"name": e.name, "path": str(e.path), "kind": e.kind, "in_use": e.in_use,
                           "origin": e.origin or None, "sha256": e.sha256 or None, "error": e.error or None,
                           "info": e.info.to_json() if e.info else None}
    if e.estimate is not None:
        out["memory"] = {"weights": e.estimate.weights, "kv_cache": e.estimate.kv_cache,
                         "overhead": e.estimate.overhead, "total": e.estimate.total, "n_ctx": e.estimate.n_ctx}
    if e.fit is not None:
        out["fits"] = {"fits": e.fit.fits, "where": e.fit.where, "text": e.fit.text, "detail": e.fit.detail}
    return out

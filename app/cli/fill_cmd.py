"""``mnemo fill FORM``, ``mnemo serve`` and ``mnemo api-token``: autofill from the command line and the prefill API."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import MnemoError

if TYPE_CHECKING:
    from core.autofill.model import Proposal


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fill", help="propose values for a form (PDF, HTML, JSON, label list) and write a filled copy",
                       description="Reads FORM, proposes a value for each field with its source and confidence, and "
                                   "prints a review table. The original file is never changed.")
    p.add_argument("form", help="the form: .pdf (fillable, or with printed labels: the values are drawn beside them), "
                   ".html, .json field descriptors, or a text file of labels")
    p.add_argument("--out", help="write the filled form here (.pdf/.html in the form's format, or .json for review)")
    p.add_argument("--accept", metavar="EDITED.json",
                   help="a review JSON you edited: your corrected values become pinned facts (and fill --out)")
    p.add_argument("--json", action="store_true", help="print the review JSON instead of the table")
    p.add_argument("--overwrite", action="store_true", help="replace values the form already has")
    p.add_argument("--no-model", action="store_true", help="use only profile facts; do not ask the model")
    p.set_defaults(func=run_fill)

    s = sub.add_parser("serve", help="run the local prefill API (POST /v1/prefill on 127.0.0.1)")
    s.add_argument("--port", type=int, help="port (default: the autofill.api_port setting)")
    s.set_defaults(func=run_serve)

    t = sub.add_parser("api-token", help="print the prefill API's bearer token (created on first use)")
    t.add_argument("--new", action="store_true", help="replace the token with a new one (old clients stop working)")
    t.set_defaults(func=run_token)


def _table(proposals: list[Proposal]) -> str:
    rows = [("FIELD", "VALUE", "SOURCE", "CONF", "NOTE")]
    for p in proposals:
        value = p.value + (" [sensitive]" if p.sensitive and p.value else "")
        source = f"{p.source} {p.source_ref}".strip() if p.filled else p.status
        note = p.note or (f"{p.key} via {p.match}" if p.key else "")
        rows.append((p.label[:32], value[:40], source[:34], f"{p.confidence:.2f}" if p.filled else "", note[:60]))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + "  " + r[4] for r in rows]
    filled = sum(p.filled for p in proposals)
    lines.append(f"{filled} of {len(proposals)} fields proposed. Nothing was submitted.")
    return "\n".join(line.rstrip() for line in lines)


def _load_edited(path: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise MnemoError(f"Cannot read the edited review file {path} ({exc}).",
                         "Write it with `mnemo fill FORM --json > review.json`, edit the values, then pass it to --accept.") from exc
    rows = data.get("fields") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise MnemoError(f"{path} holds no list of fields.", "Use the JSON that `mnemo fill --json` printed.")
    return rows


def run_fill(args: argparse.Namespace, services: Any) -> int:
    from core.autofill.forms import filled_json, read_form, write_form
    from core.autofill.model import Proposal

    af = services.autofill
    form = read_form(args.form)
    if args.accept:
        rows = _load_edited(args.accept)
        changed = af.accept(rows)
        for key, value in changed:
            print(f"saved {key} = {value} (pinned)")
        if not changed:
            print("No corrections: nothing was saved.")
        if args.out:
            by = {str(r.get("name")): r for r in rows if isinstance(r, dict)}
            proposals = [Proposal(field=f.name, label=f.label, value=str(by.get(f.name, {}).get("value", "") or ""),
                                  status="filled" if by.get(f.name, {}).get("value") else "unknown")
                         for f in form.fields]
            write_form(form, proposals, args.out)
            print(f"wrote {args.out}")
        return 0
    proposals = af.propose(form.fields, overwrite=args.overwrite or None, use_model=not args.no_model)
    if args.json:
        print(json.dumps(filled_json(form, proposals), indent=2, ensure_ascii=False))
    else:
        print(_table(proposals))
    if args.out:
        write_form(form, proposals, args.out)
        print(f"wrote {args.out}", file=sys.stderr if args.json else sys.stdout)
    return 0


def run_serve(args: argparse.Namespace, services: Any) -> int:
    from core.autofill.server import HOST, serve

    cfg = services.settings.autofill
    if not cfg.api_enabled:
        raise MnemoError("The prefill API is off.", "Turn it on with `mnemo settings set autofill.api_enabled true`.")
    port = args.port or cfg.api_port
    token = services.secrets.get_or_create("api-token")
    print(f"Prefill API on http://{HOST}:{port}/v1/prefill (bearer token: `mnemo api-token`). Ctrl-C stops it.")
    serve(services.autofill, token, port, list(cfg.api_allowed_origins))
    return 0


def run_token(args: argparse.Namespace, services: Any) -> int:
    if args.new:
        services.secrets.delete("api-token")
    print(services.secrets.get_or_create("api-token"))
    return 0

"""``mnemo eval profile DIR EXPECTED.json``: import a folder of personal documents into a scratch data
folder, extract the profile, and report precision and recall per key against the expected profile."""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from core.errors import MnemoError


def register(es: argparse._SubParsersAction) -> None:
    p = es.add_parser("profile", help="profile extraction: precision and recall per key on a persona folder",
                      description="Import DIR (as your own documents) into a scratch data folder, extract the "
                                  "profile, and compare it with EXPECTED.json ({key: value or [values]}).")
    p.add_argument("dir", help="folder of the persona's documents")
    p.add_argument("expected", help="JSON file with the expected profile")
    p.add_argument("--rules-only", action="store_true", help="no model extraction (rules only)")
    p.add_argument("--json", dest="json_out", help="also write the scores to this JSON file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, services) -> int:
    from app.services import Services
    from core.persona.evaluate import load_expected, score_profile

    folder = Path(args.dir)
    if not folder.is_dir():
        raise MnemoError(f"{folder} is not a folder.", "Give the folder of the persona's documents.")
    expected = load_expected(Path(args.expected))
    with tempfile.TemporaryDirectory(prefix="mnemo-eval-profile-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        if services.paths.settings.exists():
            shutil.copy(services.paths.settings, home / "settings.json")
        scratch = Services(home)
        try:
            if services.llm_loaded or not args.rules_only:
                scratch.set_llm(services.llm)  # one model in memory, shared
            scratch.persona.set_model_use(not args.rules_only, writing=not args.rules_only)
            t0 = time.perf_counter()
            report = scratch.documents.import_paths([folder], owner_self=True)
            t1 = time.perf_counter()
            scratch.persona.flush(600)
            stats = scratch.persona.refresh(use_model=False if args.rules_only else None)
            t2 = time.perf_counter()
            predicted = {f.key: f.value for f in scratch.persona.facts.all(reveal=True)}
            topics = [t.name for t in scratch.persona.topics.list()]
        finally:
            scratch.persona.close()
            scratch.set_llm(None)  # the shared model belongs to the outer services
            scratch.secrets.delete("fact-key")
            scratch.close()
    score = score_profile(expected, predicted)
    print(f"Imported: {report.summary()}")
    print(f"Extraction: {stats['chunks']} chunks, {'rules only' if args.rules_only else 'rules + model'}, "
          f"{t2 - t1:.1f} s (import {t1 - t0:.1f} s); {len(topics)} topics: {', '.join(topics[:8])}")
    print(f"\n{'key':<22} {'ok':<3} {'predicted':<34} expected")
    for k in score.keys:
        print(f"{k.key:<22} {'✓' if k.correct else ('✗' if k.predicted else '-'):<3} {str(k.predicted or ''):<34} "
              f"{' | '.join(k.expected)}")
    if score.extra:
        print("\nNot in the expected profile: " + ", ".join(f"{k}={v}" for k, v in score.extra.items()))
    print(f"\nprecision {score.precision:.3f} ({score.n_correct}/{score.n_predicted_scored} listed keys), "
          f"recall {score.recall:.3f} ({score.n_correct}/{score.n_expected}), "
          f"precision over all predicted keys {score.precision_all:.3f}")
    if args.json_out:
        out = score.to_json() | {"rules_only": bool(args.rules_only), "seconds": round(t2 - t1, 2), "topics": topics}
        Path(args.json_out).write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    sys.stdout.flush()
    return 0

"""``mnemo eval profile DIR EXPECTED.json``: what a user gets from an ordinary import, scored strictly.

The user's path exactly: ``mnemo import DIR`` (no ``--mine``, no extra refresh) into a scratch data
folder, the persona's background work left to finish as the running app would (``persona.flush``), then
the profile as ``mnemo profile --sensitive`` prints it (sensitive facts included, so that an expected
passport or IBAN can be scored). Only the facts that profile shows are scored; see
``core.persona.evaluate`` for what counts as equal (nothing "nearly" does).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from core.errors import MnemoError


def register(es: argparse._SubParsersAction) -> None:
    p = es.add_parser("profile", help="profile extraction: strict precision, recall and junk on a persona folder",
                      description="Import DIR as a user would ('mnemo import DIR') into a scratch data folder, wait "
                                  "for the persona's background work, and compare the profile 'mnemo profile' shows "
                                  "with EXPECTED.json ({key: value or [values]}, optional \"_owner\": full name, "
                                  "\"_region\": country code for national phone numbers).")
    p.add_argument("dir", help="folder of the persona's documents")
    p.add_argument("expected", help="JSON file with the expected profile")
    p.add_argument("--rules-only", action="store_true", help="no model (rules only, as with no model loaded)")
    p.add_argument("--json", dest="json_out", help="also write the scores to this JSON file")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for the background work")
    p.set_defaults(func=run)


def shown_facts(persona, profile: str) -> list[tuple[str, str]]:  # noqa: ANN001 - PersonaService
    """The (key, value) facts the printed profile shows: each stored fact whose ``- label: value`` line it
    prints (the profile picks, orders and caps the facts; the eval scores what it picked)."""
    from core.persona.keys import label

    text = profile.casefold()
    return [(f.key, f.value) for f in persona.facts.all(reveal=True)
            if f"- {label(f.key)}: {f.value}".casefold() in text]


def inferred_owner(persona, facts: list[tuple[str, str]]) -> tuple[str | None, str, list[str]]:  # noqa: ANN001
    """Who the app thinks the user is, how it says so, and its evidence: the persona's own owner inference
    (``persona.owner()``, what ``mnemo whoami`` shows) where the persona has one, else the name fact."""
    found: Any = persona.owner() if callable(getattr(persona, "owner", None)) else None
    if found is not None:
        name = getattr(found, "name", None)
        evidence = [str(e) for e in getattr(found, "evidence", None) or []]
        emails = ", ".join(getattr(found, "emails", None) or [])
        if isinstance(name, str) and name:
            return name, "persona.owner()", evidence
        return None, "persona.owner(): " + (f"no name, only {emails}" if emails else "nobody"), evidence
    names = [v for k, v in facts if k == "name"]
    if names:
        return names[0], "the name fact", []
    given = [v for k, v in facts if k == "given-name"]
    family = [v for k, v in facts if k == "family-name"]
    if given and family:
        return f"{given[0]} {family[0]}", "the given-name and family-name facts", []
    return None, "no name in the profile", []


def run(args: argparse.Namespace, services) -> int:
    from app.cli.scratch import run_cli, scratch_services
    from core.persona.evaluate import load_expected, score_owner, score_profile

    folder = Path(args.dir)
    if not folder.is_dir():
        raise MnemoError(f"{folder} is not a folder.", "Give the folder of the persona's documents.")
    expected = load_expected(Path(args.expected))
    with scratch_services(services, "mnemo-eval-profile-", persona_model=not args.rules_only) as scratch:
        t0 = time.perf_counter()
        rc, imported = run_cli(["import", "--quiet", str(folder)], scratch)
        t1 = time.perf_counter()
        finished = scratch.persona.flush(args.timeout)
        t2 = time.perf_counter()
        _, profile = run_cli(["profile", "--sensitive"], scratch)
        facts = shown_facts(scratch.persona, profile)
        stored = len(scratch.persona.facts.all())
        owner, how, evidence = inferred_owner(scratch.persona, facts)
        topics = [t.name for t in scratch.persona.topics.list()]
    score = score_profile(expected, facts)
    if expected.owner:
        score.owner = score_owner(expected.owner, owner, how, evidence)
    _print(args, score, imported, rc, finished, t1 - t0, t2 - t1, topics)
    if stored and not facts:
        print(f"Warning: {stored} facts are stored but none was found in the profile's '- label: value' lines; "
              "has the format of 'mnemo profile' changed?")
    if args.json_out:
        out = score.to_json() | {"persona": str(folder), "rules_only": bool(args.rules_only),
                                 "import_seconds": round(t1 - t0, 2), "background_seconds": round(t2 - t1, 2),
                                 "background_finished": finished, "facts_stored": stored, "topics": topics, "profile": profile}
        Path(args.json_out).write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    sys.stdout.flush()
    return 0


def _print(args: argparse.Namespace, score, imported: str, rc: int, finished: bool, t_import: float,  # noqa: ANN001
           t_background: float, topics: list[str]) -> None:
    print(imported.strip() + (f" (exit code {rc})" if rc else ""))
    print(f"Persona work: {'rules only' if args.rules_only else 'rules + model'}, import {t_import:.1f} s, "
          f"background {t_background:.1f} s{'' if finished else ' (NOT finished in time)'}; "
          f"{len(topics)} topics{': ' + ', '.join(topics[:8]) if topics else ''}")
    print(f"\n{'key':<22} {'ok':<3} {'shown':<36} expected")
    for k in score.keys:
        print(f"{k.key:<22} {k.mark:<3} {' | '.join(k.predicted):<36} {' | '.join(k.expected)}")
    for key, vals in score.extra.items():
        print(f"{key:<22} {'J':<3} {' | '.join(vals):<36} (not an expected key: junk)")
    print("\n✓ right, ✗ wrong, - missing, ~ some shown values wrong, J junk")
    for key, value, whose in score.leaks:
        print(f"Leak: {key} = {value} is {whose}'s, not the owner's")
    if score.owner is not None:
        o = score.owner
        print(f"Owner: {'✓' if o.correct else '✗'} inferred {o.inferred or 'nobody'!s} ({o.how}); "
              f"expected {' | '.join(o.expected)}")
        for line in o.evidence[:4]:
            print(f"  evidence: {line}")
    precision = f"{score.precision:.3f}" if score.n_predicted_scored else "n/a"
    print(f"precision {precision} ({score.n_right}/{score.n_predicted_scored} shown facts on expected keys), "
          f"recall {score.recall:.3f} ({score.n_correct}/{score.n_expected}), "
          f"junk {score.junk:.3f} ({score.n_extra}/{score.n_predicted} shown facts), "
          f"precision over all shown facts {score.precision_all:.3f}")

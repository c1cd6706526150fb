"""``mnemo settings list|get|set|reset``: every setting, validated against the schema."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.cli.reembed_cmd import settings_notice
from app.paths import DataPaths
from core.settings import SettingsStore


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("settings", help="read and change settings")
    ss = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    lp = ss.add_parser("list", help="every setting with its value and allowed range")
    lp.add_argument("--json", action="store_true")
    gp = ss.add_parser("get", help="print one setting")
    gp.add_argument("key")
    sp = ss.add_parser("set", help="change one setting (refused if out of range)")
    sp.add_argument("key")
    sp.add_argument("value")
    rp = ss.add_parser("reset", help="put one setting back to its default")
    rp.add_argument("key")
    p.set_defaults(func_noservices=run)


def _fmt(value: object) -> str:
    return json.dumps(value) if isinstance(value, (list, dict, bool)) or value is None else str(value)


def run(args: argparse.Namespace) -> int:
    # Settings need no model and no lock: the store writes atomically.
    paths = DataPaths.create(Path(args.home) if args.home else None)
    store = SettingsStore(paths.settings)
    for w in store.warnings:
        print(f"warning: {w}")
    if args.action == "list":
        infos = store.list()
        if args.json:
            print(json.dumps({i.key: i.value for i in infos}, indent=2))
            return 0
        section = None
        for i in infos:
            if i.section_title != section:
                section = i.section_title
                print(f"\n[{section}]")
            print(f"  {i.key} = {_fmt(i.value)}    ({i.title}; {i.bounds})")
            print(f"      {i.description}")
        return 0
    if args.action == "get":
        print(_fmt(store.get(args.key)))
        return 0
    if args.action in ("set", "reset"):
        value = store.set(args.key, args.value) if args.action == "set" else store.reset(args.key)
        print(f"{args.key} = {_fmt(value)}" + (" (default)" if args.action == "reset" else ""))
        notice = settings_notice(args.key)
        if notice:
            print(notice)
        return 0
    return 1

"""``mnemo settings list|get|set|reset``: every setting, validated against the schema;
``set-secret|delete-secret``: the secrets of servers (an API key, a token), kept in the keyring, never in settings."""
from __future__ import annotations

import argparse
import json
import sys
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
    xp = ss.add_parser("set-secret", help="store a server's secret in the keyring (read from the terminal or stdin)",
                       description="Store the API key of the model server or the token of the Chroma server in the "
                                   "keyring. The value is read without echo from the terminal, or from one line of "
                                   "stdin (e.g. 'pass show mnemo | mnemo settings set-secret model.api_key').")
    xp.add_argument("name", choices=sorted(SECRET_NAMES))
    dp = ss.add_parser("delete-secret", help="remove a server's secret from the keyring")
    dp.add_argument("name", choices=sorted(SECRET_NAMES))
    p.set_defaults(func_noservices=run)


SECRET_NAMES = {"model.api_key": "the API key of the model server (model.base_url)",
                "storage.chroma_token": "the token of the Chroma server (storage.chroma_host)"}


def _read_secret(name: str) -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(f"{name} ({SECRET_NAMES[name]}): ")
    return sys.stdin.readline().rstrip("\r\n")


def _secrets(args: argparse.Namespace, paths: DataPaths) -> int:
    from core.secrets import SecretStore

    store = SecretStore(paths.home)
    if args.action == "delete-secret":
        store.delete(args.name)
        print(f"{args.name} removed from {store.backend_name}.")
        return 0
    value = _read_secret(args.name).strip()
    if not value:
        print(f"No value given: {args.name} is unchanged. Type it at the prompt, or pipe it on one line of stdin.",
              file=sys.stderr)
        return 2
    store.set(args.name, value)
    print(f"{args.name} stored in {store.backend_name}; it is used from the next request on.")
    return 0


def _fmt(value: object) -> str:
    return json.dumps(value) if isinstance(value, (list, dict, bool)) or value is None else str(value)


def run(args: argparse.Namespace) -> int:
    # Settings need no model and no lock: the store writes atomically.
    paths = DataPaths.create(Path(args.home) if args.home else None)
    store = SettingsStore(paths.settings)
    for w in store.warnings:
        print(f"warning: {w}")
    if args.action in ("set-secret", "delete-secret"):
        return _secrets(args, paths)
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

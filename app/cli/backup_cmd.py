"""``mnemo backup``, ``mnemo restore`` and ``mnemo export``.

backup and restore do not open the data folder through Services: backup must work while
the app holds the folder's lock (SQLite's online backup is safe next to a writer), and
restore writes a folder that does not exist yet. Passphrases come from
``--passphrase-file``, the ``MNEMO_BACKUP_PASSPHRASE`` variable, or a prompt.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from app.cli.progress import CliProgress
from core.errors import MnemoError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="write a consistent backup of the data folder (safe while Mnemo runs)",
                       description="Write a backup file (zip with a sha256 manifest): the database, vectors, trained "
                                   "weights and settings. Secrets only with --include-secrets, encrypted with a passphrase.")
    p.add_argument("file", help="the backup file to write, e.g. mnemo-2026-01-01.mnemo-backup")
    p.add_argument("--include-secrets", action="store_true",
                   help="also store the secrets (sensitive-fact key, API token), encrypted with a passphrase")
    p.add_argument("--passphrase-file", help="read the passphrase from this file's first line")
    p.set_defaults(func_noservices=run_backup)

    r = sub.add_parser("restore", help="verify a backup and restore it into an empty data folder",
                       description="Verify every file of a backup against its manifest and restore it into an empty "
                                   "or new data folder (never over existing data).")
    r.add_argument("file", help="the backup file")
    r.add_argument("--home", dest="restore_home", metavar="DIR",
                   help="restore into this folder (default: the data folder; it must be empty or absent)")
    r.add_argument("--passphrase-file", help="read the secrets' passphrase from this file's first line")
    r.add_argument("--skip-secrets", action="store_true", help="do not restore the backup's secrets")
    r.add_argument("--check", action="store_true", help="only verify the backup; write nothing")
    r.set_defaults(func_noservices=run_restore)

    e = sub.add_parser("export", help="export facts (JSON, vCard) and conversations (Markdown) to a folder")
    e.add_argument("folder", help="an empty or new folder")
    e.add_argument("--reveal-sensitive", action="store_true", help="write sensitive facts in clear (masked otherwise)")
    e.set_defaults(func=run_export)
    register_recover(sub)


def _passphrase(args: argparse.Namespace, confirm: bool) -> str:
    if args.passphrase_file:
        try:
            return Path(args.passphrase_file).read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError) as exc:
            raise MnemoError(f"Could not read a passphrase from {args.passphrase_file} ({exc}).",
                             "Put the passphrase on the file's first line.") from exc
    env = os.environ.get("MNEMO_BACKUP_PASSPHRASE")
    if env:
        return env
    if not sys.stdin.isatty():
        raise MnemoError("A passphrase is needed and there is no terminal to ask for it.",
                         "Use --passphrase-file FILE or the MNEMO_BACKUP_PASSPHRASE variable.")
    first = getpass.getpass("Backup passphrase: ")
    if confirm and getpass.getpass("Again: ") != first:
        raise MnemoError("The two passphrases differ.", "Run the command again.")
    return first


def _home(args: argparse.Namespace, override: str | None = None) -> Path:
    from app.paths import default_home

    chosen = override or args.home
    return Path(chosen).expanduser() if chosen else default_home()


def run_backup(args: argparse.Namespace) -> int:
    from core.backup import create_backup

    home = _home(args)
    passphrase = _passphrase(args, confirm=True) if args.include_secrets else None
    with CliProgress("backup", "files") as bar:
        res = create_backup(home, Path(args.file), include_secrets=args.include_secrets, passphrase=passphrase,
                            progress=bar)
    m = res.manifest
    print(f"Backup written: {res.path} ({res.bytes_written / 1e6:.1f} MB, {len(m.members)} files, sha256 manifest).")
    if not res.locked:
        print("Mnemo was running: the database was copied with SQLite's online backup; the vector index is left "
              "out and will be rebuilt from the database on restore.")
    if m.secrets:
        print(f"Secrets included, encrypted with your passphrase: {', '.join(m.secret_names) or 'none found'}.")
    else:
        print("Secrets are not included (add --include-secrets): sensitive facts can only be read after a restore "
              "on this computer's keyring, and the API token will be new.")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from core.backup import restore_backup, verify_backup

    if args.check:
        with CliProgress("check", "files") as bar:
            m = verify_backup(Path(args.file), progress=bar)
        print(f"Backup OK: {len(m.members)} files match their sha256, made {m.created_at} by Mnemo {m.mnemo_version}"
              f"{', with encrypted secrets' if m.secrets else ''}.")
        return 0
    target = _home(args, args.restore_home)
    passphrase = None
    if not args.skip_secrets:
        from core.backup.restore import _open, _read_manifest

        with _open(Path(args.file)) as zf:
            if _read_manifest(zf, Path(args.file)).secrets:
                passphrase = _passphrase(args, confirm=False)
    with CliProgress("restore", "files") as bar:
        res = restore_backup(Path(args.file), target, passphrase=passphrase, skip_secrets=args.skip_secrets,
                             progress=bar)
    print(f"Restored {res.files} files into {res.home}.")
    if res.secrets_restored:
        print(f"Secrets restored: {', '.join(res.secrets_restored)}.")
    from app.services import Services

    with Services(res.home) as services:  # runs newer migrations and the integrity check
        if res.vectors_need_rebuild:
            print(f"Vector index rebuilt from the database: {services.rebuild_vectors()} vectors.")
    print(f"Start Mnemo on it with: MNEMO_HOME={res.home} mnemo-desktop" if args.restore_home else "Done.")
    return 0


def run_export(args: argparse.Namespace, services) -> int:
    from core.export import export_all

    with CliProgress("export", "conversations") as bar:
        res = export_all(services.persona.facts, services.conversations, Path(args.folder),
                         reveal=args.reveal_sensitive, progress=bar)
    print(f"Exported {res.facts} facts (facts.json, me.vcf) and {res.conversations} conversations (Markdown) "
          f"to {res.folder}.")
    return 0


def register_recover(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("recover", help="check the data folder and recover from damage (rebuild vectors or restore)",
                       description="Check the database and the vector index. --vectors sets a damaged vector index "
                                   "aside and rebuilds it from the database; --from BACKUP sets the whole data folder "
                                   "aside (renamed, never deleted) and restores the backup in its place.")
    r.add_argument("--vectors", action="store_true", help="set the vector index aside and rebuild it")
    r.add_argument("--from", dest="backup", metavar="BACKUP", help="set the data folder aside and restore this backup")
    r.add_argument("--passphrase-file", help="passphrase for a backup with secrets")
    r.set_defaults(func_noservices=run_recover)


def run_recover(args: argparse.Namespace) -> int:
    from core.backup.health import check_folder, set_folder_aside, set_vectors_aside

    home = _home(args)
    if args.backup:
        moved = set_folder_aside(home)
        print(f"The data folder was set aside as {moved}.")
        args.file, args.restore_home, args.skip_secrets, args.check = args.backup, str(home), False, False
        return run_restore(args)
    health = check_folder(home)
    print(f"Database: {health.database}")
    print(f"Vector index: {health.vectors}")
    if args.vectors:
        moved = set_vectors_aside(home)
        print(f"The vector index was set aside as {moved}.")
        from app.services import Services

        with Services(home) as services:
            print(f"Rebuilt from the database: {services.rebuild_vectors()} vectors.")
        return 0
    if not health.ok:
        if not health.database.startswith(("ok", "missing")):
            print("Recover with: mnemo recover --from YOUR_LAST_BACKUP")
        else:
            print("Recover with: mnemo recover --vectors   (rebuilds it from the database)"
                  "   or: mnemo recover --from YOUR_LAST_BACKUP")
        return 1
    print("All good.")
    return 0

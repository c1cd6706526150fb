"""``mnemo``: parse the command line, open the data folder, run one command, report errors plainly."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Callable, NoReturn, Sequence

from core.errors import MnemoError

# Each entry is a module in app.cli with ``register(subparsers)``; the parser it adds sets
# ``func(args, services) -> int`` (or ``func_noservices(args) -> int``).
COMMANDS: list[str] = [
    "app.cli.chat_cmd",
    "app.cli.settings_cmd",
    "app.cli.doctor_cmd",
    "app.cli.eval_cmd",
    "app.cli.backup_cmd",
    "app.cli.fill_cmd",
    "app.cli.import_cmd",
    "app.cli.search_cmd",
    "app.cli.docs_cmd",
    "app.cli.persona_cmd",
    "app.cli.decoder_cmd",
    "app.cli.memory_cmd",
    "app.cli.reembed_cmd",
    "app.cli.models_cmd",
    "app.cli.vectors_cmd",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mnemo", description="Mnemo: a private assistant that remembers you. Everything stays on this computer.")
    parser.add_argument("--home", help="data folder (default: MNEMO_HOME or the platform's user data folder)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log to the terminal too")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        if hasattr(args, "func_noservices"):
            return int(args.func_noservices(args) or 0)
        from app.services import Services

        func: Callable = args.func
        with Services(args.home) as services:
            return int(func(args, services) or 0)
    except MnemoError as exc:
        print(f"mnemo: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nmnemo: stopped.", file=sys.stderr)
        return 130
    except Exception as exc:
        # a full disk reaches us as an OSError or a SQLite error: say so plainly
        from core.backup.health import storage_failure

        message = storage_failure(exc)
        if message is None:
            raise
        print(f"mnemo: {message}", file=sys.stderr)
        return 2


def run() -> NoReturn:
    """The ``mnemo`` program: ``main()``, then exit at once with its code (see ``exit_now``)."""
    exit_now(main())


def exit_now(code: int) -> NoReturn:
    """Exit as Python does, less the teardown of every imported module (half a second of a quick command).

    By then the command has closed its data folder. What a normal exit does that matters is done
    here the same way: non-daemon threads are joined (``threading``'s own shutdown, which also
    stops thread pools), ``atexit`` handlers run (logging's flush among them), stdout and stderr
    are flushed. Only freeing the interpreter's objects one by one is skipped: the system frees
    the process's memory at once.
    """
    import atexit
    import os
    import threading

    shutdown = getattr(threading, "_shutdown", None)
    run_exitfuncs = getattr(atexit, "_run_exitfuncs", None)
    if shutdown is None or run_exitfuncs is None:  # another Python: exit the ordinary way
        raise SystemExit(code)
    shutdown()
    run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (mnemo search … | head): nothing more to say
            pass
    os._exit(code)


if __name__ == "__main__":
    run()

"""A scratch data folder for evaluations that take the user's path: its own Services, the CLI run on it.

``scratch_services`` opens a fresh data folder with the user's settings, lends it the outer
embedder (and the chat model when asked), and closes it without touching the loaned objects;
``run_cli`` runs one ``mnemo`` command on it exactly as its command line would.
"""
from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator


def run_cli(argv: list[str], services: Any) -> tuple[int, str]:
    """Run one ``mnemo`` command on ``services`` as its command line would; return (exit code, its output)."""
    from app.cli.main import build_parser

    args = build_parser().parse_args(argv)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = int(args.func(args, services) or 0)
    return rc, out.getvalue()


@contextlib.contextmanager
def scratch_services(services: Any, prefix: str, persona_model: bool, chat_model: bool | None = None) -> Iterator[Any]:
    """Services on an empty data folder. ``persona_model``: the persona's background work may use the model,
    as in the app while the user chats; ``chat_model`` (default: the same): the chat model is lent."""
    from app.services import Services

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        if services.paths.settings.exists():
            shutil.copy(services.paths.settings, home / "settings.json")
        scratch = Services(home)
        try:
            scratch.set_embedder(services.embedder)  # one embedder in memory, shared
            if persona_model if chat_model is None else chat_model:
                from models.llm import LlamaRuntime

                llm = services.llm
                if isinstance(llm, LlamaRuntime) and not llm.loaded:
                    llm.load()  # loaded, as in the app while the user chats: background work may use it
                scratch.set_llm(llm)
            scratch.persona.set_model_use(persona_model, writing=persona_model)
            yield scratch
        finally:
            scratch.persona.close()
            scratch.set_llm(None)  # the shared model belongs to the outer services
            scratch.set_embedder(None)
            scratch.secrets.delete("fact-key")
            scratch.close()

"""Run the prefill API with uvicorn, bound to the loopback interface only (never configurable)."""
from __future__ import annotations

from typing import Any

from core.autofill.api import create_app

HOST = "127.0.0.1"


def server_config(app: Any, port: int):  # -> uvicorn.Config
    import uvicorn

    return uvicorn.Config(app, host=HOST, port=port, log_level="warning", access_log=False,
                          proxy_headers=False, server_header=False)


def serve(autofill: Any, token: str, port: int, allowed_origins: list[str]) -> None:
    """Serve until interrupted (Ctrl-C)."""
    import uvicorn

    app = create_app(autofill, token, allowed_origins)
    uvicorn.Server(server_config(app, port)).run()

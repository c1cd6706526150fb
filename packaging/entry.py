"""Entry point of the packaged app: ``mnemo`` runs the CLI, ``mnemo-desktop`` (a link to it) opens the window."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> int:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if Path(sys.argv[0]).name.startswith("mnemo-desktop") or (len(sys.argv) > 1 and sys.argv[1] == "--desktop"):
        if len(sys.argv) > 1 and sys.argv[1] == "--desktop":
            del sys.argv[1]
        from app.desktop import main as desktop_main

        return int(desktop_main() or 0)
    from app.cli.main import main as cli_main

    return int(cli_main() or 0)


if __name__ == "__main__":
    raise SystemExit(main())

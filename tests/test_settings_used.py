"""Every setting is read somewhere: a setting the user can change but nothing reads is a lie in the settings pane."""
from __future__ import annotations

import re
from pathlib import Path

from core.settings.fields import specs
from core.settings.schema import Settings

REPO = Path(__file__).resolve().parents[1]


def test_every_setting_is_read_by_the_code() -> None:
    code = "\n".join(p.read_text(encoding="utf-8") for top in ("app", "core", "models", "ui")
                     for p in (REPO / top).rglob("*.py") if p.name != "schema.py")
    unread = []
    for section_name, section in specs(Settings).items():
        for name in specs(section.type):
            dotted = f"{section_name}.{name}"
            # read as an attribute (``settings.retrieval.top_m``, ``r.top_m``) or by its dotted key
            if not re.search(rf"\.{name}\b|[\"']{re.escape(dotted)}[\"']", code):
                unread.append(dotted)
    assert unread == [], f"settings nothing reads: {unread}"

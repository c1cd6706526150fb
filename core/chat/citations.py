"""Parse the citations in an answer: ``[1]``, ``[1, 3]``, ``[2][4]``, ``[NO_CITE]``; ignore junk."""
from __future__ import annotations

import re

_BRACKET = re.compile(r"\[([^\[\]]{1,40})\]")
NO_CITE = "NO_CITE"


def parse_citations(text: str, n_items: int) -> list[int]:
    """Return the 1-based item numbers cited in ``text`` that exist (1..n_items), in order, unique.

    ``[NO_CITE]`` alone means nothing was used; numbers outside the range and anything
    that is not a list of integers are ignored.
    """
    cited: list[int] = []
    for m in _BRACKET.finditer(text):
        inner = m.group(1).strip()
        if inner.upper().replace(" ", "_") == NO_CITE:
            continue
        parts = [p.strip() for p in re.split(r"[,;]|\band\b", inner) if p.strip()]
        if not parts or not all(p.isdigit() for p in parts):
            continue
        for p in parts:
            i = int(p)
            if 1 <= i <= n_items and i not in cited:
                cited.append(i)
    return cited


def strip_no_cite(text: str) -> str:
    """Remove ``[NO_CITE]`` markers from text shown to the user."""
    return re.sub(r"\s*\[\s*NO[_ ]CITE\s*\]", "", text, flags=re.IGNORECASE).strip()

"""Citation parsing: single, lists, NO_CITE, out of range and junk."""
from __future__ import annotations

from core.chat.citations import parse_citations, strip_no_cite


def test_parse_citations():
    assert parse_citations("Ada likes tea [1].", 5) == [1]
    assert parse_citations("Both [1, 3] and [2][4]", 5) == [1, 3, 2, 4]
    assert parse_citations("Nothing here [NO_CITE]", 5) == []
    assert parse_citations("[9] [0] [x] [1a] [see above] [[2]]", 5) == [2]
    assert parse_citations("repeat [2] [2]", 5) == [2]
    assert strip_no_cite("Hello. [NO_CITE]") == "Hello."

"""Relative times in stored turns and memories are followed by the date they mean, once."""
from __future__ import annotations

from datetime import datetime

from core.memory.dates import parse_day, resolve, with_dates
from core.memory.store import MemoryStore, TurnIn, memory_text

SAID = datetime(2023, 5, 8)   # a Monday


def test_phrases_resolve_against_the_session_date():
    assert resolve("yesterday", SAID) == "7 May 2023" and resolve("Last night", SAID) == "7 May 2023"
    assert resolve("last week", SAID) == "the week before 8 May 2023"
    assert resolve("last Sunday", SAID) == "the sunday before 8 May 2023"
    assert resolve("last year", SAID) == "2022" and resolve("next month", SAID) == "June 2023"
    assert resolve("last month", datetime(2023, 1, 9)) == "December 2022"
    assert resolve("3 days ago", SAID) == "5 May 2023" and resolve("two years ago", SAID) == "2021"
    assert resolve("someday", SAID) is None


def test_text_keeps_its_words_and_resolving_twice_changes_nothing():
    text = "I went to a support group yesterday, and I paint every Sunday."
    once = with_dates(text, SAID)
    assert once == "I went to a support group yesterday (7 May 2023), and I paint every Sunday."
    assert with_dates(once, SAID) == once
    assert with_dates(text, None) == text and with_dates(text, parse_day("not a date")) == text


def test_memories_and_turns_carry_the_dates():
    t = TurnIn("msg:1", "Caroline", "I went to a LGBTQ support group yesterday.", "8 May 2023")
    assert MemoryStore.turn_text(t) == "Caroline: I went to a LGBTQ support group yesterday (7 May 2023)."
    assert MemoryStore.turn_index_text(t).startswith("(8 May 2023) Caroline:") and "(7 May 2023)" in \
        MemoryStore.turn_index_text(t)
    text = memory_text("Caroline: I went to a LGBTQ support group yesterday.", "8 May 2023", [t.line])
    assert text.count("(7 May 2023)") == 2 and text.startswith("(8 May 2023) Caroline:")

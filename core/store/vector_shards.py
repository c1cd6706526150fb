"""A big collection kept as shards: Chroma collections that each hold a bounded range of ids.

Chroma's embedded index keeps every vector of a collection it has touched in memory (the HNSW
graph and its id maps, about 2-3 kB a vector at 384 dimensions), and chromadb 1.5.9's Rust
segments ignore ``chroma_memory_limit_bytes``/``chroma_segment_cache_policy``. So a collection
of a million passages (a 1 GB mailbox) would need 2-3 GB. Split instead: the collection ``name``
is shard 0 (as it always was: existing data is read as before), and when it holds ``max_size``
vectors the next, bigger ids go to ``name.shard1``, then ``name.shard2``... Each shard k >= 1
records in its Chroma metadata the first id it takes (``FIRST_ID``): an id belongs to the last
shard whose first id it reaches, so upserts, deletes and reads of an id go to one shard only,
and writing the newest ids touches (loads) the newest shard only. Ids that are not integers
stay in shard 0. A query asks every shard and merges the hits by distance.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

SHARD_MAX = 100_000            # vectors a shard takes before the next one starts (about 250 MB of index)
FIRST_ID = "mnemo:first_id"    # Chroma metadata of shard k >= 1: the smallest id it takes
_SHARD = re.compile(r"^(.+)\.shard([1-9]\d*)$")


def shard_name(name: str, k: int) -> str:
    return name if k == 0 else f"{name}.shard{k}"


def parse(full: str) -> tuple[str, int]:
    """('chunks', 3) for 'chunks.shard3'; (name, 0) for a collection that is no shard."""
    m = _SHARD.match(full)
    return (m.group(1), int(m.group(2))) if m else (full, 0)


def int_id(key: str) -> int | None:
    return int(key) if key.isascii() and key.isdigit() else None


@dataclass
class ShardTable:
    """The shards of one collection: ``firsts[k - 1]`` is the first id of shard k (k >= 1)."""

    name: str
    firsts: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, name: str, collections: Iterable[tuple[str, dict[str, Any] | None]]) -> ShardTable:
        """The table of ``name`` from (name, metadata) of the collections there are (names without prefix).

        Shards are taken in order while they are contiguous and their first ids increase; a shard
        after a gap (one dropped by hand) is left out rather than guessed at."""
        found: dict[int, int] = {}
        for full, meta in collections:
            base, k = parse(full)
            if base == name and k and isinstance((meta or {}).get(FIRST_ID), int):
                found[k] = int((meta or {})[FIRST_ID])
        firsts: list[int] = []
        for k in range(1, len(found) + 1):
            if k not in found or (firsts and found[k] <= firsts[-1]):
                break
            firsts.append(found[k])
        return cls(name, firsts)

    @property
    def last(self) -> int:
        return len(self.firsts)

    @property
    def shards(self) -> list[int]:
        return list(range(self.last + 1))

    def shard_of(self, key: str) -> int:
        n = int_id(key)
        return 0 if n is None else bisect_right(self.firsts, n)

    def route(self, keys: Sequence[str]) -> dict[int, list[int]]:
        """Shard -> the positions in ``keys`` of the ids it holds (shards in order)."""
        out: dict[int, list[int]] = {}
        for i, key in enumerate(keys):
            out.setdefault(self.shard_of(key), []).append(i)
        return dict(sorted(out.items()))


def merge_hits(per_shard: Iterable[Sequence[Any]], n: int) -> list[Any]:
    """The ``n`` nearest of every shard's hits (each with a ``distance``), nearest first; a stable order
    for ties (shard order, then each shard's own order)."""
    hits = [h for shard in per_shard for h in shard]
    return sorted(hits, key=lambda h: h.distance)[:n]

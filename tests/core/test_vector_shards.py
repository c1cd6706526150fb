"""A collection that outgrows a shard goes on in shards: same answers as one collection, one shard
touched per id, existing collections read as before, the client let go when a shard fills (so
Chroma frees the full shards' indexes), and on a Chroma server with the folder's prefix."""
from __future__ import annotations

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings

from core.store.vector_backend import SERVER, VectorLocation, folder_id
from core.store.vector_shards import FIRST_ID, ShardTable, merge_hits, parse, shard_name
from core.store.vectors import VectorHit, VectorIndex


def _unit(rng: np.random.Generator, n: int, dim: int = 8) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _fill(index: VectorIndex, vecs: np.ndarray, batch: int = 20, first: int = 1) -> None:
    for s in range(0, len(vecs), batch):
        part = vecs[s:s + batch]
        index.upsert("chunks", list(range(first + s, first + s + len(part))), part, [{"document_id": 1 + s // 100}] * len(part))


def _exact(vecs: np.ndarray, q: np.ndarray, n: int, first: int = 1) -> list[str]:
    return [str(first + i) for i in np.argsort(-(vecs @ q), kind="stable")[:n]]


def test_the_table_routes_each_id_to_one_shard_and_names_parse_back():
    table = ShardTable.of("chunks", [("chunks", {}), ("chunks.shard1", {FIRST_ID: 100}), ("chunks.shard2", {FIRST_ID: 250}),
                                     ("memories", None), ("other.shard1", {FIRST_ID: 5})])
    assert table.firsts == [100, 250] and table.shards == [0, 1, 2]
    assert [table.shard_of(k) for k in ("1", "99", "100", "249", "250", "9999", "abc", "-3")] == [0, 0, 1, 1, 2, 2, 0, 0]
    assert table.route(["300", "5", "120", "7"]) == {0: [1, 3], 1: [2], 2: [0]}
    assert parse(shard_name("chunks", 3)) == ("chunks", 3) and parse("chunks") == ("chunks", 0)
    assert parse("a.shard0") == ("a.shard0", 0)
    # a shard after a gap, or one whose first id does not increase, is not guessed at
    assert ShardTable.of("c", [("c.shard1", {FIRST_ID: 10}), ("c.shard3", {FIRST_ID: 30})]).firsts == [10]
    assert ShardTable.of("c", [("c.shard1", {FIRST_ID: 10}), ("c.shard2", {FIRST_ID: 10})]).firsts == [10]


def test_merged_hits_are_the_nearest_over_all_shards():
    a = [VectorHit("1", 0.1, {}), VectorHit("2", 0.5, {})]
    b = [VectorHit("7", 0.2, {}), VectorHit("8", 0.5, {}), VectorHit("9", 0.9, {})]
    assert [h.id for h in merge_hits([a, b], 4)] == ["1", "7", "2", "8"]


def test_a_sharded_collection_answers_as_one_collection(tmp_path):
    rng = np.random.default_rng(0)
    vecs = _unit(rng, 230)
    sharded, whole = VectorIndex(tmp_path / "s", shard_max=50), VectorIndex(tmp_path / "w")
    _fill(sharded, vecs)
    _fill(whole, vecs)
    assert sharded.shards("chunks") == ["chunks", "chunks.shard1", "chunks.shard2", "chunks.shard3"]
    assert whole.shards("chunks") == ["chunks"]
    assert sharded.names() == ["chunks"] and sharded.count("chunks") == 230
    for qi in (3, 77, 150, 229):
        got = sharded.query("chunks", vecs[qi], 12)
        assert [h.id for h in got] == _exact(vecs, vecs[qi], 12) == [h.id for h in whole.query("chunks", vecs[qi], 12)]
        assert all(a.distance <= b.distance for a, b in zip(got, got[1:]))
        assert got[0].metadata == {"document_id": 1 + (qi // 20 * 20) // 100}
    # where filters apply in every shard
    assert {h.metadata["document_id"] for h in sharded.query("chunks", vecs[0], 50, where={"document_id": 2})} == {2}
    assert len(sharded.query("chunks", vecs[0], 500)) == 230


def test_writes_deletes_and_reads_reach_the_shard_of_each_id(tmp_path):
    rng = np.random.default_rng(1)
    vecs = _unit(rng, 200)
    index = VectorIndex(tmp_path / "v", shard_max=60)
    _fill(index, vecs)
    shards = index.shards("chunks")  # (a call: the client let go after a full shard is opened again)
    per_shard = {s: index.client.get_collection(s).count() for s in shards}
    assert list(per_shard.values()) == [60, 60, 60, 20]
    new = _unit(rng, 3)
    index.upsert("chunks", [5, 130, 199], new)                    # an update stays where the id lives
    assert index.count("chunks") == 200 and {s: index.client.get_collection(s).count() for s in per_shard} == per_shard
    got = index.vectors("chunks", [5, 130, 199, 4, 1000])
    assert sorted(got) == ["130", "199", "4", "5"]
    np.testing.assert_allclose(got["130"], new[1], atol=1e-6)
    index.delete("chunks", [4, 130, 1000])
    assert index.count("chunks") == 198 and "130" not in index.ids("chunks") and len(index.ids("chunks")) == 198
    pages = list(index.read("chunks", batch=25))
    assert sorted(int(i) for ids, _, _ in pages for i in ids) == sorted(set(range(1, 201)) - {4, 130})
    assert index.width("chunks") == 8


def test_another_index_on_the_folder_reads_the_shards_as_written(tmp_path):
    rng = np.random.default_rng(2)
    vecs = _unit(rng, 150)
    _fill(VectorIndex(tmp_path / "v", shard_max=40), vecs)
    again = VectorIndex(tmp_path / "v", shard_max=40)
    assert len(again.shards("chunks")) == 4 and again.count("chunks") == 150
    assert [h.id for h in again.query("chunks", vecs[100], 5)] == _exact(vecs, vecs[100], 5)
    _fill(again, _unit(rng, 30), first=151)                      # newer ids go on after the last shard
    assert again.count("chunks") == 180 and len(again.shards("chunks")) == 5


def test_an_existing_collection_is_read_as_before_and_grows_into_shards(tmp_path):
    rng = np.random.default_rng(3)
    vecs = _unit(rng, 120)
    raw = chromadb.PersistentClient(path=str(tmp_path / "v"), settings=Settings(anonymized_telemetry=False))
    raw.get_or_create_collection("chunks", embedding_function=None, metadata={"hnsw:space": "cosine"}).upsert(
        ids=[str(i) for i in range(1, 101)], embeddings=vecs[:100].tolist(), metadatas=[{"document_id": 1}] * 100)
    raw.close()
    index = VectorIndex(tmp_path / "v", shard_max=50)
    assert index.count("chunks") == 100 and index.shards("chunks") == ["chunks"]
    assert [h.id for h in index.query("chunks", vecs[42], 5)] == _exact(vecs[:100], vecs[42], 5)
    index.upsert("chunks", list(range(101, 121)), vecs[100:])     # a full base: newer ids start shard 1
    assert index.shards("chunks") == ["chunks", "chunks.shard1"]
    assert index.client.get_collection("chunks").count() == 100
    assert [h.id for h in index.query("chunks", vecs[110], 6)] == _exact(vecs, vecs[110], 6)


def test_a_full_shard_lets_the_client_go_before_the_next_call(tmp_path):
    rng = np.random.default_rng(4)
    index = VectorIndex(tmp_path / "v", shard_max=30)
    index.upsert("chunks", list(range(1, 31)), _unit(rng, 30))
    first = index.client
    index.upsert("chunks", list(range(31, 41)), _unit(rng, 10))    # starts shard 1
    assert index.client is first                                   # not in the middle of a call
    index.upsert("chunks", list(range(41, 51)), _unit(rng, 10))
    assert index.client is not first and first._closed
    assert index.count("chunks") == 50 and len(index.shards("chunks")) == 2


def test_rebuild_and_drop_take_every_shard(tmp_path):
    rng = np.random.default_rng(5)
    vecs = _unit(rng, 90)
    index = VectorIndex(tmp_path / "v", shard_max=25)
    _fill(index, vecs, batch=10)
    assert len(index.shards("chunks")) >= 3
    n = index.rebuild("chunks", ((i + 1, v, {"document_id": 3}) for i, v in enumerate(vecs[:40])))
    assert n == 40 and index.count("chunks") == 40
    assert {h.metadata["document_id"] for h in index.query("chunks", vecs[0], 40)} == {3}
    index.drop("chunks")
    assert index.names() == [] and index.count("chunks") == 0


def test_vectors_of_another_width_in_an_emptied_sharded_collection_start_it_again(tmp_path):
    rng = np.random.default_rng(6)
    index = VectorIndex(tmp_path / "v", shard_max=10)
    index.upsert("chunks", list(range(1, 11)), _unit(rng, 10))
    index.upsert("chunks", list(range(11, 16)), _unit(rng, 5))
    index.delete("chunks", list(range(1, 16)))
    assert index.count("chunks") == 0
    index.upsert("chunks", [20, 21], _unit(rng, 2, dim=4))         # an empty collection may change width
    assert index.width("chunks") == 4 and index.count("chunks") == 2


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tests.chroma_server import chroma_server

    folder = tmp_path_factory.mktemp("chroma") / "db"
    with chroma_server(folder) as port:
        yield port


def test_shards_on_a_server_carry_the_folder_prefix(server, tmp_path):
    rng = np.random.default_rng(7)
    vecs = _unit(rng, 100)
    fid = folder_id(tmp_path)
    index = VectorIndex(location=VectorLocation(SERVER, host="127.0.0.1", port=server, folder=fid), shard_max=30)
    _fill(index, vecs)
    assert index.names() == ["chunks"] and index.count("chunks") == 100 and len(index.shards("chunks")) == 3
    names = {c.name for c in index.client.list_collections()}
    assert {f"mnemo-{fid}-chunks", f"mnemo-{fid}-chunks.shard1", f"mnemo-{fid}-chunks.shard2"} <= names
    assert [h.id for h in index.query("chunks", vecs[70], 8)] == _exact(vecs, vecs[70], 8)
    index.drop("chunks")
    assert not any(n.startswith(f"mnemo-{fid}-") for n in (c.name for c in index.client.list_collections()))


def test_a_full_shard_keeps_taking_ids_older_than_its_newest_and_the_next_starts_after_it(tmp_path):
    rng = np.random.default_rng(8)
    index = VectorIndex(tmp_path / "v", shard_max=20)
    index.upsert("chunks", list(range(1, 21)), _unit(rng, 20))
    index.upsert("chunks", list(range(5, 11)), _unit(rng, 6))     # updates of a full shard: no new shard
    assert index.shards("chunks") == ["chunks"] and index.count("chunks") == 20
    index.upsert("chunks", [3, 30, 31], _unit(rng, 3))            # 3 stays; the next shard starts after 20
    assert index.shards("chunks") == ["chunks", "chunks.shard1"]
    meta = index.client.get_collection("chunks.shard1").metadata
    assert meta[FIRST_ID] == 21 and index.client.get_collection("chunks.shard1").count() == 2
    index.upsert("chunks", [21, 25], _unit(rng, 2))
    assert index.client.get_collection("chunks.shard1").count() == 4 and index.count("chunks") == 24

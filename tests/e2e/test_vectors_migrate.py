"""``mnemo vectors migrate`` end to end against a real ``chroma run`` on 127.0.0.1: embedded → server →
embedded keeps every search result; ``status`` and ``doctor`` show it; a server that is down changes
nothing; a source that cannot be read is rebuilt from the database."""
from __future__ import annotations

import json

import pytest

from core.memory.store import MEMORIES
from tests.chroma_server import chroma_server, free_port
from tests.fixtures.documents.make import build_corpus

QUERIES = ("sailing boat pier", "renew the passport", "Frank Herbert novel", "recipes for dinner", "rain jacket")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with chroma_server(tmp_path_factory.mktemp("chroma") / "db") as port:
        yield port


@pytest.fixture
def cli(home, monkeypatch, shared_embedder, capsys):
    """``mnemo ARGS`` in this process on ``home`` with the suite's embedder: (exit status, stdout, stderr)."""
    from app.cli.main import main
    from app.services import Services

    monkeypatch.setattr(Services, "embedder", property(lambda self: shared_embedder))

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        rc = main(list(args))
        out = capsys.readouterr()
        return rc, out.out, out.err
    return run


def _results(cli, shared_embedder) -> dict[str, object]:
    """What every query finds: passages through ``mnemo search`` and the nearest memories from the index."""
    from app.services import Services

    got: dict[str, object] = {}
    for q in QUERIES:
        rc, out, err = cli("search", q, "--json")
        assert rc == 0, err
        got[q] = [json.loads(line)["chunk_id"] for line in out.splitlines() if line.strip()]
    with Services() as s:
        for q in QUERIES:
            hits = s.vectors.query(MEMORIES, shared_embedder.embed([q])[0], 3)
            got[f"memories: {q}"] = [(h.id, round(h.distance, 5)) for h in hits]
    return got


def _status(cli) -> dict:
    rc, out, err = cli("vectors", "status", "--json")
    assert rc == 0, (out, err)
    return json.loads(out)


def test_migrate_to_the_server_and_back_keeps_every_result(cli, home, tmp_path, server, shared_embedder):
    from app.services import Services

    build_corpus(tmp_path / "corpus")
    rc, out, err = cli("import", str(tmp_path / "corpus"))
    assert rc == 0, err
    with Services() as s:
        for text in ("Maja moved to Gdansk in 2021 and sails there", "The passport expires in March",
                     "Tomasz bakes bread on Sundays"):
            s.memory.store.add(text, ["t:1"], [], None)
    before = _results(cli, shared_embedder)
    assert all(before[q] for q in QUERIES)
    local = _status(cli)
    assert local["backend"] == "embedded" and local["matches_database"]
    assert local["collections"]["memories"] == {"vectors": 3, "database": 3}

    assert cli("settings", "set", "storage.chroma_port", str(server))[0] == 0
    rc, out, err = cli("vectors", "migrate", "--to", "server")
    assert rc == 0, err
    assert "storage.vectors = chroma-server" in out and "migrate" in err  # the progress bar
    remote = _status(cli)
    assert remote["backend"] == "chroma-server" and remote["where"] == f"http://127.0.0.1:{server}"
    assert remote["collections"] == local["collections"] and remote["matches_database"]
    assert _results(cli, shared_embedder) == before
    rc, out, _ = cli("doctor", "--no-load")
    assert f"Vectors: Chroma server http://127.0.0.1:{server}" in out and "heartbeat round trip" in out
    assert "memories: 3 vectors, database 3" in out

    rc, out, err = cli("vectors", "migrate", "--to", "embedded")
    assert rc == 0, err
    assert _status(cli)["backend"] == "embedded"
    assert _results(cli, shared_embedder) == before
    rc, _, err = cli("vectors", "migrate", "--to", "embedded")
    assert rc == 2 and "already in embedded Chroma" in err


def test_a_server_that_is_down_changes_nothing(cli, home, tmp_path, shared_embedder):
    build_corpus(tmp_path / "corpus")
    assert cli("import", str(tmp_path / "corpus"))[0] == 0
    before = _status(cli)
    dead = free_port()
    assert cli("settings", "set", "storage.chroma_port", str(dead))[0] == 0
    rc, out, err = cli("vectors", "migrate", "--to", "server")
    assert rc == 2
    assert f"The Chroma server at http://127.0.0.1:{dead} is not answering" in err and "chroma run" in err
    assert _status(cli) == before  # still embedded, every vector where it was

    # vectors set to a server that is not there: status and doctor say so plainly
    assert cli("settings", "set", "storage.vectors", "chroma-server")[0] == 0
    rc, _, err = cli("vectors", "status")
    assert rc == 2 and "not answering" in err
    rc, out, _ = cli("doctor", "--no-load")
    assert rc == 1 and "Vectors: Chroma server" in out and "  ERROR The Chroma server" in out


def test_an_unreadable_source_is_rebuilt_from_the_database(cli, home, tmp_path, server, shared_embedder):
    build_corpus(tmp_path / "corpus")
    assert cli("import", str(tmp_path / "corpus"))[0] == 0
    before = _results(cli, shared_embedder)
    assert cli("settings", "set", "storage.chroma_port", str(server))[0] == 0
    assert cli("vectors", "migrate", "--to", "server")[0] == 0
    # the server goes away (its port changes, say); the way back rebuilds from SQLite
    assert cli("settings", "set", "storage.chroma_port", str(free_port()))[0] == 0
    rc, out, err = cli("vectors", "migrate", "--to", "embedded")
    assert rc == 0, err
    assert "rebuilt from the database instead" in out
    status = _status(cli)
    assert status["backend"] == "embedded" and status["matches_database"]
    assert _results(cli, shared_embedder) == before

"""The vector index on a real Chroma server (``chroma run`` on 127.0.0.1): documents, memories, topics and
facts through Services, collections named by the data folder's id, a server that is down, a wrong token."""
from __future__ import annotations

import stat

import numpy as np
import pytest

from core.errors import StorageError
from core.store.vector_backend import SERVER, TOKEN_SECRET, VectorLocation, folder_id
from core.store.vectors import VectorIndex
from tests.chroma_server import TokenProxy, chroma_server, free_port
from tests.fixtures.documents.make import build_corpus


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("chroma") / "db"
    with chroma_server(folder) as port:
        yield port


def _server_index(port: int, folder: str, token: str | None = None) -> VectorIndex:
    return VectorIndex(location=VectorLocation(SERVER, host="127.0.0.1", port=port, folder=folder,
                                               token=lambda: token))


def _unit(rng: np.random.Generator, n: int, dim: int = 8) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_folder_id_is_made_once_kept_private_and_differs_between_folders(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    first = folder_id(a)
    assert folder_id(a) == first and len(first) == 32
    assert stat.S_IMODE((a / "folder-id").stat().st_mode) == 0o600
    assert folder_id(b) != first
    (a / "folder-id").write_text("not an id\n")
    with pytest.raises(StorageError, match="not an id"):
        folder_id(a)


def test_two_data_folders_never_share_a_server_collection(server, tmp_path):
    rng = np.random.default_rng(0)
    one, two = _server_index(server, folder_id(tmp_path / "one")), _server_index(server, folder_id(tmp_path / "two"))
    v1, v2 = _unit(rng, 5), _unit(rng, 3)
    one.upsert("chunks", [1, 2, 3, 4, 5], v1, [{"document_id": 1}] * 5)
    two.upsert("chunks", [1, 2, 3], v2, [{"document_id": 9}] * 3)
    assert (one.count("chunks"), two.count("chunks")) == (5, 3)
    assert one.names() == two.names() == ["chunks"]
    hit = one.query("chunks", v1[3], 1)[0]
    assert hit.id == "4" and hit.metadata == {"document_id": 1} and hit.distance < 1e-5
    assert {h.metadata["document_id"] for h in two.query("chunks", v1[0], 3)} == {9}
    pages = list(one.read("chunks", batch=2))
    assert [len(ids) for ids, _, _ in pages] == [2, 2, 1]
    got = {i: e for ids, embs, _ in pages for i, e in zip(ids, embs)}
    np.testing.assert_allclose(np.stack([got[str(i)] for i in range(1, 6)]), v1, atol=1e-6)
    one.drop("chunks")
    assert one.names() == [] and two.count("chunks") == 3


@pytest.fixture
def server_services(home, server, shared_embedder):
    from app.services import Services
    from core.settings import SettingsStore

    home.mkdir(parents=True)
    SettingsStore(home / "settings.json").update({"storage.vectors": "chroma-server", "storage.chroma_port": server})
    s = Services(home)
    s.set_embedder(shared_embedder)
    yield s
    s.close()


def test_documents_memories_topics_and_facts_use_the_server(server_services, tmp_path, server):
    s = server_services
    assert s.vectors.location.is_server and s.vectors.location.port == server
    build_corpus(tmp_path / "corpus")
    report = s.documents.import_paths([tmp_path / "corpus"])
    assert report.imported and not report.cancelled
    hits = s.documents.search("sailing boat pier", k=3)
    assert hits and "boat" in hits[0].text.lower()
    memory = s.memory.store.add("Anna's sister Maja lives in Gdansk and sails every summer", ["t:1"], [], None)
    s.persona.facts.set("email", "anna@example.org")
    # everything sits in this folder's collections on the server, none in the data folder
    on_server = _server_index(server, s.vectors.location.folder)
    assert on_server.count("chunks") == report.chunks
    assert on_server.ids("memories") == {str(memory.id)}
    q = s.embedder.embed(["where does Maja live"])[0]
    assert s.vectors.query("memories", q, 1)[0].id == str(memory.id)
    assert s.persona.facts.get("email").value == "anna@example.org"
    assert not any((s.paths.vectors).iterdir())  # the embedded folder was never opened


def test_a_server_that_is_down_says_so_and_the_database_keeps_everything(tmp_path, shared_embedder):
    from core.documents import DocumentService
    from core.settings import SettingsStore
    from core.store.db import Database

    port = free_port()  # nothing listens there
    index = _server_index(port, folder_id(tmp_path))
    with pytest.raises(StorageError, match=rf"Chroma server at http://127.0.0.1:{port} is not answering") as err:
        index.count("chunks")
    assert "mnemo vectors migrate --to embedded" in str(err.value)
    db = Database(tmp_path / "mnemo.sqlite3")
    docs = DocumentService(db, index, lambda: shared_embedder, SettingsStore(tmp_path / "s.json"))
    build_corpus(tmp_path / "corpus")
    with pytest.raises(StorageError, match="not answering"):
        docs.import_paths([tmp_path / "corpus"])
    # the chunks are in SQLite, waiting for their vectors: a server that is back (or the folder) gets them
    pending = docs.store.count_pending()
    assert pending > 0
    embedded = VectorIndex(tmp_path / "vectors")
    docs.vectors = embedded
    assert docs.embed_pending() == pending and embedded.count("chunks") == pending
    db.close()


def test_a_wrong_token_is_refused_plainly(server, tmp_path):
    rng = np.random.default_rng(1)
    with TokenProxy(server, "s3cret-token") as proxy:
        fid = folder_id(tmp_path)
        right = _server_index(proxy.port, fid, "s3cret-token")
        right.upsert("memories", [7], _unit(rng, 1), [{"c": 0}])
        assert right.count("memories") == 1
        for token, said in (("wrong", "refused the token kept for it"), (None, "refused a request without a token")):
            with pytest.raises(StorageError, match=said) as err:
                _server_index(proxy.port, fid, token).count("memories")
            assert "mnemo settings set-secret storage.chroma_token" in str(err.value)


def test_services_read_the_token_from_the_keyring(server_services):
    s = server_services
    assert s.vectors.location.headers() == {}
    s.secrets.set(TOKEN_SECRET, "abc")
    assert s.vectors.location.headers() == {"Authorization": "Bearer abc", "X-Chroma-Token": "abc"}
    assert "abc" not in repr(s.vectors.location)
    s.settings_store.set("storage.vectors", "embedded")  # the shared index follows the setting
    assert not s.vectors.location.is_server and s.vectors.path == s.paths.vectors

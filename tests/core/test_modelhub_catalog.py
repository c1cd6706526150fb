"""ModelCatalog: the embedded model, the models folder and files added by path; use, remove, add (by path,
by URL, by Hugging Face shorthand); the memory decoder's tokenizer note; fits or not."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from core.modelhub import EMBEDDED, Machine, ModelCatalog, ModelHubError
from core.modelhub.machine import fit, read_meminfo
from core.modelhub.sources import resolve
from core.settings import SettingsStore
from tests.core.modelhub_server import FileServer
from tests.models.gguf_helpers import write_tiny_gguf

BIG = Machine(ram_total=64 * 2**30, ram_available=32 * 2**30)


@pytest.fixture
def setup(tmp_path: Path):
    (tmp_path / "pkg").mkdir()
    embedded = write_tiny_gguf(tmp_path / "pkg" / "Embedded-Tiny.gguf", name="embedded tiny")
    folder = tmp_path / "home" / "models" / "llm"
    folder.mkdir(parents=True)
    store = SettingsStore(tmp_path / "home" / "settings.json")
    catalog = ModelCatalog(folder, store, lambda: embedded, decoder_checkpoint=tmp_path / "home" / "ckpt",
                           machine=lambda: BIG)
    return catalog, store, folder, tmp_path


def test_the_catalog_lists_embedded_downloaded_and_added_models(setup) -> None:
    catalog, store, folder, tmp = setup
    write_tiny_gguf(folder / "downloaded-one.gguf", vocab="llama")
    (folder / "half.gguf.partial").write_bytes(b"GGUF")      # an unfinished download is not a model
    (tmp / "elsewhere").mkdir()
    mine = write_tiny_gguf(tmp / "elsewhere" / "mine.gguf")
    catalog.add(str(mine))
    entries = {e.name: e for e in catalog.entries()}
    assert list(entries) == [EMBEDDED, "downloaded-one", "mine"]
    assert [entries[n].kind for n in entries] == ["embedded", "downloaded", "added"]
    assert entries[EMBEDDED].in_use and not entries["mine"].in_use
    e = entries["mine"]
    assert e.info is not None and e.info.architecture == "llama" and e.info.context_length == 256
    assert e.estimate is not None and e.estimate.n_ctx == store.settings.model.n_ctx
    assert e.fit is not None and e.fit.fits and e.fit.text == "fits (RAM)"
    assert entries["downloaded-one"].info.tokenizer_hash != e.info.tokenizer_hash
    # a second listing reads the cached facts, not the headers again
    assert json.loads((folder / "info-cache.json").read_text())["files"][str(mine)]["info"]["name"] == "tiny test model"


def test_use_switches_the_chat_model_through_the_settings(setup) -> None:
    catalog, store, folder, _ = setup
    write_tiny_gguf(folder / "other.gguf")
    store.update({"model.backend": "openai"})
    assert catalog.in_use() is None                    # the chat runs on a server: no local model in use
    changed: list[set[str]] = []
    store.on_change(changed.append)
    catalog.use("other")
    assert store.settings.model.path == str(folder / "other.gguf") and store.settings.model.backend == "embedded"
    assert changed == [{"model.path", "model.backend"}]
    assert catalog.in_use().name == "other"
    catalog.use(EMBEDDED)
    assert store.settings.model.path == "" and catalog.in_use().name == EMBEDDED
    with pytest.raises(ModelHubError, match="no model named 'nope'.*embedded, other"):
        catalog.use("nope")


def test_remove_deletes_downloads_forgets_added_files_and_keeps_the_embedded_model(setup) -> None:
    catalog, store, folder, tmp = setup
    down = write_tiny_gguf(folder / "down.gguf")
    mine = write_tiny_gguf(tmp / "mine.gguf")
    catalog.add(str(mine), name="my-model")
    with pytest.raises(ModelHubError, match="cannot be removed"):
        catalog.remove(EMBEDDED)
    catalog.use("down")
    with pytest.raises(ModelHubError, match="in use"):
        catalog.remove("down")
    catalog.use(EMBEDDED)
    assert "Deleted down" in catalog.remove("down") and not down.exists()
    assert "left where it is" in catalog.remove("my-model") and mine.exists()
    assert [e.name for e in catalog.entries(facts=False)] == [EMBEDDED]


def test_adding_by_path_refuses_bad_files_and_duplicates(setup) -> None:
    catalog, _, _, tmp = setup
    (tmp / "notes.gguf").write_text("not a model " * 200)
    with pytest.raises(ModelHubError, match="not a GGUF"):
        catalog.add(str(tmp / "notes.gguf"))
    mine = write_tiny_gguf(tmp / "mine.gguf")
    with pytest.raises(ModelHubError, match="sha256"):
        catalog.add(str(mine), sha256="0" * 64)
    catalog.add(str(mine), sha256=hashlib.sha256(mine.read_bytes()).hexdigest())
    with pytest.raises(ModelHubError, match="already in the list as mine"):
        catalog.add(str(mine), name="again")
    with pytest.raises(ModelHubError, match="does not exist"):
        catalog.add(str(tmp / "missing.gguf"))


def test_download_into_the_models_folder_by_url_and_hugging_face_shorthand(setup, monkeypatch) -> None:
    catalog, _, folder, tmp = setup
    data = write_tiny_gguf(tmp / "src.gguf", pad_bytes=200_000).read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    server = FileServer().start()
    try:
        url = server.add("/files/Tiny-Q8.gguf", data)
        e = catalog.add(url, sha256=sha)
        assert e.name == "Tiny-Q8" and e.kind == "downloaded" and e.path == folder / "Tiny-Q8.gguf"
        assert e.origin == url and e.sha256 == sha and e.info is not None
        with pytest.raises(ModelHubError, match="already in the models folder"):
            catalog.add(url)
        monkeypatch.setenv("HF_ENDPOINT", server.base)
        server.add("/someone/tiny-GGUF/resolve/main/tiny.Q4_K_M.gguf", data, linked_sha=sha)
        e = catalog.add("someone/tiny-GGUF/tiny.Q4_K_M.gguf", name="hf-tiny")
        assert e.path == folder / "hf-tiny.gguf" and e.sha256 == sha
        assert json.loads((folder / "registry.json").read_text())["downloads"]["hf-tiny.gguf"]["verified"] is True
        server.add("/page.gguf", b"<html>" + b"x" * 5000)
        with pytest.raises(ModelHubError, match="is not a GGUF model.*deleted"):
            catalog.add(server.base + "/page.gguf")
        assert not (folder / "page.gguf").exists()
    finally:
        server.stop()


def test_what_the_user_typed() -> None:
    s = resolve("bartowski/SmolLM2-360M-Instruct-GGUF/SmolLM2-360M-Instruct-Q4_K_M.gguf")
    assert s.url == "https://huggingface.co/bartowski/SmolLM2-360M-Instruct-GGUF/resolve/main/SmolLM2-360M-Instruct-Q4_K_M.gguf"
    s = resolve("https://huggingface.co/o/r/blob/main/sub/m.gguf?download=true")
    assert s.url == "https://huggingface.co/o/r/resolve/main/sub/m.gguf?download=true" and s.filename == "m.gguf"
    with pytest.raises(ModelHubError, match="Plain http to example.org is refused"):
        resolve("http://example.org/m.gguf")
    assert resolve("http://127.0.0.1:8000/a%20b.gguf").filename == "a-b.gguf"
    with pytest.raises(ModelHubError, match="not a file here"):
        resolve("just-a-word")


def test_the_decoder_note_names_the_model_its_tokenizer_belongs_to(setup) -> None:
    catalog, _, folder, tmp = setup
    other = write_tiny_gguf(folder / "spm-model.gguf", vocab="llama")
    ckpt = tmp / "home" / "ckpt"
    assert catalog.decoder_note() == ""                     # no checkpoint
    ckpt.mkdir()
    trained_for = catalog.info(other).tokenizer_hash
    (ckpt / "decoder.json").write_text(json.dumps({"tokenizer_hash": trained_for, "model_name": "spm-model.gguf"}))
    assert catalog.decoder_note() == ("The memory decoder was trained for another model's tokenizer: retrain it "
                                      "(Memory ▸ Decoder) or switch back to spm-model")
    catalog.use("spm-model")
    assert catalog.decoder_note() == ""


def test_fits_or_not(tmp_path: Path) -> None:
    gib = 2**30
    gpu = Machine(ram_total=16 * gib, ram_available=8 * gib, gpu_offload=True, gpus=("H200",),
                  vram_total=140 * gib, vram_free=100 * gib)
    assert fit(40 * gib, gpu).text == "fits (GPU)"
    assert fit(40 * gib, gpu, n_gpu_layers=0).text == "does not fit"
    assert fit(12 * gib, Machine(16 * gib, 8 * gib)).text == "does not fit now"
    assert fit(4 * gib, Machine(16 * gib, 8 * gib)).fits
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       16000000 kB\nMemFree:         1000 kB\nMemAvailable:    8000000 kB\n")
    assert read_meminfo(meminfo) == (16000000 * 1024, 8000000 * 1024)


def test_a_file_added_by_path_that_is_gone_is_listed_with_why_and_can_be_forgotten(setup) -> None:
    catalog, _, folder, tmp = setup
    mine = write_tiny_gguf(tmp / "mine.gguf")
    catalog.add(str(mine))
    mine.unlink()
    e = catalog.get("mine")
    assert e.info is None and "does not exist" in e.error
    with pytest.raises(ModelHubError, match="cannot be used"):
        catalog.use("mine")
    catalog.remove("mine")
    assert [x.name for x in catalog.entries()] == [EMBEDDED]
    (folder / "registry.json").write_text("{ damaged")
    assert [x.name for x in catalog.entries()] == [EMBEDDED]        # set aside, started afresh
    assert (folder / "registry.json.unreadable").exists()


def test_gpu_memory_comes_from_nvidia_smi_when_the_build_can_offload(tmp_path: Path, monkeypatch) -> None:
    from core.modelhub import machine

    smi = tmp_path / "bin" / "nvidia-smi"
    smi.parent.mkdir()
    smi.write_text("#!/bin/sh\necho 'NVIDIA H200, 143771, 140000'\necho 'NVIDIA H200, 143771, 1000'\n")
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{smi.parent}:/usr/bin:/bin")
    assert machine.read_nvidia_smi() == (("NVIDIA H200", "NVIDIA H200"), 2 * 143771 * 2**20, 141000 * 2**20)
    monkeypatch.setattr(machine, "_gpu_offload", lambda: True)
    m = machine.probe_machine(fresh=True)
    assert m.gpu_offload and m.vram_free == 141000 * 2**20 and m.gpus == ("NVIDIA H200", "NVIDIA H200")
    monkeypatch.setattr(machine, "_gpu_offload", lambda: False)   # a CPU build: GPU memory is not asked
    m = machine.probe_machine(fresh=True)
    assert m.vram_free is None and m.ram_total > 0
    smi.write_text("#!/bin/sh\nexit 9\n")
    assert machine.read_nvidia_smi() is None

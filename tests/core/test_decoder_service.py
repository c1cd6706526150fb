"""DecoderService against the embedded model: corpus, build (alignment), train, enable, mixing in chat, failures."""
from __future__ import annotations

import json

import numpy as np
import pytest

from core.decoder.corpus import join_chunks, render_conversation
from core.errors import MnemoError
from tests.fakes import FakeDocuments

FACTS = [
    ("Where does my sister Ingrid Castellanos live?", "Ingrid Castellanos lives in Tromsø and keeps three huskies named Pilot, Comet and Juniper."),
    ("What is my bike called?", "Your bike is the green Brompton you call Pistachio; you ride Pistachio to the Vesterbro office."),
    ("When is the choir concert?", "The Vesterbro choir concert with Ingrid Castellanos is on the second Sunday of March at Holmen church."),
    ("What do I feed Pilot, Comet and Juniper?", "Pilot, Comet and Juniper eat salmon kibble from the Tromsø pet shop that Ingrid Castellanos likes."),
]


def seed(services, rounds: int = 3) -> None:
    for r in range(rounds):
        cid = services.conversations.create().id
        for q, a in FACTS[r % 2:] + FACTS[: r % 2]:
            services.conversations.add_message(cid, "user", q)
            services.conversations.add_message(cid, "assistant", a)


def test_join_chunks_and_render() -> None:
    assert join_chunks(["The quick brown fox jumps over", "quick brown fox jumps over the lazy dog today"]) == \
        "The quick brown fox jumps over the lazy dog today"
    assert join_chunks(["abc", "def"]) == "abc\ndef"
    assert render_conversation([{"role": "user", "content": "hi"}, {"role": "system", "content": "x"},
                                {"role": "assistant", "content": "hello"}]) == "User: hi\nAssistant: hello"


def test_corpus_of_conversations_and_documents(services) -> None:
    seed(services, 1)
    texts = services.decoder.corpus()
    assert len(texts) == 1 and texts[0].source.startswith("conversation:") and "Pistachio" in texts[0].text
    docs = FakeDocuments()
    docs.add("Pistachio gelato is sold at the kiosk by the harbour every summer.")
    services.decoder._documents = docs
    assert [t.source for t in services.decoder.corpus()] == ["document:1", texts[0].source]


def test_build_train_enable_and_mix(services, shared_llm) -> None:
    services.set_llm(shared_llm)
    st = services.settings_store
    st.update({"decoder.window": 64, "decoder.knn_k": 32, "decoder.epochs": 12, "decoder.alpha": 0.9,
               "generation.temperature": 0.0, "generation.max_tokens": 12, "model.seed": 3})
    with pytest.raises(MnemoError, match="nothing to learn"):
        services.decoder.build()
    seed(services)
    rep = services.decoder.build()
    # alignment: hidden state j predicts token j+1 -> the nearest neighbour's next token is right far above chance
    assert rep.nn_accuracy > max(0.15, 5 * rep.chance), rep
    from models.decoder.datastore import Datastore

    ds = Datastore.load(services.decoder.datastore_dir)
    w = ds.window(0)
    assert (ds.values[: len(w) - 1] == w[1:]).all()
    assert float(np.exp(-ds.base_lp.mean())) < 250         # shifted by one token it is in the thousands
    services.decoder.min_steps = 40
    tr = services.decoder.train()
    h = tr.heldout
    assert min(h["mixed_ppl"].values()) < h["base_ppl"], h  # a short real train lowers held-out perplexity
    assert services.decoder.status().checkpoint["tokenizer_hash"] == shared_llm.info.tokenizer_hash

    drafts: list[str] = []   # the model's own drafts (what the answer is checked against afterwards)
    stream = services.chat._stream
    services.chat._stream = lambda *a, **k: (lambda r: (drafts.append(r[0]), r)[1])(stream(*a, **k))  # type: ignore[method-assign]
    services.chat.send("Tell me about Ingrid Castellanos.")
    services.decoder.enable()
    assert services.settings.decoder.enabled
    services.chat.send("Tell me about Ingrid Castellanos.")
    services.chat._stream = stream  # type: ignore[method-assign]
    assert services.decoder._processor is not None and services.decoder._processor.calls > 0
    assert len(drafts) == 2 and drafts[1] != drafts[0]       # the decoder changes generation

    # an exception inside the processor is not swallowed silently: the decoder turns off and says so
    def boom(ids):  # type: ignore[no-untyped-def]
        raise RuntimeError("planted failure")

    proc = services.decoder._processor
    proc.stream.next_logprobs = boom
    again = services.chat.send("Tell me about Ingrid Castellanos.").text
    assert again.strip() and isinstance(proc.error, RuntimeError)       # the answer still came, unmixed
    assert "planted failure" in services.decoder.notice and not services.decoder.status().active
    assert services.decoder.processor_factory() is None

    # a decoder for another tokenizer is refused with a clear message
    from safetensors import safe_open
    from safetensors.numpy import save_file

    w_path = services.decoder.checkpoint_dir / "decoder.safetensors"
    with safe_open(str(w_path), framework="numpy") as f:
        meta = dict(f.metadata())
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    rec = json.loads(meta["record"])
    rec["tokenizer_hash"] = meta["tokenizer_hash"] = "0000000000000000"
    meta["record"] = json.dumps(rec)
    save_file(tensors, str(w_path), metadata=meta)  # the record inside the weights is the one that counts
    with pytest.raises(MnemoError, match="tokenizer"):
        services.decoder.enable()


def test_cli_status_enable_without_checkpoint(home, capsys) -> None:
    from app.cli.main import main

    assert main(["--home", str(home), "decoder", "status"]) == 0
    out = capsys.readouterr().out
    assert "datastore: none" in out and "checkpoint: none" in out
    assert main(["--home", str(home), "decoder", "enable"]) == 2          # a clear error, not a traceback
    assert "No memory decoder has been trained yet" in capsys.readouterr().err
    from app.cli.main import build_parser

    args = build_parser().parse_args(["eval", "perplexity", "--locomo", "x.json", "--split", "0.6"])
    assert args.split == 0.6 and args.func.__module__ == "app.cli.eval_perplexity"

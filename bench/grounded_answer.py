"""Time of a grounded answer against the answer as it was before grounding, same questions, same process.

Imports a persona folder into a scratch data folder, then asks each question two ways,
interleaved round by round so machine load hits both alike:
- before: the providers' context, the prompt, the model's whole draft streamed (no check);
- grounded: ``ChatService.send`` (fact answers, the sentence gate, the extractive fallback).
Prints the median seconds of each and the ratio (target ≤ 1.3).

    .venv/bin/python bench/grounded_answer.py [--rounds 3] [--docs tests/fixtures/personas/fiona-en/docs]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUESTIONS = ["What is my mobile number?", "When was I born?", "What is the plumber's phone number?",
             "When does my Botanic Garden membership renew?", "Where is Mum's 60th party?",
             "How much oatmeal goes into the cranachan?"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--docs", default=str(Path(__file__).resolve().parents[1] / "tests/fixtures/personas/fiona-en/docs"))
    args = ap.parse_args()

    from app.services import Services
    from core.chat.prompt import build_messages

    with tempfile.TemporaryDirectory(prefix="mnemo-bench-grounded-") as tmp:
        s = Services(Path(tmp))
        try:
            s.documents.import_paths([Path(args.docs)])
            s.persona.flush(600)
            chat = s.chat

            def before(q: str) -> None:
                prepared = chat.prepare(q, [], None)
                items = [it for _, pc in prepared for it in pc.items]
                st = s.settings_store.settings
                msgs = build_messages(st.generation.system_prompt, [pc.system_text for _, pc in prepared], items, [], q,
                                      max(256, st.model.n_ctx - st.generation.max_tokens - 64))
                chat._stream(chat._llm_provider(), msgs, None, None)

            def grounded(q: str) -> None:
                chat.send(q)

            grounded(QUESTIONS[0])   # warm-up: the model and the embedder loaded
            before(QUESTIONS[0])
            times: dict[str, list[float]] = {"before": [], "grounded": []}
            for _ in range(args.rounds):
                for q in QUESTIONS:
                    for name, fn in (("before", before), ("grounded", grounded)):
                        t0 = time.perf_counter()
                        fn(q)
                        times[name].append(time.perf_counter() - t0)
        finally:
            s.close()
    b, g = statistics.median(times["before"]), statistics.median(times["grounded"])
    tb, tg = sum(times["before"]), sum(times["grounded"])
    print(f"median per answer: before {b:.2f} s, grounded {g:.2f} s, ratio {g / b:.2f} (target <= 1.3)")
    print(f"total over {len(times['before'])} answers: before {tb:.1f} s, grounded {tg:.1f} s, ratio {tg / tb:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

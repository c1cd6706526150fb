"""``make screenshots``: open every pane with demo data in a temporary data folder and save PNGs.

Runs under Xvfb (re-executes itself through ``xvfb-run`` when there is no display; falls
back to Qt's offscreen platform if Xvfb is missing) so the pictures show what a user sees.
Usage: ``python -m app.screenshots [--out screenshots]``.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

NOTES = {
    "garden.md": "# Garden plans\n\nThis spring I want to grow San Marzano tomatoes and basil on the balcony. "
                 "The seedlings go out after the last frost, usually mid-April in Lisbon.\n",
    "cello.md": "# Cello lessons\n\nLesson with Marta every Tuesday at 18:00. Practise the Bach prelude in G, "
                "bars 1-22, slowly with a metronome at 60.\n",
    "trip.md": "# Porto weekend\n\nTrain from Lisbon Santa Apolónia at 08:39. Hotel near Ribeira; dinner at "
               "Cantinho do Avillez on Saturday.\n",
    "contacts.vcf": "BEGIN:VCARD\nVERSION:3.0\nFN:Ada Lovelace\nEMAIL:ada@example.org\nTEL:+351 912 345 678\n"
                    "ADR:;;Rua das Flores 12;Lisboa;;1200-195;Portugal\nEND:VCARD\n",
}
FORM = """<html><body><form>
<label for=fn>First name</label><input id=fn name=first_name autocomplete=given-name>
<label for=ln>Last name</label><input id=ln name=last_name autocomplete=family-name>
<label for=em>Email</label><input id=em name=email type=email>
<label for=ph>Phone</label><input id=ph name=phone type=tel>
<label for=ci>City</label><input id=ci name=city>
<label for=pc>Postal code</label><input id=pc name=zip>
<label for=ib>IBAN</label><input id=ib name=iban>
<label for=pw>Password</label><input id=pw name=password type=password>
</form></body></html>"""


def _wait(app: Any, done: Callable[[], bool], timeout: float = 120.0) -> bool:
    t0 = time.monotonic()
    while not done():
        if time.monotonic() - t0 > timeout:
            return False
        app.processEvents()
        time.sleep(0.02)
    for _ in range(5):
        app.processEvents()
    return True


def _demo_data(services: Any, folder: Path) -> Path:
    from datetime import timedelta

    from core.store.tables import utcnow

    folder.mkdir(parents=True, exist_ok=True)
    for name, text in NOTES.items():
        (folder / name).write_text(text, encoding="utf-8")
    form = folder / "registration.html"
    form.write_text(FORM, encoding="utf-8")
    conv = services.conversations
    old = conv.create().id
    conv.add_message(old, "user", "Remind me what I planned for the garden?", created_at=utcnow() - timedelta(days=3))
    conv.add_message(old, "assistant", "You planned **San Marzano tomatoes** and basil on the balcony [1].",
                     meta={"tokens_per_s": 41.7, "sources": [
                         {"n": 1, "kind": "passage", "ref": "chunk:1", "text": NOTES["garden.md"], "cited": True,
                          "source": "garden.md line 1", "score": 0.82, "meta": {"path": str(folder / "garden.md")}}]})
    cid = conv.create().id
    conv.add_message(cid, "user", "When is my next cello lesson, and what should I practise?")
    conv.add_message(cid, "assistant",
                     "Your next lesson with Marta is on **Tuesday at 18:00** [1]. Before then:\n\n"
                     "1. Practise the Bach prelude in G, bars 1–22.\n2. Keep the metronome at 60 and go slowly.\n\n"
                     "Shall I remind you on Monday evening?",
                     meta={"tokens_per_s": 38.2, "sources": [
                         {"n": 1, "kind": "passage", "ref": "chunk:2", "text": NOTES["cello.md"], "cited": True,
                          "source": "cello.md line 1", "score": 0.91, "meta": {"path": str(folder / "cello.md")}},
                         {"n": 2, "kind": "memory", "ref": "memory:1", "text": "Ada practises in the evenings.",
                          "cited": False, "source": "chat of 2 May", "score": 0.4, "meta": {}}]})
    conv.add_message(cid, "user", "Yes please, and add the tram times.")
    conv.add_message(cid, "assistant", "I can't set reminders myself yet, but here is a note you can copy:\n\n"
                     "> Monday 20:00 — cello practice, Bach prelude bars 1–22, metronome 60.",
                     meta={"tokens_per_s": 40.3, "sources": []})
    conv.rename(cid, "Cello lesson and practice")
    store = services.memory.store
    store.add("Ada takes cello lessons with Marta on Tuesdays at 18:00 and practises Bach.", [], [], cid, "26 Nov 2026")
    store.add("Ada grows San Marzano tomatoes and basil on her balcony in Lisbon.", [], [], old, "23 Nov 2026")
    persona = services.persona
    persona.set_model_use(False, False)
    for key, value in (("given-name", "Ada"), ("family-name", "Lovelace"), ("email", "ada@example.org"),
                       ("address-level2", "Lisbon"), ("favorite-food", "pastéis de nata"),
                       ("iban", "PT50 0002 0123 1234 5678 9015 4")):
        persona.facts.set(key, value)
    persona.facts.pin("given-name", False)
    persona.bio.edit("I'm Ada, I live in Lisbon, I'm learning the cello and I grow tomatoes on my balcony.")
    return form


def run(out: Path) -> list[Path]:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["mnemo-screenshots"])
    from app.services import Services
    from ui.main_window import MainWindow
    from ui.theme import apply_interface

    tmp = Path(tempfile.mkdtemp(prefix="mnemo-shots-"))
    services = Services(tmp / "home")
    apply_interface(app, services.settings.interface)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        form = _demo_data(services, tmp / "demo")
        window = MainWindow(services)
        window.resize(1280, 800)
        window.show()
        _wait(app, lambda: window.model_status.state != "loading")

        def shot(name: str) -> None:
            _wait(app, lambda: True)
            path = out / f"{name}.png"
            window.grab().save(str(path))
            written.append(path)
            print(f"wrote {path}")

        _chat_and_documents(app, window, shot, tmp / "demo")
        _memory_autofill_settings(app, window, shot, form)
        _error_and_dark(app, window, shot, services)
        window.shutdown()
        window.close()
    finally:
        services.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return written


def _chat_and_documents(app: Any, window: Any, shot: Callable[[str], None], demo: Path) -> None:
    chat = window.show_pane("Chat")
    chat.new_chat()
    shot("01-chat-empty")
    chat.list.setCurrentRow(0)
    window.model_status.set_speed(38.2)
    shot("02-chat")
    docs = window.show_pane("Documents")
    shot("03-documents-empty")
    docs.import_paths([str(p) for p in sorted(demo.iterdir()) if p.suffix != ".html"])
    _wait(app, lambda: docs.job is not None and not docs.job.running, 300)
    shot("04-documents")
    docs.search("cello lesson")
    _wait(app, lambda: docs.search_job is not None and not docs.search_job.running, 120)
    shot("05-documents-search")


def _memory_autofill_settings(app: Any, window: Any, shot: Callable[[str], None], form: Path) -> None:
    memory = window.show_pane("Memory")
    for i in range(memory.tabs.count()):
        memory.tabs.setCurrentIndex(i)
        shot(f"06-memory-{i + 1}-{memory.tabs.tabText(i).lower().replace(' ', '-')}")
    memory.tabs.setCurrentIndex(0)
    autofill = window.show_pane("Autofill")
    shot("07-autofill-empty")
    autofill.use_model.setChecked(False)
    autofill.open_form(str(form))
    _wait(app, lambda: autofill.job is not None and not autofill.job.running, 120)
    shot("08-autofill")
    settings = window.show_pane("Settings")
    shot("09-settings")
    settings.set_value("model.n_ctx", "100")
    settings.sections.setCurrentRow(1)
    settings.set_value("generation.temperature", "0.4")
    settings.sections.setCurrentRow(0)
    shot("10-settings-invalid")
    settings.revert()


def _error_and_dark(app: Any, window: Any, shot: Callable[[str], None], services: Any) -> None:
    from ui.theme import apply_interface

    window.show_error("Importing documents failed: The PDF report.pdf is encrypted.",
                      "Remove the password in a PDF viewer, then import it again.")
    window.show_pane("Chat")
    shot("11-error-message")
    window.message_bar.hide()
    apply_interface(app, services.settings.interface.model_copy(update={"theme": "dark"}))
    shot("12-chat-dark")
    window.show_pane("Memory")
    shot("13-memory-dark")
    apply_interface(app, services.settings.interface)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screenshots", help="folder for the PNGs (default: screenshots)")
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("MNEMO_SHOTS_CHILD"):
        xvfb = shutil.which("xvfb-run")
        if xvfb:
            env = {**os.environ, "MNEMO_SHOTS_CHILD": "1", "QT_QPA_PLATFORM": "xcb"}
            cmd = [xvfb, "-a", "-s", "-screen 0 1400x900x24", sys.executable, "-m", "app.screenshots", "--out", args.out]
            rc = subprocess.call(cmd, env=env)
            if rc == 0:
                return 0
            print("Qt could not use Xvfb (missing libxcb-cursor0? apt-get install libxcb-cursor0); "
                  "using Qt's offscreen platform instead.", file=sys.stderr)
        else:
            print("Xvfb is not installed (apt-get install xvfb); using Qt's offscreen platform instead.", file=sys.stderr)
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    written = run(Path(args.out))
    print(f"{len(written)} screenshots in {args.out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``make screenshots``: every pane, light and dark, on real fixture data in a temporary data folder, as PNGs.

Nothing is canned: a first run's welcome imports Marta Kowalski's invented documents
(``tests/fixtures/persona/docs``) through the Documents pane, the profile and the owner come
from that import, the chat answers come from the embedded model, the memories from its
reflection on that chat, and the error shown is a real one (a form that is not there). What
the script types itself (wrong values in Settings) is said in the picture's name.
Runs under Xvfb (re-executes itself through ``xvfb-run`` when there is no display; falls back
to Qt's offscreen platform if Xvfb is missing) so the pictures show what a user sees.
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

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "persona" / "docs"   # Marta Kowalski's invented documents
QUESTIONS = ("Where do I live now?", "What is my training plan for the gravel race?")
FORM = """<html><body><form>
<label for=fn>First name</label><input id=fn name=first_name autocomplete=given-name>
<label for=ln>Last name</label><input id=ln name=last_name autocomplete=family-name>
<label for=em>Email</label><input id=em name=email type=email>
<label for=bd>Date of birth</label><input id=bd name=birthday autocomplete=bday>
<label for=st>Street address</label><input id=st name=street autocomplete=street-address>
<label for=ci>City</label><input id=ci name=city>
<label for=pc>Postal code</label><input id=pc name=zip>
<label for=org>Employer</label><input id=org name=employer autocomplete=organization>
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


class Shooter:
    """Saves ``window.grab()`` (or a dialog's) as ``<out>/<name>.png`` and lists what it wrote."""

    def __init__(self, app: Any, window: Any, out: Path) -> None:
        self.app, self.window, self.out = app, window, out
        self.written: list[Path] = []

    def __call__(self, name: str, widget: Any = None) -> None:
        _wait(self.app, lambda: True)
        path = self.out / f"{name}.png"
        (widget or self.window).grab().save(str(path))
        self.written.append(path)
        print(f"wrote {path}")


def run(out: Path) -> list[Path]:
    """Every pane, light then dark, on Marta's fixture documents; the answers come from the embedded model."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["mnemo-screenshots"])
    from app.services import Services
    from ui.icons import app_icon
    from ui.main_window import MainWindow
    from ui.theme import apply_interface
    from ui.window_state import FILE_NAME

    app.setWindowIcon(app_icon())
    tmp = Path(tempfile.mkdtemp(prefix="mnemo-shots-"))
    services = Services(tmp / "home")
    services.settings_store.update({"interface.theme": "light"})
    apply_interface(app, services.settings.interface)
    out.mkdir(parents=True, exist_ok=True)
    docs = tmp / "Marta"
    shutil.copytree(FIXTURE, docs)
    form = tmp / "registration.html"
    form.write_text(FORM, encoding="utf-8")
    try:
        window = MainWindow(services, state_file=services.paths.home / FILE_NAME)   # a first run: the welcome
        window.resize(1280, 820)
        window.show()
        shot = Shooter(app, window, out)
        _wait(app, lambda: window.model_status.state != "loading", 300)
        _welcome_and_import(app, window, shot, services, docs)
        _chat(app, window, shot)
        _memory_autofill_models_settings(app, window, shot, services, form)
        _dark(app, window, shot, services)
        window.shutdown()
        window.close()
        return shot.written
    finally:
        services.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _welcome_and_import(app: Any, window: Any, shot: Shooter, services: Any, docs: Path) -> None:
    _wait(app, lambda: window.welcome is not None and window.welcome.isVisible(), 10)
    welcome = window.welcome
    shot("01-welcome", welcome)
    pane = window.show_pane("Documents")
    shot("02-documents-empty")
    welcome.start_import(str(docs))
    _wait(app, lambda: pane.job is not None and not pane.job.running, 600)
    services.persona.flush(300)     # the profile and who the owner is, from the documents just read
    welcome.refresh()
    shot("03-welcome-after-import", welcome)
    welcome.accept()
    shot("04-documents")
    pane.search("gravel race training")
    _wait(app, lambda: pane.search_job is not None and not pane.search_job.running, 120)
    shot("05-documents-search")


def _chat(app: Any, window: Any, shot: Shooter) -> None:
    chat = window.show_pane("Chat")
    chat.new_chat()
    shot("06-chat-empty")
    for question in QUESTIONS:      # the embedded model answers, grounded in the imported documents
        chat.send(question)
        _wait(app, lambda: chat.job is not None and not chat.job.running, 300)
    shot("07-chat")


def _memory_autofill_models_settings(app: Any, window: Any, shot: Shooter, services: Any, form: Path) -> None:
    chat = window.panes["Chat"]
    if chat.conversation_id is not None:    # what Mnemo remembers of that conversation (the model reflects)
        try:
            services.memory.reflect_conversation(chat.conversation_id)
        except Exception as exc:  # the pictures go on without memories; say why
            print(f"reflection failed: {exc}", file=sys.stderr)
    services.persona.flush(300)
    memory = window.show_pane("Memory")
    for i in range(memory.tabs.count()):
        memory.tabs.setCurrentIndex(i)
        shot(f"08-memory-{i + 1}-{memory.tabs.tabText(i).lower().replace(' ', '-')}")
    memory.tabs.setCurrentIndex(0)
    autofill = window.show_pane("Autofill")
    shot("09-autofill-empty")
    autofill.use_model.setChecked(False)
    autofill.open_form(str(form))
    _wait(app, lambda: autofill.job is not None and not autofill.job.running, 300)
    shot("10-autofill")
    window.show_pane("Models")
    _wait(app, lambda: False, 3)    # the model list reads the GGUF headers in the background
    shot("11-models")
    settings = window.show_pane("Settings")
    shot("12-settings")
    settings.set_value("model.n_ctx", "100")      # typed by this script: what a wrong value looks like
    settings.sections.setCurrentRow(1)
    settings.set_value("generation.temperature", "0.4")
    settings.sections.setCurrentRow(0)
    shot("13-settings-invalid")
    settings.revert()
    autofill = window.show_pane("Autofill")
    autofill.open_form(str(form.with_name("tax-return.pdf")))   # a real error: the file is not there
    _wait(app, lambda: autofill.job is not None and not autofill.job.running, 60)
    shot("14-error-message")
    window.message_bar.hide()
    if autofill.form is not None:
        autofill._show((autofill.form, autofill.proposals))


def _dark(app: Any, window: Any, shot: Shooter, services: Any) -> None:
    from dataclasses import replace

    from ui.main_window import PANES
    from ui.theme import apply_interface

    apply_interface(app, replace(services.settings.interface, theme="dark"))
    for i, name in enumerate(PANES):
        window.show_pane(name)
        shot(f"{15 + i}-{name.lower()}-dark")
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

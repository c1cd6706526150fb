"""Who Mnemo thinks the user is, and why, at the top of the Facts tab: confirm it, or correct it.

The profile follows the answer: ``PersonaService.set_owner`` reads the documents again for
that person (a job: it may take a while on a large folder).
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QPushButton, QWidget

from core.errors import MnemoError
from core.persona.owner import parse_owner_spec
from ui.workers import Job, report_error

if TYPE_CHECKING:
    from core.persona.owner import Owner
    from core.persona.service import PersonaService

MAX_EVIDENCE = 4


def owner_text(owner: Owner) -> str:
    """One rich-text line: the owner, whether confirmed, and the evidence for it."""
    if not owner.known:
        return ("<b>Mnemo does not know who you are yet.</b> Import your mail, contacts or notes, "
                "or tell it with <i>Not me…</i>.")
    who = html.escape(owner.name or "") + "".join(f" &lt;{html.escape(e)}&gt;" for e in owner.emails)
    if owner.confirmed:
        return f"You are <b>{who}</b> (confirmed by you)."
    why = "; ".join(html.escape(e) for e in owner.evidence[:MAX_EVIDENCE])
    return f"Mnemo thinks you are <b>{who}</b>" + (f" — {why}" if why else "") + "."


class OwnerBar(QWidget):
    """The inferred owner with its evidence; "This is me" confirms it, "Not me…" corrects it."""

    changed = Signal()

    def __init__(self, persona: PersonaService) -> None:
        super().__init__()
        self.persona = persona
        self.job: Job[Owner] | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.confirm_button = QPushButton("This is me")
        self.confirm_button.setToolTip("Confirm it: the profile keeps following this person")
        self.confirm_button.clicked.connect(self.confirm)
        self.correct_button = QPushButton("Not me…")
        self.correct_button.setToolTip("Say who you are (name and e-mail); the profile is read again for you")
        self.correct_button.clicked.connect(self._ask)
        row.addWidget(self.label, 1)
        row.addWidget(self.confirm_button)
        row.addWidget(self.correct_button)
        self.refresh()

    def refresh(self) -> None:
        try:
            owner = self.persona.owner()
        except MnemoError as exc:
            report_error(self, exc, "Reading who you are")
            return
        self.label.setText(owner_text(owner))
        busy = self.job is not None and self.job.running
        self.confirm_button.setVisible(owner.known and not owner.confirmed)
        self.confirm_button.setEnabled(not busy)
        self.correct_button.setEnabled(not busy)

    def confirm(self) -> None:
        owner = self.persona.owner()
        if owner.known:
            self.set_owner(owner.name, list(owner.emails))

    def _ask(self) -> None:
        spec, ok = QInputDialog.getText(self, "Who are you?", "Your name and e-mail, e.g. Ada Novak <ada@example.org>:")
        if ok and spec.strip():
            self.set_owner(*parse_owner_spec(spec))

    def set_owner(self, name: str, emails: list[str]) -> Job[Owner] | None:
        """Confirm or correct the owner in the background; the facts follow."""
        if self.job is not None and self.job.running:
            return None
        self.job = (Job(self, lambda ctx: self.persona.set_owner(name, emails), "Setting who you are")
                    .success(lambda _: self.changed.emit())
                    .finally_(self.refresh))
        self.job.start()
        self.refresh()
        return self.job

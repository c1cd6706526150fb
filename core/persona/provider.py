"""The chat context provider of the persona: the profile and biography in every system prompt.

It adds no numbered items (facts are not passages to cite); sensitive facts stay out
unless ``privacy.sensitive_in_prompt`` allows them. ``prepare`` only reads: it never
waits for extraction.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from core.chat.context import ContextItem, PreparedContext

if TYPE_CHECKING:
    from core.persona.service import PersonaService


class PersonaContextProvider:
    def __init__(self, service: "PersonaService") -> None:
        self.service = service

    def prepare(self, query: str, history: Sequence[dict[str, str]], conversation_id: int | None) -> PreparedContext:
        return PreparedContext(system_text=self.roles() + "\n\n" + self.service.profile_text(), items=[], state=None)

    def roles(self) -> str:
        """Who is who, said plainly: a small model otherwise takes the user's facts for its own."""
        name = self.service.owner().name
        user = f"The user, whom you are talking to, is {name}." if name else "The user is the person you are talking to."
        return (f"You are Mnemo, the user's assistant; you are not the user. {user} The facts below are the user's, "
                "not yours: say \"you\" and \"your\" for them. Other people named in the notes are not the user.")

    def feedback(self, prepared: PreparedContext, shown: list[ContextItem], cited: list[int]) -> None:
        return None

    def __repr__(self) -> str:  # pragma: no cover
        return "PersonaContextProvider()"

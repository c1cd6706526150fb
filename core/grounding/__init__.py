"""Grounding: every value Mnemo states must be found in a stored source (see DESIGN.md, "Grounding")."""

"""Mnemo's composition root: builds every service once from the settings; CLI and GUI entry points."""

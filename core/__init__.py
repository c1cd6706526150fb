"""Mnemo's domain layer: storage, import, persona, reflection, chat, autofill, evals.

Never imports Qt; heavy libraries are imported inside the functions that use them.
"""

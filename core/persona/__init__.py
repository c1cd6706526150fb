"""Persona memory (Second Me's L1): profile facts, topics ("shades") and a biography of the user.

``PersonaService`` (``service``) is the entry point; ``FactStore`` (``facts``) is the public
fact API that autofill uses. Nothing is imported here: a module of this package (the fact
cipher, say) is imported without the fact tables and extraction rules.
"""

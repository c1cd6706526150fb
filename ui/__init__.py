"""PySide6 widgets. They receive services and never build them; no domain logic here."""

"""Export of the user's data in open formats: facts as JSON and vCard, conversations as Markdown."""
from __future__ import annotations

from core.export.exporter import ExportResult, export_all
from core.export.vcard import facts_to_vcard

__all__ = ["ExportResult", "export_all", "facts_to_vcard"]

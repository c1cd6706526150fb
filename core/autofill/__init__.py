"""Autofill: read forms (PDF, HTML, JSON, label lists), propose values from the profile, write filled copies."""
from __future__ import annotations

from core.autofill.model import Form, FormField, Option, Proposal, StaticFacts
from core.autofill.service import AutofillService

__all__ = ["AutofillService", "Form", "FormField", "Option", "Proposal", "StaticFacts"]

"""Sensitive values found in text (cards, IBANs, ID and tax numbers, passwords): found, masked, encrypted."""
from core.privacy.sensitive import Span, find
from core.privacy.vault import SensitiveVault

__all__ = ["Span", "find", "SensitiveVault"]

"""The sensitive-value vault: text is stored with placeholders, the values encrypted beside it.

``mask`` replaces each value ``sensitive.find`` finds with a stable placeholder such as
``IBAN •••• 5432`` (the same value always gets the same one, so search still works on the rest
of the text and on the placeholder) and keeps the value encrypted, with the key of the sensitive
facts, in the ``sensitive_value`` table. ``reveal`` puts the values back, for the one use a
privacy setting allows (the chat prompt with ``privacy.sensitive_in_prompt``, autofill with
``autofill.fill_sensitive``). The key is fetched only when a value is found or revealed.
"""
from __future__ import annotations

import re
import threading
from typing import Any, Protocol

from core.privacy.sensitive import Span, find
from core.store.db import Database, scalar
from core.store.clock import utcnow

LABELS = {"card": "CARD", "iban": "IBAN", "passport": "PASSPORT", "national_id": "ID", "tax_id": "TAX-ID",
          "password": "PASSWORD"}
DOTS = "••••"
PLACEHOLDER_RE = re.compile(r"\b(?:" + "|".join(re.escape(v) for v in sorted(LABELS.values(), key=len, reverse=True))
                            + r") " + DOTS + r"(?: [0-9A-Z]{1,4})?(?: #\d+)?")


class Cipher(Protocol):
    """Encrypts and hashes values (``core.persona.crypto.FactCipher``: the key of the sensitive facts)."""

    def encrypt(self, value: str) -> str: ...

    def decrypt(self, token: str) -> str: ...

    def value_hash(self, key: str, value: str) -> str: ...


def placeholder_base(span: Span) -> str:
    label = LABELS[span.kind]
    if span.kind == "password":
        return f"{label} {DOTS}"
    return f"{label} {DOTS} {span.compact[-4:]}"


class SensitiveVault:
    """Masks values on their way into storage and reveals them where a setting allows it."""

    def __init__(self, db: Database, cipher: Cipher) -> None:
        self.db = db
        self.cipher = cipher
        self._lock = threading.Lock()
        self._by_ref: dict[str, str] = {}  # placeholder -> value, of this process's reveals and masks

    # ---- masking ---------------------------------------------------------------------------------------------
    def spans(self, text: str) -> list[Span]:
        """The values of ``text`` that are not already placeholders."""
        if not text:
            return []
        held = [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]
        return [s for s in find(text) if not any(s.start < e and b < s.end for b, e in held)]

    def mask(self, text: str, store: bool = True) -> str:
        """``text`` with each sensitive value replaced by its placeholder (the value stored encrypted).

        ``store=False`` (a search query) stores nothing: a value never seen gets a placeholder that matches nothing.
        """
        spans = self.spans(text)
        if not spans:
            return text
        out, last = [], 0
        for sp in spans:
            out += [text[last:sp.start], self._ref(sp, store)]
            last = sp.end
        out.append(text[last:])
        return "".join(out)

    def mask_obj(self, obj: Any) -> Any:
        """A JSON-like value (dicts, lists, strings) with every string masked."""
        if isinstance(obj, str):
            return self.mask(obj)
        if isinstance(obj, dict):
            return {k: self.mask_obj(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return type(obj)(self.mask_obj(v) for v in obj)
        return obj

    def _ref(self, sp: Span, store: bool = True) -> str:
        digest = self.cipher.value_hash(f"sensitive:{sp.kind}", sp.compact)
        with self._lock:
            with self.db.read() as conn:  # a value seen before needs no write lock
                row = conn.execute("SELECT ref FROM sensitive_value WHERE digest = ?", (digest,)).fetchone()
            if row:
                return str(row[0])
            if not store:
                return f"{placeholder_base(sp)} #?"
            with self.db.write() as conn:
                row = conn.execute("SELECT ref FROM sensitive_value WHERE digest = ?", (digest,)).fetchone()
                if row:  # another process stored it meanwhile
                    return str(row[0])
                base = placeholder_base(sp)
                taken = {r[0] for r in conn.execute(
                    "SELECT ref FROM sensitive_value WHERE ref = ? OR ref LIKE ?", (base, base + " #%"))}
                ref, n = base, 1
                while ref in taken:
                    n += 1
                    ref = f"{base} #{n}"
                conn.execute(
                    "INSERT INTO sensitive_value (ref, kind, digest, ciphertext, created_at) VALUES (?, ?, ?, ?, ?)",
                    (ref, sp.kind, digest, self.cipher.encrypt(sp.value), utcnow().isoformat(timespec="seconds")))
            self._by_ref[ref] = sp.value  # as stored: the first way it was written
        return ref

    # ---- revealing -------------------------------------------------------------------------------------------
    def reveal(self, text: str) -> str:
        """``text`` with each placeholder replaced by its value (unknown placeholders stay as they are)."""
        if not text or DOTS not in text:
            return text
        refs = {m.group(0) for m in PLACEHOLDER_RE.finditer(text)}
        if not refs:
            return text
        values = self.values(refs)
        return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(0), m.group(0)), text)

    def reveal_obj(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return self.reveal(obj)
        if isinstance(obj, dict):
            return {k: self.reveal_obj(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return type(obj)(self.reveal_obj(v) for v in obj)
        return obj

    def values(self, refs: set[str]) -> dict[str, str]:
        with self._lock:
            out = {r: self._by_ref[r] for r in refs if r in self._by_ref}
        missing = sorted(refs - set(out))
        if missing:
            with self.db.read() as conn:
                rows = conn.execute(
                    f"SELECT ref, ciphertext FROM sensitive_value WHERE ref IN ({','.join('?' * len(missing))})",
                    tuple(missing)).fetchall()
            for ref, token in rows:
                out[ref] = self.cipher.decrypt(token)
            with self._lock:
                self._by_ref.update({r: out[r] for r, _ in rows})
        return out

    def count(self) -> int:
        with self.db.read() as conn:
            return int(scalar(conn, "SELECT count(*) FROM sensitive_value") or 0)

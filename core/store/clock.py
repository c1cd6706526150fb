"""The time stamps every store writes: aware UTC datetimes (no database imports, for quick commands)."""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)

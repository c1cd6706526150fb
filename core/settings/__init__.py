"""Mnemo's settings: one versioned pydantic schema and its atomic on-disk store."""
from core.settings.schema import SCHEMA_VERSION, Settings
from core.settings.store import SettingInfo, SettingsStore

__all__ = ["SCHEMA_VERSION", "Settings", "SettingsStore", "SettingInfo"]

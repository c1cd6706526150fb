"""Mnemo's settings: one versioned schema (dataclasses checked on every assignment) and its atomic on-disk store."""
from core.settings.fields import InvalidSetting
from core.settings.schema import SCHEMA_VERSION, Settings
from core.settings.store import SettingInfo, SettingsStore

__all__ = ["SCHEMA_VERSION", "InvalidSetting", "Settings", "SettingsStore", "SettingInfo"]

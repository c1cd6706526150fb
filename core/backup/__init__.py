"""Backup and restore of a data folder: consistent snapshots, verified restores, encrypted secrets."""
from __future__ import annotations

from core.backup.manifest import BackupInvalid, Manifest
from core.backup.restore import RestoreResult, restore_backup, verify_backup
from core.backup.snapshot import BackupResult, create_backup

__all__ = ["BackupInvalid", "BackupResult", "Manifest", "RestoreResult", "create_backup", "restore_backup",
           "verify_backup"]

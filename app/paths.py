"""Where a data folder lives (platformdirs user data dir, overridable with MNEMO_HOME) and its layout."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def default_home() -> Path:
    env = os.environ.get("MNEMO_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("mnemo", appauthor=False))


@dataclass(frozen=True)
class DataPaths:
    """Every file and folder of one data folder."""

    home: Path

    @classmethod
    def create(cls, home: Path | None = None) -> "DataPaths":
        paths = cls(Path(home) if home else default_home())
        old = os.umask(0o077)
        try:
            paths.home.mkdir(parents=True, exist_ok=True, mode=0o700)
            for d in (paths.vectors, paths.models, paths.logs):
                d.mkdir(parents=True, exist_ok=True, mode=0o700)
        finally:
            os.umask(old)
        try:
            os.chmod(paths.home, 0o700)
        except OSError:
            pass
        return paths

    @property
    def db(self) -> Path:
        return self.home / "mnemo.sqlite3"

    @property
    def settings(self) -> Path:
        return self.home / "settings.json"

    @property
    def vectors(self) -> Path:
        return self.home / "vectors"

    @property
    def models(self) -> Path:
        """Trained weights: the reranker, the memory decoder and its datastore."""
        return self.home / "models"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

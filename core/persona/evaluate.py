"""Compare an extracted profile with an expected one: precision and recall per key.

Values match when their normalized forms (case, spacing, punctuation; phones by digits;
dates as ISO; URLs without scheme) are equal or nearly equal (difflib ratio >= 0.85);
an expected value may be a list of accepted alternatives.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from core.errors import MnemoError
from core.persona.keys import normalize_key, normalize_value

NEAR = 0.85


@dataclass
class KeyScore:
    key: str
    expected: list[str]
    predicted: str | None
    correct: bool


@dataclass
class ProfileScore:
    keys: list[KeyScore] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)   # predicted keys the expected profile does not list

    @property
    def n_expected(self) -> int:
        return len(self.keys)

    @property
    def n_correct(self) -> int:
        return sum(k.correct for k in self.keys)

    @property
    def n_predicted_scored(self) -> int:
        return sum(k.predicted is not None for k in self.keys)

    @property
    def recall(self) -> float:
        return self.n_correct / self.n_expected if self.n_expected else 0.0

    @property
    def precision(self) -> float:
        """Over the keys the expected profile lists (a key it does not list cannot be judged)."""
        return self.n_correct / self.n_predicted_scored if self.n_predicted_scored else 0.0

    @property
    def precision_all(self) -> float:
        """Over every predicted key, unlisted ones counted as wrong (a lower bound)."""
        n = self.n_predicted_scored + len(self.extra)
        return self.n_correct / n if n else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "precision_all_keys": round(self.precision_all, 4), "expected": self.n_expected,
                "correct": self.n_correct,
                "keys": [{"key": k.key, "expected": k.expected, "predicted": k.predicted, "correct": k.correct,
                          "precision": (1.0 if k.correct else 0.0) if k.predicted is not None else None,
                          "recall": 1.0 if k.correct else 0.0} for k in self.keys],
                "extra": self.extra}


def values_match(key: str, expected: str, predicted: str) -> bool:
    a, b = normalize_value(key, expected), normalize_value(key, predicted)
    if not a or not b:
        return False
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= NEAR


def load_expected(path: Path) -> dict[str, list[str]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MnemoError(f"The expected profile {path} could not be read ({exc}).",
                         'Give a JSON object like {"given-name": "Jane", "email": ["jane@x.org", "j@y.org"]}.') from exc
    if isinstance(data, dict) and isinstance(data.get("facts"), dict):
        data = data["facts"]
    if not isinstance(data, dict):
        raise MnemoError(f"The expected profile {path} is not a JSON object of key: value.", "")
    out: dict[str, list[str]] = {}
    for k, v in data.items():
        vals = v if isinstance(v, list) else [v]
        out[normalize_key(k)] = [str(x) for x in vals if str(x).strip()]
    return out


def score_profile(expected: Mapping[str, list[str]], predicted: Mapping[str, str]) -> ProfileScore:
    score = ProfileScore()
    for key, vals in sorted(expected.items()):
        got = predicted.get(key)
        ok = got is not None and any(values_match(key, v, got) for v in vals)
        score.keys.append(KeyScore(key, list(vals), got, ok))
    score.extra = {k: v for k, v in sorted(predicted.items()) if k not in expected}
    return score

"""Score an extracted profile against an expected one, strictly: precision, recall and junk, per key and overall.

A predicted value is right only when it *equals* one of the expected alternatives after the formatting
people vary without changing the value is folded away:

- everywhere: Unicode (NFKC), case (``ß`` folds to ``ss``), white space, commas, surrounding quotes and a
  trailing full stop;
- phones (``tel``, ``*-phone``, ...): both parsed with ``phonenumbers`` and compared in E.164; a national
  number is read in the expected number's own region (``+44 7700 900123`` makes ``07700 900123`` British),
  else in the region the expected file names (``"_region": "GB"``); a number that does not parse is
  compared by its digits (all of them);
- dates (``bday``, ``*-date``): ISO, ``15.03.1988``, ``15/03/1988`` (day first unless the region is US or
  the second number is above 12; ``05/03/1988`` without a region stays as written), ``15 March 1988``,
  ``March 15, 1988`` and the month names of German, French, Spanish and Swedish, all to ``YYYY-MM-DD``;
- identifiers (IBAN, BIC, SSN, postal code, ``*-number``): spaces, dots and hyphens dropped, upper case;
- e-mail (``mailto:``, angle brackets), URLs (scheme, ``www.``, trailing slash).

There is deliberately no similarity ratio: one wrong digit, a date one day off or another IBAN is wrong.
The normalisation is this module's own (the scorer must not move when extraction's normalisation does).

The expected file is ``{key: value or [alternatives]}`` (optionally under ``"facts"``), plus optional
``"_owner"`` (the owner's full name, for owner identification; the expected ``name`` when absent), ``"_region"`` (ISO country code for
national phone numbers and day/month order) and ``"_others"`` ({"Isla (sister)": [her name, phone, e-mail]}:
other people in the documents; a shown fact that is one of their values is reported as a leak).
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import phonenumbers

from core.errors import MnemoError
from core.persona.keys import normalize_key

PHONE_KEYS = frozenset({"tel", "tel-national", "tel-local", "mobile", "fax"})
ID_KEYS = frozenset({"iban", "bic", "ssn", "postal-code", "cc-number", "tax-id", "vat-id", "national-id", "swift"})

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate([
        "january jan januar jän jänner janvier janv enero ene januari",
        "february feb februar février fevrier févr fevr febrero febr februari",
        "march mar märz maerz mär mars marzo",
        "april apr avril avr abril",
        "may mai mayo maj",
        "june jun juni juin junio",
        "july jul juli juillet juil julio",
        "august aug août aout agosto ago augusti",
        "september sep sept septembre septiembre setiembre",
        "october oct oktober okt octobre octubre",
        "november nov novembre noviembre",
        "december dec dezember dez décembre decembre déc diciembre dic"], 1):
    for _name in _names.split():
        _MONTHS[_name] = _number
_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_DAY = r"(\d{1,2})(?:st|nd|rd|th|er|e|\.|:e|:a)?"


# ---- normalisation ------------------------------------------------------------------------------------------
def _is_phone_key(key: str) -> bool:
    return key in PHONE_KEYS or key.endswith(("-phone", "-tel", "-mobile"))


def _is_date_key(key: str) -> bool:
    return key == "bday" or key.endswith(("-date", "-bday", "-birthday")) or key == "birthday"


def _is_id_key(key: str) -> bool:
    return key in ID_KEYS or key.endswith("-number")


def _text(value: str) -> str:
    v = unicodedata.normalize("NFKC", str(value)).casefold()
    v = re.sub(r"\s*,\s*", " ", v)
    v = re.sub(r"\s+", " ", v).strip()
    v = v.strip("\"'“”„«»‘’ ")
    return v[:-1].rstrip() if v.endswith(".") and not v.endswith("..") else v


def phone_region(value: str, region: str | None = None) -> str | None:
    """The region a phone number belongs to: its own when written internationally, else ``region``."""
    try:
        num = phonenumbers.parse(str(value), region.upper() if region else None)
    except phonenumbers.NumberParseException:
        return region
    found = phonenumbers.region_code_for_number(num) or phonenumbers.region_code_for_country_code(num.country_code or 0)
    return region if found in (None, "ZZ", "001") else found


def normalize_phone(value: str, region: str | None = None) -> str:
    """E.164 where the number parses (``region`` for national numbers), else ``+`` and all its digits."""
    v = unicodedata.normalize("NFKC", str(value)).strip()
    v = re.sub(r"^(tel|phone|mobile|fax)\s*:\s*", "", v, flags=re.I)
    try:
        num = phonenumbers.parse(v, region.upper() if region else None)
        if phonenumbers.is_possible_number(num):
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    digits = re.sub(r"\D", "", v)
    return ("+" + digits[2:] if v.startswith("00") else ("+" + digits if v.startswith("+") else digits))


def _iso(y: int, mo: int, d: int) -> str | None:
    import datetime as _dt

    try:
        return _dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


def normalize_date(value: str, region: str | None = None) -> str | None:
    """``YYYY-MM-DD`` when ``value`` is one full date written in a known way; None otherwise."""
    t = _text(value).replace("\u00a0", " ")
    t = re.sub(r"^(den|le|el|am|on|the)\s+", "", t)
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:t[\d:.+z-]*)?", t)
    if m:
        return _iso(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"((?:19|20)\d{2})(\d{2})(\d{2})", t)
    if m:
        return _iso(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})", t)
    if m:
        return _iso(int(m[3]), int(m[2]), int(m[1]))
    m = re.fullmatch(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})", t)
    if m:
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        if b > 12 or (region or "").upper() == "US" and a <= 12:
            return _iso(y, a, b)
        if a > 12 or region:
            return _iso(y, b, a)
        return None  # 05/03/1988 with no region: ambiguous, compared as written
    m = re.fullmatch(rf"{_DAY}\s*(?:de\s+|of\s+)?({_MONTH_RE})\.?\s*(?:de\s+)?(\d{{4}})", t)
    if m:
        return _iso(int(m[3]), _MONTHS[m[2]], int(m[1]))
    m = re.fullmatch(rf"({_MONTH_RE})\.?\s+{_DAY}\s*(\d{{4}})", t)
    if m:
        return _iso(int(m[3]), _MONTHS[m[1]], int(m[2]))
    return None


def normalize(key: str, value: str, region: str | None = None) -> str:
    """The comparison form of ``value`` under ``key`` (see the module's docstring)."""
    if _is_phone_key(key):
        return normalize_phone(value, region)
    if _is_date_key(key):
        return normalize_date(value, region) or _text(value)
    v = _text(value)
    if key == "email" or key.endswith("-email"):
        return re.sub(r"^mailto:", "", v).strip("<>")
    if key == "url" or key.endswith("-url"):
        v = re.sub(r"^[a-z][a-z0-9+.-]*://", "", v)
        return re.sub(r"^www\.", "", v).rstrip("/")
    if _is_id_key(key):
        return re.sub(r"[\s.\-]", "", v).upper()
    return v


def values_match(key: str, expected: str, predicted: str, region: str | None = None) -> bool:
    """Whether ``predicted`` is the expected value (equal after normalisation; never "nearly")."""
    if _is_phone_key(key):
        region = phone_region(expected, region)
    a, b = normalize(key, expected, region), normalize(key, predicted, region)
    return bool(a) and a == b


# ---- the expected profile -----------------------------------------------------------------------------------
@dataclass
class ExpectedProfile:
    facts: dict[str, list[str]]
    owner: list[str] = field(default_factory=list)   # accepted spellings of the owner's full name
    region: str | None = None
    others: dict[str, list[str]] = field(default_factory=dict)   # other people: label -> their values

    def __iter__(self):  # so that ``set(expected)`` and ``key in expected`` read the keys
        return iter(self.facts)

    def __contains__(self, key: object) -> bool:
        return key in self.facts

    def __len__(self) -> int:
        return len(self.facts)


def _values(v: Any) -> list[str]:
    vals = v if isinstance(v, list) else [v]
    return [str(x) for x in vals if x is not None and str(x).strip()]


def load_expected(path: Path) -> ExpectedProfile:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MnemoError(f"The expected profile {path} could not be read ({exc}).",
                         'Give a JSON object like {"given-name": "Jane", "email": ["jane@x.org", "j@y.org"], '
                         '"_owner": "Jane Doe"}.') from exc
    if not isinstance(data, dict):
        raise MnemoError(f"The expected profile {path} is not a JSON object of key: value.", "")
    meta = {k: v for k, v in data.items() if str(k).startswith("_")}
    if isinstance(data.get("facts"), dict):
        data = data["facts"]
    facts: dict[str, list[str]] = {}
    for k, v in data.items():
        if str(k).startswith("_"):
            continue
        vals = _values(v)
        if vals:
            facts.setdefault(normalize_key(k), []).extend(vals)
    region = meta.get("_region")
    others = meta.get("_others")
    others = others if isinstance(others, dict) else {}
    owner = _values(meta.get("_owner")) or facts.get("name", [])   # without _owner: the expected full name
    return ExpectedProfile(facts, owner, str(region).upper() if region else None,
                           {str(k): _values(v) for k, v in others.items()})


# ---- scores -------------------------------------------------------------------------------------------------
@dataclass
class KeyScore:
    key: str
    expected: list[str]
    predicted: list[str]   # every value the profile shows under this key
    right: list[bool]      # per predicted value

    @property
    def correct(self) -> bool:
        """Recalled: one of the shown values is an expected one."""
        return any(self.right)

    @property
    def precision(self) -> float | None:
        return sum(self.right) / len(self.right) if self.right else None

    @property
    def recall(self) -> float:
        return 1.0 if self.correct else 0.0

    @property
    def mark(self) -> str:
        if not self.predicted:
            return "-"
        return "✓" if all(self.right) else ("~" if self.correct else "✗")


@dataclass
class OwnerScore:
    expected: list[str]
    inferred: str | None
    how: str               # where the inferred owner came from
    correct: bool
    evidence: list[str] = field(default_factory=list)


@dataclass
class ProfileScore:
    keys: list[KeyScore] = field(default_factory=list)
    extra: dict[str, list[str]] = field(default_factory=dict)   # shown keys the expected profile does not list
    owner: OwnerScore | None = None
    leaks: list[tuple[str, str, str]] = field(default_factory=list)   # (key, value, whose): other people's values

    @property
    def n_expected(self) -> int:
        return len(self.keys)

    @property
    def n_correct(self) -> int:
        """Expected keys recalled."""
        return sum(k.correct for k in self.keys)

    @property
    def n_right(self) -> int:
        """Predicted values on expected keys that are right."""
        return sum(sum(k.right) for k in self.keys)

    @property
    def n_predicted_scored(self) -> int:
        """Predicted values on keys the expected profile lists."""
        return sum(len(k.predicted) for k in self.keys)

    @property
    def n_extra(self) -> int:
        return sum(len(v) for v in self.extra.values())

    @property
    def n_predicted(self) -> int:
        return self.n_predicted_scored + self.n_extra

    @property
    def recall(self) -> float:
        return self.n_correct / self.n_expected if self.n_expected else 0.0

    @property
    def precision(self) -> float:
        """Over the predicted facts whose key the expected profile lists (others are junk, below)."""
        return self.n_right / self.n_predicted_scored if self.n_predicted_scored else 0.0

    @property
    def junk(self) -> float:
        """Share of predicted facts whose key the expected profile does not list."""
        return self.n_extra / self.n_predicted if self.n_predicted else 0.0

    @property
    def precision_all(self) -> float:
        """Over every predicted fact, junk counted as wrong (a lower bound)."""
        return self.n_right / self.n_predicted if self.n_predicted else 0.0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "precision": round(self.precision, 4), "recall": round(self.recall, 4), "junk": round(self.junk, 4),
            "precision_all_keys": round(self.precision_all, 4), "expected": self.n_expected,
            "recalled": self.n_correct, "predicted": self.n_predicted, "predicted_right": self.n_right,
            "predicted_junk": self.n_extra,
            "keys": [{"key": k.key, "expected": k.expected, "predicted": k.predicted, "right": k.right,
                      "correct": k.correct, "precision": k.precision, "recall": k.recall} for k in self.keys],
            "extra": self.extra, "leaks": [{"key": k, "value": v, "whose": w} for k, v, w in self.leaks]}
        if self.owner is not None:
            out["owner"] = {"expected": self.owner.expected, "inferred": self.owner.inferred, "how": self.owner.how,
                            "correct": self.owner.correct, "evidence": self.owner.evidence}
        return out


def _pairs(predicted: Mapping[str, str | list[str]] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    items = predicted.items() if isinstance(predicted, Mapping) else predicted
    out: list[tuple[str, str]] = []
    for k, v in items:
        for x in (v if isinstance(v, list) else [v]):
            if x is not None and str(x).strip():
                out.append((normalize_key(k), str(x)))
    return out


def score_profile(expected: ExpectedProfile | Mapping[str, list[str]],
                  predicted: Mapping[str, str | list[str]] | Iterable[tuple[str, str]],
                  region: str | None = None) -> ProfileScore:
    """Score ``predicted`` (key -> value or values, or (key, value) pairs: the profile as shown)."""
    facts = expected.facts if isinstance(expected, ExpectedProfile) else dict(expected)
    if region is None and isinstance(expected, ExpectedProfile):
        region = expected.region
    shown: dict[str, list[str]] = {}
    for k, v in _pairs(predicted):
        if v not in shown.setdefault(k, []):
            shown[k].append(v)
    score = ProfileScore()
    for key, vals in sorted(facts.items()):
        got = shown.get(key, [])
        score.keys.append(KeyScore(key, list(vals), got, [any(values_match(key, e, g, region) for e in vals)
                                                           for g in got]))
    score.extra = {k: v for k, v in sorted(shown.items()) if k not in facts}
    if isinstance(expected, ExpectedProfile) and expected.others:
        right = {(k.key, v) for k in score.keys for v, ok in zip(k.predicted, k.right) if ok}
        score.leaks = [(k, v, whose) for k, vals in shown.items() for v in vals if (k, v) not in right
                       for whose in [_whose(k, v, expected.others, region)] if whose]
    return score


def _whose(key: str, value: str, others: Mapping[str, list[str]], region: str | None) -> str:
    """Which other person ``value`` belongs to ("" when none): one of their values, read as ``key`` or as a
    name, phone or e-mail (a sister's number shown as the owner's ``tel``, or under a key of its own)."""
    for whose, vals in others.items():
        for other in vals:
            if values_match(key, other, value, region) or any(
                    values_match(k, other, value, region) for k in ("name", "tel", "email")
                    if k != key and (k != "tel" or sum(ch.isdigit() for ch in value) >= 6)):
                return whose
    return ""


def score_owner(expected: list[str], inferred: str | None, how: str, evidence: Iterable[str] = ()) -> OwnerScore:
    """The owner is identified when the inferred full name equals one of the expected spellings."""
    ok = bool(inferred) and any(values_match("name", e, inferred or "") for e in expected)
    return OwnerScore(list(expected), inferred, how, ok, list(evidence))

"""Reviewing proposals: what each field's status means, and what the user changed against what Mnemo proposed.

A front end (the Autofill pane) shows the proposals, lets the user edit the values, then
hands the reviewed values back here: ``summarize`` counts them, ``apply_review`` turns them
into the proposals a writer fills the form with, and ``corrections`` gives the rows
``AutofillService.accept`` stores as pinned facts. A value counts as the user's once its
surrounding whitespace is stripped, so adding a space changes nothing.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.autofill.model import Form, Proposal

STATUS_NOTES: Mapping[str, str] = {
    "unknown": "Mnemo does not know this yet",
    "refused": "never filled automatically",
    "sensitive": "sensitive: turn on Settings › Autofill › Propose sensitive values",
    "kept": "the form already has a value",
    "no-option": "no option fits",
    "invalid": "the value Mnemo has does not fit this field",
}


def status_note(p: Proposal) -> str:
    """The note shown next to a proposal: the hint for a held-back sensitive value, else its note or its status's."""
    if p.status == "sensitive":
        return STATUS_NOTES["sensitive"]
    return p.note or STATUS_NOTES.get(p.status, "")


def reviewed_value(values: Mapping[str, str], field: str) -> str:
    """The user's value for ``field`` (stripped; empty when the review has none)."""
    return (values.get(field) or "").strip()


def is_changed(p: Proposal, values: Mapping[str, str]) -> bool:
    """Whether the user's value for ``p``'s field differs from what Mnemo proposed."""
    return reviewed_value(values, p.field) != p.value


@dataclass(frozen=True)
class ReviewSummary:
    """How far the review got: fields in the form, fields with a value, fields the user changed."""

    total: int
    filled: int
    changed: int


def summarize(proposals: Sequence[Proposal], values: Mapping[str, str]) -> ReviewSummary:
    return ReviewSummary(total=len(proposals),
                         filled=sum(1 for p in proposals if reviewed_value(values, p.field)),
                         changed=sum(1 for p in proposals if is_changed(p, values)))


def apply_review(proposals: Sequence[Proposal], values: Mapping[str, str]) -> list[Proposal]:
    """Copies of ``proposals`` carrying the reviewed values; a changed field is ``filled`` (or ``unknown`` if cleared).

    The proposals themselves are left as they are, so the diff against them stays available.
    """
    final = []
    for p in proposals:
        value = reviewed_value(values, p.field)
        if value == p.value:
            final.append(dataclasses.replace(p))
        else:
            final.append(dataclasses.replace(p, value=value, status="filled" if value else "unknown"))
    return final


def corrections(form: Form, proposals: Sequence[Proposal], values: Mapping[str, str]) -> list[dict[str, Any]]:
    """The changed fields as rows for ``AutofillService.accept``: the field, the user's value, the proposal, its key."""
    fields = {f.name: f for f in form.fields}
    return [{**fields[p.field].to_dict(), "value": reviewed_value(values, p.field), "proposed": p.value, "key": p.key}
            for p in proposals if p.field in fields and is_changed(p, values)]

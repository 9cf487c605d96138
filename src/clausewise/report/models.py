"""Pydantic models of what clausewise returns: verdicts, explanations, accounting.

They serialise to JSON (``model_dump_json``) and publish a JSON Schema
(``Evaluation.model_json_schema()``). Figures are strings in exact decimal notation.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, model_serializer

Status = Literal["pass", "fail", "unknown", "na"]
OutcomeValue = Union[bool, int, str, list[str], None]  # a list: e.g. the labels of 'top N'


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Gap(_Model):
    amount: str
    percent: Optional[str] = None
    direction: Literal["short", "over", "off"]


class Ratio(_Model):
    """The numerator and denominator of an observed quotient (a rate of 3 defects in 450)."""

    numerator: str
    denominator: str


class WindowUsed(_Model):
    expression: str
    dates: str


class ExplanationNode(_Model):
    id: str
    kind: str
    status: Status
    cites: list[str]
    label_zh: str
    label_en: str
    expression: Optional[str] = None
    observed: Optional[str] = None
    bound: Optional[str] = None
    comparison: Optional[str] = None
    unit: Optional[str] = None
    gap: Optional[Gap] = None
    witness: Optional[str] = None
    ratio: Optional[Ratio] = None
    windows: list[WindowUsed] = []
    missing: list[str] = []
    decided_by_missing: bool = False
    children: list["ExplanationNode"] = []


class Outcome(_Model):
    field: str
    value: OutcomeValue
    decided: bool
    clause: Optional[int] = None
    because: Optional[str] = None
    cites: list[str]
    label_zh: str
    label_en: str


class EntityError(_Model):
    """Why an entity has no verdict: its evaluation failed (the audit went on without it)."""

    message: str
    #: what caused it: the condition or outcome being evaluated, or the rejected row
    cause: str


class Verdict(_Model):
    entity: str
    policy: str
    version: str
    as_of: dt.date
    #: "not stated" when the policy's source gives no effective date (``effective date not
    #: stated``: in force on every day); absent from the JSON when the policy states its dates
    effective_date: Optional[str] = None
    compliant: Optional[bool]
    outcomes: dict[str, OutcomeValue]
    outcome_details: list[Outcome]
    rules: list[ExplanationNode]
    missing_data: list[str]
    #: the failing conditions the verdict reports, as CSV and Parquet's column does
    #: (:func:`clausewise.report.records.reported_failing`: with ``compliant when``, only those whose
    #: failure decided a non-compliant verdict); the HTML and xlsx reports read them from here
    failing_conditions: list[str] = []
    #: set only when the entity could not be evaluated: then nothing is decided and ``rules`` is empty
    error: Optional[EntityError] = None

    @model_serializer(mode="wrap")
    def _without_absent_error(self, handler):  # an evaluated entity's JSON has no 'error' key at all
        data = handler(self)
        if isinstance(data, dict):
            for optional in ("error", "effective_date"):
                if data.get(optional) is None:
                    data.pop(optional, None)
        return data


class RejectedRow(_Model):
    table: str
    file: str
    row: int
    line: int
    field: Optional[str]
    reason: str
    #: the entity the row belonged to (its own row, or a row that refers to it), when readable
    entity: Optional[str] = None


class TableCount(_Model):
    table: str
    rows_read: int
    rows_used: int
    rows_rejected: int
    #: rows an evaluation of named entities never looked up, so never validated (explain):
    #: rows_read = rows_used + rows_rejected + rows_not_validated
    rows_not_validated: int = 0


class Accounting(_Model):
    tables: list[TableCount]
    rows_read: int
    rows_used: int
    rows_rejected: int
    entities_in: int
    verdicts_out: int
    rows_not_validated: int = 0  # see TableCount


class Evaluation(_Model):
    policy: str
    version: str
    as_of: dt.date
    params: dict[str, str]
    verdicts: list[Verdict]
    accounting: Accounting
    rejected: list[RejectedRow]

    def verdict(self, entity: str) -> Verdict:
        for v in self.verdicts:
            if v.entity == entity:
                return v
        raise KeyError(entity)

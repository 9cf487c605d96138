"""The verdict of an entity that could not be evaluated: nothing decided, the error named.

One entity's failure (an engine bug, data no check foresaw) must not stop an audit or lose the
entity: :class:`ErrorVerdict` stands in its place in the verdict file, with the message and
what caused it, and counts in the summary as an error (``clausewise audit`` exits 3). It offers
what the writers and the summary read of a :class:`clausewise.report.encode.RawVerdict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clausewise.report.models import EntityError, Outcome, Verdict


@dataclass
class ErrorVerdict:
    """An entity whose evaluation failed (``encoder``: the run's
    :class:`clausewise.report.encode.VerdictEncoder`, for the plan and the as-of day)."""

    encoder: Any
    entity: str
    message: str
    cause: str
    compliant: None = None

    @property
    def error(self) -> EntityError:
        return EntityError(message=self.message, cause=self.cause)

    def model(self) -> Verdict:
        plan = self.encoder.plan
        h = plan.checked.header
        details = [Outcome(field=d.field, value=None, decided=False, cites=list(d.decl.meta.cites),
                           label_zh=d.decl.meta.labels.zh if d.decl.meta.labels else d.field,
                           label_en=d.decl.meta.labels.en if d.decl.meta.labels else d.field)
                   for d in plan.decides]
        return Verdict(entity=self.entity, policy=h.name, version=h.version or "", as_of=self.encoder.as_of,
                       effective_date="not stated" if h.effective_not_stated else None, compliant=None,
                       outcomes={d.field: None for d in plan.decides}, outcome_details=details,
                       rules=[], missing_data=[], error=self.error)

    def json(self) -> str:
        return self.model().model_dump_json()

    def decided(self, field_name: str) -> bool:
        return False

    def outcome(self, field_name: str) -> Any:
        return None

    def failing_conditions(self) -> list[str]:
        return []

    def key_figures(self) -> list[tuple[str, str]]:
        return []

    def missing_data(self) -> list[str]:
        """In a flat record (CSV, Parquet) the error takes the missing-data cell: nothing was measured."""
        return [error_cell(self.error)]


def error_cell(error: EntityError) -> str:
    """An entity's error as its flat record's missing-data cell."""
    return f"error: {error.message} ({error.cause})"

"""Verdicts as columns: one flat record per entity, the audit's form for CSV and Parquet (and
for JSON Lines with ``--verdicts columns``).

The explanation tree of a verdict (:mod:`clausewise.report.encode`) is mostly the same for
every entity: labels, citations and expressions come from the policy, and the statuses from
the program's answer, which entities whose figures fall in the same cells share
(:mod:`clausewise.asp.cells`). A record in columns keeps what differs: per entity its outcomes
and, per condition, the observed value, bound and gap; per answer (a status pattern) the
status of every condition, compliance and the failing conditions, made once per pattern and
reused for every entity that shares it. The tree stays available: ``explain`` renders it for
one entity, and ``clausewise audit --verdicts tree`` writes it for every entity as JSON Lines.

The columns, in this order (``ID`` is a condition's id from the plan, ``silver.paid_orders``;
node ids are dotted paths of names, so ``ID.SUFFIX`` never names two columns):

- ``entity``, ``as_of``, ``compliant`` (``true``/``false``, empty without ``compliant when``);
- one per outcome field: its value (``a;b`` for a set, empty for none) or ``undecided``;
- ``ID.status`` for every condition (rules, groups and leaves, in tree order): pass, fail,
  unknown or na (in a branch that does not apply);
- ``ID.observed``, ``ID.bound``, ``ID.gap`` for every leaf condition (tree order), the texts the
  explanation shows (``9,000,000``); the gap only when the comparison failed; empty when the
  leaf shows none;
- ``failing_conditions`` (see :func:`clausewise.report.records.reported_failing`) and
  ``missing_data`` (the missing data that decided something; for an entity that could not be
  evaluated, ``error: message (cause)``), each ``;``-separated.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Sequence

from clausewise.asp.plan import Plan, compliance
from clausewise.report.encode import RawVerdict
from clausewise.report.explain import observed_shown, outcome_json, value_text
from clausewise.report.failed import ErrorVerdict
from clausewise.values.texts import whole_text

SUFFIXES = ("observed", "bound", "gap")


class VerdictColumns:
    """The columns of one plan's verdicts (:func:`names`) and each entity's cells (:meth:`rows`)."""

    def __init__(self, plan: Plan, fields: list[str]):
        self.plan, self.fields = plan, fields
        #: every condition of the rules in tree order, and the leaves among them
        self.nodes: list[str] = []
        for rule in plan.rules:
            self._walk(rule)
        self.leaves = [n for n in self.nodes if plan.nodes[n].kind == "leaf"]
        self.columns = (["entity", "as_of", "compliant", *fields] + [f"{n}.status" for n in self.nodes]
                        + [f"{n}.{s}" for n in self.leaves for s in SUFFIXES] + ["failing_conditions", "missing_data"])
        self._bounds: dict[tuple, str] = {}

    def _walk(self, node_id: str) -> None:
        self.nodes.append(node_id)
        for child in self.plan.nodes[node_id].children:
            self._walk(child)

    def rows(self, raws: Sequence[RawVerdict | ErrorVerdict]) -> list[list[str]]:
        """The records of a chunk of verdicts: what depends on the answer alone is made once per
        answer (entities of one status pattern share the answer object)."""
        patterns: dict[int, tuple[Any, list[str], list[bool], str]] = {}
        fields, out = self.fields, []
        for raw in raws:
            if isinstance(raw, ErrorVerdict):
                out.append(self._error_row(raw))
                continue
            answer = raw.answer
            pattern = patterns.get(id(answer))
            if pattern is None:
                pattern = patterns[id(answer)] = self._pattern(raw)
            _, head, decided, failing = pattern
            values = raw.values
            outcomes = [outcome_cell(d, outcome_json(values.get(f)) if d else None) for f, d in zip(fields, decided)]
            leaves = raw.leaves
            missing = ";".join(raw.missing_data())
            out.append([raw.entity, str(raw.encoder.as_of), head[0], *outcomes, *head[1:],
                        *self._figures(leaves), failing, missing])
        return out

    def _pattern(self, raw: RawVerdict) -> tuple[Any, list[str], list[bool], str]:
        """(the answer, kept alive while its id is a key; [compliant, statuses...]; decided per
        field; the failing conditions' cell)."""
        answer, plan = raw.answer, self.plan
        compliant = compliance(answer.status.get(plan.compliant)) if plan.compliant else None
        head = ["" if compliant is None else "true" if compliant else "false"]
        head += [answer.status.get(n, "unknown") for n in self.nodes]
        decided = [raw.decided(f) for f in self.fields]
        return answer, head, decided, ";".join(raw.reported_failing())

    def _figures(self, leaves: dict) -> list[str]:
        cells: list[str] = []
        for node_id in self.leaves:
            cells += self.leaf_cells(leaves[node_id])
        return cells

    def leaf_cells(self, leaf: Any) -> tuple[str, str, str]:
        """A leaf's observed value, bound and gap as its record shows them (the gap only when the
        comparison failed; empty when the leaf shows none)."""
        op, o = leaf.op, leaf.observed
        # value_text, with a whole number (most figures) written here: a call less per leaf
        observed = (whole_text(o) if type(o) is int else value_text(o)) if observed_shown(leaf) else ""
        if op is None:
            bound = ""
        else:
            b = leaf.bound  # a Decimal 4.0 equals 4 but shows as written: the key keeps its text
            try:
                key = (str(b) if type(b) is Decimal else b, type(b))
                bounds = self._bounds
                bound = bounds.get(key) or bounds.setdefault(key, value_text(b))
            except TypeError:  # an unhashable bound (a set literal)
                bound = value_text(b)
        g = leaf.gap
        gap = (whole_text(g) if type(g) is int else value_text(g)) if g is not None and leaf.status == "fail" else ""
        return observed, bound, gap

    def _error_row(self, raw: ErrorVerdict) -> list[str]:
        return [raw.entity, str(raw.encoder.as_of), "", *("undecided" for _ in self.fields),
                *("" for _ in self.nodes), *("" for _ in self.leaves for _ in SUFFIXES), "", ";".join(raw.missing_data())]

    def json_lines(self, rows: list[list[str]]) -> bytes:
        """Records as JSON Lines: an object per entity with the columns as keys, each cell a
        string (null when empty) but ``compliant``, a boolean (null when empty)."""
        keys = [json.dumps(c, ensure_ascii=False) + ":" for c in self.columns]
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        lines = []
        for row in rows:
            parts = [keys[0] + dumps(row[0]), keys[1] + dumps(row[1]),
                     keys[2] + ("null" if row[2] == "" else row[2])]
            parts += [k + ("null" if cell == "" else dumps(cell)) for k, cell in zip(keys[3:], row[3:])]
            lines.append("{" + ",".join(parts) + "}\n")
        return "".join(lines).encode("utf-8")


def outcome_cell(decided: bool, value: Any) -> str:
    """An outcome value (JSON, :func:`clausewise.report.explain.outcome_json`) in a flat record:
    ``undecided``, empty for none, ``a;b`` for a list, ``true``."""
    if not decided:
        return "undecided"
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return ";".join(value) if isinstance(value, list) else str(value)

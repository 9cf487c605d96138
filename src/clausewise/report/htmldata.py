"""The data of an HTML audit report, read from a verdict file (JSON Lines) and its decision record.

One pass over the verdicts counts everything exactly (outcomes, each node's statuses, the
histogram of every threshold condition's observed figure, the entities near its bound); the
entity table keeps at most ``limit`` entities (an even sample above that, said in the report).
Each entity's explanation is :func:`clausewise.report.explain.render_text`'s tree, line by
line, its lines interned in one dictionary so that 100,000 entities stay a few megabytes.
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from clausewise.language.diagnostics import ClausewiseError
from clausewise.report.explain import figure_text, render_gap, shown, unit_word
from clausewise.report.htmlexplain import Explanations
from clausewise.report.models import ExplanationNode
from clausewise.report.records import shown_value

STATUSES = ("pass", "fail", "unknown", "na")
VERDICT_KEYS = {"entity", "policy", "version", "as_of", "compliant", "outcome_details", "rules", "missing_data"}
ORDERED = (">=", ">", "<=", "<")
TABLE_LIMIT = 100_000
MAX_FIGURE_COLUMNS = 4
MAX_OUTCOME_COLUMNS = 3
NEAR_LISTED = 200
CHANGES_LISTED = 1000


#: what to do when a verdict file has no explanation trees
TREES_HINT = "audit with --out FILE.jsonl (--verdicts tree), or add --report FILE.html to the audit"


def check_format(path: Path) -> None:
    """CSV and Parquet verdict files hold verdicts in columns (:mod:`clausewise.report.columns`), not
    explanation trees."""
    if path.suffix in (".csv", ".parquet", ".xlsx"):
        raise ClausewiseError.simple(str(path), f"a {path.suffix[1:]} verdict file has no explanation trees", TREES_HINT)


def verdict_lines(path: Path) -> Iterator[tuple[int, dict[str, Any], bytes]]:
    """The verdicts of a JSON Lines verdict file, with their line numbers and their lines."""
    check_format(path)
    try:
        with path.open("rb") as f:
            for number, line in enumerate(f, 1):
                if line.strip():
                    try:
                        verdict = json.loads(line)
                    except ValueError as exc:
                        raise not_a_verdict(path, number, exc) from None
                    if isinstance(verdict, dict) and "rules" not in verdict and "failing_conditions" in verdict:
                        raise ClausewiseError.simple(f"{path}:{number}", "verdicts in columns (--verdicts columns) "
                                                     "have no explanation trees", TREES_HINT)
                    if not isinstance(verdict, dict) or not VERDICT_KEYS <= verdict.keys():
                        raise not_a_verdict(path, number, "expected an object with " + ", ".join(sorted(VERDICT_KEYS)))
                    yield number, verdict, line
    except OSError as exc:
        raise ClausewiseError.simple(str(path), f"cannot read: {exc.strerror}") from None


def not_a_verdict(path: Path, number: int, why: object) -> ClausewiseError:
    return ClausewiseError.simple(f"{path}:{number}", f"not a verdict: {why}", "give the .jsonl file an audit wrote")


def read_record(path: Path) -> dict[str, Any] | None:
    """The decision record written beside a verdict file (``FILE.record.json``), if there is one."""
    record = path.with_name(path.name + ".record.json")
    if not record.exists():
        return None
    try:
        return json.loads(record.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ClausewiseError.simple(str(record), f"not a decision record: {exc}") from None


def parse_near(text: str) -> Decimal:
    """``5%`` or ``0.05``: the distance to a bound, as a share of it, that counts as near the line."""
    try:
        value = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except InvalidOperation:
        raise ClausewiseError.simple("--near", f"not a share: {text!r}", "write e.g. 5% or 0.05") from None
    if not value.is_finite() or value < 0 or value > 10:
        raise ClausewiseError.simple("--near", f"out of range: {text!r}", "write a share between 0% and 1000%")
    return value


def number(text: str | None) -> Decimal | None:
    """A figure as written in a verdict (``9,000,000``, ``0.02``); None for dates, enums and none."""
    if text is None:
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def walk(nodes: list[dict[str, Any]], depth: int = 0) -> Iterator[tuple[dict[str, Any], int]]:
    for node in nodes:
        yield node, depth
        yield from walk(node["children"], depth + 1)


def reported_failing(verdict: dict[str, Any]) -> list[str]:
    """The failing conditions a verdict reports (its ``failing_conditions``: with ``compliant when``,
    those that decided non-compliance, as in CSV and Parquet); a file from before they were written
    in the JSON verdict: every condition that failed."""
    listed = verdict.get("failing_conditions")
    return list(listed) if isinstance(listed, list) else failing(verdict["rules"])


def failing(nodes: list[dict[str, Any]]) -> list[str]:
    """The conditions that failed, outside parts that did not apply (as the audit summary counts)."""
    out: list[str] = []
    for node in nodes:
        if node["status"] == "na":
            continue
        if node["kind"] == "condition" and node["status"] == "fail":
            out.append(node["id"])
        out += failing(node["children"])
    return out


@dataclass
class Figure:
    """The observed values of one threshold condition over every entity where it passed or failed."""

    sample: dict[str, Any]  # one of its nodes (the unit, for the bound's text)
    values: list[float] = field(default_factory=list)
    bounds: set[str] = field(default_factory=set)
    bound_values: list[float] = field(default_factory=list)
    passed: bytearray = field(default_factory=bytearray)
    near: list[tuple[Decimal, int, dict[str, Any]]] = field(default_factory=list)  # (share off the bound, entity, node)
    near_count: int = 0


def outcome_shown(detail: dict[str, Any]) -> str:
    return shown_value(detail["value"]) if detail["decided"] else "undecided"


def compliance_key(compliant: bool | None) -> str:
    return "compliant" if compliant else "not compliant" if compliant is False else "undetermined"


class ReportData:
    """Everything the report shows, gathered in one pass over a verdict file."""

    def __init__(self, lang: str, near: Decimal, limit: int = TABLE_LIMIT):
        self.lang, self.near, self.limit = lang, near, limit
        self.total = 0
        self.head: dict[str, Any] = {}
        self.compliance: dict[str, int] = {}
        self.has_compliance = False
        self.errors = 0  # entities that could not be evaluated (their verdict names the error)
        self.outcomes: dict[str, dict[str, int]] = {}
        self.outcome_labels: dict[str, str] = {}
        self.nodes: dict[str, dict[str, Any]] = {}  # id -> static fields, counts; insertion order = tree order
        self.figures: dict[str, Figure] = {}
        self.entities: list[str] = []
        self.rows: list[dict[str, Any]] = []  # the entity table (kept entities)
        self.lines: dict[tuple[str, str], int] = {}
        self.failing_count: dict[str, int] = {}

    # ---- one pass ------------------------------------------------------------------------------
    def read(self, path: Path, compare: Path | None = None) -> ReportData:
        check_format(path)
        total = count_lines(path)
        old = self._old(compare) if compare else None
        self.changes: list[list[Any]] = []
        self.transitions: dict[str, int] = {}
        self.change_count, self.added = 0, 0
        explanations = Explanations(self.lang, lambda line, why: not_a_verdict(path, line, why))
        for index, (number, verdict, _) in enumerate(verdict_lines(path)):
            keep = total <= self.limit or (index * self.limit) // total != ((index - 1) * self.limit) // total
            try:
                row = self.add(index, verdict, keep)
                if old is not None:
                    self._compare(verdict, old)
            except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
                raise not_a_verdict(path, number, f"{type(exc).__name__}: {exc}") from None
            if row is not None:
                explanations.add(row, verdict, number)
        if total > self.limit:  # a sample: add the entities the page lists by name, so that a click explains them
            wanted = self._listed() - {row["entity"] for row in self.rows}
            for number, verdict, _ in verdict_lines(path) if wanted else ():
                if verdict["entity"] in wanted:
                    row = self.row_of(verdict)
                    self.rows.append(row)
                    explanations.add(row, verdict, number)
        self.lines = explanations.lines
        self.removed = sorted(set(old) - set(self.entities)) if old is not None else []
        self.compared = compare is not None
        return self

    def add(self, index: int, v: dict[str, Any], keep: bool) -> dict[str, Any] | None:
        """Count verdict number ``index``; ``keep`` it in the entity table: its row, whose
        explanation (``lines``) is still to be filled."""
        self.total = index + 1
        if not self.head:
            self.head = {"policy": v["policy"], "version": v["version"], "as_of": v["as_of"]}
            if v.get("effective_date"):  # "not stated": the policy is in force on every day
                self.head["effective_date"] = v["effective_date"]
            for d in v["outcome_details"]:
                self.outcome_labels[d["field"]] = d["label_zh" if self.lang == "zh" else "label_en"]
        self.entities.append(v["entity"])
        failed = v.get("error") is not None  # not evaluated: counted apart, as the audit's summary does
        key = "error" if failed else compliance_key(v["compliant"])
        self.errors += failed
        self.has_compliance = self.has_compliance or v["compliant"] is not None
        self.compliance[key] = self.compliance.get(key, 0) + 1
        for d in v["outcome_details"]:
            shown_text = outcome_shown(d)
            counts = self.outcomes.setdefault(d["field"], {})
            counts[shown_text] = counts.get(shown_text, 0) + 1
        for node, depth in walk(v["rules"]):
            self._node(index, node, depth)
        for f in reported_failing(v):  # the entities a click on a node's failures finds (by their failing conditions)
            self.failing_count[f] = self.failing_count.get(f, 0) + 1
        if not keep:
            return None
        row = self.row_of(v)
        self.rows.append(row)
        return row

    def row_of(self, v: dict[str, Any]) -> dict[str, Any]:
        """A verdict's row in the entity table (its explanation, ``lines``, still to be filled)."""
        key = "error" if v.get("error") is not None else compliance_key(v["compliant"])
        figures = {n["id"]: shown(n["observed"]) or "" for n, _ in walk(v["rules"]) if n["id"] in self.figures
                   and n["status"] in ("pass", "fail") and number(n["observed"]) is not None and number(n["bound"]) is not None}
        return {"entity": v["entity"], "compliance": key, "outcomes": [outcome_shown(d) for d in v["outcome_details"]],
                "failing": reported_failing(v), "figures": figures, "lines": []}

    def _listed(self) -> set[str]:
        """The entities the page names: near the line, or changed since the compared audit."""
        near = {self.entities[index] for fig in self.figures.values() for _, index, _ in nearest(fig)}
        return near | {change[0] for change in self.changes}

    def _node(self, index: int, node: dict[str, Any], depth: int) -> None:
        info = self.nodes.get(node["id"])
        if info is None:
            label = node["label_zh" if self.lang == "zh" else "label_en"]
            info = self.nodes[node["id"]] = {"id": node["id"], "depth": depth, "kind": node["kind"], "label": label,
                                             "cites": node["cites"], "unit": node["unit"],
                                             "comparison": node["comparison"], "counts": [0, 0, 0, 0]}
        status = node["status"]
        info["counts"][STATUSES.index(status)] += 1
        if node["kind"] != "condition" or node["comparison"] not in ORDERED or status not in ("pass", "fail"):
            return
        observed, bound = number(node["observed"]), number(node["bound"])
        if observed is None or bound is None:
            return
        fig = self.figures.get(node["id"])
        if fig is None:
            fig = self.figures[node["id"]] = Figure(sample=node)
        fig.values.append(float(observed))
        fig.bound_values.append(float(bound))
        fig.bounds.add(node["bound"])
        fig.passed.append(status == "pass")
        distance = abs(observed - bound)
        if distance <= self.near * abs(bound):
            fig.near_count += 1
            fig.near.append((distance / abs(bound) if bound else Decimal(0), index, node))
            if len(fig.near) > 4 * NEAR_LISTED:
                fig.near = sorted(fig.near, key=lambda n: n[:2])[:NEAR_LISTED]

    # ---- compare -------------------------------------------------------------------------------
    def _old(self, path: Path) -> dict[str, tuple[str, dict[str, str], dict[str, str]]]:
        old = {}
        for _, v, _ in verdict_lines(path):
            outcomes = {d["field"]: outcome_shown(d) for d in v["outcome_details"]}
            old[v["entity"]] = (compliance_key(v["compliant"]), outcomes,
                                {n["id"]: n["status"] for n, _ in walk(v["rules"])})
        return old

    def _compare(self, v: dict[str, Any], old: dict[str, tuple[str, dict[str, str], dict[str, str]]]) -> None:
        before = old.get(v["entity"])
        if before is None:
            self.added += 1
            return
        compliance, outcomes = compliance_key(v["compliant"]), {d["field"]: outcome_shown(d) for d in v["outcome_details"]}
        changed = [[f, before[1].get(f, ""), value] for f, value in outcomes.items() if before[1].get(f) != value]
        if self.has_compliance and compliance != before[0]:
            changed.insert(0, ["compliance", before[0], compliance])
        if not changed:
            return
        self.change_count += 1
        key = "; ".join(f"{f}: {a} → {b}" for f, a, b in changed)
        self.transitions[key] = self.transitions.get(key, 0) + 1
        if len(self.changes) < CHANGES_LISTED:
            conditions = [[n["id"], before[2][n["id"]], n["status"]] for n, _ in walk(v["rules"])
                          if n["id"] in before[2] and before[2][n["id"]] != n["status"]]
            self.changes.append([v["entity"], changed, conditions])

    # ---- output --------------------------------------------------------------------------------
    def to_json(self, record: dict[str, Any] | None) -> dict[str, Any]:
        node_ids = list(self.nodes)
        at = {i: k for k, i in enumerate(node_ids)}
        figure_ids = [i for i in node_ids if i in self.figures][:MAX_FIGURE_COLUMNS]
        rows = self.rows
        return {
            "lang": self.lang, "head": self.head, "record": record, "total": self.total, "shown": len(rows),
            "sample": min(self.total, self.limit),
            "near": f"{(self.near * 100).normalize():f}%",
            "compliance": self.compliance if self.has_compliance else None, "errors": self.errors,
            "outcomes": [{"field": f, "label": self.outcome_labels.get(f, f), "counts": sorted(c.items())}
                         for f, c in self.outcomes.items()],
            "nodes": [{**info, "failing": self.failing_count.get(i, 0)} for i, info in self.nodes.items()],
            "charts": [chart(self.nodes[i], self.figures[i], self.entities, self.lang) for i in node_ids
                       if i in self.figures],
            "table": {
                "entity": [r["entity"] for r in rows],
                "compliance": "".join(r["compliance"][0] for r in rows) if self.has_compliance else None,
                "outcomes": [coded([r["outcomes"][k] if k < len(r["outcomes"]) else "" for r in rows])
                             for k in range(min(len(self.outcomes), MAX_OUTCOME_COLUMNS))],
                "failing": [[at[f] for f in r["failing"]] for r in rows],
                "figures": [{"node": at[i], "values": [r["figures"].get(i, "") for r in rows]}
                            for i in figure_ids],
                "lines": [r["lines"] for r in rows],
            },
            "lines": [[s, t] for s, t in self.lines],
            "compare": None if not self.compared else {
                "changed": self.change_count, "added": self.added, "removed": len(self.removed),
                "removed_ids": self.removed[:CHANGES_LISTED],
                "transitions": sorted(self.transitions.items(), key=lambda kv: (-kv[1], kv[0])),
                "rows": self.changes},
        }


def coded(values: list[str]) -> dict[str, list]:
    """A column as its distinct values and each row's index into them."""
    index: dict[str, int] = {}
    return {"codes": [index.setdefault(v, len(index)) for v in values], "values": list(index)}


def count_lines(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    except OSError as exc:
        raise ClausewiseError.simple(str(path), f"cannot read: {exc.strerror}") from None


def chart(info: dict[str, Any], fig: Figure, entities: list[str], lang: str) -> dict[str, Any]:
    """A threshold condition's histogram (passed and failed entities per bin), its bound and the
    entities nearest the bound, their figures and gaps in explain's words. With one bound for
    every entity the axis is the figure (a rate in percent); with several (a bound per category)
    it is the figure as a percentage of the entity's bound."""
    relative = len(fig.bounds) > 1
    percent = not relative and info["unit"] == "rate"
    if relative:
        values = [v / b * 100 for v, b in zip(fig.values, fig.bound_values) if b]
        passed = [p for p, b in zip(fig.passed, fig.bound_values) if b]
        bound = 100.0
    else:
        scale = 100 if percent else 1
        values, passed, bound = [v * scale for v in fig.values], list(fig.passed), fig.bound_values[0] * scale
    integer = not relative and all(v == int(v) for v in values) and bound == int(bound)
    edges = bin_edges(values, bound, integer, max(8, min(30, 2 * round(math.sqrt(len(values))))))
    bins = [[edges[k], edges[k + 1], 0, 0] for k in range(len(edges) - 1)]
    right_closed = info["comparison"] in (">", "<=")  # a figure equal to the bound falls on its failing/passing side
    for value, ok in zip(values, passed):
        k = bin_index(edges, value, right_closed)
        bins[k][2 if ok else 3] += 1
    near = []
    for _, index, node in nearest(fig):
        model = ExplanationNode.model_validate(node)
        near.append([entities[index], figure_text(model, model.observed, lang, ratio=True),
                     figure_text(model, model.bound, lang), render_gap(model, lang) if model.gap else "", model.status])
    bound_text = "100%" if relative else figure_text(ExplanationNode.model_validate(fig.sample), next(iter(fig.bounds)), lang)
    return {"node": info["id"], "label": info["label"], "cites": info["cites"],
            "unit": "" if relative or percent else unit_word(info["unit"], lang), "percent": percent,
            "comparison": info["comparison"], "relative": relative,
            "bound": bound, "bound_text": bound_text,
            "count": len(values), "underflow": bool(values) and min(values) < edges[0],
            "overflow": bool(values) and max(values) > edges[-1],
            "bins": bins, "right_closed": right_closed, "near_count": fig.near_count,
            "near": near}


def nearest(fig: Figure) -> list[tuple[Decimal, int, dict[str, Any]]]:
    """The entities listed near a figure's bound: the nearest first, at most NEAR_LISTED."""
    return sorted(fig.near, key=lambda n: n[:2])[:NEAR_LISTED]


def bin_edges(values: list[float], bound: float, integer: bool, target: int = 30) -> list[float]:
    """Bin edges with the bound on an edge, covering the central 98% of the values and the bound;
    values beyond fall into the first or last bin (the chart says so)."""
    ordered = sorted(values)
    n = len(ordered)
    lo = min(ordered[int(0.01 * (n - 1))], bound) if n else bound
    hi = max(ordered[math.ceil(0.99 * (n - 1))], bound) if n else bound
    span = hi - lo
    if span <= 0:
        span = abs(bound) or 1.0
        lo, hi = lo - span / 2, hi + span / 2
    width = nice(span / target)
    if integer:
        width = max(1.0, math.ceil(width))
    below = math.ceil((bound - lo) / width - 1e-9)  # bars below the bound; edges count from it, so it is one exactly
    edges = [bound + (k - below) * width for k in range(below + 1)]
    while edges[-1] <= hi and len(edges) < 4 * target:
        edges.append(bound + (len(edges) - below) * width)
    while len(edges) < 3:
        edges.append(bound + (len(edges) - below) * width)
    if lo > edges[0]:  # the first bar may be narrower: no edge below the values (a count of -1,000)
        edges[0] = lo if lo < edges[1] else edges[0]
    return edges


def bin_index(edges: list[float], value: float, right_closed: bool = False) -> int:
    """The bar of a value: edges[k] <= value < edges[k + 1] (or edges[k] < value <= edges[k + 1]: then every
    bar on one side of a '> bound' or '<= bound' is all failed or all passed); beyond the edges, the end bars."""
    found = bisect.bisect_left(edges, value) if right_closed else bisect.bisect_right(edges, value)
    return min(max(found - 1, 0), len(edges) - 2)


def nice(x: float) -> float:
    """1, 2 or 5 times a power of ten, at least ``x``."""
    if x <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(x))
    for step in (1, 2, 5, 10):
        if step * power >= x:
            return step * power
    return 10 * power

"""An entity's timeline written out: spans of days with the same outcomes as text or JSON, one row
per day as CSV.

A timeline (:class:`clausewise.engine.timeline.Timeline`) holds one verdict per day; each span
is shown with its outcomes (after the first span, only those that changed), the conditions
that decided a non-compliance, and the leaf conditions whose status changed on its first day,
each with its observed value and bound on that day.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from clausewise.report.columns import outcome_cell
from clausewise.report.explain import MARKS, WORDS, figure_text, shown, value_text
from clausewise.report.models import Evaluation, ExplanationNode
from clausewise.report.records import csv_bytes, deciding_conditions, decision_record, flat_columns, flat_raw


def _nodes(verdict: Any) -> dict[str, ExplanationNode]:
    """Every explanation node of a verdict model by id."""
    out: dict[str, ExplanationNode] = {}
    stack = list(verdict.rules)
    while stack:
        node = stack.pop()
        out.setdefault(node.id, node)
        stack += node.children
    return out


def _condition(node: ExplanationNode | None, node_id: str, lang: str) -> dict[str, Any]:
    """A condition as the timeline shows it: label, status and, for a comparison, observed and bound."""
    if node is None:
        return {"id": node_id}
    out: dict[str, Any] = {"id": node_id, "label": node.label_zh if lang == "zh" else node.label_en,
                           "cites": node.cites, "status": node.status}
    if node.comparison and node.observed is not None:
        out["text"] = f"{figure_text(node, node.observed, lang)} {node.comparison} {figure_text(node, node.bound, lang)}"
    elif node.observed is not None:
        out["text"] = shown(node.observed)
    elif node.missing:
        out["text"] = ("缺失: " if lang == "zh" else "missing: ") + "; ".join(node.missing)
    return out


def span_facts(timeline: Any, lang: str = "en") -> list[dict[str, Any]]:
    """Each span as plain data: its days, compliance, outcomes, what decided and what changed."""
    out = []
    for span in timeline.spans():
        first = span.first
        verdict = first.model()
        nodes = _nodes(verdict) if verdict.error is None else {}
        plan = first.encoder.plan
        because = []
        if verdict.compliant is False and verdict.error is None:
            deciding = deciding_conditions(plan, first.answer.status, plan.compliant)
            because = [_condition(nodes.get(nid), nid, lang) for nid, want in deciding.items() if want == "fail"]
        changed = [{**_condition(nodes.get(nid), nid, lang), "before": before, "now": now}
                   for nid, (before, now) in span.changed.items()]
        out.append({"from": span.start.isoformat(), "to": span.end.isoformat(), "days": span.days,
                    "compliant": span.compliant, "outcomes": span.outcomes, "because": because, "changed": changed,
                    "error": verdict.error.message if verdict.error is not None else None})
    return out


def timeline_json(timeline: Any, lang: str = "en") -> str:
    """The timeline as JSON: its spans, and every day's compliance and outcomes."""
    days = [{"day": (timeline.start + dt.timedelta(days=i)).isoformat(), "compliant": raw.compliant,
             "outcomes": timeline.outcomes_on(i)} for i, raw in enumerate(timeline.days)]
    data = {"policy": timeline.policy, "version": timeline.version, "entity": timeline.entity,
            "from": timeline.start.isoformat(), "to": timeline.end.isoformat(),
            "spans": span_facts(timeline, lang), "days": days}
    return json.dumps(data, indent=2, ensure_ascii=False)


def timeline_csv(timeline: Any) -> str:
    """One row per day: the columns of an audit's CSV verdicts (``as_of`` is the day)."""
    plan = timeline.days[0].encoder.plan
    fields = [d.field for d in plan.decides]
    columns = flat_columns(fields)
    return csv_bytes([columns] + [flat_raw(raw, fields) for raw in timeline.days]).decode("utf-8")


def timeline_text(timeline: Any, lang: str = "en") -> str:
    """The spans as text: one heading line per span, the outcomes, then why and what changed."""
    zh = lang == "zh"
    spans = span_facts(timeline, lang)
    count = len(timeline.days)
    lines = [f"{timeline.policy} {timeline.version} · {'实体' if zh else 'entity'} {timeline.entity} · "
             f"{timeline.start}..{timeline.end} ({count} {'天' if zh else 'day' if count == 1 else 'days'}, "
             f"{len(spans)} {'段' if zh else 'span' if len(spans) == 1 else 'spans'})"]
    before: dict[str, Any] = {}
    for span in spans:
        days = span["days"]
        when = span["from"] if days == 1 else f"{span['from']}..{span['to']}"
        length = f"{days} {'天' if zh else 'day' if days == 1 else 'days'}"
        if span["error"]:
            state = ("无法评估: " if zh else "NOT EVALUATED: ") + span["error"]
        elif span["compliant"] is None:
            state = ""
        elif zh:
            state = "合规" if span["compliant"] else "不合规"
        else:
            state = "compliant" if span["compliant"] else "NOT compliant"
        lines.append(f"{when} ({length}) {state}".rstrip())
        shown_outcomes = {f: v for f, v in span["outcomes"].items() if f not in before or before[f] != v}
        if shown_outcomes:
            items = [f"{f} = {value_text(v) if v != 'undecided' else v}" for f, v in shown_outcomes.items()]
            lines += _wrapped(items)
        before = span["outcomes"]
        for c in span["because"]:
            lines.append(f"  {'因为' if zh else 'because'}: {_line(c)}")
        for c in span["changed"][:_SHOWN_CHANGES]:
            change = f"{WORDS[lang][c['before']]} → {WORDS[lang][c['now']]}"
            lines.append(f"  {'变化' if zh else 'changed'}: {_line(c, change)}")
        if len(span["changed"]) > _SHOWN_CHANGES:
            more = len(span["changed"]) - _SHOWN_CHANGES
            lines.append(f"  … {more} {'项其他变化(--format json)' if zh else 'more changed (--format json)'}")
    return "\n".join(lines)


def _wrapped(items: list[str], width: int = 100) -> list[str]:
    """Items joined with commas, on lines of at most ``width`` characters where they fit, indented."""
    lines = ["  " + items[0]]
    for item in items[1:]:
        if len(lines[-1]) + 2 + len(item) > width:
            lines[-1] += ","
            lines.append("  " + item)
        else:
            lines[-1] += ", " + item
    return lines


#: the changed conditions a span shows in text (JSON lists them all)
_SHOWN_CHANGES = 4


def _line(c: dict[str, Any], change: str | None = None) -> str:
    status = c.get("status", "unknown")
    head = f"{MARKS.get(status, '?')} {c.get('label', c['id'])}"
    if c.get("cites"):
        head += f" [{', '.join(c['cites'])}]"
    if change:
        head += f" {change}"
    return head + (f": {c['text']}" if c.get("text") else "")


# ---- a range audit: per entity, the days each outcome held --------------------------------------------
def runs(days: list[Any], start: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The runs of consecutive days (as (first, last) pairs) among day offsets from ``start``."""
    out: list[tuple[dt.date, dt.date]] = []
    for i in days:
        day = start + dt.timedelta(days=i)
        if out and (day - out[-1][1]).days == 1:
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def days_held(timeline: Any) -> dict[str, dict[str, list[int]]]:
    """Per outcome field (and ``compliant``): each value, as its flat cell text, and the day offsets it held on."""
    fields = [d.field for d in timeline.days[0].encoder.plan.decides]
    out: dict[str, dict[str, list[int]]] = {"compliant": {}, **{f: {} for f in fields}}
    for i, raw in enumerate(timeline.days):
        error = getattr(raw, "error", None) is not None
        shown = "error" if error else "undecided" if raw.compliant is None else str(raw.compliant).lower()
        out["compliant"].setdefault(shown, []).append(i)
        # each outcome as an audit's CSV writes it ('undecided', '' for none, 'a;b' for a list): its
        # cell alone, so a day's explanation is not made
        cells = ["error"] * len(fields) if error else [outcome_cell(raw.decided(f), raw.outcome(f)) for f in fields]
        for f, cell in zip(fields, cells):
            out[f].setdefault(cell or "none", []).append(i)
    return out


def range_record(timeline: Any) -> dict[str, Any]:
    """One entity's days per outcome value over a range (a JSON Lines record of ``audit --from --to``)."""
    held = days_held(timeline)
    return {"entity": timeline.entity, "from": timeline.start.isoformat(), "to": timeline.end.isoformat(),
            "days": len(timeline.days),
            "outcomes": {f: [{"value": v, "days": len(ds), "spans": [_span_text(a, b) for a, b in runs(ds, timeline.start)]}
                             for v, ds in values.items()] for f, values in held.items()}}


def range_rows(timeline: Any) -> list[list[str]]:
    """The CSV rows of one entity in a range audit: entity, field, value, days, spans."""
    return [[r["entity"], f, entry["value"], str(entry["days"]), ";".join(entry["spans"])]
            for r in (range_record(timeline),) for f, entries in r["outcomes"].items() for entry in entries]


RANGE_COLUMNS = ["entity", "field", "value", "days", "spans"]


def _span_text(a: dt.date, b: dt.date) -> str:
    return a.isoformat() if a == b else f"{a}..{b}"


def range_decision_record(policy: Any, start: dt.date, end: dt.date, params: dict[str, str], accounting: Any,
                          rejected: list[Any], data_paths: list[Path], out: Path) -> dict[str, Any]:
    """The decision record of a range audit (``FILE.record.json``): a one-day audit's record
    (:func:`clausewise.report.records.decision_record`) with the range instead of the as-of day,
    the parameters as of its first day, and the entity records' file and hash (``entities_in``:
    the entities, ``verdicts_out``: their records)."""
    result = Evaluation(policy=policy.name, version=policy.version, as_of=start, params=params, verdicts=[],
                        accounting=accounting, rejected=rejected)
    record = decision_record(policy, result, data_paths, out)
    del record["as_of"]
    return {"policy": record.pop("policy"), "from": start.isoformat(), "to": end.isoformat(),
            "days": (end - start).days + 1, "parameters_as_of": start.isoformat(), **record}

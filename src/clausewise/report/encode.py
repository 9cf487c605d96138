"""Verdicts as JSON text, written straight from the evaluation's results.

An audit writes every verdict as JSON. Building pydantic models first and serialising them
costs most of an audit's time (two thirds of workload 1 in docs/benchmarks.md). The text of
an explanation is mostly the same for every entity (ids, labels, citations, expressions), so
:class:`VerdictEncoder` prepares those pieces once per policy as JSON fragments and joins
them with the few things that change (statuses, figures, gaps, windows, outcomes).

The text is byte for byte what ``Verdict.model_dump_json()`` gives for the verdict
:func:`clausewise.report.explain.make_verdict` builds from the same inputs (tests/report/test_encode.py
checks it on every bundled example, on random policies and on hostile strings). Both decide
what a leaf shows through the same helpers of :mod:`clausewise.report.explain` (``observed_shown``,
``gap_direction``, ``value_text``, ``percent_text``, ``static_fields``), so they can differ only in
how they spell it, which the tests pin.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from json.encoder import encode_basestring  # the C encoder; leaves non-ASCII text as it is, like pydantic
from typing import Any

from clausewise.evaluate.leaves import LeafResult
from clausewise.language import syntax
from clausewise.report.explain import (MissingSources, answered_leaves, gap_direction, make_verdict, missing_data,
                                       missing_sources, observed_shown, outcome_json, percent_text, static_fields,
                                       value_text)
from clausewise.report.models import Verdict
from clausewise.asp.plan import LogicNode, Plan, compliance
from clausewise.asp.solve import EntityAnswer

_NO_FIGURES = '"observed":null,"bound":null,"comparison":null,"unit":null,"gap":null,"witness":null,"ratio":null,"windows":[],"missing":[],'


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _texts(values) -> str:
    return "[" + ",".join(encode_basestring(v) for v in values) + "]"


def _value(value: Any) -> str:
    """An outcome value (see :func:`clausewise.report.explain.outcome_json`) as JSON."""
    value = outcome_json(value)
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return _texts(value)
    return encode_basestring(value)


STATUSES = ("pass", "fail", "unknown", "na")


@dataclass
class _NodeTemplate:
    node: LogicNode
    leaf: bool
    children: list["_NodeTemplate"]
    #: by status: the node's text up to its figures ('{"id":…,"status":"fail",…,"expression":…,')
    opening: dict[str, str]
    #: by decided_by_missing: the end of a node without children, or up to its children's list
    closing: dict[bool, str]


@dataclass(init=False)
class RawVerdict:
    """What one entity's verdict is made of, before it is written out: render it as JSON text
    (:meth:`json`), as a model (:meth:`model`), or as a flat record
    (:func:`clausewise.report.records.flat_raw`); the summary's facts are properties and methods."""

    encoder: "VerdictEncoder"
    entity: str
    answer: EntityAnswer
    leaves: dict[str, LeafResult]
    values: dict[str, Any]

    def __init__(self, encoder: "VerdictEncoder", entity: str, answer: EntityAnswer, leaves: dict[str, LeafResult],
                 values: dict[str, Any]):
        self.encoder = encoder
        self.entity = entity
        self.answer = answer
        # a quantifier's status and deciding unit are the answer's (written out, not a __post_init__:
        # one call less per verdict)
        self.leaves = leaves if not encoder.quantified else answered_leaves(leaves, answer, encoder.quantified)
        self.values = values

    def json(self) -> str:
        return self.encoder.json(self)

    def model(self) -> Verdict:
        e = self.encoder
        verdict = make_verdict(e.plan, self.entity, e.as_of, self.answer, self.leaves, self.values, e.source_text)
        return verdict.model_copy(update={"failing_conditions": list(self.reported_failing())})

    def reported_failing(self) -> list[str]:
        """The failing conditions every verdict file reports (:func:`clausewise.report.records.reported_failing`);
        the answer alone decides them: made once per answer (not to be changed)."""
        return self.encoder.by_answer(self.answer)[2]

    @property
    def compliant(self) -> bool | None:
        plan = self.encoder.plan
        return compliance(self.answer.status.get(plan.compliant)) if plan.compliant else None

    def decided(self, field_name: str) -> bool:
        return self.answer.chosen.get(field_name) is not None and field_name not in self.answer.undecided

    def outcome(self, field_name: str) -> Any:
        """The JSON value of an outcome field (None when undecided)."""
        return outcome_json(self.values.get(field_name)) if self.decided(field_name) else None

    def applied_leaves(self) -> list[tuple[str, str]]:
        """The leaf conditions outside branches that do not apply, with their statuses (tree order);
        the answer alone decides them: made once per answer (not to be changed)."""
        return self.encoder.by_answer(self.answer)[1]

    def failing_conditions(self) -> list[str]:
        """The conditions that failed, outside branches that do not apply (tree order)."""
        return [node_id for node_id, s in self.applied_leaves() if s == "fail"]

    def key_figures(self) -> list[tuple[str, str]]:
        """(condition, observed value as the explanation shows it) of each comparison that applied
        and passed or failed (tree order)."""
        out = []
        for node_id, s in self.applied_leaves():
            leaf = self.leaves[node_id]
            if s in ("pass", "fail") and leaf.op is not None and observed_shown(leaf):
                out.append((node_id, value_text(leaf.observed)))
        return out

    def missing_data(self) -> list[str]:
        """The missing data that decided something (:func:`clausewise.report.explain.missing_data`)."""
        return missing_data(self.encoder.by_answer(self.answer)[3], self.leaves, self.values)


class VerdictEncoder:
    """JSON fragments of one plan's explanation nodes, prepared once, joined per entity."""

    def __init__(self, plan: Plan, as_of: dt.date, source_text):
        self.plan, self.as_of, self.source_text = plan, as_of, source_text
        h = plan.checked.header
        self.head = (f'"policy":{_text(h.name)},"version":{_text(h.version or "")},'
                     f'"as_of":"{as_of.isoformat()}",'
                     + ('"effective_date":"not stated",' if h.effective_not_stated else "") + '"compliant":')
        self.rules = [self._template(plan.nodes[r]) for r in plan.rules]
        #: every node of the rules in tree order: (id, is a leaf, the index after its subtree)
        self.preorder: list[tuple[str, bool, int]] = []
        for r in plan.rules:
            self._flatten(plan.nodes[r])
        self._memo: dict[tuple, str] = {}
        #: the leaves that are quantifiers over months or days (the answer completes their results)
        self.quantified = tuple(leaf.id for leaf in plan.leaves() if isinstance(leaf.cond, syntax.Quantified))
        #: id(answer) -> (answer, applied leaves, reported failing conditions, where its missing data
        #: are): entities of one status pattern share one answer object (asp/cells.py), so what it
        #: alone decides is made once
        self._by_answer: dict[int, tuple[EntityAnswer, list[tuple[str, str]], list[str], MissingSources]] = {}
        #: id(answer) -> (answer, the verdict text's frame): see :meth:`_frame`
        self._frames: dict[int, tuple[EntityAnswer, tuple]] = {}
        self.outcomes = []
        for d in plan.decides:
            meta = d.decl.meta
            tail = (f',"cites":{_texts(meta.cites)},"label_zh":{_text(meta.labels.zh if meta.labels else d.field)},'
                    f'"label_en":{_text(meta.labels.en if meta.labels else d.field)}}}')
            self.outcomes.append((d, '{"field":' + _text(d.field) + ',"value":', tail))

    def on(self, as_of: dt.date) -> "VerdictEncoder":
        """The same encoder for verdicts as of another day (the templates are shared)."""
        other = copy.copy(self)
        other.as_of = as_of
        other.head = self.head.replace(f'"as_of":"{self.as_of.isoformat()}"', f'"as_of":"{as_of.isoformat()}"', 1)
        return other

    def by_answer(self, answer: EntityAnswer) -> tuple[EntityAnswer, list[tuple[str, str]], list[str], MissingSources]:
        """(answer, its applied leaves, its reported failing conditions, where its missing data are:
        :func:`clausewise.report.explain.missing_sources`), made once per answer object."""
        hit = self._by_answer.get(id(answer))
        if hit is not None and hit[0] is answer:
            return hit
        from clausewise.report.records import reported_failing  # records reads RawVerdict: imported when used

        applied: list[tuple[str, str]] = []
        status, order = answer.status, self.preorder
        i, n = 0, len(order)
        while i < n:
            node_id, leaf, after = order[i]
            s = status.get(node_id, "unknown")
            if s == "na":
                i = after  # skip the branch
                continue
            if leaf:
                applied.append((node_id, s))
            i += 1
        plan = self.plan
        compliant = compliance(status.get(plan.compliant)) if plan.compliant else None
        failing = reported_failing(plan, status, compliant, [node_id for node_id, s in applied if s == "fail"])
        if len(self._by_answer) >= 4096:  # answers of earlier chunks: let them go
            self._by_answer.clear()
        hit = self._by_answer[id(answer)] = (answer, applied, failing, missing_sources(plan, answer))
        return hit

    def _flatten(self, node: LogicNode) -> None:
        at = len(self.preorder)
        self.preorder.append((node.id, node.kind == "leaf", 0))
        for c in node.children:
            self._flatten(self.plan.nodes[c])
        self.preorder[at] = (node.id, node.kind == "leaf", len(self.preorder))

    def _template(self, node: LogicNode) -> _NodeTemplate:
        static = static_fields(self.plan, node, self.source_text)
        head = f'{{"id":{_text(static["id"])},"kind":{_text(static["kind"])},"status":"'
        middle = (f'","cites":{_texts(static["cites"])},"label_zh":{_text(static["label_zh"])},'
                  f'"label_en":{_text(static["label_en"])},"expression":{_text(static.get("expression"))},')
        leaf = node.kind == "leaf"
        opening = {s: head + s + middle + ("" if leaf else _NO_FIGURES) for s in STATUSES}
        ending = '"children":[]}' if not node.children else '"children":['
        closing = {b: f'"decided_by_missing":{"true" if b else "false"},{ending}' for b in (False, True)}
        return _NodeTemplate(node, leaf, [self._template(self.plan.nodes[c]) for c in node.children], opening, closing)

    def json(self, raw: RawVerdict) -> str:
        answer, leaves = raw.answer, raw.leaves
        opening, statics, shown, failing = self._frame(answer)
        parts = ['{"entity":', encode_basestring(raw.entity), ",", self.head, opening]
        outcome_map, details = [], []
        for field_name, decided, head, tail in statics:
            value = _value(raw.values.get(field_name)) if decided else "null"
            outcome_map.append(head + value)
            details.append(tail[0] + value + tail[1])
        parts += [",".join(outcome_map), '},"outcome_details":[', ",".join(details), '],"rules":[']
        figures = self._figures
        for text, node_id in shown:
            parts.append(text)
            if node_id is not None:
                parts.append(figures(leaves[node_id]))
        missing = missing_data(self.by_answer(answer)[3], leaves, raw.values)
        parts += ['],"missing_data":', _texts(missing), failing]
        return "".join(parts)

    def _frame(self, answer: EntityAnswer) -> tuple[str, list, list[tuple[str, str | None]], str]:
        """What a verdict's JSON text takes from its answer alone, made once per answer object: the
        compliance, each outcome's text around its value, the explanation tree's text with a gap
        for each leaf's figures (text, leaf id or None) and the failing conditions' text."""
        hit = self._frames.get(id(answer))
        if hit is not None and hit[0] is answer:
            return hit[1]
        plan = self.plan
        compliant = compliance(answer.status.get(plan.compliant)) if plan.compliant else None
        opening = ("null" if compliant is None else "true" if compliant else "false") + ',"outcomes":{'
        statics = []
        for d, head, tail in self.outcomes:
            clause = answer.chosen.get(d.field)
            decided = clause is not None and d.field not in answer.undecided
            statics.append((d.field, decided, _text(d.field) + ":",
                            (head, f',"decided":{"true" if decided else "false"},'
                                   f'"clause":{"null" if clause is None else clause},'
                                   f'"because":{_text(d.when_nodes[clause - 1]) if decided and clause else "null"}{tail}')))
        shown: list[tuple[str, str | None]] = []
        pending: list[str] = []
        for i, t in enumerate(self.rules):
            if i:
                pending.append(",")
            self._shape(t, answer, pending, shown)
        shown.append(("".join(pending), None))
        failing = ',"failing_conditions":' + _texts(self.by_answer(answer)[2]) + "}"
        frame = (opening, statics, shown, failing)
        if len(self._frames) >= 4096:  # answers of earlier chunks: let them go
            self._frames.clear()
        self._frames[id(answer)] = (answer, frame)
        return frame

    def _shape(self, t: _NodeTemplate, answer: EntityAnswer, pending: list[str], shown: list[tuple[str, str | None]]) -> None:
        """One node's text under ``answer`` (see :meth:`_frame`): the text before a leaf's figures
        goes to ``shown`` with the leaf's id, the rest stays ``pending``."""
        node_id = t.node.id
        status = answer.status.get(node_id, "unknown")
        by_missing = node_id in answer.missing_decided
        pending.append(t.opening[status])
        if t.leaf:
            shown.append(("".join(pending), node_id))
            pending.clear()
        pending.append(t.closing[by_missing])
        if t.children:
            for i, c in enumerate(t.children):
                if i:
                    pending.append(",")
                self._shape(c, answer, pending, shown)
            pending.append("]}")

    def _figures(self, leaf: LeafResult) -> str:
        """The leaf's figures, as :func:`clausewise.report.explain.leaf_fields` gives them, in JSON."""
        op = leaf.op
        observed = encode_basestring(value_text(leaf.observed)) if observed_shown(leaf) else "null"
        memo = self._memo  # bound, comparison and unit repeat from entity to entity
        bound = leaf.bound  # a Decimal 4.0 equals 4 but shows as written: the key keeps its text
        key: tuple | None = (str(bound) if type(bound) is Decimal else bound, type(bound), op, leaf.unit)
        try:
            fixed = memo.get(key) if key is not None else None
        except TypeError:  # an unhashable bound (a set literal)
            fixed, key = None, None
        if fixed is None:
            unit = leaf.unit if leaf.unit not in (None, "number") else None
            fixed = (f',"bound":{_text(value_text(leaf.bound)) if op else "null"},"comparison":{_text(op)},'
                     f'"unit":{_text(unit)},"gap":')
            if key is not None and len(memo) < 10_000:
                memo[key] = fixed
        if leaf.gap is not None and leaf.status == "fail":
            gap = (f'{{"amount":{encode_basestring(value_text(leaf.gap))},"percent":{_text(percent_text(leaf.gap_percent))},'
                   f'"direction":"{gap_direction(op)}"}}')
        else:
            gap = "null"
        windows = ",".join([f'{{"expression":{encode_basestring(e)},"dates":{encode_basestring(d)}}}'
                            for e, d in leaf.windows]) if leaf.windows else ""
        witness = "null" if leaf.witness is None else encode_basestring(leaf.witness)
        ratio = "null" if leaf.ratio is None else (f'{{"numerator":{encode_basestring(value_text(leaf.ratio[0]))},'
                                                   f'"denominator":{encode_basestring(value_text(leaf.ratio[1]))}}}')
        missing = _texts(leaf.missing) if leaf.missing else "[]"
        return (f'"observed":{observed}{fixed}{gap},"witness":{witness},"ratio":{ratio},"windows":[{windows}],'
                f'"missing":{missing},')

"""Verdicts as JSON text, written straight from the evaluation's results.

An audit writes every verdict as JSON. Building pydantic models first and serialising them
costs most of an audit's time (two thirds of workload 1 in docs/benchmarks.md). The text of
an explanation is mostly the same for every entity (ids, labels, citations, expressions), so
:class:`VerdictEncoder` prepares those pieces once per policy as JSON fragments and joins
them with the few things that change (statuses, figures, gaps, windows, outcomes). One routine
(:meth:`VerdictEncoder._body`) writes a verdict; for an answer that several entities share (a
status pattern, :mod:`clausewise.asp.cells`) its output with gaps for what differs between them is
kept from the second verdict on (tests/report/test_encode.py: the same bytes with and without).

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
#: the kinds of gap in a verdict's text (:meth:`VerdictEncoder._body`)
_LEAF, _VALUE, _MISSING = 0, 1, 2


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

    #: the verdict of an answer from which on its frame is kept (:meth:`json`); 1: from the first
    frame_from = 2

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
        #: id(answer) -> (answer, the verdict text's frame): see :meth:`json`
        self._frames: dict[int, tuple[EntityAnswer, tuple[str, list[tuple[int, str, str]]]]] = {}
        #: id(answer) -> (answer, verdicts written without a frame)
        self._met: dict[int, tuple[EntityAnswer, int]] = {}
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
        """The verdict's JSON text, written by :meth:`_body`. An answer's first verdict is written
        straight from the tree; from its second on, the answer's text with gaps for what differs
        between entities (outcome values, leaf figures, missing data) is kept (its frame: the same
        routine's output, :meth:`_frame`) and only the gaps are filled. Most answers of a policy
        with many figures are one entity's, for whom a frame would not pay."""
        answer = raw.answer
        key = id(answer)
        hit = self._frames.get(key)
        if hit is not None and hit[0] is answer:
            first, gaps = hit[1]
        else:
            met = self._met.get(key)
            times = met[1] + 1 if met is not None and met[0] is answer else 1
            if times < self.frame_from:
                if len(self._met) >= 4096:  # answers of earlier chunks: let them go
                    self._met.clear()
                self._met[key] = (answer, times)
                return '{"entity":' + encode_basestring(raw.entity) + "," + self.head + "".join(self._body(answer, raw, []))
            first, gaps = self._frame(answer)
        leaves, values, figures = raw.leaves, raw.values, self._figures
        parts = ['{"entity":', encode_basestring(raw.entity), ",", self.head, first]
        append, leaf_gap, value_gap = parts.append, _LEAF, _VALUE
        shown: dict[str, str] = {}  # an outcome's value is in the text twice
        for kind, name, after in gaps:
            if kind == leaf_gap:
                append(figures(leaves[name]))
            elif kind == value_gap:
                text = shown.get(name)
                append(text if text is not None else shown.setdefault(name, _value(values.get(name))))
            else:
                append(_texts(missing_data(self.by_answer(answer)[3], leaves, values)))
            append(after)
        return "".join(parts)

    def _frame(self, answer: EntityAnswer) -> tuple[str, list[tuple[int, str, str]]]:
        """The text of :meth:`_body` under ``answer`` with its gaps marked: (the text before the
        first gap, each gap's (kind, name, the text after it)); kept per answer object. JSON text
        never holds a raw NUL (every string in it is escaped), so NUL marks a gap."""
        gaps: list[tuple[int, str]] = []
        segments = "".join(self._body(answer, None, gaps)).split("\x00")
        frame = (segments[0], [(kind, name, after) for (kind, name), after in zip(gaps, segments[1:])])
        if len(self._frames) >= 4096:  # answers of earlier chunks: let them go
            self._frames.clear()
        self._frames[id(answer)] = (answer, frame)
        return frame

    def _body(self, answer: EntityAnswer, raw: RawVerdict | None, gaps: list[tuple[int, str]]) -> list[str]:
        """A verdict's JSON text after ``"as_of"``: the compliance, the outcomes, the explanation
        tree, the missing data and the failing conditions, as ``answer`` decides them, with what
        differs between entities of one answer taken from ``raw``, or (``raw`` None) left as a
        NUL gap noted in ``gaps`` (kind, name)."""
        plan = self.plan
        compliant = compliance(answer.status.get(plan.compliant)) if plan.compliant else None
        parts = [("null" if compliant is None else "true" if compliant else "false") + ',"outcomes":{']
        chosen, undecided = answer.chosen, answer.undecided
        values = raw.values if raw is not None else {}
        decisions = []
        for i, (d, _, _) in enumerate(self.outcomes):
            clause = chosen.get(d.field)
            decided = clause is not None and d.field not in undecided
            if not decided:
                text = "null"
            elif raw is not None:
                text = _value(values.get(d.field))
            else:
                text = "\x00"
                gaps.append((_VALUE, d.field))
            decisions.append((clause, decided, text))
            parts += ["," if i else "", _text(d.field), ":", text]
        parts.append('},"outcome_details":[')
        for i, ((d, head, tail), (clause, decided, text)) in enumerate(zip(self.outcomes, decisions)):
            if text == "\x00":
                gaps.append((_VALUE, d.field))
            parts += ["," if i else "", head, text,
                      f',"decided":{"true" if decided else "false"},"clause":{"null" if clause is None else clause},'
                      f'"because":{_text(d.when_nodes[clause - 1]) if decided and clause else "null"}{tail}']
        parts.append('],"rules":[')
        leaves = raw.leaves if raw is not None else None
        for i, t in enumerate(self.rules):
            if i:
                parts.append(",")
            self._node(t, answer, parts, leaves, gaps)
        if raw is not None:
            missing = _texts(missing_data(self.by_answer(answer)[3], raw.leaves, values))
        else:
            missing = "\x00"
            gaps.append((_MISSING, ""))
        parts += ['],"missing_data":', missing, ',"failing_conditions":', _texts(self.by_answer(answer)[2]), "}"]
        return parts

    def _node(self, t: _NodeTemplate, answer: EntityAnswer, parts: list[str], leaves: dict[str, LeafResult] | None,
              gaps: list[tuple[int, str]]) -> None:
        """One node's text under ``answer`` (see :meth:`_body`): a leaf's figures from ``leaves``, or a gap."""
        node_id = t.node.id
        parts.append(t.opening[answer.status.get(node_id, "unknown")])
        if t.leaf:
            if leaves is not None:
                parts.append(self._figures(leaves[node_id]))
            else:
                parts.append("\x00")
                gaps.append((_LEAF, node_id))
        parts.append(t.closing[node_id in answer.missing_decided])
        if t.children:
            for i, c in enumerate(t.children):
                if i:
                    parts.append(",")
                self._node(c, answer, parts, leaves, gaps)
            parts.append("]}")

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

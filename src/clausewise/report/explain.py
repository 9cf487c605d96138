"""Turn solver answers and leaf figures into verdicts, and render them for people.

The explanation tree mirrors the policy: every rule, every group and every alternative of
an any-of group, each with its status, observed value, bound, gap, windows and citations.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from clausewise.evaluate.leaves import LeafResult
from clausewise.evaluate.measure import Missing
from clausewise.report.models import ExplanationNode, Verdict
from clausewise.asp.plan import LogicNode, Plan, compliance
from clausewise.asp.solve import EntityAnswer
from clausewise.values.texts import whole_text
from clausewise.values.valuetypes import Month, is_currency

UNIT_ZH = {"orders": "单", "yuan": "元", "points": "分", "merchants": "个", "count": "个", "days": "天"}
UNIT_EN = {"orders": "orders", "yuan": "yuan", "points": "points", "merchants": "merchants", "count": "", "days": "days"}
KIND_LABELS = {
    "all": ("全部满足", "all of"), "any": ("任一满足", "any one of"), "none": ("均不满足", "none of"),
    "not": ("不满足", "not"), "if": ("适用时满足", "if applicable"),
}


def value_text(value: Any) -> str:
    """Exact, human display: 9,000,000 · 299,999.99 · 2024-02-29 · true."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return whole_text(value)
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        if not isinstance(exponent, int):  # NaN or an infinity: never a figure, shown as Python does
            return str(value)
        if value == value.to_integral_value() and exponent >= 0:
            return whole_text(int(value))
        # as written (a bound of 4.0 shows as 4.0); trailing zeros of a computed quotient go
        return f"{value:,f}" if -exponent <= 2 else f"{value.normalize():,f}"
    if isinstance(value, (dt.date, Month)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(value_text(v) for v in value) + "}"
    if isinstance(value, str) and not value.isprintable():  # a control, format or zero-width mark: spelled out
        return repr(value)
    return str(value)


def outcome_json(value: Any) -> bool | int | str | list[str] | None:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return value_text(value).replace(",", "") if isinstance(value, Decimal) else str(value)


def static_fields(plan: Plan, node: LogicNode, source_text) -> dict[str, Any]:
    """The fields of a node that are the same for every entity, computed once per plan."""
    cached = plan.explain_cache.get(node.id)
    if cached is not None:
        return cached
    zh, en = (node.labels.zh, node.labels.en) if node.labels else KIND_LABELS.get(node.kind, ("", ""))
    static: dict[str, Any] = {"id": node.id, "cites": list(node.cites)}
    if node.kind == "leaf":
        static["expression"] = expression = source_text(node.cond)
        if not node.labels:
            zh = en = expression
    elif node.kind == "ref" and not node.labels:
        zh, en = f"规则 {node.target}", f"rule {node.target}"
    elif node.kind == "at_least" and not node.labels:
        n = node.n_param or node.n
        zh, en = f"至少满足{n}项", f"at least {n} of"
    static.update(kind="condition" if node.kind == "leaf" else node.kind, label_zh=zh, label_en=en)
    plan.explain_cache[node.id] = static
    return static


def observed_shown(leaf: LeafResult) -> bool:
    """Whether a leaf's explanation shows an observed value (``none`` included)."""
    return leaf.observed is not None or leaf.status != "unknown" and leaf.op is not None


def gap_direction(op: str | None) -> str:
    return "short" if op in (">=", ">") else "over" if op in ("<=", "<") else "off"


def leaf_fields(leaf: LeafResult) -> dict[str, Any]:
    """What a leaf's explanation says about its figures: observed value, bound, comparison,
    unit, gap (when it fails), best month or day, windows and missing data — as text.

    The JSON writer (:mod:`clausewise.report.encode`) says the same through the same helpers
    (:func:`observed_shown`, :func:`gap_direction`, :func:`value_text`, :func:`percent_text`).
    """
    out: dict[str, Any] = dict(
        observed=value_text(leaf.observed) if observed_shown(leaf) else None,
        bound=value_text(leaf.bound) if leaf.op else None,
        comparison=leaf.op, unit=leaf.unit if leaf.unit not in (None, "number") else None,
        witness=leaf.witness, windows=[{"expression": e, "dates": d} for e, d in leaf.windows],
        missing=list(leaf.missing),
        ratio={"numerator": value_text(leaf.ratio[0]), "denominator": value_text(leaf.ratio[1])} if leaf.ratio else None)
    if leaf.gap is not None and leaf.status == "fail":
        out["gap"] = {"amount": value_text(leaf.gap), "percent": percent_text(leaf.gap_percent), "direction": gap_direction(leaf.op)}
    return out


def build_node(plan: Plan, node: LogicNode, answer: EntityAnswer, leaves: dict[str, LeafResult],
               source_text) -> dict[str, Any]:
    """One explanation node and its children, as the dict of an :class:`ExplanationNode`.

    Verdicts are validated once, whole (:func:`make_verdict`): pydantic builds the nested
    models in one call, several times faster than one model per node.
    """
    out = dict(static_fields(plan, node, source_text), status=answer.status.get(node.id, "unknown"),
               decided_by_missing=node.id in answer.missing_decided,
               children=[build_node(plan, plan.nodes[c], answer, leaves, source_text) for c in node.children])
    if node.kind != "leaf":
        out["windows"], out["missing"] = [], []
        return out
    out.update(leaf_fields(leaves[node.id]))
    return out


def answered_leaves(leaves: dict[str, LeafResult], answer: EntityAnswer, quantified: tuple[str, ...]) -> dict[str, LeafResult]:
    """The leaf results an explanation shows: for each quantifier the program states (among
    ``quantified``), its status and the unit that decides are the answer's (the status before
    ``missing fails|passes``: unknown when that decided it)."""
    out = None
    for node_id in quantified:
        leaf = leaves.get(node_id)
        if leaf is not None and leaf.units is not None:
            status = "unknown" if node_id in answer.missing_decided else answer.status.get(node_id, "unknown")
            out = out if out is not None else dict(leaves)
            out[node_id] = leaf.units.shown(status, answer.units.get(node_id))
    return out if out is not None else leaves


def percent_text(percent: Decimal | None) -> str | None:
    """A gap's share of its bound, to 0.1%; a gap too small to show as 0.1% reads "<0.1%"."""
    if percent is None:
        return None
    return "<0.1%" if percent == 0 else f"{percent}%"


#: what a verdict's missing data are read from, by its answer alone (:func:`missing_sources`): the
#: leaves whose missing data decided something, and the outcome fields whose missing value did
MissingSources = tuple[list[str], list[str]]


def missing_sources(plan: Plan, answer: EntityAnswer) -> MissingSources:
    """Where the missing data that decided something are, by the answer alone: the leaves (tree
    order) that are unknown and reached through unknown nodes only, from a rule or from the
    condition of a clause that left an outcome undecided (``undecided_by/4``), or under a node a
    ``missing fails|passes`` reading decided; and the outcome fields left undecided by a missing
    value. Data missing under a node that passed or failed anyway changed nothing."""
    status, by_missing, undecided_by = answer.status, answer.missing_decided, answer.undecided_by
    if not by_missing and not undecided_by and len(status) >= len(plan.nodes) and "unknown" not in status.values():
        return [], []
    leaves: list[str] = []
    nodes = plan.nodes

    def walk(node_id: str, relevant: bool) -> None:
        here = (relevant and status.get(node_id, "unknown") == "unknown") or node_id in by_missing
        if not here and not by_missing:  # nothing below can be listed
            return
        node = nodes[node_id]
        if here and node.kind == "leaf":
            leaves.append(node_id)
        for child in node.children:
            walk(child, here)

    for rule in plan.rules:
        walk(rule, True)
    fields: list[str] = []
    if undecided_by:
        whens = {d.field: d.when_nodes for d in plan.decides}
        for field_name, clause, part in sorted(undecided_by):
            when = whens[field_name][clause - 1]
            if part == "when" and when is not None:
                walk(when, True)
            elif part == "value" and field_name not in fields:
                fields.append(field_name)
    return leaves, fields


def missing_data(sources: MissingSources, leaves: dict[str, LeafResult], values: dict[str, Any]) -> list[str]:
    """A verdict's missing data, sorted: those of the leaves and outcome values ``sources`` names
    (:func:`missing_sources`); every writer of verdicts lists these."""
    leaf_ids, fields = sources
    found = {reason for node_id in leaf_ids for reason in leaves[node_id].missing}
    for field_name in fields:
        value = values.get(field_name)
        if isinstance(value, Missing):
            found.update(value.reasons)
    return sorted(found)


# ---- text rendering -------------------------------------------------------------------------------
MARKS = {"pass": "✔", "fail": "✘", "unknown": "?", "na": "–"}
COLORS = {"pass": "green", "fail": "red", "unknown": "yellow", "na": "bright_black"}
WORDS = {"en": {"pass": "pass", "fail": "FAIL", "unknown": "UNKNOWN", "na": "n/a"},
         "zh": {"pass": "通过", "fail": "未通过", "unknown": "数据缺失", "na": "不适用"}}


def render_gap(node: ExplanationNode, lang: str) -> str:
    gap = node.gap
    if gap is None:
        return ""
    if node.unit == "rate":  # a difference of rates is in percentage points
        amount = f"{percent_shown(gap.amount)[:-1]} {'个百分点' if lang == 'zh' else 'percentage points'}"
    else:
        unit = unit_word(node.unit, lang)
        amount = f"{shown(gap.amount)} {unit}".strip() if lang == "en" or is_currency(node.unit) else f"{shown(gap.amount)}{unit}"
    pct = f", {gap.percent}" if gap.percent else ""
    if lang == "zh":
        word = {"short": "差", "over": "超出", "off": "相差"}[gap.direction]
        return f"{word} {amount}{pct}"
    return f"{gap.direction} by {amount}{pct}"


_LONG_DECIMAL = re.compile(r"^(-?[\d,]+)\.(\d{7,})$")


def shown(text: str | None) -> str | None:
    """A figure for people: an exact quotient with a long expansion (a monthly average of
    61.1333…) is shown rounded to two places as ``≈61.13``; the JSON keeps every digit."""
    if text is None or not _LONG_DECIMAL.match(text):
        return text
    value = Decimal(text.replace(",", ""))
    return "≈" + f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN):,f}"


def unit_word(unit: str | None, lang: str) -> str:
    """How a unit is written after a figure: 单 / orders, 元 / yuan, a currency by its code (USD)."""
    if is_currency(unit):
        return unit or ""
    return (UNIT_ZH if lang == "zh" else UNIT_EN).get(unit or "", "")


def percent_shown(text: str) -> str:
    """A rate as a percentage: ``0.005`` → ``0.5%``; beyond four decimals of the rate, rounded
    to two places of the percentage and marked: ``0.0066…`` → ``≈0.67%``."""
    value = Decimal(text.replace(",", "")) * 100
    exact = value.normalize()
    exponent = exact.as_tuple().exponent
    if isinstance(exponent, int) and -exponent <= 2:
        return f"{exact:,f}%" if exact != exact.to_integral_value() else f"{int(exact):,}%"
    return "≈" + f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN):,f}%"


def figure_text(node: ExplanationNode, text: str | None, lang: str, ratio: bool = False) -> str:
    """An observed value or bound with its unit, a rate as a percentage, a quotient with its parts."""
    if node.unit == "rate" and text is not None and _NUMERIC.match(text):
        out = percent_shown(text)
    else:
        unit = unit_word(node.unit, lang)
        out = f"{shown(text)}{unit}" if lang == "zh" and not is_currency(node.unit) else f"{shown(text)} {unit}".rstrip()
    if ratio and node.ratio is not None:
        parts = (node.ratio.numerator, node.ratio.denominator)
        out += f" ({parts[1]}中的{parts[0]})" if lang == "zh" else f" ({parts[0]} of {parts[1]})"
    return out


_NUMERIC = re.compile(r"^-?[\d,]+(\.\d+)?$")


def render_text(verdict: Verdict, lang: str = "en", style=lambda text, status: text) -> str:
    """The explanation tree as text; ``style`` may colour a line by status."""
    zh = lang == "zh"
    lines = [f"{verdict.policy} {verdict.version} · {'实体' if zh else 'entity'} {verdict.entity} · "
             f"{'评估日' if zh else 'as of'} {verdict.as_of}"
             + ((" · 生效日期未载明" if zh else " · effective date not stated") if verdict.effective_date else "")]
    if verdict.error is not None:
        lines.append(style(f"{'无法评估' if zh else 'NOT EVALUATED'}: {verdict.error.message}", "fail"))
        lines.append(f"  {verdict.error.cause}")
    if verdict.compliant is not None:
        word = ("合规" if verdict.compliant else "不合规") if zh else ("compliant" if verdict.compliant else "NOT compliant")
        lines.append(style(word, "pass" if verdict.compliant else "fail"))
    elif any(o.field for o in verdict.outcome_details):
        pass
    for outcome in verdict.outcome_details:
        label = outcome.label_zh if zh else outcome.label_en
        value = shown(value_text(outcome.value)) if outcome.decided else ("未定(数据缺失)" if zh else "undecided (missing data)")
        cites = f" [{', '.join(outcome.cites)}]"
        lines.append(f"  {label} ({outcome.field}) = {value}{cites}")
    for rule in verdict.rules:
        _render_node(rule, lang, 1, lines, style)
    if verdict.missing_data:
        lines.append("缺失数据:" if zh else "missing data:")
        lines += [f"  - {m}" for m in verdict.missing_data]
    return "\n".join(lines)


def _render_node(node: ExplanationNode, lang: str, depth: int, lines: list[str], style) -> None:
    zh = lang == "zh"
    label = node.label_zh if zh else node.label_en
    head = f"{'  ' * depth}{MARKS[node.status]} {label} [{', '.join(node.cites)}] {WORDS[lang][node.status]}"
    lines.append(style(head, node.status))
    pad = "  " * (depth + 2)
    if node.kind == "condition":
        if node.comparison and node.observed is not None:
            obs = figure_text(node, node.observed, lang, ratio=True)
            bound = figure_text(node, node.bound, lang)
            cmp = f"{'观测值' if zh else 'observed'} {obs} {node.comparison} {bound}"
            if node.gap:
                cmp += f" — {render_gap(node, lang)}"
            lines.append(pad + cmp)
        elif node.observed is not None:
            lines.append(pad + f"{'值' if zh else 'value'} {shown(node.observed)}")
        if node.witness:
            lines.append(pad + f"{'最佳月份/日期' if zh else 'best month/day'}: {node.witness}")
        for window in node.windows:
            lines.append(pad + f"{'窗口' if zh else 'window'} {window.expression} = {window.dates}")
        for reason in node.missing:
            lines.append(pad + f"{'缺失' if zh else 'missing'}: {reason}")
        if node.decided_by_missing:
            lines.append(pad + ("数据缺失,按规则判定" if zh else "data missing: decided by the policy's 'missing' setting"))
        if node.label_en != node.expression and node.expression:
            lines.append(pad + f"{'表达式' if zh else 'expression'}: {node.expression}")
    children = node.children
    if node.kind == "if" and node.status == "na":
        children = children[:1]  # why it does not apply; what it would require is in --format json
    for child in children:
        _render_node(child, lang, depth + 1, lines, style)


def make_verdict(plan: Plan, entity: str, as_of: dt.date, answer: EntityAnswer, leaves: dict[str, LeafResult],
                 outcome_values: dict[str, Any], source_text) -> Verdict:
    rules = [build_node(plan, plan.nodes[r], answer, leaves, source_text) for r in plan.rules]
    details = []
    for d in plan.decides:
        clause = answer.chosen.get(d.field)
        decided = clause is not None and d.field not in answer.undecided
        meta = d.decl.meta
        details.append(dict(field=d.field, value=outcome_json(outcome_values.get(d.field)) if decided else None,
                            decided=decided, clause=clause,
                            because=d.when_nodes[clause - 1] if decided and clause is not None else None,
                            cites=list(meta.cites), label_zh=meta.labels.zh if meta.labels else d.field,
                            label_en=meta.labels.en if meta.labels else d.field))
    compliant = compliance(answer.status.get(plan.compliant)) if plan.compliant else None
    h = plan.checked.header
    return Verdict.model_validate(dict(
        entity=entity, policy=h.name, version=h.version or "", as_of=as_of,
        effective_date="not stated" if h.effective_not_stated else None, compliant=compliant,
        outcomes={o["field"]: o["value"] for o in details}, outcome_details=details, rules=rules,
        missing_data=missing_data(missing_sources(plan, answer), leaves, outcome_values)))

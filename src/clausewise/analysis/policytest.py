"""Policy tests: cases written beside a policy, run by ``clausewise test``.

A test file ``X.tests.toml`` sits beside ``X.policy``. Each ``[[case]]`` names an entity,
the data (a directory or file relative to the test file, or rows written inline), the
as-of date and parameters, and what must come out: ``compliant``, outcome values, and
explanation nodes that must ``pass``, ``fail``, be ``unknown`` or not applicable (``na``)::

    [defaults]
    data = "../examples/tier"
    params_file = "../examples/tier/params.json"
    as_of = "2024-04-01"

    [[case]]
    name = "P03 reaches 9,000,000 orders but no optional indicator"
    entity = "P03"
    outcomes = { tier = "base" }
    fail = ["silver.optional_indicators"]

Parameters come from ``[defaults]`` (``params_file``, then ``params``) and then from the
case (``params_file``, then ``params``); later sources win. Coverage counts, for every rule and
condition of the policy, whether some case saw it pass and some case saw it fail.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from clausewise.engine.policy import Policy
from clausewise.language.diagnostics import ClausewiseError, Diagnostic, Span, did_you_mean
from clausewise.report.models import Evaluation, ExplanationNode, Verdict
from clausewise.evaluate.params import load_params_file

STATUSES = ("pass", "fail", "unknown", "na")


class CaseSpec(BaseModel):
    """One ``[[case]]`` of a test file (keys not listed here are an error)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    entity: str
    as_of: str | None = None
    data: str | list[str] | None = None
    rows: dict[str, list[dict[str, Any]]] | None = None
    params: dict[str, Any] = {}
    params_file: str | None = None
    compliant: bool | Literal["undetermined"] | None = None
    outcomes: dict[str, Any] = {}
    undecided: list[str] = []
    # node ids expected with each status
    pass_: list[str] = []
    fail: list[str] = []
    unknown: list[str] = []
    na: list[str] = []


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: str | None = None
    data: str | list[str] | None = None
    params: dict[str, Any] = {}
    params_file: str | None = None


class TestFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: str | None = None
    defaults: Defaults = Defaults()
    case: list[CaseSpec] = []


@dataclass
class CaseResult:
    name: str
    entity: str
    line: int
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass
class Coverage:
    """Statuses seen per node id over every case's verdict."""

    nodes: dict[str, set[str]]  # node id → statuses seen

    def covered(self, node_id: str) -> bool:
        return {"pass", "fail"} <= self.nodes[node_id]

    def per_rule(self) -> list[tuple[str, int, int]]:
        rules: dict[str, list[str]] = {}
        for node_id in self.nodes:
            rules.setdefault(node_id.split(".")[0], []).append(node_id)
        return [(r, sum(self.covered(n) for n in ids), len(ids)) for r, ids in sorted(rules.items())]

    def missing(self) -> list[str]:
        lines = []
        for node_id, seen in sorted(self.nodes.items()):
            lacking = [s for s in ("pass", "fail") if s not in seen]
            if lacking:
                lines.append(f"{node_id}: never seen {' or '.join('passing' if s == 'pass' else 'failing' for s in lacking)}")
        return lines


@dataclass
class TestRun:
    policy: Policy
    test_file: Path
    cases: list[CaseResult]
    coverage: Coverage

    @property
    def failed(self) -> int:
        return sum(not c.passed for c in self.cases)


def test_file_for(policy_path: Path) -> Path:
    return policy_path.with_name(policy_path.stem + ".tests.toml")


def _case_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.split("\n"), 1) if line.strip().startswith("[[case]]")]


def load_test_file(path: Path) -> tuple[TestFile, list[int]]:
    """Read and validate a test file; mistakes become diagnostics with a line where known."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ClausewiseError.simple(str(path), f"cannot read test file: {exc.strerror}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        span = Span.point(int(found.group(1)), int(found.group(2))) if found else Span(0, 0, 0, 0)
        source_lines = text.split("\n")
        source = source_lines[span.line - 1] if 0 < span.line <= len(source_lines) else None
        raise ClausewiseError([Diagnostic(str(path), span, f"not valid TOML: {message}", source_line=source)]) from None
    for case in raw.get("case", []) if isinstance(raw.get("case"), list) else []:
        if isinstance(case, dict) and "pass" in case:
            case["pass_"] = case.pop("pass")
    lines = _case_lines(text)
    try:
        return TestFile.model_validate(raw), lines
    except ValidationError as err:
        diagnostics = []
        for e in err.errors():
            loc = [str(x) for x in e["loc"]]
            line = 0
            if len(loc) >= 2 and loc[0] == "case" and loc[1].isdigit() and int(loc[1]) < len(lines):
                line = lines[int(loc[1])]
            where = ".".join("pass" if x == "pass_" else x for x in loc)
            message = "unknown key" if e["type"] == "extra_forbidden" else e["msg"].lower()
            hint = None
            if e["type"] == "extra_forbidden":
                allowed = [("pass" if n == "pass_" else n) for n in (CaseSpec.model_fields if loc[0] == "case" else
                                                                      TestFile.model_fields)]
                hint = did_you_mean(loc[-1], allowed)
            diagnostics.append(Diagnostic(str(path), Span(line, 0, line, 0), f"{where}: {message}", hint))
        raise ClausewiseError(diagnostics) from None


def _nodes(verdict: Verdict) -> dict[str, ExplanationNode]:
    found: dict[str, ExplanationNode] = {}
    stack = list(verdict.rules)
    while stack:
        node = stack.pop()
        found[node.id] = node
        stack += node.children
    return found


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    return str(expected) == str(actual)


def _mistake(errors: list[Diagnostic], where: str, message: str, hint: str | None = None) -> None:
    """A mistake in a test file, kept so that every mistake of the file is reported in one run."""
    errors += ClausewiseError.simple(where, message, hint).diagnostics


def _check(case: CaseSpec, verdict: Verdict, result: CaseResult, where: Path, has_compliance: bool,
           errors: list[Diagnostic]) -> None:
    nodes = _nodes(verdict)
    at = f"{where}:{result.line}"
    if case.compliant is not None and not has_compliance:
        _mistake(errors, at, f"case '{case.name}': the policy has no 'compliant when'",
                 "expect outcomes instead, or add 'compliant when ...' to the policy header")
    elif case.compliant is not None:
        actual = "undetermined" if verdict.compliant is None else verdict.compliant
        if actual != case.compliant:
            result.problems.append(f"compliant: expected {str(case.compliant).lower()}, got {str(actual).lower()}")
    details = {o.field: o for o in verdict.outcome_details}
    for name, expected in sorted(case.outcomes.items()):
        if name not in details:
            _mistake(errors, at, f"case '{case.name}': no outcome field '{name}'", did_you_mean(name, details))
            continue
        o = details[name]
        if expected == "undecided":  # the same as listing the field in 'undecided'
            if o.decided:
                result.problems.append(f"outcome {name}: expected undecided, got {'none' if o.value is None else o.value}")
        elif not o.decided:
            result.problems.append(f"outcome {name}: expected {expected}, but it is undecided (missing data)")
        elif not _same(expected, "none" if o.value is None else o.value):
            result.problems.append(f"outcome {name}: expected {expected}, got {'none' if o.value is None else o.value}")
    for name in case.undecided:
        if name not in details:
            _mistake(errors, at, f"case '{case.name}': no outcome field '{name}'", did_you_mean(name, details))
        elif details[name].decided:
            result.problems.append(f"outcome {name}: expected undecided, got {details[name].value}")
    for status, ids in (("pass", case.pass_), ("fail", case.fail), ("unknown", case.unknown), ("na", case.na)):
        for node_id in ids:
            if node_id not in nodes:
                _mistake(errors, at, f"case '{case.name}': no condition '{node_id}'", did_you_mean(node_id, nodes))
                continue
            node = nodes[node_id]
            if node.status != status:
                shown = f" (observed {node.observed} {node.comparison} {node.bound})" if node.observed and node.bound else ""
                result.problems.append(f"{node_id}: expected {status}, got {node.status}{shown}")


def run_tests(policy: Policy, policy_path: Path, test_path: Path | None = None) -> TestRun:
    """Run every case of the policy's test file and measure coverage."""
    test_path = test_path or test_file_for(policy_path)
    spec, lines = load_test_file(test_path)
    base = test_path.parent
    cache: dict[tuple, Evaluation] = {}
    coverage = Coverage({n: set() for n in _plan_node_ids(policy)})
    results = []
    errors: list[Diagnostic] = []
    for index, case in enumerate(spec.case):
        line = lines[index] if index < len(lines) else 0
        result = CaseResult(case.name, case.entity, line)
        as_of = case.as_of or spec.defaults.as_of
        if as_of is None:
            _mistake(errors, f"{test_path}:{line}", f"case '{case.name}' has no as_of", "set it in the case or in [defaults]")
            continue
        params: dict[str, Any] = {}  # later sources win: defaults, then the case's own
        if spec.defaults.params_file:
            params.update(load_params_file(base / spec.defaults.params_file))
        params.update(spec.defaults.params)
        if case.params_file:
            params.update(load_params_file(base / case.params_file))
        params.update(case.params)
        if case.rows is not None:
            data: Any = case.rows
            key: tuple = ("rows", index)
        else:
            given = case.data or spec.defaults.data
            if given is None:
                _mistake(errors, f"{test_path}:{line}", f"case '{case.name}' has no data",
                         "give data = \"DIR\" or rows in [[case.rows.TABLE]]")
                continue
            data = [base / p for p in ([given] if isinstance(given, str) else given)]
            key = (tuple(map(str, data)), as_of, repr(sorted(params.items())))
        if key not in cache:
            cache[key] = policy.evaluate(data, as_of, params)
        try:
            verdict = cache[key].verdict(case.entity)
        except KeyError:
            _mistake(errors, f"{test_path}:{line}", f"case '{case.name}': no entity '{case.entity}' in its data",
                     did_you_mean(case.entity, [v.entity for v in cache[key].verdicts]))
            continue
        _check(case, verdict, result, test_path, policy.plan.compliant is not None, errors)
        for node_id, node in _nodes(verdict).items():
            if node_id in coverage.nodes:
                coverage.nodes[node_id].add(node.status)
        results.append(result)
    if errors:
        raise ClausewiseError(errors)
    return TestRun(policy, test_path, results, coverage)


def _plan_node_ids(policy: Policy) -> list[str]:
    """The ids of every rule and condition the tests should exercise (decide clauses aside)."""
    return sorted(n for n in policy.plan.nodes if "#" not in n and n.split(".")[0] != "compliant")


def report(run: TestRun) -> str:
    """The text report of one policy's tests, with coverage."""
    p = run.policy
    lines = [f"{p.checked.source.name} (policy {p.name} {p.version}): {run.test_file}"]
    for c in run.cases:
        lines.append(f"  {'PASS' if c.passed else 'FAIL'}  {c.name} [{c.entity}]")
        lines += [f"        {problem}" for problem in c.problems]
    cov = run.coverage
    covered = sum(cov.covered(n) for n in cov.nodes)
    total = len(cov.nodes)
    percent = f"{100 * covered / total:.1f}%" if total else "n/a"
    lines.append(f"coverage: {covered}/{total} rules and conditions seen both passing and failing ({percent})")
    lines += [f"  {rule:<40} {c}/{n}" for rule, c, n in cov.per_rule()]
    if cov.missing():
        lines.append("  not yet exercised:")
        lines += [f"    {m}" for m in cov.missing()]
    passed = sum(c.passed for c in run.cases)
    lines.append(f"{passed} passed, {run.failed} failed")
    return "\n".join(lines)

"""Shared helpers for the test suite: paths, a policy header, golden files, tree lookup.

Every test imports them one way: ``from tests.support import ...``.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_GOLDEN = os.environ.get("CLAUSEWISE_UPDATE_GOLDEN") == "1"


@functools.lru_cache(maxsize=None)
def bundled_policy(name: str) -> Any:
    """policies/NAME.policy, loaded once per test process (tests share it: never change it)."""
    import clausewise

    return clausewise.load_policy(POLICIES / f"{name}.policy")


def bundled_params(name: str, with_params: bool) -> dict[str, Any]:
    """examples/NAME/params.json when ``with_params``, else none (a new dict each call)."""
    return json.loads((EXAMPLES / name / "params.json").read_text("utf-8")) if with_params else {}


@functools.lru_cache(maxsize=None)
def bundled_audit(name: str, as_of: str, with_params: bool) -> tuple[Any, Any]:
    """A bundled example's policy and its whole audit on the Python engine (examples/NAME), made once
    per test process: tests share them, so they read them and never change them."""
    policy = bundled_policy(name)
    return policy, policy.evaluate(EXAMPLES / name, as_of, bundled_params(name, with_params))


@functools.lru_cache(maxsize=None)
def bundled_raws(name: str, as_of: str, with_params: bool) -> list[Any]:
    """The raw verdicts (report.encode.RawVerdict) of the same audit, made once per test process:
    read, never changed (but for the answer frames their encoders keep as they write)."""
    raws: list[Any] = []
    bundled_policy(name).evaluate(EXAMPLES / name, as_of, bundled_params(name, with_params),
                                  render_raw=lambda chunk: chunk, on_chunk=raws.extend)
    return raws


@functools.lru_cache(maxsize=None)
def small_tier(shops_per_provider: int = 20) -> Path:
    """A copy of examples/tier with the first ``shops_per_provider`` shops bound to each provider (their
    bindings, shops and days; about 675 each in the example, 47,000 rows in all), made once per test
    process in a temporary directory: for tests of every tier entity where the example's size is not
    the point. Read it, never change it."""
    import csv
    import shutil
    import tempfile

    data = Path(_TEMPORARY.setdefault("small_tier", tempfile.TemporaryDirectory(prefix="small_tier")).name) / str(
        shops_per_provider)
    shutil.copytree(EXAMPLES / "tier", data)
    with (data / "bindings.csv").open(encoding="utf-8-sig", newline="") as handle:
        bound: dict[str, list[str]] = {}
        for row in csv.DictReader(handle):
            bound.setdefault(row["provider_id"], []).append(row["shop_id"])
    kept = {shop for shops in bound.values() for shop in shops[:shops_per_provider]}
    for path in data.glob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        if "shop_id" in rows[0]:
            at = rows[0].index("shop_id")
            with path.open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle).writerows([rows[0], *(r for r in rows[1:] if r[at] in kept)])
    return data


_TEMPORARY: dict[str, Any] = {}  # the temporary directories of the helpers above, removed when the process ends


def policy_block(name: str = "t", compliant: str | None = None, title: tuple[str, str] = ("测试", "test"),
                 entity: str = "shop in shops", effective: str = "2020-01-01") -> str:
    """The ``policy`` block of a test policy: version 1, in force from ``effective``, source x.txt,
    ``compliant when`` the given rule (none when not given)."""
    when = f"  compliant when {compliant}\n" if compliant else ""
    return (f'policy {name} {{\n  title "{title[0]}" / "{title[1]}"\n  version "1"\n  effective from {effective}\n'
            f'  source "x.txt"\n  entity {entity}\n{when}}}\n')


HEADER = policy_block() + """table shops key shop_id {
  shop_id: string
  opened_on: date
  shop_type: enum(flagship, ordinary)
  main_category: string
}
table shop_daily key shop_id, date by date {
  shop_id: string -> shops
  date: date
  paid_orders: orders
  amount_yuan: yuan
  experience_score: score optional
}
"""

SELLER_POLICY_BLOCK = policy_block("top", title=("顶级卖家", "top rated"), entity="seller in sellers")


def seller_policy(*transaction_fields: str, gap: str = "") -> str:
    """The head of the "top rated seller" test policies: ``policy top``, table sellers, and table
    transactions (txn_id, seller_id -> sellers, date and ``transaction_fields``); ``gap`` goes
    between the three blocks (``"\\n"``: a blank line)."""
    fields = "".join(f"  {f}\n" for f in ("txn_id: string", "seller_id: string -> sellers", "date: date", *transaction_fields))
    return (SELLER_POLICY_BLOCK + gap + "table sellers key seller_id {\n  seller_id: string\n}\n" + gap
            + "table transactions key txn_id by date {\n" + fields + "}\n")


def shop_evaluation(text: str, shops: list[dict], as_of: Any, params: dict | None = None,
                    tables: dict[str, list[dict]] | None = None, program: str | None = None) -> tuple[Any, dict[str, Any]]:
    """The per-entity evaluation (engine.evaluation.EntityEvaluation) of a test policy whose entity
    table is ``shops``, over the given rows (and those of the other ``tables``), with each shop's
    scope by its id; ``program``: another program text to solve with (a mutation of the policy's)."""
    import clausewise
    from clausewise.engine.evaluation import EntityEvaluation
    from clausewise.evaluate import computed
    from clausewise.evaluate.measure import Data, Evaluator, Scope
    from clausewise.evaluate.params import resolve_params

    policy = clausewise.compile_policy_text(text, "t.policy")
    rows = {n: t.rows for n, t in policy.load_data({"shops": shops, **(tables or {})}).items()}
    values, convention = resolve_params(policy.checked, params or {}, as_of)
    ev = Evaluator(policy.checked, Data(rows), values, as_of, convention)
    scopes = {e: Scope(r, "shops", r) for e, r in sorted(computed.entity_rows(policy.checked, rows["shops"]).items())}
    return EntityEvaluation(policy.plan, program or policy.program, policy.figures, ev, policy.source_text), scopes


def program_statuses(evaluation: Any, scopes: dict[str, Any]) -> tuple[dict, dict, set[tuple[str, str]]]:
    """Every entity measured and solved together; asserts that the program's status of each leaf it
    decides equals the exact one (the figure table's). Gives (measured, answers, the (leaf, status)
    pairs seen)."""
    measured = {e: evaluation.measure(s) for e, s in scopes.items()}
    shared = evaluation.solve(measured)
    statuses = set()
    for entity, m in measured.items():
        for leaf_id in evaluation.figures.compiled:
            assert shared[entity].status[leaf_id] == m.leaves[leaf_id].status, (entity, leaf_id)
            statuses.add((leaf_id, m.leaves[leaf_id].status))
    return measured, shared, statuses


def reference_disagreements(evaluation: Any, scopes: dict[str, Any], rule_ids: Any,
                             explained: bool = False) -> tuple[list[str], set[tuple[str, str]]]:
    """Each entity solved through its cell, against the reference (the evaluator's own walk of each
    rule's condition, ``LeafEvaluator``): the disagreements ("entity rule: program S, exact T") and
    the (rule, exact status) pairs seen. With ``explained``, asserts that the explanation's result of
    each rule (the measured leaf) is the exact status too."""
    from clausewise.evaluate.leaves import LeafEvaluator

    reference = LeafEvaluator(evaluation.ev)
    measured = {e: evaluation.measure(s) for e, s in scopes.items()}
    answers = evaluation.solve(measured)
    wrong, seen = [], set()
    for entity, scope in scopes.items():
        for rid in rule_ids:
            exact = reference.evaluate(evaluation.plan.nodes[rid].cond, scope).status
            seen.add((rid, exact))
            found = answers[entity].status.get(rid)
            if found != exact:
                wrong.append(f"{entity} {rid}: program {found}, exact {exact}")
            if explained:
                assert measured[entity].leaves[rid].status == exact, (entity, rid)
    return wrong, seen


def golden(name: str, actual: str) -> None:
    """Compare with tests/golden/NAME; CLAUSEWISE_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if UPDATE_GOLDEN or not path.exists():
        path.write_text(actual, "utf-8")
        if not UPDATE_GOLDEN:
            pytest.fail(f"golden file {name} was missing and has been written; check it in")
    assert actual == path.read_text("utf-8"), f"differs from golden file {name} (CLAUSEWISE_UPDATE_GOLDEN=1 to accept)"


def node(verdict, node_id: str):
    """The explanation node with this id anywhere in a verdict's tree (KeyError if none)."""
    stack = list(verdict.rules)
    while stack:
        n = stack.pop()
        if n.id == node_id:
            return n
        stack += n.children
    raise KeyError(node_id)

"""Cells: replacing a figure by its cell's representative never changes an answer.

Entities whose figures fall on the same side of every bound share one solve
(:mod:`clausewise.asp.cells`); these tests solve every entity alone with its exact figures and
compare, on every bundled example and on values around the 32- and 64-bit limits.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import clausewise
from clausewise.asp.cells import Cells
from clausewise.asp.terms import kind_of
from clausewise.engine.evaluation import EntityEvaluation
from clausewise.evaluate import computed
from clausewise.evaluate.leaves import compare
from clausewise.evaluate.measure import Data, Evaluator, Scope
from clausewise.evaluate.params import load_params_file, resolve_params
from clausewise.language import syntax
from clausewise.report.explain import answered_leaves
from clausewise.values.valuetypes import Month
from tests.support import EXAMPLES, HEADER, POLICIES, node

EXAMPLE_RUNS = [("tier", "2024-04-01"), ("novice", "2024-03-15"), ("renew", "2024-06-30"), ("life", "2024-04-01")]


def _evaluation(name: str, day: str) -> tuple[EntityEvaluation, dict[str, Scope]]:
    policy = clausewise.load_policy(POLICIES / f"{name}.policy")
    data = EXAMPLES / name
    params_file = data / "params.json"
    params = load_params_file(params_file) if params_file.exists() else {}
    rows = {n: t.rows for n, t in policy.load_data(data).items()}
    as_of = dt.date.fromisoformat(day)
    values, convention = resolve_params(policy.checked, params, as_of)
    ev = Evaluator(policy.checked, Data(rows), values, as_of, convention)
    table = policy.checked.entity_table
    scopes = {e: Scope(r, table, r) for e, r in sorted(computed.entity_rows(policy.checked, rows[table]).items())}
    return EntityEvaluation(policy.plan, policy.program, policy.figures, ev, policy.source_text), scopes


@pytest.mark.parametrize("name,day", EXAMPLE_RUNS)
def test_every_example_entity_solved_alone_with_exact_figures_gets_the_shared_answer(name, day, monkeypatch):
    evaluation, scopes = _evaluation(name, day)
    measured = {e: evaluation.measure(s) for e, s in scopes.items()}
    shared = evaluation.solve(measured)
    facts = {e: evaluation.facts(m) for e, m in measured.items()}
    monkeypatch.setattr(Cells, "representative", lambda self, fid, value: (kind_of(value), value))
    for entity, m in measured.items():
        alone = evaluation.solve({entity: m})[entity]
        assert alone == shared[entity], entity
    exact = {e: evaluation.facts(m) for e, m in measured.items()}
    assert len(set(map(tuple, facts.values()))) <= len(set(map(tuple, exact.values())))  # cells only merge


@pytest.mark.parametrize("name,day", EXAMPLE_RUNS)
def test_the_program_decides_the_same_status_as_the_exact_leaf_result(name, day):
    """The explanation's figures (observed, bound, gap) come from the exact leaf result; the
    status the program decides agrees with it on every leaf the program states."""
    evaluation, scopes = _evaluation(name, day)
    measured = {e: evaluation.measure(s) for e, s in scopes.items()}
    answers = evaluation.solve(measured)
    stated = set(evaluation.figures.compiled)
    assert stated, "the program states some leaves"
    nodes = evaluation.plan.nodes
    for entity, m in measured.items():
        for leaf_id in stated:  # a quantifier's result waits for the answer: the tree walker's is the reference
            exact = (m.leaves[leaf_id] if m.leaves[leaf_id].units is None
                     else evaluation.leaf_eval.evaluate(nodes[leaf_id].cond, scopes[entity])).status
            if exact == "unknown" and nodes[leaf_id].missing:  # 'missing fails|passes' decides an unknown leaf
                exact = "fail" if nodes[leaf_id].missing == "fails" else "pass"
            assert answers[entity].status[leaf_id] == exact, (entity, leaf_id)


OPS = (">=", ">", "<=", "<", "=", "!=")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.integers(-(10**20), 10**20), st.decimals(allow_nan=False, allow_infinity=False, places=3,
                                                                      min_value=-1000, max_value=1000)),
                min_size=1, max_size=5),
       st.one_of(st.integers(-(10**20), 10**20), st.decimals(allow_nan=False, allow_infinity=False, places=5,
                                                             min_value=-1000, max_value=1000)))
def test_a_number_and_its_representative_meet_every_bound_alike(bounds, value):
    cells = _cells_for(bounds)
    kind, rep = cells.representative("f", value)
    assert kind == kind_of(value)
    for bound in bounds:
        for op in OPS:
            assert compare(op, rep, bound) == compare(op, value, bound), (op, value, rep, bound)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-50, 50), min_size=1, max_size=5), st.lists(st.integers(-60, 60), min_size=2, max_size=8))
def test_numbers_of_one_cell_share_its_representative_and_others_do_not(bounds, values):
    """The representative of a number's cell is made once per cell: every later number of that
    cell gets it, and a number of another cell gets its own (asked in any order)."""
    cells = _cells_for(bounds)
    reps = [cells.representative("f", v) for v in values]
    for v, (_, rep) in zip(values, reps):
        assert all(compare(op, rep, b) == compare(op, v, b) for b in bounds for op in OPS), (v, rep)
    for (v, r), (w, q) in ((a, b) for a in zip(values, reps) for b in zip(values, reps)):
        assert (r == q) == (cells.key("f", v) == cells.key("f", w)), (v, w, r, q)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dates(min_value=dt.date(1, 1, 1)), min_size=1, max_size=4), st.dates())
def test_a_day_and_its_representative_meet_every_bound_alike(bounds, value):
    rep = _cells_for(bounds).representative("f", value)[1]
    assert all(compare(op, rep, b) == compare(op, value, b) for b in bounds for op in OPS)


def test_months_and_strings_keep_their_cells():
    months = _cells_for([Month(2024, 1), Month(2024, 3)])
    for m in (Month(2023, 12), Month(2024, 1), Month(2024, 2), Month(2024, 3), Month(2024, 4)):
        rep = months.representative("f", m)[1]
        assert all(compare(op, rep, b) == compare(op, m, b) for b in (Month(2024, 1), Month(2024, 3)) for op in OPS)
    strings = _cells_for(["gold", "diamond"], ops=("=",))
    assert strings.representative("f", "gold") == ("string", "gold")
    other = strings.representative("f", "silver")
    assert other == strings.representative("f", "base") and other[1] not in ("gold", "diamond")


def _cells_for(bounds: list, ops: tuple[str, ...] = (">=",)) -> Cells:
    """Cells of one figure 'f' compared with constants holding ``bounds``."""
    from clausewise.asp.leafrules import FigureProgram
    from clausewise.evaluate.figuretable import FigureValue, LeafDef

    class Program:  # the part of FigureProgram that Cells reads
        compiled = {f"l{i}": LeafDef(f"l{i}", "compare", ("f", f"c{i}"), ops[i % len(ops)]) for i in range(len(bounds))}
        constants = {f"c{i}": ("literal", None) for i in range(len(bounds))}
        entity_figures = ["f"]
        offset_figures: dict = {}

    program: FigureProgram = Program()  # type: ignore[assignment]
    return Cells(program, {f"c{i}": FigureValue(b) for i, b in enumerate(bounds)})


BIG = HEADER + """
param line [NOVICE-1] "线" / "line": orders = LINE
rule big [NOVICE-1] "大" / "big" = sum(shop_daily.paid_orders during last 30 days to as_of) >= line
"""
LIMITS = [2**31 - 1, 2**31, 2**31 + 1, 2**32, 2**63 - 1, 2**63, 2**63 + 1, 10**30]


@pytest.mark.parametrize("line", [2**31, 2**32, 2**63])
def test_figures_beyond_32_and_64_bits_compare_exactly(line):
    policy = clausewise.compile_policy_text(BIG.replace("LINE", str(line)), "big.policy")
    assert f"q(1,{len(str(line)) // 9 + 1}," in policy.program  # the line is a term of the program
    shops = [{"shop_id": f"S{i}", "opened_on": "2020-01-01", "shop_type": "ordinary", "main_category": "x"}
             for i in range(len(LIMITS))]
    daily = [{"shop_id": f"S{i}", "date": "2024-03-01", "paid_orders": total, "amount_yuan": 0, "experience_score": None}
             for i, total in enumerate(LIMITS)]
    result = policy.evaluate({"shops": shops, "shop_daily": daily}, "2024-03-15")
    for i, total in enumerate(LIMITS):
        verdict = next(v for v in result.verdicts if v.entity == f"S{i}")
        assert node(verdict, "big").status == ("pass" if total >= line else "fail"), (total, line)
    rows = [{"shop_id": "S0", "date": day, "paid_orders": 2**62, "amount_yuan": 0, "experience_score": None}
            for day in ("2024-03-01", "2024-03-02")]
    wrapped = policy.evaluate({"shops": shops[:1], "shop_daily": rows}, "2024-03-15").verdicts[0]
    assert node(wrapped, "big").status == ("pass" if 2**63 >= line else "fail")  # 2^62 + 2^62 does not wrap


def test_a_decimal_line_between_two_entities():
    text = HEADER + """
rule fine [NOVICE-1] "分" / "score" = shop_daily.experience_score on as_of >= 4.35
"""
    policy = clausewise.compile_policy_text(text, "fine.policy")
    shops = [{"shop_id": s, "opened_on": "2020-01-01", "shop_type": "ordinary", "main_category": "x"} for s in "ABC"]
    daily = [{"shop_id": s, "date": "2024-03-15", "paid_orders": 1, "amount_yuan": 0, "experience_score": v}
             for s, v in zip("ABC", ["4.3", "4.35", "4.4"])]
    verdicts = {v.entity: node(v, "fine").status for v in policy.evaluate({"shops": shops, "shop_daily": daily},
                                                                          "2024-03-15").verdicts}
    assert verdicts == {"A": "fail", "B": "pass", "C": "pass"}
    assert Decimal("4.35") == Decimal("4.350")


@pytest.mark.parametrize("name,day", EXAMPLE_RUNS)
def test_the_explained_leaf_results_equal_the_leaf_evaluators(name, day):
    """Observed values, bounds, gaps, windows and missing reasons of every leaf, as the evaluation
    measures them from the figure table, equal the leaf evaluator's (the explanation's source)."""
    evaluation, scopes = _evaluation(name, day)
    reference, reference_scopes = _evaluation(name, day)  # its own policy and evaluator: no shared cache
    leaves = [(leaf.id, leaf.cond) for leaf in reference.plan.leaves()]
    quantified = tuple(leaf.id for leaf in reference.plan.leaves() if isinstance(leaf.cond, syntax.Quantified))
    measured = {entity: evaluation.measure(scope) for entity, scope in scopes.items()}
    answers = evaluation.solve(measured)
    for entity, m in measured.items():
        expected = {leaf_id: reference.leaf_eval.evaluate(cond, reference_scopes[entity]) for leaf_id, cond in leaves}
        assert answered_leaves(m.leaves, answers[entity], quantified) == expected, entity



SIGNED = """
param line [NOVICE-1] "线" / "line": UNIT = LINE
rule big [NOVICE-1] "大" / "big" = sum(shop_daily.FIELD during last 30 days to as_of) OP line
"""
AROUND = sorted({s * (base + d) for base in (2**31, 2**32, 2**63) for d in (-1, 0, 1) for s in (1, -1)})


@pytest.mark.parametrize("line", [2**31, -(2**31), 2**32, -(2**32), 2**63])
def test_every_comparison_kind_is_exact_around_2_31_2_32_and_2_63(line):
    """Each of >=, >, <=, <, =, != between a figure and a parameter, both around 2^31, 2^32 and 2^63,
    of either sign where the data allow it (orders are never negative; an amount of money in a row
    is below 10^18): the program's status is the exact one, figures entering as their cells'
    representatives."""
    unit, column = ("orders", "paid_orders") if line > 0 else ("yuan", "amount_yuan")
    values = [v for v in AROUND if (v >= 0 if unit == "orders" else abs(v) < 10**18)]
    shops = [{"shop_id": f"S{i:02d}", "opened_on": "2020-01-01", "shop_type": "ordinary", "main_category": "x"}
             for i in range(len(values))]
    daily = [{"shop_id": f"S{i:02d}", "date": "2024-03-01", "paid_orders": 0, "amount_yuan": 0, "experience_score": None,
              column: total} for i, total in enumerate(values)]
    for op in OPS:
        text = SIGNED.replace("LINE", str(line)).replace("OP", op).replace("UNIT", unit).replace("FIELD", column)
        result = clausewise.compile_policy_text(HEADER + text, "big.policy").evaluate(
            {"shops": shops, "shop_daily": daily}, "2024-03-15")
        for i, total in enumerate(values):
            verdict = next(v for v in result.verdicts if v.entity == f"S{i:02d}")
            assert node(verdict, "big").observed.replace(",", "") == str(total)  # the row was used
            assert node(verdict, "big").status == ("pass" if compare(op, total, line) else "fail"), (total, op, line)

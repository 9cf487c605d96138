"""The fast audit path gives exactly what the models give.

* ``RawVerdict.json()`` (clausewise.report.encode) is byte for byte ``Verdict.model_dump_json()``;
* compiled leaf closures (clausewise.evaluate.closures) give the tree walker's results;
* the streamed audit files and summary counts equal those made from the models.
"""

from __future__ import annotations

import csv
import json

import pytest
from hypothesis import HealthCheck, given, settings

from clausewise.engine.policy import compile_policy_text, load_policy
from clausewise.evaluate.leaves import LeafEvaluator
from clausewise.evaluate.measure import Data, Evaluator, Scope
from clausewise.evaluate.params import resolve_params
from clausewise.report.records import Tally, VerdictSink, write_verdicts
from tests.support import EXAMPLES, POLICIES, bundled_audit, bundled_raws, small_tier
from tests.oracle.gen import cases

BUNDLED = [("tier", "2024-04-01", True), ("novice", "2024-03-15", False), ("renew", "2024-06-30", True),
           ("life", "2024-04-01", True)]
GENERATED = settings(max_examples=20, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])


def raw_verdicts(policy, data, as_of, params):
    raws: list = []
    evaluation = policy.evaluate(data, as_of, params, render_raw=lambda chunk: chunk, on_chunk=raws.extend)
    return raws, evaluation


def params_of(name, with_params):
    return json.loads((EXAMPLES / name / "params.json").read_text("utf-8")) if with_params else {}


@pytest.mark.parametrize("name, as_of, with_params", BUNDLED)
def test_json_text_equals_the_models_on_the_bundled_examples(name, as_of, with_params):
    raws = bundled_raws(name, as_of, with_params)
    assert len(raws) > 10
    for raw in raws:
        assert raw.json() == raw.model().model_dump_json()


@GENERATED
@given(cases(8))
def test_json_text_equals_the_models_on_generated_policies(case):
    raws, _ = raw_verdicts(compile_policy_text(case.text, "<generated>"), case.rows, case.as_of, case.params)
    for raw in raws:
        model = raw.model()
        assert raw.json() == model.model_dump_json()
        assert raw.compliant == model.compliant and raw.missing_data() == model.missing_data


HOSTILE = ['P"1', "P\\2", "P\n3", "P\x01\x1f4", "商家🙂5", "P\u20286", "P/7"]


def test_json_text_escapes_hostile_ids_and_labels_like_pydantic():
    text = ('policy odd {\n  title "引号\\"t" / "q\\\\t"\n  version "v\\"1"\n  effective from 2024-01-01\n  source "s"\n'
            '  entity provider in providers\n}\ntable providers key provider_id {\n  provider_id: string\n'
            '  orders: orders optional\n  note: string optional\n}\n'
            'rule r [X-1] "规则\\"甲" / "rule \\\\ \\"a\\"" = all of {\n'
            '  big [X-2] "大" / "big": orders >= 10\n  noted [X-3] "注" / "noted": note = "a\\"b"\n}\n')
    policy = compile_policy_text(text, "<odd>")
    rows = {"providers": [{"provider_id": p, "orders": str(i * 7) if i % 3 else "", "note": 'a"b' if i % 2 else ""}
                          for i, p in enumerate(HOSTILE)]}
    raws, _ = raw_verdicts(policy, rows, "2024-03-01", {})
    assert sorted(r.entity for r in raws) == sorted(HOSTILE)
    for raw in raws:
        assert raw.json() == raw.model().model_dump_json()
        json.loads(raw.json())


@GENERATED
@given(cases(8))
def test_compiled_leaves_equal_the_tree_walker(case):
    policy = compile_policy_text(case.text, "<generated>")
    tables = policy.load_data(case.rows)
    values, convention = resolve_params(policy.checked, dict(case.params), case.as_of)
    ev = Evaluator(policy.checked, Data({n: t.rows for n, t in tables.items()}), values, case.as_of, convention)
    fast, walker = LeafEvaluator(ev), LeafEvaluator(ev, compiled=False)
    entity_table = policy.checked.entity_table
    for row in tables[entity_table].rows:
        scope = Scope(row, entity_table, row)
        for leaf in policy.plan.leaves():
            assert fast.evaluate(leaf.cond, scope) == walker.evaluate(leaf.cond, scope), leaf.id
    assert not any(walker._fast.values())


def test_plain_comparisons_are_compiled_and_keep_missing_values_and_gaps():
    text = (POLICIES.parent / "benchmarks" / "silver_figures.policy").read_text("utf-8")
    policy = compile_policy_text(text.replace("active_merchants: merchants", "active_merchants: merchants optional"), "silver")
    tables = policy.load_data({"provider_figures": [{"provider_id": "P1", "paid_orders": "9000000",
                                                     "active_merchants": "", "qualified_merchants": "149"}]})
    values, convention = resolve_params(policy.checked, {}, policy.checked.header.effective_from)
    rows = tables["provider_figures"].rows
    ev = Evaluator(policy.checked, Data({"provider_figures": rows}), values, policy.checked.header.effective_from, convention)
    leaf_eval = LeafEvaluator(ev)
    scope = Scope(rows[0], "provider_figures", rows[0])
    results = {leaf.id: leaf_eval.evaluate(leaf.cond, scope) for leaf in policy.plan.leaves()}
    assert all(leaf_eval._fast.values()) and len(leaf_eval._fast) == 3
    assert results["silver.paid_orders"].status == "pass"
    assert results["silver.optional_indicators.active_merchants"].status == "unknown"
    assert results["silver.optional_indicators.active_merchants"].missing == ("provider_figures.active_merchants is empty for 'P1'",)
    assert results["silver.optional_indicators.qualified_merchants"].gap == 1


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
@pytest.mark.parametrize("name, as_of, with_params", BUNDLED)
def test_streamed_audit_files_equal_the_files_made_from_models(tmp_path, name, as_of, with_params, suffix):
    params = params_of(name, with_params)
    if name == "tier":  # its 14 providers with 20 shops each (tests/support.small_tier): 47,000 rows made it 6-7 CPU s
        data = small_tier()
        policy = load_policy(POLICIES / "tier.policy")
        evaluation = policy.evaluate(data, as_of, params)
    else:
        data = EXAMPLES / name
        policy, evaluation = bundled_audit(name, as_of, with_params)  # the models: made once for both suffixes
    fields = [d.field for d in policy.plan.decides]
    if suffix == ".jsonl":
        write_verdicts(evaluation, tmp_path / f"models{suffix}")
    else:  # CSV is written from raw verdicts only (they know the statuses behind compliance): one process
        with VerdictSink(tmp_path / f"models{suffix}", fields, plan=policy.plan) as sink:
            policy.evaluate(data, as_of, params, on_chunk=lambda p: sink.write(p),
                            render_raw=lambda raws: sink.render(raws))
    tally = Tally()
    with VerdictSink(tmp_path / f"streamed{suffix}", fields, plan=policy.plan) as sink:
        def on_chunk(payload):
            sink.write(payload[0])
            tally.add(payload[1])

        policy.evaluate(data, as_of, params, workers=2, on_chunk=on_chunk,
                        render_raw=lambda raws: (sink.render(raws), Tally.of(raws)))
    assert (tmp_path / f"streamed{suffix}").read_bytes() == (tmp_path / f"models{suffix}").read_bytes()
    if suffix == ".jsonl":
        return
    with (tmp_path / f"streamed{suffix}").open(encoding="utf-8", newline="") as f:
        flat = list(csv.DictReader(f))
    assert sum(tally.compliance.values()) == len(evaluation.verdicts)
    for f in fields:
        assert sum(tally.outcomes[f].values()) == len(evaluation.verdicts)
        assert tally.outcomes[f].get("undecided", 0) == sum(1 for r in flat if r[f] == "undecided")
    failing = sum(len(r["failing_conditions"].split(";")) for r in flat if r["failing_conditions"])
    # with 'compliant when' a record lists the conditions that decided a non-compliance, as the summary counts them
    assert sum((tally.deciding if policy.plan.compliant else tally.failing).values()) == failing
    assert len(flat) == len(evaluation.verdicts)
    models = {v.entity: v for v in evaluation.verdicts}
    for row in flat:
        v = models[row["entity"]]
        applied = [n for rule in v.rules for n in _applied(rule)]
        for n in applied:  # (tests/report/test_columns.py compares every column with the tree)
            assert row[f"{n.id}.status"] == n.status and row[f"{n.id}.observed"] == (n.observed or ""), row["entity"]
        listed = row["failing_conditions"].split(";") if row["failing_conditions"] else []
        assert set(listed) <= {n.id for n in applied if n.status == "fail"}
        if policy.plan.compliant:  # only a non-compliant verdict lists the conditions that decided it
            assert bool(listed) == (v.compliant is False), row["entity"]


def _applied(node):
    """The conditions outside branches that do not apply (tree order)."""
    if node.status == "na":
        return
    if node.kind == "condition":
        yield node
    for child in node.children:
        yield from _applied(child)


def _texts_with_frames(raws, frame_from, monkeypatch):
    """The verdict file's text of the evaluated ``raws`` when an answer's frame is kept from its
    ``frame_from``-th verdict (the encoders start without frames), and how many answers had one."""
    from clausewise.report.encode import VerdictEncoder

    monkeypatch.setattr(VerdictEncoder, "frame_from", frame_from)
    encoders = {id(raw.encoder): raw.encoder for raw in raws}.values()
    for e in encoders:  # frames are made as verdicts are written: each writing starts from none
        e._frames.clear()
        e._met.clear()
    text = "".join(raw.json() + "\n" for raw in raws).encode("utf-8")
    return text, sum(len(e._frames) for e in encoders), len({id(raw.answer) for raw in raws})


@pytest.mark.slow  # about 30 CPU s in all (the generated novice shops)
@pytest.mark.parametrize("source", ["tier", "novice", "generated novice"])
def test_verdict_text_is_the_same_with_and_without_the_answer_frames(tmp_path, monkeypatch, source):
    """An answer's frame is a cache of the one routine's output: the bytes are the same whether
    every answer, the answers met twice or none keep one."""
    if source == "generated novice":
        import datetime as dt

        from benchmarks.generate import write_novice

        write_novice(tmp_path, 300, 30, dt.date(2024, 3, 31))
        raws = raw_verdicts(load_policy(POLICIES / "novice.policy"), tmp_path, "2024-03-31", {})[0]
    else:  # the raw verdicts of the test of the JSON text (the encoders' frames are cleared first)
        raws = bundled_raws(source, *{"tier": ("2024-04-01", True), "novice": ("2024-03-15", False)}[source])
    never, no_frames, answers = _texts_with_frames(raws, 10**9, monkeypatch)
    always, all_frames, _ = _texts_with_frames(raws, 1, monkeypatch)
    twice, some_frames, _ = _texts_with_frames(raws, 2, monkeypatch)
    assert always == twice == never
    assert all_frames == answers and no_frames == 0 and some_frames < answers
    if source == "generated novice":  # some answers are shared, most are one shop's
        assert 0 < some_frames < answers / 2

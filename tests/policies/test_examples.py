"""The bundled examples: reproducible from their generator, and evaluated as examples/README.md says."""

from __future__ import annotations

import importlib.util
import json

import clausewise

from tests.support import EXAMPLES, POLICIES


def test_generator_reproduces_the_bundled_files_byte_for_byte(tmp_path):
    spec = importlib.util.spec_from_file_location("generate", EXAMPLES / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(EXAMPLES) for d in ("tier", "novice", "renew", "life") for p in (EXAMPLES / d).iterdir())
    for rel in written:
        assert (tmp_path / rel).read_bytes() == (EXAMPLES / rel).read_bytes(), rel


def test_tier_example_outcomes():
    result = clausewise.load_policy(POLICIES / "tier.policy").evaluate(
        EXAMPLES / "tier", "2024-04-01", json.loads((EXAMPLES / "tier" / "params.json").read_text("utf-8")))
    # AMB-T6: P11 (recorded gold) and P14 (recorded diamond) keep their tiers; P08 (recorded silver)
    # no longer meets the criteria: base. AMB-T5: P13 reaches 9,000,000 only with its gift orders.
    assert {v.entity: v.outcomes["tier"] for v in result.verdicts} == {
        "P01": "silver", "P02": "silver", "P03": "base", "P04": "silver", "P05": "base", "P06": "base",
        "P07": None, "P08": "base", "P09": "base", "P10": "base", "P11": "gold", "P12": "base", "P13": "silver",
        "P14": "diamond"}
    a = result.accounting
    assert (a.rows_rejected, a.entities_in, a.verdicts_out) == (0, 14, 14)


def test_novice_example_rejects_exactly_the_three_bad_rows():
    result = clausewise.load_policy(POLICIES / "novice.policy").evaluate(EXAMPLES / "novice", "2024-03-15")
    assert [(r.table, r.line, r.field) for r in result.rejected] == [
        ("shop_daily", 30, "signed_orders"), ("shop_daily", 31, "date"), ("shop_daily", 32, "quality_return_rate")]
    a = result.accounting
    assert a.rows_read == a.rows_used + a.rows_rejected and a.rows_rejected == 3
    assert [v.entity for v in result.verdicts if v.compliant is False] == ["S01", "S08", "S11", "S14"]

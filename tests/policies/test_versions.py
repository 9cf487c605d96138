"""Several versions of one policy: the as-of date picks the one in force."""

from __future__ import annotations

import datetime as dt

import pytest

import clausewise
from clausewise.engine.policy import load_versions

from tests.support import POLICIES
from tests.policies.test_tier import PARAMS, data


def version(tmp_path, name: str, version: str, effective: str, orders: str):
    text = (POLICIES / "tier.policy").read_text("utf-8")
    text = text.replace('version "2023-draft"', f'version "{version}"').replace("effective date not stated", effective)
    declared = "silver_paid_orders [TIER-3.1, AMB-T7]: orders = "
    text = text.replace(declared + "900万", f"{declared}{orders}")
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


@pytest.fixture
def versions(tmp_path):
    version(tmp_path, "tier-2023.policy", "2023", "effective from 2023-09-08 to 2024-03-31", "900万")
    version(tmp_path, "tier-2024.policy", "2024", "effective from 2024-04-01", "1")
    return tmp_path


def test_the_version_in_force_on_the_as_of_day_is_used(versions):
    family = load_versions([versions])
    rows = data([("P1", "S1", "2023-01-01", "")], [("S1", "2024-01-05", 5)])
    assert family.in_force_on("2024-03-31").version == "2023"
    assert family.evaluate(rows, "2024-03-31", PARAMS).version == "2023"
    later = family.evaluate(rows, "2024-04-01", PARAMS)
    assert later.version == "2024"
    assert [n.status for n in later.verdicts[0].rules[0].children if n.id == "silver.paid_orders"] == ["pass"]


def test_no_version_in_force_is_a_clear_error(versions):
    with pytest.raises(clausewise.ClausewiseError) as err:
        load_versions([versions]).in_force_on("2023-01-01")
    d = err.value.diagnostics[0]
    assert d.message == "no version of policy tier_silver is in force on 2023-01-01"
    assert d.hint == "versions: 2023: 2023-09-08 to 2024-03-31; 2024: 2024-04-01 to open end"


def test_overlapping_versions_are_refused(tmp_path):
    version(tmp_path, "a.policy", "2023", "effective from 2023-09-08", "900万")
    version(tmp_path, "b.policy", "2024", "effective from 2024-04-01", "1")
    with pytest.raises(clausewise.ClausewiseError) as err:
        load_versions([tmp_path])
    d = err.value.diagnostics[0]
    assert d.message == "versions 2023 and 2024 of policy tier_silver are both in force on 2024-04-01"
    assert d.hint == "end the earlier one with 'effective from 2023-09-08 to 2024-03-31'"


def test_cli_explain_takes_a_directory_of_versions(versions, tmp_path):
    from click.testing import CliRunner

    from clausewise.cli.main import main

    for name, rows in data([("P1", "S1", "2023-01-01", "")], [("S1", "2024-01-05", 5)]).items():
        lines = [",".join(rows[0])] + [",".join(str(v) for v in r.values()) for r in rows] if rows else []
        (tmp_path / f"{name}.csv").write_text("\n".join(lines) + "\n", "utf-8")
    args = ["explain", str(versions), "--data", str(tmp_path / "providers.csv"), "--data", str(tmp_path / "shops.csv"),
            "--data", str(tmp_path / "bindings.csv"), "--data", str(tmp_path / "shop_daily.csv"), "--entity", "P1",
            "--param", "evaluation_period=2024-01..2024-03", "--param",
            'qualified_merchant_monthly_order_threshold={"女装": 1}']
    early = CliRunner().invoke(main, [*args, "--as-of", "2024-03-31"])
    late = CliRunner().invoke(main, [*args, "--as-of", "2024-04-01"])
    assert "tier_silver 2023 · entity P1" in early.output and "tier_silver 2024 · entity P1" in late.output


def test_a_policy_without_an_effective_date_is_in_force_on_every_day():
    tier = clausewise.load_policy(POLICIES / "tier.policy")  # the source gives no effective date
    assert tier.checked.header.effective_not_stated and tier.checked.header.effective_text() == "not stated"
    assert tier.in_force(dt.date(1, 1, 1)) and tier.in_force(dt.date(9999, 12, 31))
    assert load_versions([POLICIES / "tier.policy"]).in_force_on("1990-01-01").version == "2023-draft"
    life = clausewise.load_policy(POLICIES / "life.policy")  # presented 2023-04-25; no effective date stated
    assert life.checked.header.effective_not_stated and life.in_force(dt.date(2023, 4, 24))
    for dated in ("novice.policy", "renew.policy"):  # their sources state the dates (NOVICE-6; AMB-R9: the period start)
        assert not clausewise.load_policy(POLICIES / dated).checked.header.effective_not_stated


def test_a_version_without_an_effective_date_is_not_mixed_with_others(tmp_path):
    version(tmp_path, "a.policy", "2023", "effective date not stated", "900万")
    version(tmp_path, "b.policy", "2024", "effective from 2024-04-01", "1")
    with pytest.raises(clausewise.ClausewiseError) as err:
        load_versions([tmp_path])
    d = err.value.diagnostics[0]
    assert d.message == ("version 2023 of policy tier_silver states no effective date, so it is in force on every day "
                         "and the as-of date cannot choose between it and another version")
    assert d.hint == "give each version its dates ('effective from YYYY-MM-DD to YYYY-MM-DD'), or load this version alone"

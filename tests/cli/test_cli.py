"""The command line on the bundled examples: help texts, outputs, exit codes, no tracebacks."""

from __future__ import annotations

import csv
import importlib.metadata
import json

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from clausewise import __version__
from clausewise.cli.main import main

from tests.support import EXAMPLES, POLICIES

TIER = [str(POLICIES / "tier.policy"), "--data", str(EXAMPLES / "tier"), "--params", str(EXAMPLES / "tier" / "params.json"),
        "--as-of", "2024-04-01"]
NOVICE = [str(POLICIES / "novice.policy"), "--data", str(EXAMPLES / "novice"), "--as-of", "2024-03-15"]


def invoke(*args):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output + result.stderr
    return result


@pytest.mark.parametrize("command, options", [
    ([], ["check", "explain", "audit", "compile", "fmt", "test"]),
    (["check"], ["POLICIES"]),
    (["explain"], ["--data", "--entity", "--as-of", "--param", "--params", "--lang", "--format", "--color",
                   "--time-limit", "--memory-limit"]),
    (["audit"], ["--data", "--out", "--as-of", "--param", "--params", "--workers", "--time-limit", "--memory-limit"]),
    (["compile"], ["POLICY"]),
    (["fmt"], ["--check"]),
    (["test"], ["--min-coverage"]),
])
def test_every_command_has_help(command, options):
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    for option in options:
        assert option in result.output


def test_version():
    assert invoke("--version").output.strip() == f"clausewise, version {__version__}"


def test_check_ok_and_bad(tmp_path):
    ok = invoke("check", str(POLICIES / "tier.policy"))
    assert ok.exit_code == 0 and "ok — policy tier_silver version 2023-draft" in ok.output
    bad = tmp_path / "bad.policy"
    bad.write_text((POLICIES / "tier.policy").read_text("utf-8").replace("paid_orders > 0", "paid_order > 0"), "utf-8")
    result = invoke("check", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:" in result.stderr and "error: unknown name 'paid_order'" in result.stderr
    assert "^~~~~~~~~~" in result.stderr and "hint: did you mean 'paid_orders'?" in result.stderr


def test_compile_prints_the_commented_program():
    result = invoke("compile", str(POLICIES / "tier.policy"))
    assert result.exit_code == 0
    assert "% silver.paid_orders: condition [TIER-3.1]" in result.output and "#show status/3." in result.output


def test_explain_text_json_and_languages():
    en = invoke("explain", *TIER, "--entity", "P03")
    assert en.exit_code == 0  # the tier policy defines no compliance; the tier is decided
    assert "✘ paid orders in 3 natural months reach 9,000,000 [TIER-3.1] FAIL" in en.output
    assert "observed 8,999,990 orders >= 9,000,000 orders — short by 10 orders" in en.output
    assert "\x1b[" not in en.output and "\x1b[" in invoke("explain", *TIER, "--entity", "P03", "--color").output
    zh = invoke("explain", *NOVICE, "--entity", "S01", "--lang", "zh")
    assert zh.exit_code == 1 and "不合规" in zh.output and "商家体验分>4.0" in zh.output
    data = json.loads(invoke("explain", *NOVICE, "--entity", "S07", "--format", "json").output)
    assert data["entity"] == "S07" and data["compliant"] is True and data["outcomes"]["daily_order_cap"] == 3000


def test_explain_undecided_entity_exits_1():
    assert invoke("explain", *TIER, "--entity", "P07").exit_code == 1


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_audit_writes_verdicts_summary_and_record(tmp_path, suffix):
    out = tmp_path / f"novice{suffix}"
    result = invoke("audit", *NOVICE, "--out", str(out))
    assert result.exit_code == 1  # S01, S08, S11, S14 are not compliant
    assert "rows: 72 read = 69 used + 3 rejected" in result.output
    assert "compliance: compliant 10, not compliant 4" in result.output
    assert "shop_daily.csv:30: row 29, field 'signed_orders': negative orders: -5" in result.output
    if suffix == ".jsonl":
        entities = [json.loads(line)["entity"] for line in out.read_text("utf-8").splitlines()]
    elif suffix == ".csv":
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        assert list(rows[0])[:3] == ["entity", "as_of", "compliant"] and list(rows[0])[-2:] == ["failing_conditions", "missing_data"]
        entities = [r["entity"] for r in rows]
    else:
        entities = pq.read_table(out).column("entity").to_pylist()
    assert entities == [f"S{i:02d}" for i in range(1, 15)]
    record = json.loads(out.with_name(out.name + ".record.json").read_text("utf-8"))
    assert record["policy"]["id"] == "novice" and len(record["policy"]["sha256"]) == 64
    assert record["as_of"] == "2024-03-15" and record["accounting"]["rows_rejected"] == 3
    assert sorted(d["table"] for d in record["data"]) == ["category_medians", "shop_daily", "shop_learning",
                                                          "shop_risk_findings", "shop_violations", "shops"]
    assert set(record["engine"]) == {"clausewise", "clingo", "figures"}
    assert record["engine"]["figures"] == f"duckdb {importlib.metadata.version('duckdb')}"  # the default engine


def test_explain_and_a_one_day_audit_default_to_the_same_engine():
    from clausewise.engine.engines import CLI_DEFAULT_ENGINE

    assert CLI_DEFAULT_ENGINE == "duckdb"  # the README and the record test above say so
    assert f"[default: {CLI_DEFAULT_ENGINE}]" in " ".join(invoke("explain", "--help").output.split())
    assert f"Default: {CLI_DEFAULT_ENGINE}; python for a --from/--to range" in " ".join(invoke("audit", "--help").output.split())


@pytest.mark.parametrize("args, message", [
    (["--as-of", "2024-13-01"], "--as-of: error: not a date: '2024-13-01'"),
    (["--param", "silver_paid_orders"], "--param: error: expected NAME=VALUE, got 'silver_paid_orders'"),
    (["--param", "silver_paid_order=1"], "parameters: error: unknown parameter 'silver_paid_order'"),
    (["--entity", "P99"], "<data>: error: no providers row for entity 'P99'"),
])
def test_bad_options_exit_2_with_a_message(args, message):
    result = invoke("explain", *TIER, *([] if "--entity" in args else ["--entity", "P03"]), *args)
    assert result.exit_code == 2 and message in result.stderr


def test_a_failed_audit_leaves_the_earlier_verdict_file_as_it_was(tmp_path):
    out = tmp_path / "novice.jsonl"
    assert invoke("audit", *NOVICE, "--out", str(out)).exit_code == 1
    before = out.read_bytes()
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in EXAMPLES.joinpath("novice").iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    (bad / "shops.csv").write_text("shop_id\nS01\n", "utf-8")  # a missing column stops the run
    result = invoke("audit", str(POLICIES / "novice.policy"), "--data", str(bad), "--as-of", "2024-03-15", "--out", str(out))
    assert result.exit_code == 2 and "has no column" in result.stderr
    assert out.read_bytes() == before and not list(tmp_path.glob("*.partial"))


def test_audit_refuses_an_unknown_output_type(tmp_path):
    result = invoke("audit", *TIER, "--out", str(tmp_path / "x.ods"))
    assert result.exit_code == 2 and "unsupported output type '.ods'" in result.stderr


def test_fmt_check_rewrite_and_idempotence(tmp_path):
    from clausewise.language.parse import parse_text

    original = (POLICIES / "novice.policy").read_text("utf-8")
    path = tmp_path / "novice.policy"
    path.write_text(original.replace("\n  title", "\n      title"), "utf-8")
    check = invoke("fmt", "--check", str(path))
    assert check.exit_code == 1 and check.output == f"{path}: would reformat\n"
    assert invoke("fmt", str(path)).exit_code == 0
    formatted = path.read_text("utf-8")
    assert parse_text(formatted, "f") == parse_text(original, "o")
    assert "# NOVICE — 新手期商家管理规范(新版)" in formatted  # comments kept
    again = invoke("fmt", "--check", str(path))
    assert again.exit_code == 0 and again.output == ""

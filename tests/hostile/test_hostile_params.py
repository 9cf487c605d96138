"""Hostile parameters: values range-checked like data, files read safely, and defaults that
depend on the day computed for the evaluation's day, never the machine's clock."""

from __future__ import annotations

import datetime as dt
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

import clausewise.evaluate.params as params_module
from clausewise.cli.main import main
from clausewise.engine.policy import compile_policy_text
from clausewise.evaluate.params import load_params_file
from clausewise.language.diagnostics import ClausewiseError
from tests.support import policy_block

ROOT = Path(__file__).resolve().parents[2]
POLICY = policy_block("recent_shops", "ok", ("新店", "recent shops")) + """table shops key shop_id {
  shop_id: string
  opened_on: date
}
param recent [R-1] "近30天" / "the last 30 days": window = last 30 days to as_of
param cap [R-2] "上限" / "cap": orders = 100
param share [R-3] "比例" / "share": rate = 0.5
rule ok [R-1] "近期开店" / "opened recently" = all of {
  opened [R-1] "开店" / "opened in the window": opened_on >= start of recent
}
"""
ROWS = {"shops": [{"shop_id": "S1", "opened_on": "2024-02-20"}]}


class _OtherClock(dt.date):
    @classmethod
    def today(cls):  # the day this machine believes it is
        return cls(2026, 12, 6)


@pytest.mark.parametrize("clock", [dt.date, _OtherClock])
def test_a_default_that_depends_on_the_day_uses_the_as_of_date_not_the_clock(monkeypatch, clock):
    fake = types.SimpleNamespace(date=clock, timedelta=dt.timedelta, datetime=dt.datetime)
    monkeypatch.setattr(params_module, "dt", fake)
    result = compile_policy_text(POLICY).evaluate(ROWS, "2024-03-01")
    assert result.params["recent"] == "2024-02-01..2024-03-01"
    assert result.verdicts[0].compliant is True  # a shop opened 2024-02-20 is recent on 2024-03-01
    later = compile_policy_text(POLICY).evaluate(ROWS, "2024-06-01")
    assert later.params["recent"] == "2024-05-03..2024-06-01" and later.verdicts[0].compliant is False


@pytest.mark.parametrize("name, value, message", [
    ("cap", "-5", "negative orders: -5"),
    ("cap", "-5万", "negative orders: -50000"),
    ("cap", "inf", "not a number: 'inf'"),
    ("cap", "nan", "not a number: 'nan'"),
    ("cap", "1e1000000", "out of range (at most 1,000 digits)"),
    ("cap", "1000 yuan", "the unit of this parameter is orders, not 'yuan'"),
    ("cap", "４０", "not a number: '４０'"),
    ("share", "1.5", "a rate must lie between 0 and 1"),
    ("share", "-0.1", "a rate must lie between 0 and 1"),
])
def test_parameter_values_are_range_checked_like_data(name, value, message):
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(POLICY).evaluate(ROWS, "2024-03-01", {name: value})
    text = err.value.diagnostics[0].message
    assert f"parameter '{name}'" in text and message in text


@pytest.mark.parametrize("value, expected", [("1000 orders", "1,000"), ("1,000", "1,000"), ("10万", "100,000"),
                                             ("1e3", "1,000"), (1000, "1,000")])
def test_parameter_values_as_policies_write_them(value, expected):
    assert compile_policy_text(POLICY).evaluate(ROWS, "2024-03-01", {"cap": value}).params["cap"] == expected


@pytest.mark.parametrize("content, message", [
    (b'{"cap": "\xff\xfe"}', "not UTF-8 text"),
    (b'{"cap": ' + b"1" * 5001 + b"}", "a number of 5,001 digits"),
    (b'{"cap": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
    (b'{"cap": 1, "cap": 2}', "the key 'cap' is given twice"),
    (b'{"cap": "S02\\ud800"}', "lone surrogate"),
    (b"[1, 2]", "holds one JSON object"),
])
def test_hostile_parameter_files_are_diagnostics(tmp_path, content, message):
    path = tmp_path / "params.json"
    path.write_bytes(content)
    with pytest.raises(ClausewiseError) as err:
        load_params_file(path)
    assert message in err.value.diagnostics[0].message


def test_a_byte_order_mark_in_a_parameters_file_is_not_an_error(tmp_path):
    path = tmp_path / "params.json"
    path.write_bytes(b'\xef\xbb\xbf{"cap": "10"}')
    assert load_params_file(path) == {"cap": "10"}


@pytest.mark.parametrize("option", [["--param", "post_exit_cap=inf"], ["--param", "post_exit_cap=-5"],
                                    ["--param", "post_exit_cap=1e1000000"]])
def test_hostile_parameters_on_the_command_line_exit_2_without_a_traceback(option):
    result = CliRunner().invoke(main, ["explain", str(ROOT / "policies" / "novice.policy"), "--data",
                                       str(ROOT / "examples" / "novice"), "--as-of", "2024-03-15", "--entity", "S01",
                                       *option])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "parameter 'post_exit_cap'" in result.output


def test_post_exit_cap_written_with_its_unit_is_accepted():
    result = CliRunner().invoke(main, ["explain", str(ROOT / "policies" / "novice.policy"), "--data",
                                       str(ROOT / "examples" / "novice"), "--as-of", "2024-03-15", "--entity", "S01",
                                       "--param", "post_exit_cap=1000 orders"])
    assert result.exit_code in (0, 1), result.output


def test_an_unknown_parameter_name_from_a_file_is_quoted(tmp_path):
    """A name in a parameters file is data: a newline or a terminal escape code shows escaped."""
    path = tmp_path / "params.json"
    path.write_text('{"cap\\u001b[2K\\nok": 5}', "utf-8")
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(POLICY).evaluate(ROWS, "2024-03-01", load_params_file(path))
    message = err.value.diagnostics[0].message
    assert message == "unknown parameter 'cap\\x1b[2K\\nok'" and "\n" not in message and "\x1b" not in message

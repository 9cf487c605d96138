"""Hostile command lines: every bad option is a usage error (exit 2) without a traceback, and
every long command honours the limits it advertises."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from clausewise.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
NOVICE = [str(ROOT / "policies" / "novice.policy"), "--data", str(ROOT / "examples" / "novice")]
EXPLAIN = ["explain", *NOVICE, "--as-of", "2024-03-15", "--entity", "S01"]
WHAT_IF = ["what-if", *NOVICE, "--as-of", "2024-03-15", "--entity", "S01", "--target", "compliant=true"]


def run(args: list[str]):
    result = CliRunner().invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("value", ["1e400GiB", "nanGiB", "inf", "infGiB", "-1GiB", "0", "2 parsecs", "1e30"])
def test_bad_memory_limits_are_usage_errors(value):
    result = run([*EXPLAIN, "--memory-limit", value])
    assert result.exit_code == 2 and "--memory-limit" in result.output and repr(value) in result.output


@pytest.mark.parametrize("value", ["inf", "nan", "0", "-1", "1e400", "ten"])
def test_bad_time_limits_are_usage_errors(value):
    result = run([*EXPLAIN, "--time-limit", value])
    assert result.exit_code == 2 and "--time-limit" in result.output and repr(value) in result.output


@pytest.mark.parametrize("day", ["20240315", "2024-W11-5", "２０２４-03-15", "2024-3-15", "2023-02-29"])
def test_as_of_is_written_yyyy_mm_dd(day):
    result = run([*EXPLAIN[:-4], "--as-of", day, "--entity", "S01"])
    assert result.exit_code == 2 and f"not a date: {day!r}" in result.output


def test_what_if_honours_the_time_limit():
    result = run([*WHAT_IF, "--time-limit", "0.001"])
    assert result.exit_code == 2 and "time limit of 0.001 s" in result.output


def test_what_if_honours_a_memory_limit_reached_in_a_real_process():
    """A real limit in a real process (issue 19: what-if advertised --memory-limit and never passed it
    on): exit 2, nothing on stdout, the message and its hint, no traceback."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", "from clausewise.cli.main import main; main()", *WHAT_IF,
                             "--memory-limit", "1MiB"], capture_output=True, text=True, timeout=600)
    assert (result.returncode, result.stdout) == (2, "")
    # the C library of a worker thread may say first that it could not allocate (glibc: "cannot allocate
    # memory for thread-local data: ABORT"): the limited process's own words, before ours
    assert result.stderr.endswith("<evaluation>: error: the evaluation needed more memory than the limit of 1 MiB\n"
                                  "hint: raise --memory-limit\n")
    assert "Traceback" not in result.stderr and result.stderr.count("error:") == 1


def test_what_if_within_generous_limits_gives_the_same_answer():
    plain = run(WHAT_IF)
    limited = run([*WHAT_IF, "--time-limit", "600", "--memory-limit", "4GiB"])
    assert plain.exit_code == limited.exit_code and plain.output == limited.output


def test_out_an_existing_directory_is_a_usage_error_and_leaves_nothing(tmp_path):
    result = run(["audit", *NOVICE, "--as-of", "2024-03-15", "--out", str(tmp_path / "x.jsonl"), "--workers", "1"])
    assert result.exit_code in (0, 1)
    (tmp_path / "dir.jsonl").mkdir()
    result = run(["audit", *NOVICE, "--as-of", "2024-03-15", "--out", str(tmp_path / "dir.jsonl")])
    assert result.exit_code == 2 and "is a directory" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.jsonl", "x.jsonl", "x.jsonl.record.json"]


VERIFY = ["verify", str(ROOT / "policies" / "novice.policy")]
DIFF = ["diff", str(ROOT / "policies" / "novice.policy"), str(ROOT / "policies" / "novice.policy"),
        "--data", str(ROOT / "examples" / "novice"), "--as-of", "2024-03-15"]


@pytest.mark.parametrize("command", [VERIFY, DIFF], ids=["verify", "diff"])
def test_verify_and_diff_honour_the_time_limit(command):
    result = run([*command, "--time-limit", "0.001"])
    assert result.exit_code == 2 and "time limit of 0.001 s" in result.output


@pytest.mark.parametrize("command", [VERIFY, DIFF], ids=["verify", "diff"])
def test_verify_and_diff_pass_both_limits_to_the_child_process(command, monkeypatch):
    """The memory limit is relative to what the child inherits, so its effect depends on the
    test process; what is checked here is that the command hands both limits on (test_workers.py
    checks that a worker within a memory limit fails with exit 2)."""
    import clausewise.engine.workers as workers

    seen = []

    def limited(fn, time_limit=None, memory_limit=None):
        seen.append((time_limit, memory_limit))
        raise workers.LimitExceeded(workers.ClausewiseError.simple("<evaluation>", "stopped here").diagnostics)
    monkeypatch.setattr(workers, "run_limited", limited)
    result = run([*command, "--time-limit", "90", "--memory-limit", "3GiB"])
    assert seen == [(90.0, 3 * 2**30)] and result.exit_code == 2 and "stopped here" in result.output


def test_diff_within_generous_limits_gives_the_same_answer():
    plain = run(DIFF)
    limited = run([*DIFF, "--time-limit", "600", "--memory-limit", "4GiB"])
    assert plain.exit_code == limited.exit_code == 0 and plain.output == limited.output

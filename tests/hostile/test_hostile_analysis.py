"""verify and diff: no answer depends on the machine's clock, and a memory limit that is reached
stops the search with exit 2, the documented message, no traceback and no partial output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from clausewise.cli.main import main
from tests.support import EXAMPLES, POLICIES

NOVICE, TIER = str(POLICIES / "novice.policy"), str(POLICIES / "tier.policy")

#: the CLI in a process whose clock says ``sys.argv[1]`` (every ``date.today()`` in it, whatever module asks)
CLOCK = """
import datetime, sys
day = datetime.date.fromisoformat(sys.argv.pop(1))
class Clock(datetime.date):
    @classmethod
    def today(cls):
        return cls(day.year, day.month, day.day)
datetime.date = Clock
from clausewise.cli.main import main
main()
"""


def on_clock(day: str, args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CLOCK, day, *args], capture_output=True, text=True, timeout=600)


def test_the_fake_clock_is_the_one_the_cli_reads():
    """The harness itself: an evaluation without --as-of still takes today (with a warning), so it shows the clock."""
    args = ["explain", NOVICE, "--data", str(EXAMPLES / "novice"), "--entity", "S01"]
    assert "evaluating as of today, 2024-03-15" in on_clock("2024-03-15", args).stderr


@pytest.mark.slow
@pytest.mark.parametrize("args, code", [
    (["verify", NOVICE], 1),  # from its first day in force, 2022-10-13
    (["verify", TIER], 2),  # states no effective date: no day to run on
    (["diff", NOVICE, NOVICE], 0),  # the later first day in force of the two
    (["diff", TIER, TIER], 2),
    (["diff", NOVICE, NOVICE, "--data", str(EXAMPLES / "novice")], 2),  # the day the data are evaluated on
], ids=["verify", "verify-undated", "diff", "diff-undated", "diff-data"])
def test_verify_and_diff_give_the_same_answer_on_two_clocks(args, code):
    first, second = (on_clock(day, args) for day in ("2026-12-07", "2031-05-05"))
    assert first.returncode == second.returncode == code, first.stderr
    assert (first.stdout, first.stderr) == (second.stdout, second.stderr)
    assert "Traceback" not in first.stderr and "today" not in first.stdout + first.stderr
    if code == 2:
        assert first.stderr.startswith("--as-of: error: ") and "hint: give the day: --as-of YYYY-MM-DD" in first.stderr


def test_without_a_day_to_run_on_the_error_says_which():
    runner = CliRunner()
    undated = runner.invoke(main, ["verify", TIER])
    assert undated.exit_code == 2
    assert undated.output == ("--as-of: error: the policy states no effective date, so verify has no day to run on\n"
                              "hint: give the day: --as-of YYYY-MM-DD (the result never depends on the day it runs)\n")
    both = runner.invoke(main, ["diff", TIER, TIER])
    assert both.exit_code == 2 and "neither version states an effective date, so diff has no day to run on" in both.output
    data = runner.invoke(main, ["diff", NOVICE, NOVICE, "--data", str(EXAMPLES / "novice")])
    assert data.exit_code == 2 and "diff on data needs the day to evaluate them on" in data.output
    dated = runner.invoke(main, ["verify", TIER, "--as-of", "2024-04-01", "--format", "json"])
    assert dated.exit_code in (0, 1) and '"as_of": "2024-04-01"' in dated.output


# ---- a real memory limit -----------------------------------------------------------------------------------
LIMITED = [["verify", NOVICE], ["diff", NOVICE, NOVICE]]


@pytest.mark.parametrize("command", LIMITED, ids=["verify", "diff"])
def test_a_memory_limit_reached_is_exit_2_with_the_message_and_no_witness_data(command, tmp_path):
    out = tmp_path / "witnesses"
    result = subprocess.run([sys.executable, "-c", "from clausewise.cli.main import main; main()", *command,
                             "--memory-limit", "1MiB", "--witness-data", str(out)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr == ("<evaluation>: error: the evaluation needed more memory than the limit of 1 MiB\n"
                             "hint: raise --memory-limit, or evaluate fewer entities at a time (--entity)\n")
    assert not out.exists()


@pytest.mark.parametrize("command", LIMITED, ids=["verify", "diff"])
def test_a_limit_reached_while_writing_witness_data_leaves_none(command, tmp_path, monkeypatch):
    """The limit is reached after the first witness file is written (a real allocation beyond a real limit, in
    the search's child process): the directory, new or empty before, is left as it was."""
    from clausewise.analysis.diff import Diff
    from clausewise.analysis.verify import Verification

    def write_then_grow(self, directory, *args, **kwargs):
        Path(directory, "1").mkdir(parents=True)
        Path(directory, "1", "shops.csv").write_text("shop_id\n", "utf-8")
        return bytearray(2**31)  # beyond the limit: MemoryError in the child

    for cls in (Verification, Diff):
        monkeypatch.setattr(cls, "write_data", write_then_grow)
    for out, existed in ((tmp_path / "new", False), (tmp_path / "empty", True)):
        if existed:
            out.mkdir()
        result = CliRunner().invoke(main, [*command, "--memory-limit", "256MiB", "--witness-data", str(out)])
        assert result.exit_code == 2, result.output
        assert "the evaluation needed more memory than the limit of 256 MiB" in result.output
        assert "Traceback" not in result.output
        assert (sorted(out.iterdir()) == [] if existed else not out.exists()), sorted(out.rglob("*"))

"""Every option of every command given a hostile value (data-driven over the commands' click
parameters, so a new option is tried as soon as it exists): a usage or user error, exit code 2,
no traceback, and the value never echoed raw (a newline or a terminal escape code in it shows
escaped, so it cannot forge a line or recolour the terminal)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from clausewise.cli.main import main
from tests.support import EXAMPLES, POLICIES

NOVICE = str(POLICIES / "novice.policy")
DATA = ["--data", str(EXAMPLES / "novice"), "--as-of", "2024-03-15"]
#: a valid command line of each command, which each option's hostile value is added to (replacing the option's
#: own value where the line has one); VERDICTS is a verdicts file written once for 'report'
BASE = {
    "check": [NOVICE], "compile": [NOVICE], "fmt": [NOVICE], "test": [NOVICE], "coverage": [str(POLICIES)],
    "explain": [NOVICE, *DATA, "--entity", "S01"],
    "audit": [NOVICE, *DATA, "--out", "OUT.jsonl", "--workers", "1"],
    "what-if": [NOVICE, *DATA, "--entity", "S01", "--target", "compliant=true"],
    "verify": [NOVICE], "diff": [NOVICE, NOVICE, *DATA],
    "report": ["VERDICTS", "--out", "REPORT.html"],
    "timeline": [NOVICE, "--data", str(EXAMPLES / "novice"), "--entity", "S01", "--from", "2024-03-01", "--to", "2024-03-15"],
}
#: a value no option accepts: a terminal escape code, a line break and a negative number
HOSTILE = "\x1b[31m\nrows: 999 read = -5"
#: options for which any text names something legitimately (a directory to create): given an existing file instead
EXISTING_FILE = {"--witness-data"}


def _options() -> list[tuple[str, str]]:
    return [(name, p.opts[0]) for name, command in sorted(main.commands.items()) for p in command.params
            if isinstance(p, click.Option) and not p.is_flag and p.opts[0] != "--help"]


def _line(command: str, option: str, value: str) -> list[str]:
    base = list(BASE[command])
    spellings = next(p.opts for p in main.commands[command].params if isinstance(p, click.Option) and p.opts[0] == option)
    for i, word in enumerate(base):
        if word in spellings:  # the line gives this option: replace its value
            return [command, *base[:i], option, value, *base[i + 2:]]
    return [command, *base, option, value]


def test_every_command_with_options_has_a_valid_line():
    assert {name for name, _ in _options()} <= set(BASE), "give the new command a valid line in BASE"


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory) -> str:
    """A verdicts file of the novice examples, for 'report'."""
    path = tmp_path_factory.mktemp("audit") / "v.jsonl"
    audit = CliRunner().invoke(main, ["audit", NOVICE, *DATA, "--out", str(path), "--workers", "1"])
    assert audit.exit_code in (0, 1), audit.output
    return str(path)


@pytest.mark.parametrize("command, option", _options(), ids=lambda x: x)
def test_a_hostile_option_value_is_an_error_exit_2_without_a_traceback(command, option, tmp_path, monkeypatch, request):
    monkeypatch.chdir(tmp_path)
    if command == "report":
        BASE["report"][0] = request.getfixturevalue("verdicts")
    value = HOSTILE
    if option in EXISTING_FILE:
        value = str(tmp_path / "a-file")
        Path(value).write_text("x", "utf-8")
    result = CliRunner().invoke(main, _line(command, option, value))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.exit_code == 2, result.output
    assert "error" in result.output.lower()
    assert "\x1b" not in result.output and "\nrows: 999" not in result.output, result.output

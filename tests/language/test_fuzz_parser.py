"""Parser fuzzing: random and mutated policy text gives a clausewise diagnostic with a position, never a crash.

Through the library (parse, check, plan, compile) and through ``clausewise check`` (exit code 2,
no traceback).
"""

from __future__ import annotations

import re

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clausewise.engine.policy import compile_policy_text
from clausewise.cli.main import main
from clausewise.language.diagnostics import ClausewiseError
from tests.support import POLICIES

BUNDLED = {p.name: p.read_text("utf-8") for p in sorted(POLICIES.rglob("*.policy"))}
TOKEN = re.compile(r"\s+|\w+|\"(?:[^\"\\\n]|\\.)*\"|\S")
VOCABULARY = ["all", "any", "of", "{", "}", "(", ")", "[", "]", ":", "=", ">=", "<", "..", "not", "in", "if", "then",
              "rule", "decide", "when", "otherwise", "sum", "count", "during", "over", "where", "missing", "fails",
              "9,000,000", "30万", "2024-02-29", "2023-02-29", "2024-13", "as_of", '"', '"x"', "\\", "#", "\n", "\x00",
              "\u202e", "🙂", "单", "at", "least", "0", "-", "99999999999999999999999", "1.5", ",", "/", "->", "table", "policy"]
FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def assert_diagnosed(text: str) -> None:
    """Compile ``text``: it either compiles or fails with positioned clausewise diagnostics only."""
    try:
        compile_policy_text(text, "fuzz.policy")
    except ClausewiseError as err:
        assert err.diagnostics
        for d in err.diagnostics:
            assert d.file == "fuzz.policy"
            assert d.span.line >= 1 and d.span.column >= 1, d.render()
            assert d.render().startswith(f"fuzz.policy:{d.span.line}:{d.span.column}: error: ")


@st.composite
def mutated(draw) -> str:
    """A bundled policy with a few tokens deleted, duplicated, swapped, replaced or inserted, maybe truncated."""
    tokens = TOKEN.findall(BUNDLED[draw(st.sampled_from(sorted(BUNDLED)))])
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(tokens) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "replace", "insert", "unicode"]))
        if op == "delete":
            del tokens[i]
        elif op == "duplicate":
            tokens.insert(i, tokens[i])
        elif op == "swap" and i + 1 < len(tokens):
            tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
        elif op == "replace":
            tokens[i] = draw(st.sampled_from(VOCABULARY))
        elif op == "insert":
            tokens.insert(i, " " + draw(st.sampled_from(VOCABULARY)) + " ")
        else:
            tokens.insert(i, draw(st.text(min_size=1, max_size=3)))
    text = "".join(tokens)
    if draw(st.integers(0, 4)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    return text


@FUZZ
@given(st.text(max_size=300))
def test_random_text_is_diagnosed(text):
    assert_diagnosed(text)


@FUZZ
@given(st.lists(st.sampled_from(VOCABULARY), max_size=40).map(" ".join))
def test_random_token_soup_is_diagnosed(text):
    assert_diagnosed(text)


@FUZZ
@given(mutated())
def test_mutated_bundled_policies_are_diagnosed(text):
    assert_diagnosed(text)


def test_the_mutations_do_reach_the_checker():
    """Not every mutation is a syntax error: some parse and are refused (or accepted) by the checker."""
    tier = BUNDLED["tier.policy"]
    assert_diagnosed(tier.replace("paid_orders >", "paid_order >", 1))
    try:
        compile_policy_text(tier.replace("shop_daily.paid_orders over", "shop_daily.paid_order over", 1), "fuzz.policy")
    except ClausewiseError as err:
        assert "has no field 'paid_order'" in err.diagnostics[0].message
    else:
        raise AssertionError("a misspelt field must be refused")


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.one_of(mutated(), st.text(max_size=100)))
def test_cli_check_exits_2_without_traceback(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.policy"
    path.write_text(text, "utf-8", errors="surrogatepass")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 2)
    if result.exit_code == 2:
        assert f"{path}:" in result.output


def test_nul_and_invalid_utf8_files_are_diagnosed(tmp_path):
    nul = tmp_path / "nul.policy"
    nul.write_text(BUNDLED["tier.policy"].replace("rule silver", "rule \x00silver", 1), "utf-8")
    bad = tmp_path / "bad.policy"
    bad.write_bytes(b"policy \xff\xfe {")
    for path in (nul, bad):
        result = CliRunner().invoke(main, ["check", str(path)])
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert result.output.startswith(f"{path}:")

"""Hostile policy strings: nothing from a policy's text or its file name becomes program text.

The version, title, labels, citations and the file name reach the ASP program only inside
one-line comments (or escaped string terms); each is given a newline followed by rules and
directives, and the program's rules and the verdicts must stay those of the clean policy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clausewise.asp.program import comment, q
from clausewise.engine.policy import compile_policy_text

ROOT = Path(__file__).resolve().parents[2]
NOVICE = (ROOT / "policies" / "novice.policy").read_text("utf-8")
DATA = ROOT / "examples" / "novice"
AS_OF = "2024-03-15"

#: rules and directives that would change every shop's verdict if they became program lines
PAYLOAD = 'chosen(E,"in_novice_period",2) :- entity(E).\n:- entity(E).\n#script (python) import os #end.\n%*'


def _rules(program: str) -> list[str]:
    """The program without its comments: what clingo reads."""
    return [line for line in program.splitlines() if line.strip() and not line.lstrip().startswith("%")]


def _verdicts(policy) -> dict:
    result = policy.evaluate(DATA, AS_OF)
    return {v.entity: (v.compliant, v.outcomes) for v in result.verdicts}


@pytest.fixture(scope="module")
def clean():
    policy = compile_policy_text(NOVICE, "policies/novice.policy")
    return policy, _rules(policy.program), _verdicts(policy)


def _escaped(text: str) -> str:
    """``text`` as a policy string literal's body."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")


HOSTILE_TEXT = _escaped("\n" + PAYLOAD + "\r\u2028#false.\u2029:- entity(E).\x0b\x0c\x1c\x85")


@pytest.mark.parametrize("where", ["version", "title", "label", "file name"])
def test_policy_strings_do_not_become_program_text(clean, where):
    policy0, rules0, verdicts0 = clean
    text, filename = NOVICE, "policies/novice.policy"
    if where == "version":
        text = text.replace('version "2022-10-13"', f'version "2022-10-13{HOSTILE_TEXT}"', 1)
    elif where == "title":
        text = text.replace('title "新手期商家管理规范(新版)"', f'title "新手期{HOSTILE_TEXT}"', 1)
    elif where == "label":
        assert text.count('/ "') > 5
        text = text.replace('/ "', f'/ "{HOSTILE_TEXT}', 5)  # the first few labels, some of them in the program
    else:
        filename = "policies/novice\n" + PAYLOAD + "\r\u2028#false.\n.policy"
    assert text != NOVICE or filename != "policies/novice.policy"
    policy = compile_policy_text(text, filename)
    program = policy.program
    assert _rules(program) == rules0
    assert all(line == "" or line.startswith(("%", " ")) or line[0].isalnum() or line[0] in "#:"
               for line in program.splitlines())
    assert "\r" not in program and "\u2028" not in program and "\u2029" not in program
    assert _verdicts(policy) == verdicts0
    if where in ("version", "label", "file name"):  # these are shown in the program's comments: still there, on one line
        assert "chosen(E," in "\n".join(line for line in program.splitlines() if line.startswith("%"))


def test_comment_and_string_term_cannot_end_early():
    assert comment("a\nb\rc\u2028d\u2029e\x00f") == "% a b c d e f"
    assert "\n" not in comment("x\n:- entity(E).")
    assert q('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'


SMALL = """policy deep {
  title "深" / "deep"
  version "1"
  effective from 2020-01-01
  source "x.txt"
  entity shop in shops
  compliant when deep
}
table shops key shop_id {
  shop_id: string
  main_category: string
}
"""


def _nested(depth: int, kind: str) -> str:
    if kind == "groups":
        return SMALL + 'rule deep [D-1] "深" / "deep" = ' + "all of { " * depth + 'main_category = "女装"' + " }" * depth + "\n"
    return (SMALL + 'rule deep [D-1] "深" / "deep" = all of { x [D-1] "x" / "x": '
            + "(" * depth + "main_category" + ")" * depth + ' = "女装" }\n')


@pytest.mark.parametrize("kind", ["groups", "parentheses"])
def test_nesting_within_the_limit_is_evaluated_and_beyond_it_is_a_diagnostic(kind):
    from clausewise.language.diagnostics import ClausewiseError
    from clausewise.language.syntaxerrors import MAX_NESTING

    policy = compile_policy_text(_nested(MAX_NESTING - 2, kind), "deep.policy")  # 'all of {' of the rule's own group too
    verdicts = policy.evaluate({"shops": [{"shop_id": "S1", "main_category": "女装"}]}, "2024-01-01").verdicts
    assert verdicts[0].compliant is True
    for depth in (MAX_NESTING + 1, 200, 100_000):  # 200 raised RecursionError in check and audit
        with pytest.raises(ClausewiseError) as err:
            compile_policy_text(_nested(depth, kind), "deep.policy")
        rendered = err.value.diagnostics[0].render()
        assert rendered.startswith("deep.policy:13:") and f"nested more than {MAX_NESTING} levels deep" in rendered


def test_a_large_policy_is_split_into_lines_once(monkeypatch):
    """Policy size (issue 19): quoting each node's text split the whole policy again (20,000
    splits of a 10,000-rule policy: 62 s of its 82 s check). Now once per text, however many rules."""
    from clausewise.language import diagnostics

    rules = "".join(f'rule g{i} [NOVICE-1] "生成" / "generated" = shop_daily.experience_score on as_of > {i % 5}.{i % 10}\n'
                    for i in range(600))
    splits = []
    real = diagnostics.SourceFile.__post_init__
    monkeypatch.setattr(diagnostics.SourceFile, "__post_init__", lambda self: (splits.append(1), real(self))[1])
    policy = compile_policy_text(NOVICE + rules)
    assert len(policy.checked.rules) > 600 and len(splits) <= 3
    assert policy.source_text(policy.checked.rules["g599"].body) == "shop_daily.experience_score on as_of > 4.9"
    assert len(splits) <= 3


# ---- policy size ----------------------------------------------------------------------------------------------
NOVICE_CONDITIONS = 95  # comparisons, memberships, is-set tests, bool values and quantifiers of novice.policy


def _generated(rules: int, start: int = 0) -> str:
    """The issue's generated rules: two conditions each, a score on a day and a sum over a rolling window."""
    return "".join(
        f'rule g{i} [NOVICE-1] "生成" / "generated" = all of {{\n'
        f'  a [NOVICE-1] "a" / "a": shop_daily.experience_score on as_of > {i % 5}.{i % 10}\n'
        f'  b [NOVICE-1] "b" / "b": sum(shop_daily.signed_orders during last 30 days to as_of) >= {i} orders\n}}\n'
        for i in range(start, start + rules))


def test_a_policy_of_10000_generated_rules_is_refused_at_once_at_the_rule_past_the_limit(tmp_path):
    """Issue 19: 10,000 generated rules took 28 s to check and 2.3 GB to audit. Now refused before
    parsing, at the 1,001st declaration (novice.policy has 22), exit 2 without a traceback."""
    import time

    from click.testing import CliRunner

    from clausewise.cli.main import main
    from clausewise.language.diagnostics import ClausewiseError
    from clausewise.language.limits import MAX_DECLARATIONS

    text = NOVICE + _generated(10_000)
    line = (NOVICE + _generated(MAX_DECLARATIONS - 22)).count("\n") + 1
    started = time.process_time()
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(text, "big.policy")
    assert time.process_time() - started < 2  # (parsing alone takes 20-40 s)
    rendered = err.value.diagnostics[0].render()
    assert rendered.startswith(f"big.policy:{line}:1: error: more than 1,000 declarations: a policy this large would take")
    assert f'{line} | rule g978 [NOVICE-1] "生成"' in rendered and "hint: split the policy" in rendered
    big = tmp_path / "big.policy"
    big.write_text(text, "utf-8")
    result = CliRunner().invoke(main, ["check", str(big)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"big.policy:{line}:1: error: more than 1,000 declarations" in result.output


def test_a_declaration_or_condition_past_the_limit_found_after_parsing_is_refused_there(monkeypatch):
    """Declarations that do not start a line, and conditions, are counted in the parsed policy."""
    from clausewise.language import limits
    from clausewise.language.diagnostics import ClausewiseError

    monkeypatch.setattr(limits, "MAX_CONDITIONS", NOVICE_CONDITIONS + 4)
    compile_policy_text(NOVICE + _generated(2), "at.policy")  # at the limit: fine
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(NOVICE + _generated(3), "over.policy")
    line = (NOVICE + _generated(2)).count("\n") + 2  # the third rule's first condition
    assert err.value.diagnostics[0].render().startswith(f"over.policy:{line}:27: error: more than {NOVICE_CONDITIONS + 4} "
                                                        "conditions")
    monkeypatch.setattr(limits, "MAX_DECLARATIONS", 23)
    indented = NOVICE + "  " + _generated(1) + "  " + _generated(1, 1)  # not counted before parsing
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(indented, "indented.policy")
    line = (NOVICE + _generated(1)).count("\n") + 1
    assert err.value.diagnostics[0].render().startswith(f"indented.policy:{line}:3: error: more than 23 declarations")


@pytest.mark.slow
def test_a_policy_at_the_size_limit_audits_and_a_memory_limit_stops_it_cleanly(tmp_path):
    """1,999 conditions (novice.policy and 952 generated rules): checked, audited (measured: 11 s of CPU
    and 278 MB for the 14 shops); one condition more is refused; under --memory-limit 150MiB the audit
    is exit 2 with the message and no verdict file."""
    import subprocess
    import sys

    from click.testing import CliRunner

    from clausewise.cli.main import main
    from clausewise.language.diagnostics import ClausewiseError
    from clausewise.language.limits import MAX_CONDITIONS

    rules = (MAX_CONDITIONS - NOVICE_CONDITIONS) // 2
    at = NOVICE + _generated(rules)
    with pytest.raises(ClausewiseError, match="more than 2,000 conditions"):
        compile_policy_text(at + _generated(1, rules), "over.policy")
    path = tmp_path / "at.policy"
    path.write_text(at, "utf-8")
    runner = CliRunner()
    out = tmp_path / "verdicts.jsonl"
    result = runner.invoke(main, ["audit", str(path), "--data", str(DATA), "--as-of", AS_OF, "--workers", "1",
                                  "--out", str(out)])
    assert result.exit_code in (0, 1) and len(out.read_text("utf-8").splitlines()) == 14
    limited = tmp_path / "limited.jsonl"  # a real limit, in a real process (the test's own holds the rest of the suite)
    run = subprocess.run([sys.executable, "-c", "from clausewise.cli.main import main; main()", "audit", str(path),
                          "--data", str(DATA), "--as-of", AS_OF, "--workers", "1", "--memory-limit", "150MiB",
                          "--out", str(limited)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 2 and run.stdout == "" and "Traceback" not in run.stderr and not limited.exists()
    assert "error: the evaluation needed more memory than the limit of 150 MiB" in run.stderr

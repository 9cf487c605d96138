"""Line wrapping in `clausewise fmt`: long lines break at token boundaries, never in strings."""

from __future__ import annotations

from click.testing import CliRunner

from clausewise.cli.main import main
from clausewise.language.format import format_text
from clausewise.language.layout import columns, wrap_line
from clausewise.language.parse import parse_text

from tests.support import HEADER, POLICIES


def test_short_lines_and_comment_lines_stay():
    assert wrap_line("  rule r = a and b") == ["  rule r = a and b"]
    comment = "# " + "长" * 80
    assert wrap_line(comment) == [comment]


def test_breaks_before_connectives_at_the_shallowest_nesting():
    line = "    " + " and ".join(f"count(shop_daily where signed_orders > {i}) > 0" for i in range(4))
    lines = wrap_line(line, width=100)
    assert len(lines) > 1
    assert all(columns(piece) <= 100 for piece in lines)
    assert all(piece.startswith("        and count(") for piece in lines[1:])


def test_strings_and_trailing_comments_are_never_split():
    label = '"' + "中文标签" * 12 + '"'
    line = f"rule r [X-1] {label} / \"an English label that is long enough\" = a > 1  # keep me"
    lines = wrap_line(line, width=60)
    assert label in lines[0]
    assert lines[-1].endswith("  # keep me")
    assert " ".join(p.strip() for p in lines).replace("  # keep me", "") == line.replace("  # keep me", "")


def test_cjk_counts_two_columns():
    assert columns("中文ab") == 6


def test_wrapped_policy_means_the_same_and_is_stable():
    long_line = ("  sum(shop_daily.signed_orders during opened_on .. as_of where signed_orders > 0) >= 100 orders and "
                 "count(shop_daily during last 30 days to as_of) > 3\n")
    text = HEADER + """rule r [NOVICE-1] "很长的中文标签用来测试换行的效果以及宽字符的列宽" / "a long English label to test wrapping" =
""" + long_line
    once = format_text(text, "t.policy")
    assert max(columns(line) for line in once.splitlines()) <= 100
    assert parse_text(once, "t.policy") == parse_text(text, "t.policy")
    assert format_text(once, "t.policy") == once


def test_bundled_policies_are_in_canonical_layout():
    result = CliRunner().invoke(main, ["fmt", "--check", *sorted(str(p) for p in POLICIES.glob("*.policy"))])
    assert result.exit_code == 0, result.output

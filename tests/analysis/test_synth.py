"""Row synthesis: figure values the rows cannot give together are reported, not papered over;
values they can give come out as consistent rows; the conflicts become nogoods for the search."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import clausewise
from clausewise.analysis.figures import SpaceBuilder
from clausewise.analysis.subjects import synthetic_subject
from clausewise.analysis.synth import realize
from clausewise.analysis.witnessdata import Conflicts, evaluate_rows

from tests.support import POLICIES, policy_block

DAY = dt.date(2022, 10, 13)
COUNT_B = 'count(shop_violations during last 30 days to as_of where severity = "B")'
SUM_B = 'sum(shop_violations.points during last 30 days to as_of where severity = "B")'


def novice_space():
    policy = clausewise.load_policy(POLICIES / "novice.policy")
    builder = SpaceBuilder()
    builder.add(synthetic_subject(policy, DAY, {}))
    builder.finish(with_current=False, allow_missing=True)
    return policy, builder


def test_b_points_without_a_b_violation_are_unmet():
    policy, builder = novice_space()
    r = realize(policy, builder, {"as_of": DAY, COUNT_B: 0, SUM_B: 3}, DAY, {})
    assert r.unmet == [SUM_B]  # no rows have 3 points of Class-B violations and no Class-B violation
    assert r.values[COUNT_B] == 0 and r.values[SUM_B] != 3
    assert COUNT_B in r.sharing[SUM_B]  # both read shop_violations


def test_consistent_values_give_rows_that_measure_them():
    policy, builder = novice_space()
    r = realize(policy, builder, {"as_of": DAY, COUNT_B: 1, SUM_B: 3}, DAY, {})
    assert r.unmet == [] and r.values[COUNT_B] == 1 and r.values[SUM_B] == 3
    b_rows = [row for row in r.tables["shop_violations"] if row["severity"] == "B"]
    assert len(b_rows) == 1 and b_rows[0]["points"] == 3
    check = evaluate_rows(policy, r)  # the rows are accepted as real data
    assert check.problem is None and check.verdict is not None


def test_conflicts_become_nogoods_on_the_pair():
    policy, builder = novice_space()
    witness = {"as_of": DAY, COUNT_B: 0, SUM_B: 3}
    r = realize(policy, builder, witness, DAY, {})
    conflicts = Conflicts(policy, builder, DAY, {})
    groups, whole, missed = conflicts.exclusions(witness, r, {COUNT_B, SUM_B}, sorted(builder.figures))
    index = {k: builder.figures[k].candidates.index(v) for k, v in witness.items() if k != "as_of"}
    assert missed == []  # no condition took another status than the search's
    # the values the rows did not give of figures that misled the search: this claim's next tries avoid each
    _, _, missed = conflicts.exclusions(witness, r, {COUNT_B, SUM_B}, sorted(builder.figures), {COUNT_B, SUM_B, "as_of"})
    assert missed == [{k: index[k]} for k in sorted({COUNT_B, SUM_B} & set(r.unmet))] != []
    assert {"as_of", COUNT_B, SUM_B} <= set(groups[0]) and groups[0][SUM_B] == index[SUM_B]
    assert all(g[COUNT_B] == index[COUNT_B] for g in groups if COUNT_B in g)  # not every count: only 0 clashes
    assert not any(set(g) == {"as_of", SUM_B} for g in groups)  # 3 points alone are possible
    assert set(whole) == {"as_of", COUNT_B, SUM_B}


def test_the_day_and_what_comes_from_it_are_not_free_figures():
    """LIFE: the evaluation day only takes days the policy is in force; the quarter's dates are
    computed from it; cold_start_fail_day (cold_start_trigger + 60 days) is cold_start_trigger; and
    cold_start_trigger is tied to kind and history_pay (none for an existing provider with history)."""
    policy = clausewise.load_policy(POLICIES / "life.policy")
    day = policy.checked.header.effective_from or dt.date(2023, 4, 25)  # LIFE states no effective date: its version date
    builder = SpaceBuilder()
    builder.add(synthetic_subject(policy, day, {}))
    builder.finish(with_current=False, allow_missing=True)
    assert builder.figures["as_of"].candidates and all(policy.in_force(d) for d in builder.figures["as_of"].candidates)
    assert not any("quarter_start_assessment" in k or "quarter_end_assessment" in k or k == "cold_start_fail_day"
                   for k in builder.figures)
    _, names, broken = builder.ties["cold_start_trigger"]
    trigger = builder.figures["cold_start_trigger"].candidates
    ruled_out: dict[tuple, set] = {}  # per combination of the inputs: the trigger values ruled out
    for combo, _ in broken:
        values = {k: builder.figures[k].candidates[i] for k, i in zip(names, combo)}
        inputs = (values["kind"], values["history_pay"], values["assessed_industry"])
        ruled_out.setdefault(inputs, set()).add(repr(values["cold_start_trigger"]))
    dates = {repr(v) for v in trigger if isinstance(v, dt.date)}
    assert ruled_out[("existing", Decimal("0.01"), "catering")] == dates  # only 'missing' is left
    assert ("new", Decimal("0.01"), "catering") not in ruled_out  # a new provider's trigger comes from data


LISTS = policy_block("lists", "ok", ("列表", "lists")) + """table shops key shop_id {
  shop_id: string
}
table shop_items by date {
  shop_id: string -> shops
  date: date
  kinds: list(enum(a, b, c))
  tags: list(string) optional
}
rule ok [L-1] "达标" / "ok" = all of {
  kind_b [L-1] "非b类" / "not kind b": count(shop_items during last 30 days to as_of where b not in kinds) >= 1
  tag_z [L-2] "非z标签" / "not tag z": count(shop_items during last 30 days to as_of where "z" not in tags) >= 1
}
"""


def test_witness_rows_with_list_fields_read_back_with_the_meaning_synth_gave_them(tmp_path):
    """A list of no items is a missing value to the reader, in every format: synth offers lists of
    one or more items (and none for an optional list). It offered [] for a list field, which written
    as a witness's CSV row was rejected (a required list) or read as none (an optional one)."""
    import itertools

    from clausewise.analysis.witnessdata import WitnessData
    from clausewise.engine.policy import compile_policy_text

    policy = compile_policy_text(LISTS)
    builder = SpaceBuilder()
    builder.add(synthetic_subject(policy, DAY, {}))
    builder.finish(with_current=False, allow_missing=True)
    keys = sorted(k for k in builder.figures if k != "as_of")
    assert len(keys) == 2
    realized = 0
    for n, values in enumerate(itertools.product(*(builder.figures[k].candidates for k in keys))):
        r = realize(policy, builder, {"as_of": DAY, **dict(zip(keys, values))}, DAY, {})
        result = policy.evaluate(WitnessData.of(r).write(tmp_path / str(n)), DAY, entities=[r.entity])
        assert result.rejected == []
        assert all(row["kinds"] for row in r.tables.get("shop_items", []))  # never a list of no items
        if r.unmet:
            continue
        realized += 1
        statuses = {c.id: c.status for c in result.verdict(r.entity).rules[0].children}
        for key, value in zip(keys, values):
            node = "ok.kind_b" if "kinds" in key else "ok.tag_z"
            assert statuses[node] == ("unknown" if not isinstance(value, int) else "pass" if value >= 1 else "fail"), key
    assert realized >= 6


KEYED = policy_block("keyed", "ok", ("键", "keyed")) + """table shops key shop_id {
  shop_id: string
}
table shop_findings key finding_id by date {
  finding_id: string
  shop_id: string -> shops
  date: date
}
rule ok [K-1] "达标" / "ok" = count(shop_findings during last 30 days to as_of) >= 3
"""


def test_witness_rows_of_a_keyed_table_never_give_a_key_twice(tmp_path):
    """synth made every row of a table keyed by a text field with that field's default ('a'), so a
    witness of two or more rows gave a key twice: the reader rejected all but one, and the verdict
    on the witness's files was not the one synth had measured. Each row now has its own key."""
    from clausewise.analysis.witnessdata import WitnessData
    from clausewise.engine.policy import compile_policy_text

    policy = compile_policy_text(KEYED)
    builder = SpaceBuilder()
    builder.add(synthetic_subject(policy, DAY, {}))
    builder.finish(with_current=False, allow_missing=True)
    (key,) = [k for k in builder.figures if k != "as_of"]
    assert {2, 3, 4} <= set(builder.figures[key].candidates)
    for n, count in enumerate(builder.figures[key].candidates):
        r = realize(policy, builder, {"as_of": DAY, key: count}, DAY, {})
        assert r.unmet == []
        ids = [row["finding_id"] for row in r.tables["shop_findings"]]
        assert len(ids) == count == len(set(ids))
        result = policy.evaluate(WitnessData.of(r).write(tmp_path / str(n)), DAY, entities=[r.entity])
        assert result.rejected == []
        assert result.verdict(r.entity).compliant is (count >= 3)

"""Reform against baseline, and sweeps: checked by hand and against sums
computed independently with pyarrow over the per-case results."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import bangfu

from conftest import AS_OF


def small_population(rules: bangfu.RuleSet) -> bangfu.Population:
    # Three households: three members at 800 each (dibao 735 → 900), one
    # member at 1050 (not below 1045; below 1100: newly eligible, 50), one
    # member at 2000 (neither).
    h = pa.table(
        {
            "household_id": [1, 2, 3],
            "registered_locally": [True, True, True],
            "financial_assets": pa.array([Decimal("0")] * 3, pa.decimal128(18, 2)),
        }
    )
    m = pa.table(
        {
            "household_id": [1, 1, 1, 2, 3],
            "birth_date": [datetime.date(1980, 1, 1)] * 5,
            "monthly_income": pa.array(
                [Decimal(x) for x in ["800", "800", "800", "1050", "2000"]], pa.decimal128(18, 2)
            ),
        }
    )
    return rules.population(h, m, date=AS_OF)


def test_the_1100_reform_by_hand(rules: bangfu.RuleSet) -> None:
    pop = small_population(rules)
    c = bangfu.compare(rules, rules.reform({"dibao_standard": "1100"}), pop, programs=["dibao"])
    dibao = c.program("dibao")
    assert dibao["baseline_cost_per_month"] == Decimal("735.00")
    assert dibao["reform_cost_per_month"] == Decimal("950.00")
    assert dibao["cost_per_month"] == Decimal("215.00")
    assert dibao["cost_per_year"] == Decimal("2580.00")
    assert (dibao["newly_eligible"], dibao["no_longer_eligible"]) == (1, 0)
    assert (dibao["gainers"], dibao["losers"]) == (2, 0)
    assert dibao["total_gain"] == Decimal("215.00")
    assert c.cost_per_month == Decimal("215.00") and c.cost_per_year == Decimal("2580.00")
    assert c.newly_eligible == 1 and c.gainers == 2 and c.losers == 0 and c.skipped == 0
    sizes = {r["members"]: r for r in c.by_household_size.to_pylist() if r["program"] == "dibao"}
    assert sizes[3]["cost_per_month"] == Decimal("165.00")
    assert sizes[1]["cost_per_month"] == Decimal("50.00") and sizes[1]["cases"] == 2
    households = c.households.to_pylist()
    assert [r["change"] for r in households] == [Decimal("165.00"), Decimal("50.00"), Decimal("0.00")]
    assert [r["household_id"] for r in c.gainers_table().to_pylist()] == [1, 2]
    assert c.losers_table().num_rows == 0
    assert "dibao" in str(c) and "+215.00" in repr(c)
    assert c.reform["version"].endswith("+reform") and c.date == AS_OF


def test_a_program_leaving_shows_as_no_longer_eligible(rules: bangfu.RuleSet) -> None:
    c = bangfu.compare(rules, rules.reform({"dibao_standard": "1100"}), small_population(rules))
    edge = c.program("low_income_edge")
    # The 1050 household moves from the low-income edge to dibao.
    assert (edge["baseline_eligible"], edge["reform_eligible"], edge["no_longer_eligible"]) == (1, 0, 1)
    everything = c.program("(all)")
    assert everything["newly_eligible"] == 0 and everything["baseline_eligible"] == 2


def sums(result: pa.Table, program: str):
    eligible = pc.sum(pc.cast(result[f"{program}.eligible"], pa.int64())).as_py() or 0
    amount = pc.sum(result[f"{program}.amount"]).as_py() if f"{program}.amount" in result.column_names else None
    return eligible, amount or Decimal(0)


def test_compare_agrees_with_sums_over_the_results(rules: bangfu.RuleSet, district) -> None:
    households, members = district
    pop = rules.population(households, members, date=AS_OF)
    reform = rules.reform({"dibao_standard": "1100"})
    c = bangfu.compare(rules, reform, pop)
    before, after = pop.evaluate(rules), pop.evaluate(reform)
    for row in c.by_program.to_pylist():
        if row["program"] == "(all)":
            continue
        b_elig, b_cost = sums(before, row["program"])
        a_elig, a_cost = sums(after, row["program"])
        assert (row["baseline_eligible"], row["reform_eligible"]) == (b_elig, a_elig)
        if f"{row['program']}.amount" in before.column_names:
            assert row["baseline_cost_per_month"] == b_cost and row["reform_cost_per_month"] == a_cost
            assert row["cost_per_year"] == (a_cost - b_cost) * 12
        newly = pc.sum(pc.cast(pc.and_(after[f"{row['program']}.eligible"], pc.invert(before[f"{row['program']}.eligible"])), pa.int64())).as_py()
        assert row["newly_eligible"] == newly
    size_total = sum(r["cost_per_month"] for r in c.by_household_size.to_pylist() if r["program"] == "(all)")
    assert size_total == c.cost_per_month
    assert pc.sum(c.households["change"]).as_py() == c.cost_per_month
    assert c.program("dibao")["newly_eligible"] > 0 and c.cost_per_month > 0


def test_sweep_is_monotone_and_matches_single_runs(rules: bangfu.RuleSet, district) -> None:
    households, members = district
    pop = rules.population(households, members, date=AS_OF)
    values = ["1000", "1045", "1100", Decimal("1200"), 1300]
    table = bangfu.sweep(rules, pop, parameter="dibao_standard", values=values)
    dibao = [r for r in table.to_pylist() if r["program"] == "dibao"]
    assert [r["value"] for r in dibao] == ["1000", "1045", "1100", "1200", "1300"]
    counts = [r["eligible"] for r in dibao]
    costs = [r["cost_per_month"] for r in dibao]
    assert counts == sorted(counts) and costs == sorted(costs) and counts[0] < counts[-1]
    base = pop.evaluate(rules)
    assert (dibao[1]["eligible"], dibao[1]["cost_per_month"]) == sums(base, "dibao")
    assert all(r["cost_per_year"] == r["cost_per_month"] * 12 for r in table.to_pylist())
    with pytest.raises(bangfu.InputError):
        bangfu.sweep(rules, pop, parameter="dibao_standard", values=[1100.0])
    with pytest.raises(bangfu.RuleSetError):
        bangfu.sweep(rules, pop, parameter="no_such_parameter", values=["1"])


def test_meal_subsidy_reform_70_plus_from_6_to_8(rules: bangfu.RuleSet) -> None:
    meals = bangfu.synthetic.meals(3000, seed=2)
    pop = rules.population(meals, entity="meal", date=AS_OF)
    base = pop.evaluate(rules)
    at_six = pc.sum(pc.cast(pc.equal(base["meal_subsidy.amount"], Decimal("6")), pa.int64())).as_py()
    c = bangfu.compare(rules, rules.reform({"meal_subsidy_70_plus": "8"}), pop)
    assert at_six > 0
    assert c.cost_per_month == Decimal(2 * at_six)
    assert c.gainers == at_six and c.losers == 0
    assert c.by_household_size.num_rows == 0

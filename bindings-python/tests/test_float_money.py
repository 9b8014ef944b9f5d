"""Money columns of floats: refused by default; with
``money_from_float="round_to_fen"`` each float is read as the nearest fen
(within 0.000001 yuan of its shortest decimal text), the answers are those of
the exact columns, and a float not near a fen is an error at its row."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import bangfu

from conftest import AS_OF

MONEY = ["financial_assets", "emergency_need", "medical_expenses_12m"]


def as_floats(table: pa.Table, names) -> pa.Table:
    """The columns as floats, as a file written with floats holds them."""
    for name in names:
        i = table.schema.get_field_index(name)
        floats = pa.array([None if v is None else float(v) for v in table[name].to_pylist()], pa.float64())
        table = table.set_column(i, name, floats)
    return table


def test_float_money_is_refused_unless_asked(rules: bangfu.RuleSet, district) -> None:
    households, members = district
    with pytest.raises(bangfu.InputError) as info:
        rules.population(households, as_floats(members, ["monthly_income"]), date=AS_OF)
    assert info.value.errors[0]["code"] == "wrong_type"
    assert info.value.errors[0]["loc"] == "members.monthly_income"
    assert "round_to_fen" in info.value.errors[0]["msg"]
    with pytest.raises(bangfu.ArgumentError, match="money_from_float"):
        rules.population(households, members, date=AS_OF, money_from_float="nearest")


def test_floats_read_as_the_nearest_fen_give_the_exact_answers(rules: bangfu.RuleSet, district) -> None:
    households, members = district
    expected = rules.population(households, members, date=AS_OF).evaluate(rules)
    population = rules.population(
        as_floats(households, MONEY),
        as_floats(members, ["monthly_income"]),
        date=AS_OF,
        money_from_float="round_to_fen",
    )
    assert population.evaluate(rules).equals(expected)


def test_pandas_floats_and_float_sums(rules: bangfu.RuleSet) -> None:
    pd = pytest.importorskip("pandas")
    h = pd.DataFrame({"household_id": [1, 2], "registered_locally": [True, True], "financial_assets": [0.0, 10.5]})
    # 0.1 + 0.2 is 0.30000000000000004 as a float: 30 fen.
    m = pd.DataFrame(
        {
            "household_id": [1, 2],
            "birth_date": pd.to_datetime(["1950-01-01", "1960-05-05"]),
            "monthly_income": [300.1, 0.1 + 0.2],
        }
    )
    result = rules.population(h, m, date=AS_OF, money_from_float="round_to_fen").evaluate(rules, programs=["dibao"])
    assert result["dibao.amount"].to_pylist() == [Decimal("744.90"), Decimal("1044.70")]


def test_a_float_not_near_a_fen_is_an_error_at_its_row(rules: bangfu.RuleSet, district) -> None:
    households, members = district
    floats = as_floats(members, ["monthly_income"])
    incomes = floats["monthly_income"].to_pylist()
    incomes[5] = 1045.005
    incomes[9] = float("nan")
    i = floats.schema.get_field_index("monthly_income")
    floats = floats.set_column(i, "monthly_income", pa.array(incomes, pa.float64()))
    with pytest.raises(bangfu.InputError) as info:
        rules.population(households, floats, date=AS_OF, money_from_float="round_to_fen")
    first = info.value.errors[0]
    assert (first["table"], first["row"], first["code"]) == ("members", 5, "invalid_money")
    assert first["loc"].endswith("monthly_income") and "1045.005" in first["msg"]

    population = rules.population(households, floats, date=AS_OF, money_from_float="round_to_fen", errors="collect")
    errors = population.errors
    assert errors["row"].to_pylist() == [5, 9]
    touched = len({members["household_id"][5].as_py(), members["household_id"][9].as_py()})
    assert population.invalid_count == touched
    result = population.evaluate(rules)
    bad = pc.is_null(result["dibao.amount"])
    assert pc.sum(bad.cast(pa.int64())).as_py() == touched

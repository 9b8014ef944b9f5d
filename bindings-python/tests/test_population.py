"""Populations from Arrow tables: the batch path agrees with one case at a
time, every table library gives the same answer, and bad rows are reported,
never counted as zero."""

from __future__ import annotations

import datetime
import threading
import time
from decimal import Decimal
from typing import Any, Dict, List, Optional

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bangfu

from conftest import AS_OF, REPO

HOUSEHOLD_SCHEMA = pa.schema(
    [
        ("household_id", pa.int64()),
        ("registered_locally", pa.bool_()),
        ("financial_assets", pa.decimal128(18, 2)),
        ("emergency_hardship", pa.bool_()),
        ("emergency_need", pa.decimal128(18, 2)),
        ("medical_expenses_12m", pa.decimal128(18, 2)),
    ]
)
MEMBER_SCHEMA = pa.schema(
    [
        ("household_id", pa.int64()),
        ("birth_date", pa.date32()),
        ("monthly_income", pa.decimal128(18, 2)),
        ("disability_kind", pa.string()),
        ("disability_grade", pa.int64()),
        ("has_able_supporter", pa.bool_()),
    ]
)
KINDS = ["none", "physical", "intellectual", "mental", "visual", "hearing", "speech", "multiple"]


def program_columns(table: pa.Table) -> List[str]:
    return [c for c in table.column_names if c.endswith((".eligible", ".amount"))]


def one_by_one(rules: bangfu.RuleSet, households: pa.Table, members: pa.Table, date: datetime.date) -> Dict[int, Any]:
    """Each household evaluated alone through ``RuleSet.evaluate``."""
    by_id: Dict[int, List[Dict[str, Any]]] = {}
    for m in members.to_pylist():
        by_id.setdefault(m.pop("household_id"), []).append({k: v for k, v in m.items() if v is not None})
    out: Dict[int, Any] = {}
    for h in households.to_pylist():
        hid = h.pop("household_id")
        case = {k: v for k, v in h.items() if v is not None}
        case["members"] = by_id.get(hid, [])
        try:
            out[hid] = rules.evaluate("household", case, date)
        except bangfu.InputError as e:
            out[hid] = e
    return out


def assert_batch_equals_one_by_one(rules, households, members, date=AS_OF) -> pa.Table:
    pop = rules.population(households, members, date=date, errors="collect")
    result = pop.evaluate(rules, date)
    single = one_by_one(rules, households, members, date)
    assert result.num_rows == households.num_rows
    for row in result.to_pylist():
        alone = single[row["household_id"]]
        if isinstance(alone, bangfu.InputError):
            assert row["error"] == "invalid_input", (row, alone.errors)
            assert all(row[c] is None for c in program_columns(result)), row
            continue
        assert row["error"] is None, (row, alone)
        for program in alone.programs:
            assert row[f"{program}.eligible"] == alone.eligible(program), (program, row)
            if f"{program}.amount" in row:
                assert row[f"{program}.amount"] == alone.amount(program), (program, row)
    return result


# --- batch equals one by one ----------------------------------------------------


def test_synthetic_district_batch_equals_one_by_one(rules: bangfu.RuleSet, district) -> None:
    households, members = district
    h = households.slice(0, 400)
    m = members.filter(pc.less(members["household_id"], 400))
    result = assert_batch_equals_one_by_one(rules, h, m)
    assert pc.sum(result["dibao.eligible"]).as_py() > 0
    assert pc.sum(result["low_income_edge.eligible"]).as_py() > 0


money = st.decimals(min_value=Decimal("-5"), max_value=Decimal("30000"), places=2)
member = st.fixed_dictionaries(
    {
        "birth_date": st.dates(datetime.date(1870, 1, 1), datetime.date(2023, 12, 31)),
        "monthly_income": money,
        "disability_kind": st.sampled_from(KINDS + ["alien"]),
        "disability_grade": st.integers(0, 5),
        "has_able_supporter": st.booleans(),
    }
)
household = st.fixed_dictionaries(
    {
        "registered_locally": st.booleans(),
        "financial_assets": st.decimals(min_value=Decimal("0"), max_value=Decimal("300000"), places=2),
        "emergency_hardship": st.booleans(),
        "emergency_need": st.decimals(min_value=Decimal("0"), max_value=Decimal("20000"), places=2),
        "medical_expenses_12m": st.decimals(min_value=Decimal("0"), max_value=Decimal("200000"), places=2),
        "members": st.lists(member, min_size=0, max_size=6),
    }
)


def tables(households: List[Dict[str, Any]]):
    hs, ms = [], []
    for i, h in enumerate(households):
        hs.append({"household_id": i, **{k: v for k, v in h.items() if k != "members"}})
        ms.extend({"household_id": i, **m} for m in h["members"])
    return pa.Table.from_pylist(hs, HOUSEHOLD_SCHEMA), pa.Table.from_pylist(ms, MEMBER_SCHEMA)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(household, min_size=0, max_size=25), st.sampled_from(["2023-09-06", "2024-03-01", "2021-07-01"]))
def test_batch_equals_one_by_one_on_random_households(rules: bangfu.RuleSet, households, date) -> None:
    h, m = tables(households)
    assert_batch_equals_one_by_one(rules, h, m, datetime.date.fromisoformat(date))


# --- pandas, polars, pyarrow -----------------------------------------------------


def test_pandas_polars_and_pyarrow_give_identical_results(rules: bangfu.RuleSet, district) -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    households, members = district
    expected = rules.population(households, members, date=AS_OF).evaluate(rules)
    variants = {
        "pandas (objects)": (households.to_pandas(), members.to_pandas()),
        "pandas (arrow dtypes)": (
            households.to_pandas(types_mapper=pd.ArrowDtype),
            members.to_pandas(types_mapper=pd.ArrowDtype),
        ),
        "polars": (pl.from_arrow(households), pl.from_arrow(members)),
        "pyarrow batches": (
            pa.RecordBatchReader.from_batches(households.schema, households.to_batches(max_chunksize=300)),
            pa.Table.from_batches(members.to_batches(max_chunksize=777)),
        ),
    }
    for name, (h, m) in variants.items():
        got = rules.population(h, m, date=AS_OF).evaluate(rules)
        for column in ["household_id", "error"] + program_columns(expected):
            assert got[column].to_pylist() == expected[column].to_pylist(), (name, column)


def test_pandas_datetime_columns_at_midnight_are_dates(rules: bangfu.RuleSet, district) -> None:
    pd = pytest.importorskip("pandas")
    households, members = district
    m = members.to_pandas()
    m["birth_date"] = pd.to_datetime(m["birth_date"])
    expected = rules.population(households, members, date=AS_OF).evaluate(rules)
    got = rules.population(households, m, date=AS_OF).evaluate(rules)
    assert got.select(program_columns(expected)).equals(expected.select(program_columns(expected)))
    m.loc[3, "birth_date"] = m.loc[3, "birth_date"] + pd.Timedelta(hours=9)
    with pytest.raises(bangfu.InputError) as info:
        rules.population(households, m, date=AS_OF)
    assert info.value.errors[0]["code"] == "invalid_date"
    assert info.value.errors[0]["loc"] == "members.birth_date"
    assert "row 3" in info.value.errors[0]["msg"]


def test_text_columns_and_plain_dicts_are_read_exactly(rules: bangfu.RuleSet) -> None:
    h = {"household_id": ["a", "b"], "registered_locally": ["true", "false"], "financial_assets": ["0", "10.50"]}
    m = {"household_id": ["a", "b"], "birth_date": ["1950-01-01", "1960-05-05"], "monthly_income": ["300.10", "0"]}
    result = rules.population(h, m, date=AS_OF).evaluate(rules, programs=["dibao"])
    assert result["household_id"].to_pylist() == ["a", "b"]
    assert result["dibao.amount"].to_pylist() == [Decimal("744.90"), Decimal("0.00")]
    assert result.schema.field("dibao.amount").type == pa.decimal128(18, 2)


# --- bad rows and bad tables -------------------------------------------------------


def broken_tables():
    h = pa.table(
        {
            "household_id": pa.array([1, 2, 3, 4, 5], pa.int64()),
            "registered_locally": pa.array([True, True, None, True, True]),
            "financial_assets": pa.array([Decimal("0"), Decimal("-1"), Decimal("0"), Decimal("0"), Decimal("0")], pa.decimal128(18, 2)),
        }
    )
    m = pa.table(
        {
            "household_id": pa.array([1, 2, 3, 4, 9, 1], pa.int64()),
            "birth_date": pa.array(
                [datetime.date(1950, 1, 1)] * 3 + [datetime.date(2024, 1, 1), datetime.date(1950, 1, 1), None]
            ),
            "monthly_income": pa.array([Decimal("100")] * 6, pa.decimal128(18, 2)),
        }
    )
    return h, m


def test_bad_rows_are_collected_with_paths_and_never_counted(rules: bangfu.RuleSet) -> None:
    h, m = broken_tables()
    pop = rules.population(h, m, date=AS_OF, errors="collect")
    # Household 1's member without a birth date is no problem: no household
    # program reads it (as for one case).
    assert (len(pop), pop.valid_count, pop.invalid_count) == (5, 1, 4)
    errors = pop.errors.to_pylist()
    got = {(e["table"], e["row"], e["household"], e["loc"], e["code"]) for e in errors}
    assert got == {
        ("households", 1, "2", "financial_assets", "too_small"),
        ("households", 2, "3", "registered_locally", "missing"),
        ("members", 3, "4", "members[0].birth_date", "date_after_as_of"),
        ("members", 4, "9", "household_id", "unknown_household"),
        ("households", 4, "5", "members", "too_few_items"),
    }
    assert all(e["message"] for e in errors)
    result = pop.evaluate(rules)
    assert result["error"].to_pylist() == [None] + ["invalid_input"] * 4
    assert result["dibao.amount"].null_count == 4 and result["dibao.eligible"].null_count == 4


def test_bad_rows_raise_by_default(rules: bangfu.RuleSet) -> None:
    h, m = broken_tables()
    with pytest.raises(bangfu.InputError) as info:
        rules.population(h, m, date=AS_OF)
    e = info.value
    assert len(e.errors) == 5
    first = e.errors[0]
    assert set(first) >= {"code", "loc", "msg", "input", "table", "row", "household"}
    assert "5 row errors" in str(e)


def test_a_float_money_column_is_refused_naming_it(rules: bangfu.RuleSet) -> None:
    h, m = broken_tables()
    m = m.set_column(2, "monthly_income", pa.array([100.0] * 6))
    for mode in ("raise", "collect"):
        with pytest.raises(bangfu.InputError) as info:
            rules.population(h, m, date=AS_OF, errors=mode)
        err = info.value.errors[0]
        assert (err["code"], err["loc"]) == ("wrong_type", "members.monthly_income")
        assert "float" in err["msg"] and err["input"] == "Float64"


def test_unknown_columns_and_missing_columns(rules: bangfu.RuleSet) -> None:
    h, m = broken_tables()
    h = h.append_column("district", pa.array(["x"] * 5))
    pop = rules.population(h, m, date=AS_OF, errors="collect")
    assert ("district", "unknown_field") in {(e["loc"], e["code"]) for e in pop.errors.to_pylist()}
    with pytest.raises(bangfu.InputError):
        rules.population(h.drop_columns(["district", "financial_assets"]), m, date=AS_OF)


def test_entities_without_members_and_empty_tables(rules: bangfu.RuleSet) -> None:
    meals = bangfu.synthetic.meals(500, seed=3)
    result = rules.population(meals, entity="meal", date=AS_OF).evaluate(rules)
    assert result.column_names[:2] == ["row", "error"]
    assert result["row"].to_pylist() == list(range(500))
    single = [rules.evaluate("meal", r, AS_OF) for r in meals.slice(0, 50).to_pylist()]
    assert result["meal_subsidy.amount"].to_pylist()[:50] == [o.amount("meal_subsidy") for o in single]
    h, m = bangfu.synthetic.district(0)
    empty = rules.population(h, m, date=AS_OF).evaluate(rules)
    assert empty.num_rows == 0 and "dibao.amount" in empty.column_names


def test_evaluation_errors(rules: bangfu.RuleSet, district) -> None:
    households, members = district
    pop = rules.population(households, members, date=AS_OF)
    with pytest.raises(bangfu.EvaluationError) as info:
        pop.evaluate(rules, "2010-01-01")
    assert info.value.code == "no_rules_in_force"
    other = bangfu.RuleSet.load(REPO / "tests" / "fixtures" / "valid" / "minimal")
    with pytest.raises(bangfu.EvaluationError) as info:
        pop.evaluate(other)
    assert info.value.code == "population_mismatch"
    with pytest.raises(bangfu.ArgumentError) as info:
        pop.evaluate(rules, errors="ignore")
    assert info.value.argument == "errors"
    with pytest.raises(bangfu.ArgumentTypeError) as info:
        pop.evaluate(rules, programs="dibao")
    assert info.value.argument == "programs"


# --- reuse and the interpreter lock ---------------------------------------------------


def test_a_population_is_reused_for_reforms_without_rebuilding(rules: bangfu.RuleSet, district) -> None:
    households, members = district
    pop = rules.population(households, members, date=AS_OF)
    timings = pop.timings
    base = pop.evaluate(rules)
    reform = pop.evaluate(rules.reform({"dibao_standard": "1100"}))
    assert pop.timings == timings
    assert pc.sum(reform["dibao.eligible"]).as_py() >= pc.sum(base["dibao.eligible"]).as_py()
    assert pc.sum(reform["dibao.amount"]).as_py() > pc.sum(base["dibao.amount"]).as_py()


def test_the_interpreter_is_released_while_evaluating(rules: bangfu.RuleSet) -> None:
    households, members = bangfu.synthetic.district(150_000, seed=5)
    pop = rules.population(households, members, date=AS_OF)
    done = threading.Event()
    ticks = 0

    def work() -> None:
        for _ in range(3):
            pop.evaluate(rules)
        done.set()

    thread = threading.Thread(target=work)
    start = time.perf_counter()
    thread.start()
    while not done.is_set():
        ticks += 1
    thread.join()
    elapsed = time.perf_counter() - start
    # Holding the lock for the whole evaluation would leave this thread a
    # handful of switch intervals; released, it spins freely.
    assert ticks > 10_000, (ticks, elapsed)


# --- members' results beside the households' ------------------------------------------


def test_member_programs_give_a_members_table_equal_to_one_by_one(rules: bangfu.RuleSet, district) -> None:
    households, members = district
    h = households.slice(0, 300)
    m = members.filter(pc.is_in(members["household_id"], h["household_id"]))
    pop = rules.population(h, m, date=AS_OF)
    cases, people = pop.evaluate_with_members(rules, programs=["dibao", "tekun"])
    assert cases.column_names == ["household_id", "error", "dibao.eligible", "dibao.amount"]
    assert people.column_names == ["household_id", "member", "tekun.eligible", "tekun.amount"]
    assert people.num_rows == m.num_rows
    # The households' table is the one `evaluate` gives.
    assert cases.equals(pop.evaluate(rules, programs=["dibao", "tekun"]))
    rows = people.to_pylist()
    by_id: Dict[int, List[Dict[str, Any]]] = {}
    for p in m.to_pylist():
        by_id.setdefault(p.pop("household_id"), []).append({k: v for k, v in p.items() if v is not None})
    for row in rows:
        # Each member's tekun, as the member alone, a person case, gets it.
        person = by_id[row["household_id"]][row["member"]]
        want = rules.evaluate("person", person, AS_OF, programs=["tekun"])
        assert row["tekun.eligible"] == want.eligible("tekun"), row
        assert row["tekun.amount"] == want.amount("tekun"), row
    assert sum(1 for r in rows if r["tekun.eligible"]) > 0


def test_a_members_table_names_unknown_collections(rules: bangfu.RuleSet, district) -> None:
    households, members = district
    h = households.slice(0, 5)
    pop = rules.population(h, members.filter(pc.is_in(members["household_id"], h["household_id"])), date=AS_OF)
    with pytest.raises(bangfu.BangfuError, match="pets"):
        pop.evaluate_with_members(rules, collection="pets")


def test_a_population_for_some_programs_needs_only_what_they_read(rules: bangfu.RuleSet, district) -> None:
    households, members = district
    h = households.slice(0, 50)
    m = members.filter(pc.is_in(members["household_id"], h["household_id"]))
    # tekun, named on households, reads none of the household's own inputs.
    bare = h.select(["household_id"])
    pop = rules.population(bare, m, date=AS_OF, programs=["tekun"])
    cases, people = pop.evaluate_with_members(rules, programs=["tekun"])
    assert people.num_rows == m.num_rows and cases.column_names == ["household_id", "error"]
    full = rules.population(h, m, date=AS_OF).evaluate_with_members(rules, programs=["tekun"])[1]
    assert people.equals(full)
    # dibao reads them: refused, never read as empty.
    with pytest.raises(bangfu.EvaluationError) as e:
        pop.evaluate(rules, programs=["dibao"])
    assert e.value.code == "population_mismatch"
    assert "registered_locally" in str(e.value)

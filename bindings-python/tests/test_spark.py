"""Spark: a local session (loopback only, no UI) evaluates households as a
DataFrame, nested or as two DataFrames, and gives exactly the Python batch's
and one case at a time's results; rows with errors do not fail the job.

Run by the `spark` stage of scripts/test (one session for the whole module).
"""

from __future__ import annotations

import datetime
import os
import random
import sys
from decimal import Decimal
from typing import Any, Dict, List

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import bangfu
from bangfu import spark as bs

from conftest import AS_OF, CHENGYANG
from test_population import KINDS, assert_batch_equals_one_by_one, program_columns, tables

pyspark = pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def spark():
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("bangfu-tests")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "700")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def spark_rules() -> bs.SparkRules:
    return bs.SparkRules.load(CHENGYANG)


def nested(households: pa.Table, members: pa.Table, key: str = "household_id") -> pa.Table:
    """The households with a ``members`` list-of-structs column (members
    sorted by key, as the tables here are)."""
    counts = {k: 0 for k in households[key].to_pylist()}
    for k in members[key].to_pylist():
        counts[k] += 1
    offsets = [0]
    for k in households[key].to_pylist():
        offsets.append(offsets[-1] + counts[k])
    m = members.drop_columns([key])
    structs = pa.StructArray.from_arrays([c.combine_chunks() for c in m.columns], fields=list(m.schema))
    lists = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), structs)
    return households.append_column("members", lists)


def by_key(t: pa.Table, key: str = "household_id") -> List[Dict[str, Any]]:
    return t.sort_by(key).to_pylist()


def test_rules_are_built_once_per_process_from_their_files(spark_rules, rules) -> None:
    assert spark_rules.ruleset() is spark_rules.ruleset()
    assert spark_rules.ruleset().hash == rules.hash
    reform = spark_rules.reform({"dibao_standard": "1100"})
    assert reform.digest != spark_rules.digest
    assert reform.ruleset().hash == rules.reform({"dibao_standard": "1100"}).hash


def test_nested_members_give_the_python_batch_results(spark, spark_rules, rules, district) -> None:
    households, members = district
    want = rules.population(households, members, date=AS_OF).evaluate(rules)
    df = spark.createDataFrame(nested(households, members))
    assert dict(df.dtypes)["members"].startswith("array<struct<")
    results = bs.evaluate(df, spark_rules, AS_OF)
    got = results.toArrow()
    assert got.schema.names == want.schema.names
    # The same types as the Python batch (decimal128(18, 2) amounts).
    for name in program_columns(want):
        assert got.schema.field(name).type == want.schema.field(name).type, name
    assert by_key(got) == by_key(want)
    assert pc.sum(got["dibao.eligible"]).as_py() > 0


def test_households_and_members_dataframes_joined_by_key(spark, spark_rules, rules, district) -> None:
    households, members = district
    h = households.slice(0, 600)
    m = members.filter(pc.is_in(members["household_id"], h["household_id"]))
    want = rules.population(h, m, date=AS_OF).evaluate(rules)
    got = bs.evaluate(spark.createDataFrame(h), spark_rules, AS_OF, members=spark.createDataFrame(m)).toArrow()
    assert by_key(got) == by_key(want)


def random_households(n: int, seed: int) -> List[Dict[str, Any]]:
    r = random.Random(seed)

    def money(low: int, high: int) -> Decimal:
        return Decimal(r.randint(low * 100, high * 100)) / 100

    out = []
    for _ in range(n):
        out.append(
            {
                "registered_locally": r.random() < 0.9,
                "financial_assets": money(0, 100_000),
                "emergency_hardship": r.random() < 0.2,
                "emergency_need": money(0, 20_000),
                "medical_expenses_12m": money(0, 100_000),
                "members": [
                    {
                        # Some born after the date, some with an income below zero
                        # or an unknown disability kind: rows with input errors.
                        "birth_date": datetime.date(1920, 1, 1) + datetime.timedelta(days=r.randint(0, 38_000)),
                        "monthly_income": money(-1, 3_000) if r.random() < 0.05 else money(0, 3_000),
                        "disability_kind": r.choice(KINDS + (["alien"] if r.random() < 0.05 else [])),
                        "disability_grade": r.randint(0, 4),
                        "has_able_supporter": r.random() < 0.5,
                    }
                    for _ in range(r.choice([0, 1, 1, 2, 2, 3, 4, 6]))
                ],
            }
        )
    return out


def test_random_households_equal_python_and_one_by_one_and_errors_do_not_fail(spark, spark_rules, rules) -> None:
    h, m = tables(random_households(300, seed=7))
    want = assert_batch_equals_one_by_one(rules, h, m)
    invalid = [r for r in want.to_pylist() if r["error"] is not None]
    assert 10 < len(invalid) < 200
    nested_df = spark.createDataFrame(nested(h, m))
    got = bs.evaluate(nested_df, spark_rules, AS_OF).toArrow()
    assert by_key(got) == by_key(want)
    joined = bs.evaluate(spark.createDataFrame(h), spark_rules, AS_OF, members=spark.createDataFrame(m)).toArrow()
    assert by_key(joined) == by_key(want)
    with pytest.raises(Exception, match="InputError|invalid input|too_small|unknown_choice|date_after"):
        bs.evaluate(nested_df, spark_rules, AS_OF, errors="raise").collect()


def test_compare_as_spark_aggregations_equals_bangfu_compare(spark, spark_rules, rules, district) -> None:
    households, members = district
    h, m = tables(random_households(200, seed=3))
    reform = rules.reform({"dibao_standard": "1100"})
    for hh, mm in [(households, members), (h, m)]:
        want = bangfu.compare(rules, reform, rules.population(hh, mm, date=AS_OF, errors="collect"))
        got = bs.compare(
            spark.createDataFrame(nested(hh, mm)), spark_rules, spark_rules.reform({"dibao_standard": "1100"}), AS_OF
        )
        programs = got.by_program.toArrow()
        assert programs.drop_columns(["skipped"]).to_pylist() == want.by_program.to_pylist()
        assert got.summary()["skipped"] == want.skipped
        sizes = lambda t: sorted(t.to_pylist(), key=lambda r: (r["program"], r["members"]))  # noqa: E731
        assert sizes(got.by_household_size.toArrow()) == sizes(want.by_household_size)
        assert by_key(got.households.toArrow()) == by_key(want.households)
        assert got.summary()["cost_per_month"] == want.cost_per_month


def test_a_dataframe_without_its_key_column_is_refused(spark, spark_rules, district) -> None:
    households, members = district
    h = households.slice(0, 3)
    m = members.filter(pc.is_in(members["household_id"], h["household_id"]))
    df = spark.createDataFrame(nested(h, m).drop_columns(["household_id"]))
    with pytest.raises(ValueError, match="household_id"):
        bs.evaluate(df, spark_rules, AS_OF)


def test_a_key_on_two_rows_in_two_partitions_is_refused_on_both(spark, spark_rules, rules, district) -> None:
    households, members = district
    h = households.slice(0, 40)
    m = members.filter(pc.is_in(members["household_id"], h["household_id"]))
    rows = nested(h, m)
    # Household 7 again, as the last row: another Arrow batch and partition.
    again = rows.filter(pc.equal(rows["household_id"], 7))
    both = pa.concat_tables([rows, again])
    df = spark.createDataFrame(both).repartition(3)
    got = {r["household_id"]: r for r in bs.evaluate(df, spark_rules, AS_OF).toArrow().to_pylist() if r["household_id"] != 7}
    sevens = [r for r in bs.evaluate(df, spark_rules, AS_OF).toArrow().to_pylist() if r["household_id"] == 7]
    assert len(sevens) == 2
    assert all(r["error"] == "duplicate_key" for r in sevens)
    assert all(r[c] is None for r in sevens for c in r if c.endswith((".eligible", ".amount")))
    want = {r["household_id"]: r for r in rules.population(rows, date=AS_OF).evaluate(rules).to_pylist()}
    del want[7]
    assert got == want
    # With errors="raise" the job fails, naming the problem.
    with pytest.raises(Exception, match="duplicate_key"):
        bs.evaluate(df, spark_rules, AS_OF, errors="raise").toArrow()


def test_a_key_counted_twice_but_split_across_batches_is_refused(spark_rules, rules, district) -> None:
    # The window counts household 3's rows across the DataFrame; each of the
    # two Arrow batches holding one of them refuses it.
    households, members = district
    h = households.slice(0, 5)
    rows = nested(h, members.filter(pc.is_in(members["household_id"], h["household_id"])))
    seen = pa.array([2 if k == 3 else 1 for k in rows["household_id"].to_pylist()], pa.int64())
    batch = rows.append_column(bs.SEEN, seen).to_batches()[0]
    out = rules.population(rows, date=AS_OF).evaluate(rules).schema
    got = pa.Table.from_batches(list(bs._evaluate_batch(rules, batch, AS_OF, "household_id", "household", None, out, False)))
    three = [r for r in got.to_pylist() if r["household_id"] == 3]
    assert three and three[0]["error"] == "duplicate_key" and three[0]["dibao.eligible"] is None
    assert all(r["error"] is None for r in got.to_pylist() if r["household_id"] != 3)
    with pytest.raises(bangfu.InputError, match="more than one row"):
        list(bs._evaluate_batch(rules, batch, AS_OF, "household_id", "household", None, out, True))


def test_compare_skips_both_rows_of_a_repeated_key(spark, spark_rules, rules, district) -> None:
    households, members = district
    h = households.slice(0, 40)
    rows = nested(h, members.filter(pc.is_in(members["household_id"], h["household_id"])))
    both = pa.concat_tables([rows, rows.filter(pc.equal(rows["household_id"], 7))])
    reform = spark_rules.reform({"dibao_standard": "1100"})
    got = bs.compare(spark.createDataFrame(both).repartition(3), spark_rules, reform, AS_OF).summary()
    others = rows.filter(pc.not_equal(rows["household_id"], 7))
    want = bs.compare(spark.createDataFrame(others), spark_rules, reform, AS_OF).summary()
    assert got["skipped"] == want["skipped"] + 2
    assert {k: v for k, v in got.items() if k != "skipped"} == {k: v for k, v in want.items() if k != "skipped"}

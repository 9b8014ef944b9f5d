"""DuckDB and polars round trips: a query's Arrow result in, the results back
into the engine, exact decimals all the way; members as a second table or as
a nested list-of-structs column."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import bangfu

from conftest import AS_OF

MEMBER_FIELDS = ["birth_date", "monthly_income", "disability_kind", "disability_grade", "has_able_supporter"]


def test_duckdb_query_in_results_back_in_duckdb(rules: bangfu.RuleSet, district) -> None:
    duckdb = pytest.importorskip("duckdb")
    households, members = district
    want = rules.population(households, members, date=AS_OF).evaluate(rules)
    con = duckdb.connect()
    con.register("households", households)
    con.register("members", members)
    h = con.sql("SELECT * FROM households ORDER BY household_id").to_arrow_table()
    m = con.sql("SELECT * FROM members ORDER BY household_id").to_arrow_table()
    assert h.schema.field("financial_assets").type == pa.decimal128(18, 2)
    two_tables = rules.population(h, m, date=AS_OF).evaluate(rules)
    assert two_tables.to_pylist() == want.to_pylist()
    fields = ", ".join(MEMBER_FIELDS)
    nested = con.sql(
        f"""
        SELECT h.*, g.members
        FROM households h
        LEFT JOIN (
            SELECT household_id, list(struct_pack({fields}) ORDER BY seq) AS members
            FROM (SELECT *, row_number() OVER () AS seq FROM members)
            GROUP BY household_id
        ) g USING (household_id)
        ORDER BY household_id
        """
    ).to_arrow_table()
    assert pa.types.is_list(nested.schema.field("members").type)
    results = rules.population(nested, date=AS_OF).evaluate(rules)
    assert results.to_pylist() == want.to_pylist()
    # Back into DuckDB: the amounts stay exact decimals.
    con.register("results", results)
    total, eligible, kind = con.execute(
        'SELECT sum("dibao.amount"), count(*) FILTER (WHERE "dibao.eligible"), typeof(any_value("dibao.amount")) '
        "FROM results"
    ).fetchone()
    assert isinstance(total, Decimal) and kind == "DECIMAL(18,2)"
    assert total == pc.sum(want["dibao.amount"]).as_py()
    assert eligible == pc.sum(want["dibao.eligible"]).as_py()


def test_polars_nested_members_in_results_back_in_polars(rules: bangfu.RuleSet, district) -> None:
    pl = pytest.importorskip("polars")
    households, members = district
    want = rules.population(households, members, date=AS_OF).evaluate(rules)
    h, m = pl.from_arrow(households), pl.from_arrow(members)
    nested = h.join(
        m.group_by("household_id", maintain_order=True).agg(pl.struct(MEMBER_FIELDS).alias("members")),
        on="household_id",
        how="left",
    )
    assert isinstance(nested.schema["members"], pl.List)
    results = rules.population(nested, date=AS_OF).evaluate(rules)
    assert results.to_pylist() == want.to_pylist()
    back = pl.from_arrow(results)
    assert back.schema["dibao.amount"] == pl.Decimal(18, 2)
    assert back["dibao.amount"].sum() == pc.sum(want["dibao.amount"]).as_py()
    # A member's problem is located at its household's row and its index.
    bad = nested.with_columns(
        pl.when(pl.col("household_id") == nested["household_id"][2])
        .then(pl.col("members").list.eval(
            pl.struct(pl.element().struct.field("birth_date"),
                      (pl.element().struct.field("monthly_income") - Decimal("100000")).alias("monthly_income"),
                      *[pl.element().struct.field(f) for f in MEMBER_FIELDS[2:]])))
        .otherwise(pl.col("members"))
        .alias("members")
    )
    population = rules.population(bad, date=AS_OF, errors="collect")
    errors = population.errors.to_pylist()
    assert errors[0]["table"] == "households" and errors[0]["row"] == 2
    assert errors[0]["loc"] == "members[0].monthly_income" and errors[0]["code"] == "too_small"
    assert errors[0]["household"] == str(nested["household_id"][2])

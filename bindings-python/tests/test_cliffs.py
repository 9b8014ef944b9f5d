"""``bangfu.cliffs``, ``bangfu.what_would_change`` and ``bangfu.plot_cliffs``."""

from __future__ import annotations

from decimal import Decimal

import pytest

import bangfu
from conftest import AS_OF

CASE = {
    "registered_locally": True,
    "financial_assets": "10000",
    "members": [
        {"birth_date": "1975-04-12", "monthly_income": Decimal("1500")},
        {"birth_date": "1978-08-20", "monthly_income": "900"},
        {"birth_date": "2010-02-01", "monthly_income": 0},
    ],
}


def test_breakpoints_and_segments_are_exact_decimals(rules) -> None:
    c = bangfu.cliffs(rules, CASE, vary="members[0].monthly_income", low=0, high="6000", on=AS_OF)
    b = c.breakpoints.to_pandas()
    dibao = b[b["program"] == "dibao"].iloc[0]
    assert dibao["kind"] == "eligibility"
    assert (dibao["before"], dibao["at"]) == (Decimal("2234.99"), Decimal("2235.00"))
    assert (dibao["amount_before"], dibao["amount_after"]) == (Decimal("0.01"), Decimal("0.00"))
    assert dibao["slope_before"] == Decimal(-1)
    edge = b[b["program"] == "low_income_edge"]["at"].tolist()
    assert edge == [Decimal("2235.00"), Decimal("3802.50")]
    s = c.segments.to_pylist()
    first = next(r for r in s if r["program"] == "dibao")
    assert (first["from"], first["amount_from"], first["amount_to"]) == (
        Decimal(0), Decimal("2235.00"), Decimal("0.01"))
    # The segments describe every point: dibao at 1000 on its line.
    assert first["amount_from"] + first["slope"] * Decimal(1000) == Decimal("1235.00")
    assert c.vary["others"] == Decimal(900)
    assert c.money_programs == ["dibao", "temporary_assistance"]


@pytest.mark.parametrize(
    "vary, low, high, code",
    [
        ("members[0].birth_date", 0, 1, "not_numeric"),
        ("members[5].monthly_income", 0, 1, "no_such_member"),
        ("income", 0, 1, "unknown_field"),
        ("financial_assets", 10, 5, "inverted_range"),
        ("financial_assets", -1, 5, "too_small"),
        ("financial_assets", "0.001", 5, "off_grid"),
        ("financial_assets", 0, 10**6, "too_many_points"),
    ],
)
def test_errors_name_the_field(rules, vary, low, high, code) -> None:
    with pytest.raises(bangfu.BangfuError) as e:
        bangfu.cliffs(rules, CASE, vary=vary, low=low, high=high, on=AS_OF)
    assert e.value.code == code
    assert vary in str(e.value)


def test_a_float_bound_is_refused(rules) -> None:
    with pytest.raises(bangfu.BangfuError) as e:
        bangfu.cliffs(rules, CASE, vary="financial_assets", low=0.5, high=5, on=AS_OF)
    assert "low" in str(e.value)


def test_what_would_change_in_both_languages(rules) -> None:
    case = {"registered_locally": True, "financial_assets": "10000", "members": [
        {"birth_date": "1980-01-01", "monthly_income": "800"},
        {"birth_date": "1982-01-01", "monthly_income": "1600"}]}
    found = bangfu.what_would_change(rules, case, on="2024-03-01", programs=["dibao"])
    income = next(w for w in found if w["path"] == "members[1].monthly_income")
    assert income["finding"] == "qualify_at_most"
    assert income["member"] == 1 and income["eligible"] is False
    assert income["threshold"] == Decimal("1429.99")
    assert "1,429.99" in income["sentence"]["zh"] and "2,229.99" in income["sentence"]["zh"]
    assert "at most 1,429.99 yuan" in income["sentence"]["en"]


def test_plot_cliffs_shades_the_asset_cliff(rules) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    c = bangfu.cliffs(rules, CASE, vary="financial_assets", low="150000", high="151000", on=AS_OF)
    ax = bangfu.plot_cliffs(c, net=False)
    assert len(ax.patches) == 1  # the dibao cliff at 150,480.01
    c = bangfu.cliffs(rules, CASE, vary="members[0].monthly_income", low=0, high="4000", on=AS_OF)
    ax = bangfu.plot_cliffs(c, lang="zh")
    assert len(ax.lines) >= 2

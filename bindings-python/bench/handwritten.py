"""The Chengyang rules of the analyst benchmark, written by hand with numpy and
pandas: what an analyst would write without an engine.

Three programs over the district's Parquet files, exactly: money is ``int64``
fen from the first read to the totals (never a float), ages are completed
years computed in integers from the birth date (a person born on 29 February
completes a year on 1 March in a common year, as the rule set assumes), and
the figures are the rule set's parameters on the date (read with
``RuleSet.parameter``, so a reform changes them here too).

- ``dibao`` per household: registered locally, income per head below the
  standard, assets per head within ``dibao_asset_multiple`` × the standard;
  amount ``standard × members − household income`` (already whole fen).
- ``tekun`` per person: the four tests of the 特困人员认定办法 as the rule set
  writes them (protected category, no capacity to work, no income source,
  assets within the limit, no able supporter); amount ``tekun_standard``.
- the meal subsidy per person and month: ``meals_per_month`` lunches at a
  designated canteen at ``PRICE_FEN``, each paid ``min(rate by age, price)``.

Nothing here is used by the package; ``bench_analyst.py`` times it beside
bangfu on the same files and requires the same totals to the fen.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Dict, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: The price of every meal of the benchmark, in fen (the set-meal guide
#: price is 11–13 yuan).
PRICE_FEN = 1200


def fen_of(value: Decimal) -> int:
    """A parameter in yuan as whole fen (refusing anything finer)."""
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{value} is not a whole number of fen")
    return int(fen)


class Params(NamedTuple):
    dibao_standard: int  # fen
    dibao_asset_multiple: int
    tekun_standard: int  # fen
    tekun_asset_multiple: int
    tekun_elderly_age: int
    tekun_minor_age: int
    tekun_keep_age: int
    tekun_work_age_min: int
    grade_intellectual_mental: int
    grade_physical: int
    grade_visual: int
    meal_60_69: int  # fen
    meal_70_plus: int  # fen

    @staticmethod
    def of(rules, on: datetime.date) -> "Params":
        p = lambda name: rules.parameter(name, on)  # noqa: E731
        return Params(
            dibao_standard=fen_of(p("dibao_standard")),
            dibao_asset_multiple=int(p("dibao_asset_multiple")),
            tekun_standard=fen_of(p("tekun_standard")),
            tekun_asset_multiple=int(p("tekun_asset_multiple")),
            tekun_elderly_age=int(p("tekun_elderly_age")),
            tekun_minor_age=int(p("tekun_minor_age")),
            tekun_keep_age=int(p("tekun_keep_age")),
            tekun_work_age_min=int(p("tekun_work_age_min")),
            grade_intellectual_mental=int(p("tekun_grade_intellectual_mental")),
            grade_physical=int(p("tekun_grade_physical")),
            grade_visual=int(p("tekun_grade_visual")),
            meal_60_69=fen_of(p("meal_subsidy_60_69")),
            meal_70_plus=fen_of(p("meal_subsidy_70_plus")),
        )


def fen(column: pa.ChunkedArray) -> np.ndarray:
    """A ``decimal128(p, 2)`` column as ``int64`` fen, exactly: the cast
    refuses a value that does not fit. Nulls are refused too (the
    benchmark's files have none)."""
    if column.null_count:
        raise ValueError("nulls in a money column")
    scale = column.type.scale
    if scale != 2:
        raise ValueError(f"money at scale {scale}, not 2")
    # The unscaled integers are the fen: the decimal's storage is a 128-bit
    # integer per row, whose low 64 bits are the value when it fits.
    chunks = []
    for chunk in column.chunks:
        raw = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[2 * chunk.offset : 2 * (chunk.offset + len(chunk))]
        low, high = raw[0::2], raw[1::2]
        if not np.array_equal(high, low >> 63):
            raise ValueError("an amount too large for int64 fen")
        chunks.append(low)
    return np.concatenate(chunks) if chunks else np.zeros(0, np.int64)


class Columns(NamedTuple):
    """The input columns as numpy arrays."""

    household_id: np.ndarray
    registered: np.ndarray  # bool
    assets: np.ndarray  # fen
    member_household: np.ndarray
    income: np.ndarray  # fen
    age: np.ndarray  # completed years on the date
    kind: np.ndarray  # disability kind as text codes (object → category codes)
    grade: np.ndarray
    has_supporter: np.ndarray  # bool
    meals: np.ndarray


def completed_years(birth: np.ndarray, on: datetime.date) -> np.ndarray:
    """Age in completed years on ``on`` from ``datetime64[D]`` birth dates,
    in integers: the year's difference, less one before the birthday."""
    years = birth.astype("datetime64[Y]")
    months = birth.astype("datetime64[M]")
    year = years.astype(np.int64) + 1970
    month = (months - years).astype(np.int64) + 1
    day = (birth - months).astype(np.int64) + 1
    before = (month > on.month) | ((month == on.month) & (day > on.day))
    return on.year - year - before


def bools(column: pa.ChunkedArray, default: bool) -> np.ndarray:
    return column.fill_null(default).to_numpy(zero_copy_only=False).astype(bool)


def columns(households: pa.Table, members: pa.Table, on: datetime.date) -> Columns:
    """Reads the tables into numpy arrays (the hand-written 'build')."""
    kind = members["disability_kind"].fill_null("none").to_pandas().astype("category")
    birth = members["birth_date"].to_numpy().astype("datetime64[D]")
    return Columns(
        household_id=households["household_id"].to_numpy(),
        registered=bools(households["registered_locally"], False),
        assets=fen(households["financial_assets"]),
        member_household=members["household_id"].to_numpy(),
        income=fen(members["monthly_income"]),
        age=completed_years(birth, on),
        kind=np.asarray(kind),
        grade=members["disability_grade"].fill_null(0).to_numpy(),
        has_supporter=bools(members["has_able_supporter"], True),
        meals=members["meals_per_month"].to_numpy().astype(np.int64),
    )


def dibao(c: Columns, p: Params) -> np.ndarray:
    """The monthly dibao amount of every household in fen (0 when not eligible)."""
    by_household = pd.DataFrame({"h": c.member_household, "income": c.income})
    grouped = by_household.groupby("h", sort=False)["income"].agg(["sum", "count"])
    grouped = grouped.reindex(c.household_id)
    income = grouped["sum"].to_numpy(np.int64)
    count = grouped["count"].to_numpy(np.int64)
    need = p.dibao_standard * count
    eligible = (
        c.registered
        & (income < need)  # income / count < standard, exactly
        & (c.assets <= p.dibao_asset_multiple * p.dibao_standard * count)
    )
    return np.where(eligible, need - income, 0)


def tekun(c: Columns, p: Params) -> np.ndarray:
    """The monthly tekun amount of every person in fen."""
    age, kind, grade = c.age, c.kind, c.grade
    disabled = grade >= 1
    keeps_support = np.zeros(len(age), bool)  # nobody is supported as a minor in the files
    protected = (age >= p.tekun_elderly_age) | (age < p.tekun_minor_age) | ((kind != "none") & disabled) | keeps_support
    unable = (
        (age >= p.tekun_elderly_age)
        | (age < p.tekun_work_age_min)
        | (np.isin(kind, ["intellectual", "mental"]) & disabled & (grade <= p.grade_intellectual_mental))
        | ((kind == "physical") & disabled & (grade <= p.grade_physical))
        | ((kind == "visual") & disabled & (grade <= p.grade_visual))
        | keeps_support
    )
    no_income = np.maximum(c.income, 0) < p.dibao_standard  # nothing excluded in the files
    assets_ok = 0 <= p.tekun_asset_multiple * p.dibao_standard  # no personal assets in the files
    eligible = protected & unable & no_income & assets_ok & ~c.has_supporter
    return np.where(eligible, p.tekun_standard, 0)


def meal_subsidy(c: Columns, p: Params) -> np.ndarray:
    """The month's meal subsidy of every person in fen."""
    rate = np.select([c.age >= 70, c.age >= 60], [p.meal_70_plus, p.meal_60_69], 0)
    return np.minimum(rate, PRICE_FEN) * c.meals


def totals(c: Columns, p: Params) -> Dict[str, int]:
    """Every program's total in fen, and how many are paid."""
    out: Dict[str, int] = {}
    for name, amounts in (("dibao", dibao(c, p)), ("tekun", tekun(c, p)), ("meal_subsidy", meal_subsidy(c, p))):
        out[name] = int(amounts.sum())
        out[name + ".paid"] = int(np.count_nonzero(amounts))
    return out

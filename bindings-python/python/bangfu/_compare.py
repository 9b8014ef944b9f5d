"""Baseline against reform: the summary an analyst reads.

The counting and summing happen in Rust (exact decimals, no per-row Python);
this module only names the results and prints them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

import pyarrow as pa
import pyarrow.compute as pc

from . import _bangfu
from ._bangfu import Population, RuleSet
from ._errors import UnknownNameError

__all__ = ["Comparison", "compare", "sweep"]

ALL = "(all)"

DateLike = Union[datetime.date, str]


@dataclass(frozen=True)
class Comparison:
    """A reform compared with the baseline over one population.

    ``by_program`` has one row per program and a last row ``(all)`` (cases
    eligible for any program; costs of all programs together) with the
    columns ``cases``, ``baseline_eligible``, ``reform_eligible``,
    ``newly_eligible``, ``no_longer_eligible``, ``gainers``, ``losers``,
    ``total_gain``, ``total_loss``, ``baseline_cost_per_month``,
    ``reform_cost_per_month``, ``cost_per_month`` and ``cost_per_year`` (the
    change; a year is twelve monthly payments). ``by_household_size`` has the
    same per number of members. ``households`` has one row per case: its key,
    ``members``, eligibility for any program before and after, and the total
    monthly amount ``baseline``, ``reform`` and ``change`` (null for skipped
    cases). All money is exact decimal.
    """

    by_program: pa.Table
    by_household_size: pa.Table
    households: pa.Table
    skipped: int
    date: datetime.date
    baseline: Dict[str, str]
    reform: Dict[str, str]

    def program(self, name: str = ALL) -> Dict[str, Any]:
        """The row of ``by_program`` for ``name`` (``"(all)"`` by default) as a dict."""
        rows = self.by_program.filter(pc.equal(self.by_program["program"], name)).to_pylist()
        if not rows:
            raise UnknownNameError(f"{name!r} is not among {self.by_program['program'].to_pylist()}", name)
        return rows[0]

    @property
    def cost_per_month(self) -> Decimal:
        """Change in the monthly cost of all programs (reform minus baseline)."""
        return self.program()["cost_per_month"]

    @property
    def cost_per_year(self) -> Decimal:
        """Change in the yearly cost of all programs (twelve months)."""
        return self.program()["cost_per_year"]

    @property
    def baseline_cost_per_month(self) -> Decimal:
        return self.program()["baseline_cost_per_month"]

    @property
    def reform_cost_per_month(self) -> Decimal:
        return self.program()["reform_cost_per_month"]

    @property
    def newly_eligible(self) -> int:
        """Cases eligible for some program under the reform and for none before."""
        return self.program()["newly_eligible"]

    @property
    def no_longer_eligible(self) -> int:
        """Cases eligible for some program before and for none under the reform."""
        return self.program()["no_longer_eligible"]

    @property
    def gainers(self) -> int:
        """Cases paid more in total under the reform."""
        return self.program()["gainers"]

    @property
    def losers(self) -> int:
        """Cases paid less in total under the reform."""
        return self.program()["losers"]

    def gainers_table(self) -> pa.Table:
        """The cases paid more under the reform, largest gain first."""
        h = self.households
        return h.filter(pc.greater(h["change"], pa.scalar(0, h.schema.field("change").type))).sort_by(
            [("change", "descending")]
        )

    def losers_table(self) -> pa.Table:
        """The cases paid less under the reform, largest loss first."""
        h = self.households
        return h.filter(pc.less(h["change"], pa.scalar(0, h.schema.field("change").type))).sort_by(
            [("change", "ascending")]
        )

    def summary(self) -> Dict[str, Any]:
        """The headline figures as a dict (money as ``Decimal``)."""
        row = self.program()
        return {
            "date": self.date,
            "baseline": self.baseline,
            "reform": self.reform,
            "cases": row["cases"],
            "skipped": self.skipped,
            "baseline_cost_per_month": row["baseline_cost_per_month"],
            "reform_cost_per_month": row["reform_cost_per_month"],
            "cost_per_month": row["cost_per_month"],
            "cost_per_year": row["cost_per_year"],
            "newly_eligible": row["newly_eligible"],
            "no_longer_eligible": row["no_longer_eligible"],
            "gainers": row["gainers"],
            "total_gain": row["total_gain"],
            "losers": row["losers"],
            "total_loss": row["total_loss"],
        }

    def __str__(self) -> str:
        columns = [
            "program",
            "baseline_eligible",
            "reform_eligible",
            "newly_eligible",
            "no_longer_eligible",
            "gainers",
            "losers",
            "cost_per_month",
            "cost_per_year",
        ]
        rows: List[List[str]] = [columns]
        for r in self.by_program.select(columns).to_pylist():
            rows.append([str(r[c]) for c in columns])
        widths = [max(len(r[i]) for r in rows) for i in range(len(columns))]
        lines = [
            f"Reform {self.reform['version']} against {self.baseline['version']} as of {self.date}"
            f" ({self.program()['cases']} cases compared, {self.skipped} skipped)"
        ]
        for r in rows:
            lines.append("  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(r, widths))))
        return "\n".join(lines)

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"<Comparison as of {s['date']}: cost {s['cost_per_month']:+} per month, "
            f"{s['newly_eligible']} newly eligible, {s['no_longer_eligible']} no longer eligible, "
            f"{s['gainers']} gainers, {s['losers']} losers>"
        )


def compare(
    baseline: RuleSet,
    reform: RuleSet,
    population: Population,
    date: Optional[DateLike] = None,
    programs: Optional[Sequence[str]] = None,
) -> Comparison:
    """Compares ``reform`` with ``baseline`` over ``population`` as of ``date``
    (the population's date by default). The population is evaluated twice and
    never rebuilt. Cases that are not evaluated under both (invalid rows) are
    counted in ``skipped``; a case that fails to evaluate raises
    ``EvaluationError``."""
    r = _bangfu.compare(baseline, reform, population, date, None if programs is None else list(programs))
    return Comparison(
        by_program=r["programs"],
        by_household_size=r["by_size"],
        households=r["households"],
        skipped=r["skipped"],
        date=r["date"],
        baseline=r["baseline"],
        reform=r["reform"],
    )


def sweep(
    rules: RuleSet,
    population: Population,
    date: Optional[DateLike] = None,
    *,
    parameter: str,
    values: Iterable[Union[str, int, Decimal]],
    programs: Optional[Sequence[str]] = None,
) -> pa.Table:
    """Caseload and cost for each value of one parameter (``rules`` reformed
    with ``{parameter: value}``), over the same population: a table with
    ``value``, ``program`` (and ``(all)``), ``cases``, ``eligible``,
    ``cost_per_month`` and ``cost_per_year``, ready for a chart."""
    return _bangfu.sweep(
        rules, population, parameter, list(values), date, None if programs is None else list(programs)
    )

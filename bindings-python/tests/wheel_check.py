"""Checks an installed wheel, away from the source tree: run by the `wheel`
stage of scripts/test with the Python of a fresh virtual environment, from a
folder outside the repository, given the rule set's folder.

Imports the package (from the environment, not the sources), evaluates one
household, builds and evaluates a synthetic district (members as a second
table and as a nested column) and compares a reform.
"""

from __future__ import annotations

import datetime
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

import bangfu

rules_dir = Path(sys.argv[1])
here = Path(bangfu.__file__).resolve()
repo = rules_dir.resolve().parents[1]
assert repo not in here.parents, f"bangfu imported from the source tree: {here}"

rules = bangfu.RuleSet.load(rules_dir)
as_of = datetime.date(2023, 9, 6)
outcome = rules.evaluate(
    "household",
    {
        "registered_locally": True,
        "financial_assets": "10000",
        "members": [{"birth_date": "1980-01-01", "monthly_income": "800"}] * 3,
    },
    as_of,
)
assert outcome.amount("dibao") == Decimal("735.00"), outcome.amount("dibao")

households, members = bangfu.synthetic.district(5_000, seed=1)
population = rules.population(households, members, date=as_of)
results = population.evaluate(rules)
assert results.num_rows == 5_000 and results.schema.field("dibao.amount").type == pa.decimal128(18, 2)

comparison = bangfu.compare(rules, rules.reform({"dibao_standard": "1100"}), population)
assert comparison.cost_per_month > 0 and comparison.gainers > 0
print(f"wheel: {bangfu.__version__} from {here.parent}; one case, {results.num_rows} households, "
      f"reform cost {comparison.cost_per_month} per month")

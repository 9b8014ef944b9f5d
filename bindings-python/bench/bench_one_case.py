"""Benchmark: one household from Python, a dict in, an answer out.

Not a test: it prints microseconds per call (best of ``--repeat`` timeit runs;
wall time, and the CPU time of the calling thread, which a machine shared
with other work inflates less)
for a household of three members (money as ``decimal.Decimal``, dates as
``datetime.date``), all household programs of the Chengyang rule set:

- ``RuleSet.evaluate``: the outcome with its explanation;
- the same, reading the answer back (``eligible`` and ``amount`` per program);
- ``RuleSet.decide``: eligibility and amounts without the explanation (the
  fast path; target at most 5 µs);
- the same with a dict of text values (``"1045.00"``, ``"1950-01-01"``);
- the same with ``programs=["dibao"]``.

Usage::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bindings-python/bench/bench_one_case.py [--repeat 5] [--number 20000]
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
import timeit
from decimal import Decimal
from pathlib import Path

import bangfu

RULES = Path(__file__).resolve().parents[2] / "rules" / "cn-qingdao-chengyang"
AS_OF = datetime.date(2023, 9, 6)

HOUSEHOLD = {
    "registered_locally": True,
    "financial_assets": Decimal("5000.00"),
    "members": [
        {"birth_date": datetime.date(1950, 3, 1), "monthly_income": Decimal("800.00"), "disability_kind": "physical", "disability_grade": 2},
        {"birth_date": datetime.date(1953, 7, 12), "monthly_income": Decimal("600.50")},
        {"birth_date": datetime.date(2012, 1, 30), "monthly_income": Decimal("0")},
    ],
}
AS_TEXT = {
    "registered_locally": True,
    "financial_assets": "5000.00",
    "members": [
        {"birth_date": "1950-03-01", "monthly_income": "800.00", "disability_kind": "physical", "disability_grade": 2},
        {"birth_date": "1953-07-12", "monthly_income": "600.50"},
        {"birth_date": "2012-01-30", "monthly_income": "0"},
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--number", type=int, default=20_000)
    args = parser.parse_args()
    rules = bangfu.RuleSet.load(RULES)
    programs = rules.programs("household")

    def read_back(outcome: bangfu.Outcome):
        return [(outcome.eligible(p), outcome.amount(p)) for p in programs]

    cases = [
        ("evaluate (outcome with explanation)", lambda: rules.evaluate("household", HOUSEHOLD, AS_OF)),
        ("evaluate + eligible/amount read back", lambda: read_back(rules.evaluate("household", HOUSEHOLD, AS_OF))),
        ("decide (no explanation)", lambda: rules.decide("household", HOUSEHOLD, AS_OF)),
        ("decide, values as text", lambda: rules.decide("household", AS_TEXT, AS_OF)),
        ("decide, programs=['dibao']", lambda: rules.decide("household", HOUSEHOLD, AS_OF, programs=["dibao"])),
    ]
    print(f"bangfu {bangfu.__version__}, Python {sys.version.split()[0]}; one household of 3 members, {len(programs)} programs")
    print(f"  {'':<40} {'wall':>8}    {'CPU of this thread':>8}")
    for name, fn in cases:
        fn()
        wall = min(timeit.repeat(fn, number=args.number, repeat=args.repeat)) / args.number
        cpu = min(timeit.repeat(fn, timer=time.thread_time, number=args.number, repeat=args.repeat)) / args.number
        print(f"  {name:<40} {wall * 1e6:>8.2f} µs {cpu * 1e6:>8.2f} µs")


if __name__ == "__main__":
    main()

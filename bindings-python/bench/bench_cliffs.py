"""Benchmark (not a test): one household's cliffs along its income.

    python bindings-python/bench/bench_cliffs.py

Times ``bangfu.cliffs`` over 1,000,000 fen of the first member's income
(0 to 9,999.99 yuan, a household of three, every household program) and
``bangfu.what_would_change`` for dibao (every ``what_if`` input, about a
million points each); the median of five runs is printed.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import bangfu

ROOT = Path(__file__).resolve().parents[2]
CASE = {
    "registered_locally": True,
    "financial_assets": "10000",
    "members": [
        {"birth_date": "1975-04-12", "monthly_income": "1500"},
        {"birth_date": "1978-08-20", "monthly_income": "900"},
        {"birth_date": "2010-02-01", "monthly_income": "0"},
    ],
}


def median_seconds(f, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    rules = bangfu.RuleSet.load(ROOT / "rules" / "cn-qingdao-chengyang")
    on = "2023-09-06"
    s = median_seconds(lambda: bangfu.cliffs(
        rules, CASE, vary="members[0].monthly_income", low=0, high="9999.99", on=on))
    print(f"cliffs, 1,000,000 points, 4 programs: {s:.3f} s ({1_000_000 / s / 1e6:.1f} M points/s)")
    s = median_seconds(lambda: bangfu.what_would_change(rules, CASE, on=on, programs=["dibao"]))
    print(f"what_would_change, dibao, 2 inputs: {s:.3f} s")


if __name__ == "__main__":
    main()

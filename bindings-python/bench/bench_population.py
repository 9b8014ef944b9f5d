"""Benchmark: a synthetic district through the Python package.

Not a test: it prints timings and rows per second for each step, so runs can
be compared on the same machine. Steps:

- generate: the synthetic district (Rust generator, pyarrow tables out);
- load: the Chengyang rule set, and a reform of it;
- population: Arrow tables in, split into *convert* (reading the Arrow
  stream into columns) and *build* (checking every cell, laying out cases);
- evaluate: the batch evaluation alone, then with the result table built;
- end to end: population + evaluation + result table, from Arrow tables;
- reform: the same population (not rebuilt) under ``dibao_standard = 1100``,
  and ``bangfu.compare`` of baseline and reform;
- peak resident memory of one workflow: the population built once, the
  baseline and the reform evaluated and their result tables kept, the input
  tables included (on Linux the process's peak is reset before it, so the
  generator's own peak and the repetitions do not count; elsewhere it is the
  whole process's peak).

Usage::

    python bindings-python/bench/bench_population.py [--households 1000000] [--repeat 3]

Each timed step runs ``--repeat`` times; the best time is reported.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import resource
import sys
import time
from pathlib import Path
from typing import Callable, List, Tuple, TypeVar

import bangfu

T = TypeVar("T")
AS_OF = datetime.date(2023, 9, 6)


def best(repeat: int, fn: Callable[[], T]) -> Tuple[float, T]:
    times: List[float] = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result  # type: ignore[return-value]


def line(step: str, seconds: float, rows: int = 0, unit: str = "households") -> None:
    rate = f"{rows / seconds:>14,.0f} {unit}/s" if rows and seconds > 0 else ""
    print(f"  {step:<44} {seconds * 1000:>10.1f} ms {rate}")


def reset_peak() -> bool:
    """Resets the process's peak resident memory (Linux), so that what follows
    is measured without the generator's own peak."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_bytes() -> int:
    """Peak resident memory since the last reset (VmHWM), else since start."""
    try:
        with open("/proc/self/status") as f:
            for row in f:
                if row.startswith("VmHWM:"):
                    return int(row.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--rules",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "rules" / "cn-qingdao-chengyang",
    )
    args = parser.parse_args()
    n, repeat = args.households, args.repeat

    print(f"bangfu {bangfu.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    seconds, (households, members) = best(1, lambda: bangfu.synthetic.district(n, seed=args.seed))
    people = members.num_rows
    input_bytes = households.nbytes + members.nbytes
    print(f"district: {n:,} households, {people:,} people, {input_bytes / 1e6:.1f} MB of Arrow columns")
    line("generate (synthetic district)", seconds, n)

    print("load")
    seconds, rules = best(repeat, lambda: bangfu.RuleSet.load(args.rules))
    line("RuleSet.load", seconds)
    seconds, reform = best(repeat, lambda: rules.reform({"dibao_standard": "1100"}))
    line("RuleSet.reform (dibao_standard = 1100)", seconds)

    # Memory first, for one workflow alone: the population built once, the
    # baseline and the reform evaluated, both result tables kept.
    gc.collect()
    before = peak_bytes()
    measured = reset_peak()
    once = rules.population(households, members, date=AS_OF)
    results = (once.evaluate(rules), once.evaluate(reform))
    peak = peak_bytes() if measured else before
    del once, results
    gc.collect()

    print("population (Arrow tables in)")
    seconds, population = best(repeat, lambda: rules.population(households, members, date=AS_OF))
    timings = population.timings
    line("rules.population", seconds, n)
    line("  convert (Arrow stream → columns)", timings["convert"], n + people, "rows")
    line("  build (check every cell, lay out cases)", timings["build"], n)

    print("evaluate (baseline)")
    seconds, count = best(repeat, lambda: bangfu._bangfu._evaluate_count(rules, population))
    assert count == n, (count, n)
    line("evaluation only", seconds, n)
    seconds, result = best(repeat, lambda: population.evaluate(rules))
    line("evaluation + result table", seconds, n)
    seconds, _ = best(repeat, lambda: rules.population(households, members, date=AS_OF).evaluate(rules))
    line("end to end (tables in, results out)", seconds, n)

    print("reform (same population, not rebuilt)")
    seconds, _ = best(repeat, lambda: bangfu._bangfu._evaluate_count(reform, population))
    line("evaluation only", seconds, n)
    seconds, _ = best(repeat, lambda: population.evaluate(reform))
    line("evaluation + result table", seconds, n)
    seconds, comparison = best(repeat, lambda: bangfu.compare(rules, reform, population))
    line("bangfu.compare (two evaluations + summary)", seconds, n)

    what = "population + baseline + reform, input tables included" if measured else "whole process"
    print(f"peak RSS ({what}): {peak / 1e6:.0f} MB ({peak / input_bytes:.1f}× the input columns)")
    s = comparison.summary()
    print(
        f"check: dibao 1100 costs {s['cost_per_month']:,} yuan more a month; "
        f"{s['newly_eligible']:,} households newly eligible; result rows {result.num_rows:,}"
    )


if __name__ == "__main__":
    main()

"""Benchmark: bangfu against a hand-written numpy/pandas script, from the same
Parquet files, in the same run.

Not a test: it prints timings side by side and their ratios. The district is
the synthetic one (``bangfu.synthetic.district``) written once to Parquet
(``households.parquet``, ``members.parquet``; members carry a ``person_id``
and a month's ``meals_per_month``). Three programs of the Chengyang rule set
are computed both ways and their totals must agree to the fen (the run stops
otherwise):

- ``dibao`` per household and ``tekun`` per member, from one household
  population with members evaluated in one pass
  (``Population.evaluate_with_members``: the households' table and the
  members');
- the meal subsidy per person for the month (a ``meal`` population of the
  members who ate at a canteen, one lunch at 12 yuan each; the amount per
  meal times their meals).

The hand-written side is ``handwritten.py``: integers in fen throughout.

Steps, each for both sides (best of ``--repeat`` unless said):

- read: ``pyarrow.parquet.read_table`` of both files (shared by both sides);
- build: bangfu's populations / the hand-written arrays from the tables;
- evaluate, first: the first evaluation after a build (once);
- evaluate, warm: again on the same build;
- reform: ``dibao_standard = 1100`` (and so ``tekun_standard``) on the same
  build;
- end to end: read + build + evaluate + totals, from the files;
- peak memory: each side's end to end (baseline and reform) in a process of
  its own (VmHWM), and the same process's resident memory after the imports.

Usage::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bindings-python/bench/bench_analyst.py \\
        [--households 100000 1000000] [--dir /tmp/bangfu-analyst] [--repeat 3]

The files are written on the first run (and whenever missing) from seed 2023.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Tuple, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import bangfu

sys.path.insert(0, str(Path(__file__).resolve().parent))
import handwritten  # noqa: E402

T = TypeVar("T")
AS_OF = datetime.date(2023, 9, 6)
RULES = Path(__file__).resolve().parents[2] / "rules" / "cn-qingdao-chengyang"
HOUSEHOLD_INPUTS = ["household_id", "registered_locally", "financial_assets", "emergency_hardship", "emergency_need", "medical_expenses_12m"]
MEMBER_INPUTS = ["household_id", "birth_date", "monthly_income", "disability_kind", "disability_grade", "has_able_supporter"]
PRICE = pa.scalar(Decimal(handwritten.PRICE_FEN) / 100, pa.decimal128(18, 2))


# --- the files -------------------------------------------------------------


def paths(folder: Path, n: int) -> Tuple[Path, Path]:
    return folder / f"households-{n}.parquet", folder / f"members-{n}.parquet"


def write_district(folder: Path, n: int, seed: int = 2023) -> None:
    """The synthetic district as Parquet, with a person id and a month's
    canteen meals per member (70% none, else 1–60; any age: under 60 the
    subsidy is nothing)."""
    households, members = bangfu.synthetic.district(n, seed=seed, as_of=AS_OF)
    rng = np.random.default_rng(seed)
    meals = np.where(rng.random(members.num_rows) < 0.3, rng.integers(1, 61, members.num_rows), 0)
    members = members.append_column("person_id", pa.array(np.arange(1, members.num_rows + 1, dtype=np.int64)))
    members = members.append_column("meals_per_month", pa.array(meals.astype(np.int16)))
    folder.mkdir(parents=True, exist_ok=True)
    h, m = paths(folder, n)
    pq.write_table(households, h)
    pq.write_table(members, m)


def read(folder: Path, n: int) -> Tuple[pa.Table, pa.Table]:
    h, m = paths(folder, n)
    return pq.read_table(h), pq.read_table(m)


# --- bangfu ----------------------------------------------------------------


class Built(NamedTuple):
    households: bangfu.Population
    meals: bangfu.Population
    meal_counts: pa.ChunkedArray


def bangfu_build(rules: bangfu.RuleSet, households: pa.Table, members: pa.Table) -> Built:
    # Only the columns the meal population reads, then the members who ate.
    diners = members.select(["person_id", "birth_date", "meals_per_month"])
    diners = diners.filter(pc.greater(diners["meals_per_month"], 0))
    k = diners.num_rows
    meal_table = pa.table(
        {
            "person_id": diners["person_id"],
            "birth_date": diners["birth_date"],
            "meal_kind": pa.DictionaryArray.from_arrays(pa.array(np.zeros(k, np.int32)), pa.array(["lunch"])),
            "canteen_designated": pa.array(np.ones(k, bool)),
            "price": pa.repeat(PRICE, k),
        }
    )
    return Built(
        rules.population(
            households.select(HOUSEHOLD_INPUTS), members.select(MEMBER_INPUTS), date=AS_OF, programs=["dibao", "tekun"]
        ),
        rules.population(meal_table, date=AS_OF, entity="meal", key="person_id"),
        diners["meals_per_month"],
    )


def fen_total(amounts: pa.ChunkedArray) -> int:
    total = pc.sum(amounts).as_py() or Decimal(0)
    return handwritten.fen_of(total)


def paid(amounts: pa.ChunkedArray) -> int:
    return pc.sum(pc.greater(amounts, pa.scalar(Decimal(0), amounts.type))).as_py() or 0


def bangfu_evaluate(rules: bangfu.RuleSet, b: Built) -> Dict[str, int]:
    households, members = b.households.evaluate_with_members(rules, programs=["dibao", "tekun"])
    dibao, tekun = households["dibao.amount"], members["tekun.amount"]
    per_meal = b.meals.evaluate(rules, programs=["meal_subsidy"])["meal_subsidy.amount"]
    month = pc.multiply_checked(per_meal, b.meal_counts.cast(pa.int64()))
    return {
        "dibao": fen_total(dibao),
        "dibao.paid": paid(dibao),
        "tekun": fen_total(tekun),
        "tekun.paid": paid(tekun),
        "meal_subsidy": fen_total(month),
        "meal_subsidy.paid": paid(month),
    }


# --- timing ----------------------------------------------------------------


def best(repeat: int, fn: Callable[[], T]) -> Tuple[float, T]:
    times: List[float] = []
    result = None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result  # type: ignore[return-value]


def rss(field: str) -> int:
    with open("/proc/self/status") as f:
        for row in f:
            if row.startswith(field + ":"):
                return int(row.split()[1]) * 1024
    return 0


def memory(side: str, folder: Path, n: int) -> None:
    """One side's end to end, baseline and reform, alone in this process;
    prints a JSON line with its peak and its memory after the imports."""
    rules = bangfu.RuleSet.load(RULES)
    reform = rules.reform({"dibao_standard": "1100"})
    base = rss("VmRSS")
    households, members = read(folder, n)
    if side == "bangfu":
        b = bangfu_build(rules, households, members)
        out = (bangfu_evaluate(rules, b), bangfu_evaluate(reform, b))
    else:
        c = handwritten.columns(households, members, AS_OF)
        out = (
            handwritten.totals(c, handwritten.Params.of(rules, AS_OF)),
            handwritten.totals(c, handwritten.Params.of(reform, AS_OF)),
        )
    print(json.dumps({"peak": rss("VmHWM"), "base": base, "totals": out}))


def row(step: str, ours: float, theirs: float) -> None:
    print(f"  {step:<34} {ours * 1000:>10.1f} ms {theirs * 1000:>10.1f} ms {ours / theirs:>7.2f}×")


def run(folder: Path, n: int, repeat: int) -> None:
    h, m = paths(folder, n)
    if not (h.exists() and m.exists()):
        write_district(folder, n)
    rules = bangfu.RuleSet.load(RULES)
    reform = rules.reform({"dibao_standard": "1100"})
    params = handwritten.Params.of(rules, AS_OF)
    reform_params = handwritten.Params.of(reform, AS_OF)

    read_s, (households, members) = best(repeat, lambda: read(folder, n))
    size = (h.stat().st_size + m.stat().st_size) / 1e6
    print(f"\n{n:,} households, {members.num_rows:,} persons; Parquet {size:.1f} MB, read in {read_s * 1000:.1f} ms")
    print(f"  {'step':<34} {'bangfu':>13} {'hand-written':>13} {'ratio':>8}")

    # First evaluations: on a fresh build, once each.
    b = bangfu_build(rules, households, members)
    start = time.perf_counter()
    ours = bangfu_evaluate(rules, b)
    ours_first = time.perf_counter() - start
    c = handwritten.columns(households, members, AS_OF)
    start = time.perf_counter()
    theirs = handwritten.totals(c, params)
    theirs_first = time.perf_counter() - start
    if ours != theirs:
        sys.exit(f"totals differ: bangfu {ours}, hand-written {theirs}")

    build_ours, b = best(repeat, lambda: bangfu_build(rules, households, members))
    build_theirs, c = best(repeat, lambda: handwritten.columns(households, members, AS_OF))
    row("build (tables → populations/arrays)", build_ours, build_theirs)
    row("evaluate, first", ours_first, theirs_first)
    warm_ours, _ = best(repeat, lambda: bangfu_evaluate(rules, b))
    warm_theirs, _ = best(repeat, lambda: handwritten.totals(c, params))
    row("evaluate, warm", warm_ours, warm_theirs)
    reform_ours, r_ours = best(repeat, lambda: bangfu_evaluate(reform, b))
    reform_theirs, r_theirs = best(repeat, lambda: handwritten.totals(c, reform_params))
    if r_ours != r_theirs:
        sys.exit(f"reform totals differ: bangfu {r_ours}, hand-written {r_theirs}")
    row("reform (same build), warm", reform_ours, reform_theirs)
    e2e_ours, _ = best(repeat, lambda: bangfu_evaluate(rules, bangfu_build(rules, *read(folder, n))))
    e2e_theirs, _ = best(repeat, lambda: handwritten.totals(handwritten.columns(*read(folder, n), AS_OF), params))
    row("end to end (Parquet → totals)", e2e_ours, e2e_theirs)
    del b, c, households, members
    gc.collect()

    peaks = {}
    for side in ("bangfu", "handwritten"):
        out = subprocess.run(
            [sys.executable, __file__, "--memory", side, "--dir", str(folder), "--households", str(n)],
            check=True,
            capture_output=True,
            text=True,
        )
        peaks[side] = json.loads(out.stdout.strip().splitlines()[-1])
    po, pt = peaks["bangfu"], peaks["handwritten"]
    print(
        f"  {'peak RSS, baseline + reform':<34} {po['peak'] / 1e6:>10.0f} MB {pt['peak'] / 1e6:>10.0f} MB "
        f"{po['peak'] / pt['peak']:>7.2f}×  (after imports {po['base'] / 1e6:.0f} / {pt['base'] / 1e6:.0f} MB)"
    )
    grown = (po["peak"] - po["base"]) / max(pt["peak"] - pt["base"], 1)
    print(f"  {'  above the imports':<34} {(po['peak'] - po['base']) / 1e6:>10.0f} MB {(pt['peak'] - pt['base']) / 1e6:>10.0f} MB {grown:>7.2f}×")
    print(
        "  totals equal to the fen: "
        + ", ".join(f"{k} {v / 100:,.2f} yuan" if "." not in k else f"{k} {v:,}" for k, v in ours.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/bangfu-analyst"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory", choices=["bangfu", "handwritten"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory:
        memory(args.memory, args.dir, args.households[0])
        return
    print(f"bangfu {bangfu.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, pyarrow {pa.__version__}")
    for n in args.households:
        run(args.dir, n, args.repeat)


if __name__ == "__main__":
    main()

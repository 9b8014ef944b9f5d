"""Spark local[2] against the single-process Python path, on the same Parquet.

Writes N synthetic households (default 10,000,000; members as a nested
list-of-structs column) as Parquet, then evaluates them:

- with Spark in local mode (``bangfu.spark.evaluate``, results written to
  Spark's ``noop`` sink so every row is computed), and
- in one Python process (``pyarrow.parquet`` read, ``RuleSet.population``,
  ``Population.evaluate``, with the core's threads on every core),

and reports both times, their ratio and households per second per core.

    .venv/bin/python bindings-python/bench/bench_spark.py               # 10 M
    .venv/bin/python bindings-python/bench/bench_spark.py --households 2000000

Not part of scripts/test: it takes minutes and gigabytes.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import bangfu
from bangfu import spark as bs

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules" / "cn-qingdao-chengyang"
AS_OF = datetime.date(2023, 9, 6)
CHUNK = 1_000_000


def nested(households: pa.Table, members: pa.Table, offset: int) -> pa.Table:
    """Households (ids shifted by ``offset``) with their members as a list column."""
    ids = households["household_id"].combine_chunks()
    counts = pc.value_counts(members["household_id"]).flatten()
    by_id = dict(zip(counts[0].to_pylist(), counts[1].to_pylist()))
    lengths = [by_id.get(i, 0) for i in ids.to_pylist()]
    offsets = [0]
    for n in lengths:
        offsets.append(offsets[-1] + n)
    m = members.drop_columns(["household_id"])
    structs = pa.StructArray.from_arrays([c.combine_chunks() for c in m.columns], fields=list(m.schema))
    lists = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), structs)
    shifted = pc.add(ids, pa.scalar(offset, pa.int64()))
    return households.set_column(0, "household_id", shifted).append_column("members", lists)


def write(path: Path, n: int) -> None:
    """N households as Parquet, written a million at a time."""
    writer = None
    done = 0
    seed = 0
    while done < n:
        size = min(CHUNK, n - done)
        households, members = bangfu.synthetic.district(size, seed=seed)
        table = nested(households, members, done)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=256 * 1024)
        done += size
        seed += 1
    if writer is not None:
        writer.close()


def spark_session(cores: int):
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("bangfu-bench")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=10_000_000)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/bangfu-bench-spark"))
    ap.add_argument("--cores", type=int, default=2, help="Spark local[cores]")
    args = ap.parse_args()
    n = args.households
    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.dir / f"households-{n}.parquet"
    if not path.exists():
        t = time.perf_counter()
        write(path, n)
        print(f"wrote {n:,} households to {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
    cores = os.cpu_count() or 1

    rules = bangfu.RuleSet.load(RULES)
    t = time.perf_counter()
    table = pq.read_table(path)
    read = time.perf_counter() - t
    population = rules.population(table, date=AS_OF)
    timings = population.timings
    results = population.evaluate(rules)
    python_s = time.perf_counter() - t
    python_total = pc.sum(results["dibao.amount"]).as_py()
    del table, population, results
    print(f"python, one process ({cores} cores): {python_s:.2f} s (Parquet read {read:.2f} s, "
          f"population {timings['convert']:.2f} + {timings['build']:.2f} s)")

    spark = spark_session(args.cores)
    spark_rules = bs.SparkRules.load(RULES)
    df = spark.read.parquet(str(path))
    times = []
    for _ in range(2):
        # The first pass also starts the Python workers and warms the JVM.
        t = time.perf_counter()
        bs.evaluate(df, spark_rules, AS_OF).write.format("noop").mode("overwrite").save()
        times.append(time.perf_counter() - t)
    spark_s = times[-1]
    spark_total = bs.evaluate(df, spark_rules, AS_OF).agg({"`dibao.amount`": "sum"}).collect()[0][0]
    spark.stop()
    assert spark_total == python_total, (spark_total, python_total)

    print(f"spark local[{args.cores}]: {spark_s:.2f} s (first pass, starting the workers: {times[0]:.2f} s)")
    print(f"ratio spark / python: {spark_s / python_s:.1f}x")
    print(f"households per second per core: python {n / python_s / cores:,.0f}, spark {n / spark_s / args.cores:,.0f}")
    print(f"dibao cost per month, both: {python_total}")


if __name__ == "__main__":
    main()

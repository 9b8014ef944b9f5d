"""Households in Spark: evaluation and reform comparison over a DataFrame.

A Spark DataFrame of households goes through ``mapInArrow``: each Arrow
batch is handed to the Rust core as it is (no per-row Python work), and the
results come back as a Spark DataFrame with the columns and types of
``Population.evaluate`` — the key, ``error``, and per program
``<program>.eligible`` and ``<program>.amount`` (exact ``decimal``).

The members of a household are either an ``array<struct>`` column
``members`` of the households DataFrame (how Spark holds nested data), or a
second DataFrame linked by the key column, which is grouped into that
column first (members in the order of the members DataFrame).

The rule set's files (and the reform) are broadcast once; each executor
process builds the ``RuleSet`` once and keeps it, keyed by the files'
content hash. Rows with errors do not fail the job: they have nulls and an
error code (``invalid_input``, or the core's code), unless
``errors="raise"``.

>>> from bangfu import spark as bs                                  # doctest: +SKIP
>>> rules = bs.SparkRules.load("rules/cn-qingdao-chengyang")        # doctest: +SKIP
>>> results = bs.evaluate(households_df, rules, "2023-09-06")       # doctest: +SKIP
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import pyarrow as pa
import pyarrow.compute as pc

from . import _bangfu
from ._bangfu import RuleSet
from ._errors import InputError

__all__ = ["SparkRules", "SparkComparison", "evaluate", "compare", "nest_members"]

DateLike = Union[datetime.date, str]

ORDER = "__bangfu_member_order"
# Rows of the DataFrame with the same key, counted across partitions.
SEEN = "__bangfu_key_rows"


@dataclass(frozen=True)
class SparkRules:
    """A rule set as its files' text (and a reform's overrides), small enough
    to broadcast; executors build the ``RuleSet`` from it once per process."""

    files: Tuple[Tuple[str, str], ...]
    overrides: Tuple[Tuple[str, str], ...] = ()
    digest: str = field(default="", compare=False)

    @staticmethod
    def load(path: Union[str, Path]) -> "SparkRules":
        """The rule files (every ``.toml`` under ``path``) of a rule set folder."""
        root = Path(path)
        files = sorted(
            (p.relative_to(root).as_posix(), p.read_text(encoding="utf-8"))
            for p in root.rglob("*.toml")
            if p.is_file()
        )
        return SparkRules.from_files(dict(files))

    @staticmethod
    def from_files(files: Mapping[str, str]) -> "SparkRules":
        """A rule set from ``{path: text}``, as ``RuleSet.from_files`` takes it."""
        return SparkRules(tuple(sorted(files.items())))._sealed()

    def reform(self, overrides: Mapping[str, Any]) -> "SparkRules":
        """These rules with parameter overrides (values as ``str``, ``int`` or
        ``Decimal``), as ``RuleSet.reform`` takes them."""
        return SparkRules(self.files, self.overrides + tuple((k, str(v)) for k, v in overrides.items()))._sealed()

    def _sealed(self) -> "SparkRules":
        h = hashlib.sha256()
        for name, text in self.files + (("\0overrides", ""),) + self.overrides:
            h.update(name.encode())
            h.update(b"\0")
            h.update(text.encode())
            h.update(b"\0")
        return SparkRules(self.files, self.overrides, h.hexdigest())

    def ruleset(self) -> RuleSet:
        """The ``RuleSet``, built once per process and kept by content hash."""
        rules = _CACHE.get(self.digest)
        if rules is None:
            rules = RuleSet.from_files(dict(self.files))
            if self.overrides:
                rules = rules.reform(dict(self.overrides))
            _CACHE[self.digest] = rules
        return rules


# One RuleSet per rule files and reform, per process (driver or executor).
_CACHE: Dict[str, RuleSet] = {}


def nest_members(households: Any, members: Any, key: str = "household_id") -> Any:
    """The households DataFrame with a ``members`` column: each household's
    rows of ``members`` (linked by ``key``, in the members DataFrame's order)
    as an ``array<struct>``. A full outer join: a household without members
    has a null list, and members whose key names no household make a row of
    their own, whose missing household fields are reported as errors."""
    from pyspark.sql import functions as F

    columns = [c for c in members.columns if c != key]
    ordered = members.withColumn(ORDER, F.monotonically_increasing_id())
    grouped = ordered.groupBy(key).agg(
        F.sort_array(F.collect_list(F.struct(F.col(ORDER), *[F.col(c) for c in columns]))).alias("m")
    )
    grouped = grouped.select(
        F.col(key), F.transform("m", lambda s: F.struct(*[s[c].alias(c) for c in columns])).alias("members")
    )
    return households.join(grouped, on=key, how="full")


def _arrow_schema(df: Any) -> pa.Schema:
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(df.schema)


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def _date(date: DateLike) -> datetime.date:
    return date if isinstance(date, datetime.date) else datetime.date.fromisoformat(str(date))


def _prepare(df: Any, members: Any, key: str) -> Any:
    if key not in df.columns:
        raise ValueError(f"the households DataFrame has no key column {key!r}: results are returned beside it")
    return df if members is None else nest_members(df, members, key)


def _population(rules: RuleSet, batch: pa.RecordBatch, date: datetime.date, key: str, entity: str) -> Any:
    return rules.population(pa.Table.from_batches([batch]), date=date, key=key, entity=entity, errors="collect")


def _results_schema(rules: RuleSet, schema: pa.Schema, date: datetime.date, key: str, entity: str,
                    programs: Optional[List[str]]) -> pa.Schema:
    empty = pa.Table.from_batches([], schema).to_batches() or [pa.RecordBatch.from_pylist([], schema)]
    pop = _population(rules, empty[0], date, key, entity)
    return pop.evaluate(rules, programs=programs, errors="collect").schema


def evaluate(
    df: Any,
    rules: SparkRules,
    date: DateLike,
    *,
    members: Any = None,
    key: str = "household_id",
    entity: str = "household",
    programs: Optional[Sequence[str]] = None,
    errors: str = "collect",
) -> Any:
    """Evaluates every household of ``df`` as of ``date``: a DataFrame with
    the key, ``error`` and per program ``<program>.eligible`` and
    ``<program>.amount`` (the columns and types of ``Population.evaluate``).
    Members are the ``members`` array-of-struct column of ``df``, or the
    DataFrame ``members`` linked by ``key``. With ``errors="collect"`` (the
    default) a row with errors has nulls and an error code; with ``"raise"``
    the job fails on the first such row. A key on two rows (in one Arrow
    batch or in two partitions) is refused on both (``duplicate_key``), as
    by ``Population``: results are matched to households by the key."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    if errors not in ("raise", "collect"):
        raise ValueError(f'errors must be "raise" or "collect", not {errors!r}')
    as_of = _date(date)
    nested = _prepare(df, members, key)
    progs = None if programs is None else list(programs)
    out = _results_schema(rules.ruleset(), _arrow_schema(nested), as_of, key, entity, progs)
    counted = nested.withColumn(SEEN, F.count(F.lit(1)).over(Window.partitionBy(key)))
    shipped = nested.sparkSession.sparkContext.broadcast(rules)
    raise_ = errors == "raise"

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        spec: SparkRules = shipped.value
        ruleset = spec.ruleset()
        for batch in batches:
            yield from _evaluate_batch(ruleset, batch, as_of, key, entity, progs, out, raise_)

    return counted.mapInArrow(run, _spark_schema(out))


def _evaluate_batch(rules: RuleSet, batch: pa.RecordBatch, as_of: datetime.date, key: str, entity: str,
                    programs: Optional[List[str]], out: pa.Schema, raise_: bool) -> Iterator[pa.RecordBatch]:
    if batch.num_rows == 0:
        return
    seen = None
    if SEEN in batch.schema.names:
        i = batch.schema.get_field_index(SEEN)
        seen, batch = batch.column(i), batch.drop_columns([SEEN])
    pop = _population(rules, batch, as_of, key, entity)
    if raise_ and pop.invalid_count:
        # The row problems, located, as InputError.
        rules.population(pa.Table.from_batches([batch]), date=as_of, key=key, entity=entity, errors="raise")
    table = pop.evaluate(rules, programs=programs, errors="raise" if raise_ else "collect")
    if seen is not None:
        table = _refuse_repeated(table, seen, key, raise_)
    # Safe casts only: a value that does not fit the column's type fails.
    yield from table.cast(out, safe=True).to_batches()


def _without_repeated(batch: pa.RecordBatch, key: str) -> Tuple[pa.RecordBatch, int]:
    """The batch without the rows whose key is on another row of the
    DataFrame (counted by the window), and how many were left out."""
    i = batch.schema.get_field_index(SEEN)
    if i < 0:
        return batch, 0
    seen, batch = batch.column(i), batch.drop_columns([SEEN])
    repeated = pc.and_(pc.greater(seen, 1), pc.is_valid(batch.column(key)))
    n = pc.sum(repeated.cast(pa.int64())).as_py() or 0
    return (batch.filter(pc.invert(repeated)), n) if n else (batch, 0)


def _refuse_repeated(table: pa.Table, seen: pa.Array, key: str, raise_: bool) -> pa.Table:
    """Rows whose key is on another row of the DataFrame (another partition's
    included): no result, and the error ``duplicate_key``."""
    repeated = pc.and_(pc.greater(seen, 1), pc.is_valid(table[key]))
    if not pc.any(repeated).as_py():
        return table
    if raise_:
        k = table[key].filter(repeated)[0].as_py()
        msg = f"`{key}` {k!r} is on more than one row: each household once, or its members cannot be told apart"
        raise InputError(msg, [{"code": "duplicate_key", "loc": key, "msg": msg, "input": str(k)}])
    columns = []
    for name in table.column_names:
        col = table[name]
        if name == "error":
            col = pc.if_else(repeated, pa.scalar("duplicate_key", col.type), col)
        elif name != key:
            col = pc.if_else(repeated, pa.scalar(None, col.type), col)
        columns.append(col)
    return pa.Table.from_arrays(columns, schema=table.schema)


@dataclass(frozen=True)
class SparkComparison:
    """A reform compared with the baseline, as Spark DataFrames with the
    columns of ``bangfu.Comparison``: ``by_program`` (one row per program and
    ``(all)``), ``by_household_size`` (per program and number of members) and
    ``households`` (one row per case). Counts and exact decimal sums are
    Spark aggregations of each batch's comparison."""

    by_program: Any
    by_household_size: Any
    households: Any

    def program(self, name: str = "(all)") -> Dict[str, Any]:
        """The row of ``by_program`` for ``name`` as a dict (money as ``Decimal``)."""
        rows = [r.asDict() for r in self.by_program.where(self.by_program["program"] == name).collect()]
        if not rows:
            raise KeyError(name)
        return rows[0]

    def summary(self) -> Dict[str, Any]:
        """The ``(all)`` row as a dict."""
        return self.program()


def compare(
    df: Any,
    baseline: SparkRules,
    reform: SparkRules,
    date: DateLike,
    *,
    members: Any = None,
    key: str = "household_id",
    programs: Optional[Sequence[str]] = None,
) -> SparkComparison:
    """Compares ``reform`` with ``baseline`` over the households of ``df`` as of
    ``date`` (as ``bangfu.compare``). Each Arrow batch is compared by the core;
    the per-batch counts and sums are added up by Spark, exactly (decimal sums).
    Rows with errors are counted in ``skipped`` of ``by_program``, and so
    are both rows of a key on two rows of the DataFrame."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    as_of = _date(date)
    nested = _prepare(df, members, key)
    progs = None if programs is None else list(programs)
    base, ref = baseline.ruleset(), reform.ruleset()
    schema = _arrow_schema(nested)
    empty = pa.RecordBatch.from_pylist([], schema)
    sample = _bangfu.compare(base, ref, _population(base, empty, as_of, key, "household"), as_of, progs)
    shipped = nested.sparkSession.sparkContext.broadcast((baseline, reform))
    counted = nested.withColumn(SEEN, F.count(F.lit(1)).over(Window.partitionBy(key)))

    def widened(t: pa.Schema, extra: List[pa.Field]) -> pa.Schema:
        fields = [pa.field(f.name, pa.decimal128(38, f.type.scale)) if pa.types.is_decimal(f.type) else f for f in t]
        return pa.schema(fields + extra)

    out = {
        "programs": widened(sample["programs"].schema, [pa.field("order", pa.int64()), pa.field("skipped", pa.int64())]),
        "by_size": widened(sample["by_size"].schema, [pa.field("order", pa.int64())]),
        "households": sample["households"].schema,
    }
    if "members" not in out["households"].names:
        # An empty population has no sizes to show; every batch does.
        out["households"] = out["households"].insert(1, pa.field("members", pa.int64(), nullable=False))

    def tables(part: str):
        def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            b_spec, r_spec = shipped.value
            b, r = b_spec.ruleset(), r_spec.ruleset()
            for batch in batches:
                if batch.num_rows == 0:
                    continue
                batch, repeated = _without_repeated(batch, key)
                c = _bangfu.compare(b, r, _population(b, batch, as_of, key, "household"), as_of, progs)
                c["skipped"] += repeated
                t = c[part]
                if part != "households":
                    t = t.append_column("order", pa.array(range(t.num_rows), pa.int64()))
                if part == "programs":
                    skipped = [c["skipped"] if p == "(all)" else 0 for p in t["program"].to_pylist()]
                    t = t.append_column("skipped", pa.array(skipped, pa.int64()))
                yield from t.cast(out[part], safe=True).to_batches()

        return counted.mapInArrow(run, _spark_schema(out[part]))

    def summed(part: str, by: List[str]) -> Any:
        d = tables(part)
        sums = [
            F.sum(c).cast(d.schema[c].dataType).alias(c)
            for c in d.columns
            if c not in by and c != "order"
        ]
        return d.groupBy(*by).agg(F.min("order").alias("order"), *sums).orderBy("order", *by).drop("order")

    size = [f.name for f in out["by_size"] if f.name not in ("program",) and pa.types.is_integer(f.type)][:1]
    return SparkComparison(
        by_program=summed("programs", ["program"]),
        by_household_size=summed("by_size", ["program", *size]),
        households=tables("households"),
    )

"""Benefit cliffs and "what would change the answer" for analysts.

The search is the Rust core's: the case is evaluated at every point of the
varied input's grid (the fen for money, 1 for integers) by the batch engine,
and the points where a program's answer changes are found exactly. This
module turns the answer into pyarrow tables (money as exact decimals) and
draws it with matplotlib.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import pyarrow as pa

from . import _bangfu
from ._bangfu import RuleSet

__all__ = ["Cliffs", "cliffs", "what_would_change", "plot_cliffs"]

DateLike = Union[datetime.date, str]
Number = Union[Decimal, int, str]


def _dec(v: Optional[str]) -> Optional[Decimal]:
    return None if v is None else Decimal(v)


def _decimal_type(values: Sequence[Optional[Decimal]]) -> pa.DataType:
    """An exact decimal type wide enough for every value's decimals."""
    scale = 0
    for v in values:
        if v is not None:
            scale = max(scale, -int(v.as_tuple().exponent))
    return pa.decimal128(38, min(scale, 18))


def _table(rows: List[Dict[str, Any]], decimals: Sequence[str]) -> pa.Table:
    columns: Dict[str, Any] = {}
    names = list(rows[0].keys()) if rows else []
    for name in names:
        values = [r[name] for r in rows]
        if name in decimals:
            columns[name] = pa.array(values, type=_decimal_type(values))
        else:
            columns[name] = pa.array(values)
    return pa.table(columns)


@dataclass(frozen=True)
class Cliffs:
    """Where each program's answer changes as one input of a case varies.

    ``breakpoints`` has one row per change: ``program``, ``kind``
    (``eligibility``, ``jump`` or ``slope``), ``before`` and ``at`` (the two
    neighbouring grid points around the change), eligibility and amount on
    each side, the slope on each side (amount per unit of the input) and
    ``jump`` (the part of the change the slope before does not explain).
    ``segments`` has one row per segment and program: ``from``, ``to``
    (both included), ``program``, ``eligible``, ``amount_from``,
    ``amount_to`` and ``slope``; within a segment every amount is one
    straight line, so the table describes every grid point exactly.
    Money is exact decimal throughout.
    """

    breakpoints: pa.Table
    segments: pa.Table
    vary: Dict[str, Any]
    programs: List[Dict[str, Any]]
    rules: Dict[str, Any]
    date: datetime.date

    @property
    def money_programs(self) -> List[str]:
        """The programs that pay money (statuses have no amount)."""
        return [p["program"] for p in self.programs if p["pays"]]


def cliffs(
    rules: RuleSet,
    case: Any,
    vary: str,
    low: Number,
    high: Number,
    on: DateLike,
    programs: Optional[Sequence[str]] = None,
    entity: Optional[str] = None,
) -> Cliffs:
    """Searches ``vary`` (``"financial_assets"``, ``"members[0].monthly_income"``)
    of ``case`` from ``low`` to ``high`` as of ``on``: see :class:`Cliffs`.

    Raises ``BangfuError`` naming the field for a path that is not a money
    or integer input of the case, a range that is inverted, off the grid,
    outside the input's bounds or wider than 20,000,000 points;
    ``InputError`` for a case with input errors.
    """
    found = json.loads(_bangfu.cliffs(
        rules, case, vary, low, high, on, entity=entity,
        programs=list(programs) if programs is not None else None,
    ))
    names = [p["program"] for p in found["programs"]]
    breaks = []
    for p in found["programs"]:
        for b in p["breakpoints"]:
            breaks.append({
                "program": p["program"], "kind": b["kind"],
                "before": Decimal(b["before"]), "at": Decimal(b["at"]),
                "eligible_before": b["eligible_before"], "eligible_after": b["eligible_after"],
                "amount_before": _dec(b["amount_before"]), "amount_after": _dec(b["amount_after"]),
                "slope_before": _dec(b["slope_before"]), "slope_after": _dec(b["slope_after"]),
                "jump": _dec(b["jump"]),
            })
    breaks.sort(key=lambda r: (r["at"], names.index(r["program"])))
    segs = []
    for s in found["segments"]:
        for a in s["programs"]:
            segs.append({
                "from": Decimal(s["from"]), "to": Decimal(s["to"]), "program": a["program"],
                "eligible": a["eligible"], "amount_from": _dec(a["amount_from"]),
                "amount_to": _dec(a["amount_to"]), "slope": _dec(a["slope"]),
            })
    money = ("before", "at", "amount_before", "amount_after", "slope_before", "slope_after", "jump")
    empty_breaks = pa.table({
        "program": pa.array([], pa.string()), "kind": pa.array([], pa.string()),
        **{m: pa.array([], pa.decimal128(38, 2)) for m in ("before", "at")},
        "eligible_before": pa.array([], pa.bool_()), "eligible_after": pa.array([], pa.bool_()),
        **{m: pa.array([], pa.decimal128(38, 2)) for m in money[2:]},
    })
    vary_info = dict(found["vary"])
    for k in ("step", "low", "high", "current"):
        vary_info[k] = Decimal(vary_info[k])
    vary_info["others"] = _dec(vary_info["others"])
    return Cliffs(
        breakpoints=_table(breaks, money) if breaks else empty_breaks,
        segments=_table(segs, ("from", "to", "amount_from", "amount_to", "slope")),
        vary=vary_info,
        programs=[{k: p[k] for k in ("program", "label", "pays", "amount_unit")} for p in found["programs"]],
        rules=found["rules"],
        date=datetime.date.fromisoformat(found["as_of"]),
    )


def what_would_change(
    rules: RuleSet,
    case: Any,
    on: DateLike,
    programs: Optional[Sequence[str]] = None,
    vary: Optional[str] = None,
    low: Optional[Number] = None,
    high: Optional[Number] = None,
    entity: Optional[str] = None,
) -> List[Dict[str, Any]]:
    """For each program and each input searched (``vary``, or every input
    the rule set marks ``what_if``), the value at which the answer changes,
    where eligibility is monotone along the input: a list of dicts with
    ``program``, ``eligible``, ``path``, ``finding`` (``qualify_at_most``,
    ``qualify_at_least``, ``lose_above``, ``lose_below``, ``unchanged`` or
    ``not_monotone``), ``threshold``, ``by`` and ``sentence`` (``zh``,
    ``en``). Numbers are ``Decimal``.
    """
    found = json.loads(_bangfu.what_would_change(
        rules, case, on, programs=list(programs) if programs is not None else None,
        vary=vary, low=low, high=high, entity=entity,
    ))
    out = []
    for w in found:
        w = dict(w)
        for k in ("current", "low", "high", "others", "threshold", "by"):
            w[k] = _dec(w[k])
        w["eligible_intervals"] = [(Decimal(a), Decimal(b)) for a, b in w["eligible_intervals"]]
        out.append(w)
    return out


def _series(c: Cliffs) -> Tuple[List[Decimal], List[Decimal], List[Decimal]]:
    """Points of the total of money-paying programs and of net income
    (the varied value, the other members' values and the benefits), at
    both ends of every segment: exact, since both are straight within one.
    """
    money = set(c.money_programs)
    others = c.vary["others"] or Decimal(0)
    totals: Dict[Tuple[Decimal, Decimal], List[Decimal]] = {}
    for r in c.segments.to_pylist():
        key = (r["from"], r["to"])
        t = totals.setdefault(key, [Decimal(0), Decimal(0)])
        if r["program"] in money:
            t[0] += r["amount_from"] or 0
            t[1] += r["amount_to"] or 0
    xs: List[Decimal] = []
    benefits: List[Decimal] = []
    net: List[Decimal] = []
    for (a, b), (ta, tb) in sorted(totals.items()):
        for x, t in ((a, ta), (b, tb)):
            xs.append(x)
            benefits.append(t)
            net.append(x + others + t)
    return xs, benefits, net


def plot_cliffs(
    c: Cliffs, ax: Any = None, lang: str = "en", title: Optional[str] = None, net: bool = True
) -> Any:
    """Draws total benefits (the programs that pay money) and, when the
    varied input is an income (``net=True``), net income (the varied
    income, the other members' and the benefits) along the input, and
    shades each cliff: from a point where benefits fall by more than the
    slope explains to where net income (or the benefits, with
    ``net=False``) is back to its level before the fall. Changes of a
    status (a program without an amount) are marked with dotted lines.
    Returns the matplotlib axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5))
    xs, benefits, income = _series(c)
    zh = lang == "zh"
    if net:
        ax.plot(xs, income, color="tab:blue", label="净收入" if zh else "net income")
    level = income if net else benefits
    ax.plot(xs, benefits, color="tab:green", label="救助金合计" if zh else "total benefits")
    # Cliffs: where the total falls off its line.
    money = set(c.money_programs)
    shaded = False
    for r in c.breakpoints.to_pylist():
        if r["program"] not in money or r["jump"] is None or r["jump"] >= 0:
            continue
        before_net = None
        for i in range(0, len(xs), 2):
            if xs[i + 1] == r["before"]:
                before_net = level[i + 1]
        end = r["at"]
        if before_net is not None:
            for i in range(0, len(xs), 2):
                if xs[i] >= r["at"] and level[i + 1] >= before_net:
                    a, b, na, nb = xs[i], xs[i + 1], level[i], level[i + 1]
                    end = a if na >= before_net or nb == na else a + (before_net - na) * (b - a) / (nb - na)
                    break
            else:
                end = xs[-1]
        ax.axvspan(r["before"], max(end, r["at"]), color="tab:red", alpha=0.15,
                   label=None if shaded else ("悬崖" if zh else "cliff"))
        shaded = True
    labels = {p["program"]: p["label"]["zh" if zh else "en"] for p in c.programs if not p["pays"]}
    marks: Dict[Decimal, List[str]] = {}
    for r in c.breakpoints.to_pylist():
        if r["kind"] == "eligibility" and r["program"] in labels:
            marks.setdefault(r["at"], []).append(("+ " if r["eligible_after"] else "− ") + labels[r["program"]])
    for at, names in marks.items():
        ax.axvline(at, color="grey", linestyle=":", linewidth=1)
        ax.annotate(" / ".join(names), (at, 0), rotation=90, fontsize=7, va="bottom", ha="right", color="grey")
    ax.set_xlabel(f'{c.vary["label"]["zh" if zh else "en"]} ({c.vary["path"]})')
    ax.set_ylabel("元/月" if zh else "yuan a month")
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left")
    return ax

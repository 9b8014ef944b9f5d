"""Random households for the differential test: valid ones across the range
of every input, and invalid ones with one or more problems of each kind.

Deterministic for a seed, so a failure can be reproduced with
``python tests/differential/run.py --seed N``. Money is always text (the
exact form every surface accepts); nothing here is a float.
"""

from __future__ import annotations

import random
from typing import Any, Dict, List

DATES = ["2016-01-01", "2019-06-01", "2020-12-31", "2021-07-01", "2023-01-01", "2023-09-06", "2024-08-01", "2026-12-04"]
KINDS = ["none", "physical", "intellectual", "mental", "visual", "hearing", "speech", "multiple"]


def money(r: random.Random, high: int) -> str:
    cents = r.randrange(0, high * 100 + 1)
    if r.random() < 0.5:
        cents -= cents % 100
    whole, fen = divmod(cents, 100)
    return f"{whole}" if fen == 0 and r.random() < 0.7 else f"{whole}.{fen:02d}"


def member(r: random.Random, as_of_year: int) -> Dict[str, Any]:
    year = r.randrange(as_of_year - 100, as_of_year)
    m: Dict[str, Any] = {
        "birth_date": f"{year:04d}-{r.randrange(1, 13):02d}-{r.randrange(1, 29):02d}",
        "monthly_income": money(r, r.choice([0, 800, 1500, 4000])),
    }
    if r.random() < 0.05:
        m["birth_date"] = r.choice(["1948-02-29", "1960-02-29"])
    if r.random() < 0.3:
        m["disability_kind"] = r.choice(KINDS)
        m["disability_grade"] = r.randrange(0, 5)
    for field, p in [("has_able_supporter", 0.3), ("supported_as_minor", 0.1), ("in_full_time_study", 0.1)]:
        if r.random() < p:
            m[field] = r.random() < 0.5
    for field in ["tekun_excluded_income", "personal_financial_assets"]:
        if r.random() < 0.15:
            m[field] = money(r, 3000)
    return m


def household(r: random.Random, as_of: str) -> Dict[str, Any]:
    year = int(as_of[:4])
    h: Dict[str, Any] = {
        "registered_locally": r.random() < 0.9,
        "financial_assets": money(r, r.choice([0, 5000, 60000])),
        "members": [member(r, year) for _ in range(r.choice([1, 1, 2, 3, 3, 4, 5, 6]))],
    }
    if r.random() < 0.15:
        h["emergency_hardship"] = r.random() < 0.5
        h["emergency_need"] = money(r, 5000)
    if r.random() < 0.15:
        h["medical_expenses_12m"] = money(r, 80000)
    return h


def spoil(r: random.Random, h: Dict[str, Any]) -> None:
    """One problem, at a random place."""
    m = r.choice(h["members"])
    kind = r.randrange(14)
    if kind == 0:
        h["financial_assets"] = "-" + money(r, 100)
    elif kind == 1:
        m["monthly_income"] = r.choice(["12.345", "1,000", "abc", "", " 1", "1e3", "0x10", "１０"])
    elif kind == 2:
        m["birth_date"] = r.choice(["1980-02-30", "1980-13-01", "80-01-01", "2099-01-01", "1700-01-01", ""])
    elif kind == 3:
        m.pop("birth_date", None)
    elif kind == 4:
        h.pop("registered_locally", None)
    elif kind == 5:
        h["hukou"] = "qingdao"
    elif kind == 6:
        h["registered_locally"] = r.choice(["yes", 1, None])
    elif kind == 7:
        m["disability_grade"] = r.choice([5, -1, "two", "1.5"])
    elif kind == 8:
        m["disability_kind"] = r.choice(["blind", "", "PHYSICAL"])
    elif kind == 9:
        h["members"] = []
    elif kind == 10:
        h["members"] = h["members"] * (21 // len(h["members"]) + 1)
    elif kind == 11:
        m["monthly_income"] = r.choice([["100"], {"v": "100"}, True])
    elif kind == 12:
        m["monthly_income"] = "9" * 40
    else:
        h["members"] = "none"


def generate(seed: int, n: int) -> List[Dict[str, Any]]:
    """`n` cases: about two thirds valid, one third with one to three problems."""
    r = random.Random(seed)
    cases = []
    for i in range(n):
        as_of = r.choice(DATES)
        h = household(r, as_of)
        if r.random() < 0.35:
            for _ in range(r.randrange(1, 4)):
                if isinstance(h.get("members"), list) and h["members"]:
                    spoil(r, h)
        cases.append({"id": f"case-{seed}-{i}", "as_of": as_of, "entity": "household", "input": h})
    return cases

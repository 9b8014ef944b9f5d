"""`RuleSet.decide`: the answers of `RuleSet.evaluate` without the
explanation, from the same reader with the same errors."""

from __future__ import annotations

import collections.abc
import datetime
import enum
from decimal import Decimal
from typing import Any, Dict, List

import pytest

import bangfu

from conftest import AS_OF


def households(district, limit: int) -> List[Dict[str, Any]]:
    tables, members = district
    by_id: Dict[int, List[Dict[str, Any]]] = {}
    for m in members.to_pylist():
        by_id.setdefault(m.pop("household_id"), []).append({k: v for k, v in m.items() if v is not None})
    out = []
    for h in tables.to_pylist()[:limit]:
        case = {k: v for k, v in h.items() if v is not None and k != "household_id"}
        case["members"] = by_id.get(h["household_id"], [])
        out.append(case)
    return out


def test_decide_answers_as_evaluate_does(rules: bangfu.RuleSet, district) -> None:
    programs = rules.programs("household")
    for case in households(district, 300):
        decided = rules.decide("household", case, AS_OF)
        outcome = rules.evaluate("household", case, AS_OF)
        assert list(decided) == programs
        for p in programs:
            eligible, amount = decided[p]
            assert eligible is outcome.eligible(p)
            assert amount == outcome.amount(p)
            assert amount is None or isinstance(amount, Decimal)
    only = rules.decide("household", households(district, 1)[0], "2023-09-06", programs=["dibao"])
    assert list(only) == ["dibao"]


def test_decide_refuses_as_evaluate_does(rules: bangfu.RuleSet) -> None:
    case = {
        "registered_locally": "yes",
        "financial_assets": Decimal("1E+3"),
        "members": [
            {"birth_date": datetime.date(1960, 1, 1), "monthly_income": Decimal("100")},
            {"birth_date": datetime.datetime(1980, 1, 1), "monthly_income": 1.5, "salary": "1"},
        ],
    }
    errors = []
    for fn in (rules.decide, rules.evaluate):
        with pytest.raises(bangfu.InputError) as info:
            fn("household", case, AS_OF)
        errors.append({(e["loc"], e["code"]) for e in info.value.errors})
    assert errors[0] == errors[1] == {
        ("registered_locally", "wrong_type"),
        ("members[1].birth_date", "wrong_type"),
        ("members[1].monthly_income", "wrong_type"),
        ("members[1].salary", "unknown_field"),
    }
    valid = {"registered_locally": True, "financial_assets": "0", "members": [{"birth_date": "1960-01-01", "monthly_income": "0"}]}
    for fn in (rules.decide, rules.evaluate):
        with pytest.raises(bangfu.EvaluationError):
            fn("household", valid, AS_OF, programs=["nothing"])


def test_decimals_with_exponents_are_read_exactly(rules: bangfu.RuleSet) -> None:
    case = {
        "registered_locally": True,
        "financial_assets": Decimal("1E+3"),
        "members": [{"birth_date": datetime.date(1960, 1, 1), "monthly_income": Decimal("1.0E+2")}],
    }
    assert rules.decide("household", case, AS_OF, ["dibao"])["dibao"] == (True, Decimal("945.00"))


class Kind(enum.Enum):
    PHYSICAL = "physical"


class Fields(collections.abc.Mapping):
    """A mapping that is not a dict."""

    def __init__(self, **fields: Any) -> None:
        self._fields = fields

    def __getitem__(self, key: str) -> Any:
        return self._fields[key]

    def __iter__(self):
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)


class Broken(collections.abc.Mapping):
    """A mapping whose items cannot be listed."""

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self):
        raise RuntimeError("the fields cannot be listed")

    def __len__(self) -> int:
        return 1


def test_values_are_read_where_they_lie_as_their_text_would_be(rules: bangfu.RuleSet) -> None:
    typed = {
        "registered_locally": True,
        "financial_assets": 5000,
        "members": (
            {"birth_date": datetime.date(1950, 3, 1), "monthly_income": Decimal("8.0E+2"), "disability_kind": Kind.PHYSICAL, "disability_grade": 2},
            Fields(birth_date=datetime.date(2012, 1, 30), monthly_income=Decimal("0")),
        ),
    }
    text = {
        "registered_locally": True,
        "financial_assets": "5000",
        "members": [
            {"birth_date": "1950-03-01", "monthly_income": "800", "disability_kind": "physical", "disability_grade": "2"},
            {"birth_date": "2012-01-30", "monthly_income": "0"},
        ],
    }
    assert rules.decide("household", typed, AS_OF) == rules.decide("household", text, AS_OF)


def test_typed_values_are_refused_as_their_text_would_be(rules: bangfu.RuleSet) -> None:
    def problems(case: Dict[str, Any]):
        with pytest.raises(bangfu.InputError) as info:
            rules.decide("household", case, AS_OF)
        return sorted((e["code"], e["loc"], e["input"]) for e in info.value.errors)

    typed = {
        "registered_locally": 1,
        "financial_assets": datetime.date(1950, 3, 1),
        "members": [{"birth_date": datetime.date(2024, 1, 1), "monthly_income": 2**70, 7: "x"}],
    }
    text = {
        "registered_locally": 1,
        "financial_assets": "1950-03-01",
        "members": [{"birth_date": "2024-01-01", "monthly_income": str(2**70)}],
    }
    got = problems(typed)
    assert [p for p in got if p[0] != "wrong_type" or p[1] != "members[0]"] == problems(text)
    # A field name that is not text is refused at the object that has it.
    assert ("wrong_type", "members[0]", "7") in got


def test_an_exception_raised_while_reading_is_raised(rules: bangfu.RuleSet) -> None:
    with pytest.raises(RuntimeError, match="cannot be listed"):
        rules.decide("household", {"registered_locally": True, "financial_assets": "0", "members": [Broken()]}, AS_OF)

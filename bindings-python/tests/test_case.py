"""One case through the Python API: exact values in and out, errors as data."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import pickle
from decimal import Decimal
from typing import List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bangfu

from conftest import AS_OF, CHENGYANG, REPO

THREE = {
    "registered_locally": True,
    "financial_assets": "10000",
    "members": [
        {"birth_date": "1980-01-01", "monthly_income": "800"},
        {"birth_date": "1982-05-01", "monthly_income": "800"},
        {"birth_date": "2010-03-01", "monthly_income": "800"},
    ],
}


def test_money_and_dates_come_back_exact(rules: bangfu.RuleSet) -> None:
    o = rules.evaluate("household", THREE, AS_OF, ["dibao"])
    assert o.eligible("dibao") is True
    amount = o.amount("dibao")
    assert isinstance(amount, Decimal) and str(amount) == "735.00"
    assert o["dibao.per_capita_income"] == Decimal("800")
    assert o["dibao.conditions.income_below_standard"] is True
    assert o.values["dibao"]["asset_limit"] == Decimal("50160")
    assert o.as_of == AS_OF and isinstance(o.as_of, datetime.date)
    assert o.entity == "household" and o.programs == ["dibao"]
    assert o.ruleset == {"id": rules.id, "version": rules.version, "hash": rules.hash}
    assert rules.hash.startswith("sha256:")
    p = o.parameters["dibao_standard"]
    assert p["value"] == Decimal("1045") and p["status"] == "published"
    assert p["from"] == datetime.date(2023, 1, 1)
    assert p["source"]["document"]
    assert any(a["name"] == "dibao.amount" for a in o.assumptions)
    with pytest.raises(KeyError):
        o.eligible("tekun")
    with pytest.raises(KeyError):
        o["dibao.nothing"]


def test_inputs_accept_decimal_int_date_and_text_alike(rules: bangfu.RuleSet) -> None:
    case = {
        "registered_locally": True,
        "financial_assets": Decimal("1E+4"),
        "members": [
            {"birth_date": datetime.date(1980, 1, 1), "monthly_income": 800},
            {"birth_date": "1982-05-01", "monthly_income": Decimal("800.00")},
            {"birth_date": datetime.date(2010, 3, 1), "monthly_income": "800"},
        ],
    }
    assert rules.evaluate("household", case, "2023-09-06", ["dibao"]).amount("dibao") == Decimal("735")


@pytest.mark.parametrize(
    "path,value",
    [
        (("financial_assets",), 10000.0),
        (("members", 1, "monthly_income"), 800.5),
        (("members", 0, "monthly_income"), float("nan")),
    ],
)
def test_a_float_is_refused_naming_its_field(rules: bangfu.RuleSet, path, value) -> None:
    case = {**THREE, "members": [dict(m) for m in THREE["members"]]}
    target = case
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(bangfu.InputError) as info:
        rules.evaluate("household", case, AS_OF, ["dibao"])
    loc = ".".join(str(p) for p in path).replace(".1.", "[1].").replace(".0.", "[0].")
    err = info.value
    assert err.code == "wrong_type"
    assert [e["loc"] for e in err.errors] == [loc]
    assert "float" in err.errors[0]["msg"]
    assert isinstance(err, bangfu.BangfuError) and isinstance(err, ValueError)


def test_every_input_error_is_reported_with_its_path(rules: bangfu.RuleSet) -> None:
    case = {
        "registered_locally": "yes",
        "financial_assets": "-1",
        "members": [{"birth_date": datetime.datetime(1980, 1, 1), "monthly_income": 1.5, "salary": "1"}],
    }
    with pytest.raises(bangfu.InputError) as info:
        rules.evaluate("household", case, AS_OF, ["dibao"])
    got = {(e["loc"], e["code"]) for e in info.value.errors}
    assert got == {
        ("registered_locally", "wrong_type"),
        ("financial_assets", "too_small"),
        ("members[0].birth_date", "wrong_type"),
        ("members[0].monthly_income", "wrong_type"),
        ("members[0].salary", "unknown_field"),
    }
    assert "members[0].salary" in str(info.value)


@dataclasses.dataclass
class Person:
    birth_date: datetime.date
    monthly_income: Decimal


@dataclasses.dataclass
class Household:
    registered_locally: bool
    financial_assets: Decimal
    members: List[Person]


class Meal(enum.Enum):
    LUNCH = "lunch"


def test_dataclasses_and_enums_are_read(rules: bangfu.RuleSet) -> None:
    h = Household(True, Decimal("10000"), [Person(datetime.date(1980, 1, 1), Decimal("800"))] * 3)
    assert rules.evaluate("household", h, AS_OF, ["dibao"]).amount("dibao") == Decimal("735.00")
    meal = {"birth_date": "1950-01-01", "meal_kind": Meal.LUNCH, "canteen_designated": True, "price": "15"}
    assert rules.evaluate("meal", meal, AS_OF).amount("meal_subsidy") == Decimal("6.00")


def test_numpy_integers_are_integers(rules: bangfu.RuleSet) -> None:
    np = pytest.importorskip("numpy")
    person = {"birth_date": "1983-09-06", "monthly_income": "0", "has_able_supporter": False,
              "disability_kind": "physical", "disability_grade": np.int64(2)}
    assert rules.evaluate("person", person, AS_OF, ["tekun"]).eligible("tekun") is True


def test_evaluation_errors_carry_codes(rules: bangfu.RuleSet) -> None:
    with pytest.raises(bangfu.EvaluationError) as info:
        rules.evaluate("household", THREE, "2017-04-15", ["dibao"])
    assert info.value.code == "no_rules_in_force"
    assert info.value.details["program"] == "dibao"
    with pytest.raises(bangfu.EvaluationError) as info:
        rules.evaluate("spaceship", {}, AS_OF)
    assert info.value.code == "unknown_entity"
    with pytest.raises(bangfu.EvaluationError) as info:
        rules.evaluate("household", THREE, AS_OF, ["housing"])
    assert info.value.code == "unknown_program"
    with pytest.raises(TypeError):
        rules.evaluate("household", THREE, datetime.datetime(2023, 9, 6))
    with pytest.raises(ValueError):
        rules.evaluate("household", THREE, "2023-02-30")


def test_explanations_in_both_languages(rules: bangfu.RuleSet) -> None:
    o = rules.evaluate("household", THREE, AS_OF, ["dibao"])
    assert "家庭人均月收入 800 元低于低保标准 1045 元" in o.explain()
    assert "below the dibao standard of 1045 yuan" in o.explain("en")
    with pytest.raises(ValueError):
        o.explain("fr")
    cond = o.conditions["dibao"][1]
    assert cond["id"] == "income_below_standard" and cond["passed"] and cond["reject"] is None
    assert cond["explanation"]["zh"] == "家庭人均月收入 800 元低于低保标准 1045 元"
    d = o.to_dict()
    assert d["programs"]["dibao"]["amount"] == Decimal("735.00")
    assert d["as_of"] == AS_OF
    assert '"amount": "735.00"' in o.to_json()
    assert "735.00" in repr(o)


def test_rule_set_errors_list_every_diagnostic() -> None:
    folder = REPO / "tests" / "fixtures" / "invalid" / "several-defects"
    expected = [
        line.split()
        for line in (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    with pytest.raises(bangfu.RuleSetError) as info:
        bangfu.RuleSet.load(folder)
    err = info.value
    assert err.code == "rule_set_invalid"
    got = [[d["code"], d["name"], f"{d['file']}:{d['line']}:{d['column']}"] for d in err.diagnostics]
    assert sorted(got) == sorted(expected)
    assert all(set(d) >= {"code", "name", "message", "file", "line", "column"} for d in err.diagnostics)
    assert "E0013" in str(err)
    # Errors survive pickling (for multiprocessing).
    again = pickle.loads(pickle.dumps(err))
    assert again.diagnostics == err.diagnostics and again.code == err.code


def test_from_files_and_a_missing_folder() -> None:
    folder = REPO / "tests" / "fixtures" / "valid" / "minimal"
    files = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.toml")}
    rules = bangfu.RuleSet.from_files(files)
    assert rules.hash == bangfu.RuleSet.load(folder).hash
    with pytest.raises(bangfu.RuleSetError):
        bangfu.RuleSet.load(REPO / "no-such-folder")
    with pytest.raises(bangfu.RuleSetError) as info:
        bangfu.RuleSet.from_files({"ruleset.toml": "[ruleset\n"})
    assert info.value.diagnostics[0]["code"] == "E0001"


def test_reforms_by_override_and_by_overlay(rules: bangfu.RuleSet) -> None:
    reform = rules.reform({"dibao_standard": "1100"})
    assert reform.version.endswith("+reform") and reform.hash != rules.hash
    assert reform.overrides == {"dibao_standard": "1100"}
    assert rules.parameter("dibao_standard", AS_OF) == Decimal("1045")
    assert reform.parameter("dibao_standard", AS_OF) == Decimal("1100")
    assert reform.evaluate("household", THREE, AS_OF, ["dibao"]).amount("dibao") == Decimal("900.00")
    # Derived parameters follow; the same reform written with Decimal or int.
    assert rules.reform({"dibao_standard": Decimal("1100")}).hash == reform.hash
    assert rules.reform({"dibao_standard": 1100}).hash == reform.hash
    with pytest.raises(bangfu.InputError) as info:
        rules.reform({"dibao_standard": 1100.0})
    assert info.value.errors[0]["loc"] == "dibao_standard"
    with pytest.raises(bangfu.RuleSetError):
        rules.reform({"no_such_parameter": "1"})
    dated = rules.reform({"dibao_standard": "1200"}, from_date="2023-10-01")
    assert dated.parameter("dibao_standard", AS_OF) == Decimal("1045")
    assert dated.parameter("dibao_standard", "2023-10-01") == Decimal("1200")

    overlay = rules.with_overlay(
        {
            "meal.toml": """
[parameters.meal_subsidy_70_plus]
type = "money"
unit = "yuan/person/meal"
label = { zh = "70周岁以上老人就餐补贴", en = "Meal subsidy, age 70 and over" }

[[parameters.meal_subsidy_70_plus.history]]
from = 2023-01-01
value = "8"
status = "assumption"
source = { document = "Reform scenario", note = { zh = "由6元提高到8元，供分析。", en = "A raise from 6 to 8 yuan, for analysis." } }
"""
        }
    )
    meal = {"birth_date": "1950-01-01", "meal_kind": "lunch", "canteen_designated": True, "price": "15"}
    assert rules.evaluate("meal", meal, AS_OF).amount("meal_subsidy") == Decimal("6.00")
    o = overlay.evaluate("meal", meal, AS_OF)
    assert o.amount("meal_subsidy") == Decimal("8.00")
    assert any(a["name"] == "meal_subsidy_70_plus" for a in o.assumptions)


def test_programs_and_entities(rules: bangfu.RuleSet) -> None:
    assert {"household", "person", "meal"} <= set(rules.entities)
    assert "dibao" in rules.programs("household") and "dibao" not in rules.programs("meal")
    assert set(rules.programs()) >= set(rules.programs("household"))
    assert rules.parameter("dibao_standard", "2000-01-01") is None


JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=12)
    | st.decimals(allow_nan=True)
    | st.dates(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(["registered_locally", "financial_assets", "members", "birth_date", "monthly_income", "x"]),
        children,
        max_size=5,
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(case=JSONISH, entity=st.sampled_from(["household", "person", "meal", "nope"]))
def test_any_input_gives_an_outcome_or_a_bangfu_error(rules: bangfu.RuleSet, case, entity) -> None:
    try:
        rules.evaluate(entity, case, AS_OF)
    except bangfu.BangfuError as e:
        assert e.code and e.code != "internal_error"


def test_reform_problems_are_located_and_stamped(rules):
    with pytest.raises(bangfu.ReformError) as info:
        rules.reform({"dibao_standard": "abc", "no_such_parameter": "1"})
    locs = [e["loc"] for e in info.value.errors]
    assert locs == ["overrides.dibao_standard", "overrides.no_such_parameter"]
    assert info.value.code == "invalid_reform"
    assert isinstance(info.value, bangfu.InputError) and isinstance(info.value, bangfu.RuleSetError)
    reform = rules.reform({"dibao_standard": "1100"})
    assert rules.reform_hash is None and reform.reform_hash.startswith("sha256:")
    assert reform.hash not in (rules.hash, reform.reform_hash)


def test_argument_errors_are_bangfu_errors_naming_the_argument(rules: bangfu.RuleSet) -> None:
    o = rules.evaluate("household", THREE, AS_OF, ["dibao"])
    calls = [
        (lambda: rules.evaluate("household", THREE, datetime.datetime(2023, 9, 6)), bangfu.ArgumentTypeError, "date", "wrong_type"),
        (lambda: rules.evaluate("household", THREE, 20230906), bangfu.ArgumentTypeError, "date", "wrong_type"),
        (lambda: rules.evaluate("household", THREE, "2023-02-30"), bangfu.ArgumentError, "date", "invalid_argument"),
        (lambda: rules.evaluate(42, THREE, AS_OF), bangfu.ArgumentTypeError, "entity", "wrong_type"),
        (lambda: rules.evaluate("household", THREE, AS_OF, "dibao"), bangfu.ArgumentTypeError, "programs", "wrong_type"),
        (lambda: rules.evaluate("household", THREE, AS_OF, [1]), bangfu.ArgumentTypeError, "programs", "wrong_type"),
        (lambda: rules.programs(entity=5), bangfu.ArgumentTypeError, "entity", "wrong_type"),
        (lambda: rules.parameter(5, AS_OF), bangfu.ArgumentTypeError, "name", "wrong_type"),
        (lambda: rules.with_overlay(["x.toml"]), bangfu.ArgumentTypeError, "files", "wrong_type"),
        (lambda: o.explain("fr"), bangfu.ArgumentError, "lang", "invalid_argument"),
        (lambda: o.explain(1), bangfu.ArgumentTypeError, "lang", "wrong_type"),
        (lambda: o.eligible(None), bangfu.ArgumentTypeError, "program", "wrong_type"),
    ]
    for call, cls, argument, code in calls:
        with pytest.raises(cls) as info:
            call()
        assert isinstance(info.value, bangfu.BangfuError)
        assert (info.value.argument, info.value.code) == (argument, code), str(info.value)
        assert argument in str(info.value)
    # Built-in bases are kept, so code written against them still works.
    assert issubclass(bangfu.ArgumentError, ValueError)
    assert issubclass(bangfu.ArgumentTypeError, TypeError)
    assert issubclass(bangfu.UnknownNameError, KeyError)
    names = [
        (lambda: o.eligible("tekun"), "tekun"),
        (lambda: o["dibao.nothing"], "dibao.nothing"),
        (lambda: rules.parameter("no_such_parameter", AS_OF), "no_such_parameter"),
    ]
    for call, name in names:
        with pytest.raises(bangfu.UnknownNameError) as info:
            call()
        assert (info.value.name, info.value.code) == (name, "unknown_name")
        assert name in str(info.value)
    assert 5 not in o and "dibao.eligible" in o

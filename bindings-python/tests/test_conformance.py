"""The shared conformance suite (tests/conformance/*.json) through Python.

The same cases the Rust API and the CLI answer (see
tests/conformance/README.md): every expected key is read with
``Outcome[key]`` and compared exactly (money and numbers as ``Decimal``),
explanations as rendered text, assumptions by name, and refused cases by
error code and location. Failures list every mismatch of a case.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List

import pytest

import bangfu

from conftest import REPO

CONFORMANCE = REPO / "tests" / "conformance"


def load_cases() -> List[Dict[str, Any]]:
    cases = []
    for path in sorted(CONFORMANCE.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        for case in doc["cases"]:
            cases.append({**case, "_file": path.name, "_ruleset": doc["ruleset"]})
    return cases


CASES = load_cases()
_RULES: Dict[str, bangfu.RuleSet] = {}


def rules_for(case: Dict[str, Any]) -> bangfu.RuleSet:
    path = case["_ruleset"]
    if path not in _RULES:
        _RULES[path] = bangfu.RuleSet.load(REPO / path)
    rules = _RULES[path]
    if "reform" in case:
        rules = rules.reform(case["reform"])
    return rules


def matches(want: Any, got: Any) -> bool:
    if isinstance(want, bool):
        return got is want
    if isinstance(got, Decimal):
        return isinstance(want, (str, int, Decimal)) and not isinstance(want, bool) and Decimal(str(want)) == got
    if isinstance(got, datetime.date):
        return datetime.date.fromisoformat(want) == got
    return want == got


def test_the_suite_is_there() -> None:
    assert len(CASES) >= 50, "the conformance suite should not silently shrink"


@pytest.mark.parametrize("case", CASES, ids=[f"{c['_file']}:{c['id']}" for c in CASES])
def test_case(case: Dict[str, Any]) -> None:
    rules = rules_for(case)
    as_of = datetime.date.fromisoformat(case["as_of"])
    want_error = case.get("expect_error")
    try:
        outcome = rules.evaluate(case["entity"], case["input"], as_of, case.get("programs"))
    except bangfu.InputError as e:
        assert want_error, f"unexpected input errors: {e.errors}"
        assert all(set(err) >= {"code", "loc", "msg", "input"} for err in e.errors)
        found = [err for err in e.errors if err["code"] == want_error["code"]]
        if "loc" in want_error:
            found = [err for err in found if err["loc"] == want_error["loc"]]
        assert found, f"expected {want_error}, got {e.errors}"
        return
    except bangfu.EvaluationError as e:
        assert want_error, f"unexpected evaluation error [{e.code}]: {e}"
        assert e.code == want_error["code"] and not want_error.get("loc"), (e.code, want_error)
        return
    assert not want_error, f"expected {want_error}, but the case evaluated: {outcome!r}"

    failures = []
    for key, want in case.get("expect", {}).items():
        if key not in outcome:
            failures.append(f"{key}: missing")
            continue
        got = outcome[key]
        if not matches(want, got):
            failures.append(f"{key}: expected {want!r}, got {got!r}")
    conditions = outcome.conditions
    for key, texts in case.get("explanation", {}).items():
        program, _, cond = key.partition(".conditions.")
        found = [c for c in conditions.get(program, []) if c["id"] == cond]
        if not found:
            failures.append(f"{key}: no such condition")
            continue
        for lang in ("zh", "en"):
            got = found[0]["explanation"][lang]
            if got != texts[lang]:
                failures.append(f"{key} [{lang}]: expected {texts[lang]!r}, got {got!r}")
            if got not in outcome.explain(lang):
                failures.append(f"{key} [{lang}]: not in explain()")
    names = {a["name"] for a in outcome.assumptions}
    for name in case.get("assumptions", []):
        if name not in names:
            failures.append(f"assumption {name!r} not listed (have {sorted(names)})")
    for name in case.get("not_assumptions", []):
        if name in names:
            failures.append(f"assumption {name!r} listed, but does not apply")
    # The outcome carries the rule set that decided.
    stamp = {"id": rules.id, "version": rules.version, "hash": rules.hash}
    if rules.reform_hash is not None:
        stamp["reform"] = rules.reform_hash
    assert outcome.ruleset == stamp
    assert not failures, "\n".join(failures)


BATCHABLE = [c for c in CASES if "expect_error" not in c]


@pytest.mark.parametrize("case", BATCHABLE, ids=[f"{c['_file']}:{c['id']}" for c in BATCHABLE])
def test_case_as_a_one_row_population(case: Dict[str, Any]) -> None:
    """The same case through the columnar path gives the same decisions."""
    import pyarrow as pa

    rules = rules_for(case)
    base = _RULES[case["_ruleset"]]
    as_of = datetime.date.fromisoformat(case["as_of"])
    single = rules.evaluate(case["entity"], case["input"], as_of, case.get("programs"))
    data = dict(case["input"])
    people = data.pop("members", None)
    cases = pa.Table.from_pylist([{"household_id": 1, **data}])
    if people is None:
        cases = cases.drop_columns(["household_id"])
        members = None
    else:
        # Every field any member gives (from_pylist reads the first row's
        # keys only); a member without one gives null.
        keys = list(dict.fromkeys(k for p in people for k in p))
        members = pa.Table.from_pylist([{"household_id": 1, **{k: p.get(k) for k in keys}} for p in people])
    # Built with the baseline rules, evaluated with the case's (reformed) rules.
    population = base.population(cases, members, date=as_of, entity=case["entity"])
    result = population.evaluate(rules, as_of, case.get("programs")).to_pylist()[0]
    assert result["error"] is None
    for program in single.programs:
        assert result[f"{program}.eligible"] == single.eligible(program), program
        if f"{program}.amount" in result:
            assert result[f"{program}.amount"] == single.amount(program), program

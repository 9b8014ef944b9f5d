"""Differential test: random valid and invalid households answered through
every surface — the Rust API, the `bangfu` command, Python (one case and a
population) and WASM — must give identical answers: the same outcome JSON
for a valid case, the same error codes at the same places for an invalid one.

    .venv/bin/python tests/differential/run.py [--seed N] [--cases N]

Needs the `bangfu` binary (cargo build -p bangfu-cli), the Python package
(maturin develop) and the WASM package (bindings-wasm/build.sh); scripts/test
runs it after building all three. Exit status 1 on any difference.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List

import pyarrow as pa

import bangfu

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
from cases import generate  # noqa: E402

RULES = REPO / "rules" / "cn-qingdao-chengyang"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
LINE = re.compile(r"^  (\S+): .* \[([a-z_]+)\]$")
LAST = re.compile(r"\[([a-z_]+)\]$")


def lines(text: str) -> Dict[str, Any]:
    return {a["id"]: a for a in (json.loads(line) for line in text.splitlines() if line.strip())}


def rust(cases_file: Path) -> Dict[str, Any]:
    cmd = ["cargo", "run", "--quiet", "--locked", "-p", "bangfu", "--example", "answers", "--", str(RULES), str(cases_file)]
    return lines(subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True).stdout)


def cli(cases: List[Dict[str, Any]], work: Path) -> Dict[str, Any]:
    binary = TARGET / "debug" / "bangfu"
    answers = {}
    for c in cases:
        path = work / f"{c['id']}.json"
        path.write_text(json.dumps(c["input"], ensure_ascii=False))
        cmd = [str(binary), "eval", str(RULES), "--on", c["as_of"], "--entity", c["entity"], str(path)]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode == 0:
            answers[c["id"]] = {"id": c["id"], "outcome": json.loads(run.stdout)}
            continue
        err = run.stderr.strip().splitlines()
        if err and "invalid input" in err[0]:
            found = sorted(f"{m.group(2)}@{m.group(1)}" for m in map(LINE.match, err[1:]) if m)
            answers[c["id"]] = {"id": c["id"], "errors": found}
        else:
            m = LAST.search(err[0]) if err else None
            answers[c["id"]] = {"id": c["id"], "error": m.group(1) if m else f"exit {run.returncode}: {run.stderr}"}
    return answers


def python_one(rules: bangfu.RuleSet, cases: List[Dict[str, Any]]) -> Dict[str, Any]:
    answers = {}
    for c in cases:
        try:
            o = rules.evaluate(c["entity"], c["input"], c["as_of"])
            answers[c["id"]] = {"id": c["id"], "outcome": json.loads(o.to_json())}
        except bangfu.InputError as e:
            answers[c["id"]] = {"id": c["id"], "errors": sorted(f"{x['code']}@{x['loc']}" for x in e.errors)}
        except bangfu.EvaluationError as e:
            answers[c["id"]] = {"id": c["id"], "error": e.code}
    return answers


def wasm(cases_file: Path) -> Dict[str, Any]:
    cmd = ["node", str(HERE / "wasm.mjs"), str(RULES), str(cases_file)]
    return lines(subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True).stdout)


def as_text(v: Any) -> Any:
    """A cell of a text column: what the case's JSON value reads as."""
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def batchable(c: Dict[str, Any]) -> bool:
    """Cases a pair of tables can hold: members a non-empty list of objects,
    every value a scalar (a table cell), no field a table lacks a column for
    by design (an unknown field is a column every row has)."""
    h = c["input"]
    members = h.get("members")
    if not isinstance(members, list) or not members or not all(isinstance(m, dict) for m in members):
        return False
    scalar = lambda d: all(v is None or isinstance(v, (str, bool, int)) for k, v in d.items() if k != "members")  # noqa: E731
    return scalar(h) and all(scalar(m) for m in members)


def python_batch(rules: bangfu.RuleSet, cases: List[Dict[str, Any]], one: Dict[str, Any]) -> List[str]:
    """Populations (one per date) of the cases tables can hold, as text
    columns; each row's answer must be the one-case answer: eligibility and
    amount per program, or the same error codes at the same places."""
    problems = []
    by_date = defaultdict(list)
    for c in cases:
        # A value of the wrong JSON type has no counterpart in a text cell.
        if batchable(c) and not any(e.startswith("wrong_type@") for e in one[c["id"]].get("errors", [])):
            by_date[c["as_of"]].append(c)
    for as_of, group in sorted(by_date.items()):
        h_fields = sorted({k for c in group for k in c["input"] if k != "members"})
        m_fields = sorted({k for c in group for m in c["input"]["members"] for k in m})
        hs = {"household_id": [c["id"] for c in group]}
        for f in h_fields:
            hs[f] = [as_text(c["input"].get(f)) for c in group]
        ms: Dict[str, List[Any]] = {"household_id": []}
        ms.update({f: [] for f in m_fields})
        for c in group:
            for m in c["input"]["members"]:
                ms["household_id"].append(c["id"])
                for f in m_fields:
                    ms[f].append(as_text(m.get(f)))
        table = lambda d: pa.table({k: pa.array(v, pa.string()) for k, v in d.items()})  # noqa: E731
        # A field absent from a case and a null cell mean the same: absent.
        pop = rules.population(table(hs), table(ms), date=as_of, errors="collect")
        errors = defaultdict(list)
        for e in pop.errors.to_pylist():
            errors[e["household"]].append(f"{e['code']}@{e['loc']}")
        try:
            result = {r["household_id"]: r for r in pop.evaluate(rules, errors="collect").to_pylist()}
        except bangfu.EvaluationError as e:
            result = {c["id"]: {"error": e.code} for c in group}
        for c in group:
            want, row = one[c["id"]], result.get(c["id"], {})
            if "errors" in want:
                # A table may carry columns that are not inputs (an analyst's
                # region or survey weight): one case refuses an unknown field,
                # a population reads the columns it knows.
                want = {"errors": [e for e in want["errors"] if not e.startswith("unknown_field@")]}
                if not want["errors"]:
                    continue
                if sorted(errors[c["id"]]) != want["errors"]:
                    problems.append(f"{c['id']} batch errors {sorted(errors[c['id']])} != one case {want['errors']}")
            elif "error" in want:
                if row.get("error") != want["error"]:
                    problems.append(f"{c['id']} batch error {row.get('error')} != one case {want['error']}")
            else:
                for name, p in want["outcome"]["programs"].items():
                    got = (row.get(f"{name}.eligible"), row.get(f"{name}.amount"))
                    amount = None if p["amount"] is None else Decimal(p["amount"])
                    if got[0] != p["eligible"] or (f"{name}.amount" in row and got[1] != amount):
                        problems.append(f"{c['id']} batch {name} {got} != one case {(p['eligible'], amount)}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=20231)
    ap.add_argument("--cases", type=int, default=300)
    args = ap.parse_args()
    cases = generate(args.seed, args.cases)
    rules = bangfu.RuleSet.load(RULES)
    with tempfile.TemporaryDirectory(prefix="bangfu-differential-") as tmp:
        work = Path(tmp)
        cases_file = work / "cases.json"
        cases_file.write_text(json.dumps(cases, ensure_ascii=False))
        reference = rust(cases_file)
        surfaces = {"cli": cli(cases, work), "python": python_one(rules, cases), "wasm": wasm(cases_file)}
    problems = []
    for name, answers in surfaces.items():
        for c in cases:
            want, got = reference.get(c["id"]), answers.get(c["id"])
            if want != got:
                problems.append(f"{c['id']} ({name}): rust {json.dumps(want)[:300]}\n    {name} {json.dumps(got)[:300]}")
    problems += python_batch(rules, cases, reference)
    kinds = defaultdict(int)
    for a in reference.values():
        kinds["outcome" if "outcome" in a else "input errors" if "errors" in a else "evaluation error"] += 1
    print(f"{len(cases)} cases (seed {args.seed}): " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    if problems:
        print(f"{len(problems)} differences:")
        for p in problems[:20]:
            print("  " + p)
        return 1
    print("Rust, CLI, Python (one case and batch) and WASM agree on every case")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The README's examples run, and print what the README says they print.

Every ```python block of bindings-python/README.md runs in order in one
namespace, from the repository root. When a plain ``` block follows, each of
its lines (except ``...``) must appear in what the code printed.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

from conftest import REPO

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks() -> List[Tuple[str, Optional[str]]]:
    found = re.findall(r"```(\w*)\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    out: List[Tuple[str, Optional[str]]] = []
    for i, (lang, body) in enumerate(found):
        if lang != "python":
            continue
        following = found[i + 1] if i + 1 < len(found) else None
        out.append((body, following[1] if following and following[0] == "" else None))
    return out


def test_readme_examples_run_and_print_what_they_say() -> None:
    pytest.importorskip("pandas")
    examples = blocks()
    assert len(examples) >= 6
    namespace: dict = {}
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        for code, expected in examples:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(code, str(README), "exec"), namespace)
            printed = out.getvalue()
            for line in (expected or "").splitlines():
                if line.strip() and line.strip() != "...":
                    assert line.rstrip() in printed, f"README says {line!r}; the code printed:\n{printed}"
    finally:
        os.chdir(cwd)

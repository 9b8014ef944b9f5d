"""Shared fixtures: the repository's rule set, loaded once per session."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

import bangfu

REPO = Path(__file__).resolve().parents[2]
CHENGYANG = REPO / "rules" / "cn-qingdao-chengyang"
AS_OF = datetime.date(2023, 9, 6)


@pytest.fixture(scope="session")
def rules() -> bangfu.RuleSet:
    return bangfu.RuleSet.load(CHENGYANG)


@pytest.fixture(scope="session")
def district():
    return bangfu.synthetic.district(2000, seed=11)

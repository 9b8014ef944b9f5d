"""A deterministic synthetic district, for notebooks, tests and benchmarks.

The same ``(n, seed, as_of)`` gives the same tables on every machine (the
generator is integer-only Rust code). Money columns are ``decimal128(18, 2)``,
dates ``date32``, disability kinds and meal kinds dictionary-encoded strings.
The columns are exactly the inputs of the Chengyang rule set's ``household``,
``person`` and ``meal`` entities, plus ``household_id``.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple, Optional

import pyarrow as pa

from . import _bangfu

__all__ = ["District", "district", "meals"]


class District(NamedTuple):
    """Households and their members, linked by ``household_id``."""

    households: pa.Table
    members: pa.Table


def district(n_households: int, seed: int = 0, as_of: Optional[datetime.date] = None) -> District:
    """``n_households`` households (about 2.8 members each) as of ``as_of``
    (2023-09-06 by default)."""
    households, members = _bangfu.synthetic_district(n_households, seed, as_of)
    return District(households, members)


def meals(n_meals: int, seed: int = 0, as_of: Optional[datetime.date] = None) -> pa.Table:
    """``n_meals`` meal records (diners aged 50–95) as of ``as_of``."""
    return _bangfu.synthetic_meals(n_meals, seed, as_of)

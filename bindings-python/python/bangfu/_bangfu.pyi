"""Type stubs for the compiled module ``bangfu._bangfu``.

tests/test_stubs.py checks these names and signatures against the module.
"""

import datetime
import os
from decimal import Decimal
from typing import Any, Dict, List, Literal, Mapping, Optional, Sequence, Tuple, Union

import pyarrow as pa

__version__: str

DateLike = Union[datetime.date, str]
#: A parameter value: never a float.
ParameterValue = Union[str, int, Decimal, bool, datetime.date]
#: Money and numbers come back as Decimal, dates as date, choices as their id.
Value = Union[Decimal, bool, datetime.date, str, None]

class RuleSet:
    """A loaded, checked rule set. Immutable: a reform is a new ``RuleSet``."""

    @staticmethod
    def load(path: Union[str, "os.PathLike[str]"]) -> "RuleSet":
        """Loads the rule set in a folder; raises ``RuleSetError`` with every diagnostic."""
    @staticmethod
    def from_files(files: Mapping[str, str]) -> "RuleSet":
        """Loads a rule set from in-memory files ``{path: text}``."""
    @property
    def id(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def hash(self) -> str: ...
    @property
    def overrides(self) -> Dict[str, str]: ...
    @property
    def reform_hash(self) -> Optional[str]: ...
    @property
    def entities(self) -> List[str]: ...
    def programs(self, entity: Optional[str] = None) -> List[str]: ...
    def parameter(self, name: str, date: DateLike) -> Value:
        """The value of a parameter in force on ``date`` (``None`` when none is)."""
    def evaluate(
        self,
        entity: str,
        case: Any,
        date: DateLike,
        programs: Optional[Sequence[str]] = None,
    ) -> "Outcome":
        """Evaluates one case (a dict, dataclass or pydantic model) as of ``date``."""
    def decide(
        self,
        entity: str,
        case: Any,
        date: DateLike,
        programs: Optional[Sequence[str]] = None,
    ) -> Dict[str, Tuple[bool, Optional[Decimal]]]:
        """Eligibility and amount per program of one case, without the explanation."""
    def reform(
        self,
        overrides: Mapping[str, ParameterValue],
        *,
        from_date: Optional[DateLike] = None,
    ) -> "RuleSet":
        """This rule set with parameter overrides, e.g. ``{"dibao_standard": "1100"}``."""
    def with_overlay(self, files: Mapping[str, str]) -> "RuleSet":
        """This rule set with overlay files whose items replace items of the same name."""
    def population(
        self,
        cases: Any,
        members: Optional[Any] = None,
        *,
        date: DateLike,
        key: str = "household_id",
        entity: str = "household",
        errors: Literal["raise", "collect"] = "raise",
        money_from_float: Optional[Literal["round_to_fen"]] = None,
        programs: Optional[Sequence[str]] = None,
    ) -> "Population":
        """Builds a population from Arrow-compatible tables (pyarrow, pandas, polars, DuckDB);
        without ``members``, the members are a ``members`` list-of-structs column of ``cases``.
        With ``programs``, inputs those programs do not read may be left out."""

class Outcome:
    """The outcome of one case on one date."""

    def eligible(self, program: str) -> bool: ...
    def amount(self, program: str) -> Optional[Decimal]: ...
    def __getitem__(self, key: str) -> Value: ...
    def __contains__(self, key: str) -> bool: ...
    @property
    def programs(self) -> List[str]: ...
    @property
    def entity(self) -> str: ...
    @property
    def as_of(self) -> datetime.date: ...
    @property
    def ruleset(self) -> Dict[str, str]: ...
    @property
    def values(self) -> Dict[str, Dict[str, Value]]: ...
    @property
    def conditions(self) -> Dict[str, List[Dict[str, Any]]]: ...
    @property
    def parameters(self) -> Dict[str, Dict[str, Any]]: ...
    @property
    def assumptions(self) -> List[Dict[str, str]]: ...
    def explain(self, lang: Literal["zh", "en"] = "zh") -> str: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def to_json(self) -> str: ...

class Population:
    """Cases built once from tables, evaluated against any number of rule sets."""

    def evaluate(
        self,
        rules: RuleSet,
        date: Optional[DateLike] = None,
        programs: Optional[Sequence[str]] = None,
        errors: Literal["raise", "collect"] = "raise",
    ) -> pa.Table:
        """Key (or ``row``), ``error``, ``<program>.eligible`` and ``<program>.amount`` per case."""
    def evaluate_with_members(
        self,
        rules: RuleSet,
        date: Optional[DateLike] = None,
        programs: Optional[Sequence[str]] = None,
        errors: Literal["raise", "collect"] = "raise",
        collection: str = "members",
    ) -> Tuple[pa.Table, pa.Table]:
        """The cases' table (as ``evaluate``) and the members': key, ``member``, and per member program ``<program>.eligible`` and ``<program>.amount``."""
    @property
    def errors(self) -> pa.Table:
        """``table``, ``row``, ``household``, ``loc``, ``code``, ``message`` per row problem."""
    @property
    def entity(self) -> str: ...
    @property
    def date(self) -> datetime.date: ...
    @property
    def valid_count(self) -> int: ...
    @property
    def invalid_count(self) -> int: ...
    @property
    def timings(self) -> Dict[str, float]: ...
    def __len__(self) -> int: ...

def compare(
    baseline: RuleSet,
    reform: RuleSet,
    population: Population,
    date: Optional[DateLike] = None,
    programs: Optional[Sequence[str]] = None,
) -> Dict[str, Any]: ...
def sweep(
    rules: RuleSet,
    population: Population,
    parameter: str,
    values: Sequence[ParameterValue],
    date: Optional[DateLike] = None,
    programs: Optional[Sequence[str]] = None,
) -> pa.Table: ...
def cliffs(
    rules: RuleSet,
    case: Any,
    vary: str,
    low: Any,
    high: Any,
    date: DateLike,
    entity: Optional[str] = None,
    programs: Optional[Sequence[str]] = None,
) -> str: ...
def what_would_change(
    rules: RuleSet,
    case: Any,
    date: DateLike,
    programs: Optional[Sequence[str]] = None,
    vary: Optional[str] = None,
    low: Any = None,
    high: Any = None,
    entity: Optional[str] = None,
) -> str: ...
def synthetic_district(
    n_households: int, seed: int = 0, as_of: Optional[DateLike] = None
) -> Tuple[pa.Table, pa.Table]: ...
def synthetic_meals(n_meals: int, seed: int = 0, as_of: Optional[DateLike] = None) -> pa.Table: ...
def run_cli(args: List[str]) -> int:
    """Runs the `bangfu` command line (the program name first); returns its exit code."""
def _evaluate_count(
    rules: RuleSet,
    population: Population,
    date: Optional[DateLike] = None,
    programs: Optional[Sequence[str]] = None,
) -> int: ...

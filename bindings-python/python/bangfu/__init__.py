"""bangfu (帮扶): social-assistance rules as code, answered exactly.

Load a rule set, evaluate one case or a whole population as of a date, and
compare a reform with the baseline. Money is ``decimal.Decimal`` (never a
float), dates are ``datetime.date``, and tables are pyarrow tables with exact
decimal columns. All the deciding is done by the Rust core; this package
converts values and errors.

>>> import bangfu
>>> rules = bangfu.RuleSet.load("rules/cn-qingdao-chengyang")  # doctest: +SKIP
"""

from __future__ import annotations

from ._bangfu import Outcome, Population, RuleSet, __version__
from ._compare import Comparison, compare, sweep
from ._cliffs import Cliffs, cliffs, plot_cliffs, what_would_change
from ._errors import (
    ArgumentError,
    ArgumentTypeError,
    BangfuError,
    EvaluationError,
    InputError,
    ReformError,
    RuleSetError,
    UnknownNameError,
)
from . import synthetic

__all__ = [
    "RuleSet",
    "Outcome",
    "Population",
    "Comparison",
    "compare",
    "sweep",
    "Cliffs",
    "cliffs",
    "what_would_change",
    "plot_cliffs",
    "synthetic",
    "BangfuError",
    "RuleSetError",
    "InputError",
    "ReformError",
    "EvaluationError",
    "ArgumentError",
    "ArgumentTypeError",
    "UnknownNameError",
    "__version__",
]
